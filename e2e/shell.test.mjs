// The page layout: it loads, shows its title and its regions (controls, pipeline and
// inspector, metrics) side by side at desktop size and stacked on a phone, and the
// large-font switch enlarges what is shown.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DESKTOP, PHONE, screenshot, startLab, waitForShell } from './harness.mjs';

const REGIONS = ['controls', 'pipeline', 'inspector', 'metrics'];
let lab;

before(async () => {
  lab = await startLab();
});

after(async () => {
  await lab?.close();
});

/** The bounding box of each region, by name. */
async function regionBoxes(page) {
  const boxes = {};
  for (const name of REGIONS) {
    boxes[name] = await page.locator(`[data-region="${name}"]`).boundingBox();
  }
  return boxes;
}

test('the page loads with its title and the regions side by side', async () => {
  const s = await lab.open('/', { viewport: DESKTOP });
  const { page } = s;
  assert.equal(s.response.status(), 200);
  await waitForShell(page);

  assert.equal(await page.title(), 'statelab');
  assert.equal((await page.locator('header h1').textContent()).trim(), 'statelab');
  for (const name of REGIONS) {
    assert.equal(await page.locator(`[data-region="${name}"]`).count(), 1, `one ${name} region`);
    assert.ok(await page.locator(`[data-region="${name}"]`).isVisible(), `${name} is visible`);
  }
  assert.equal(await page.locator('aside[data-region="controls"]').count(), 1);
  assert.equal(await page.locator('[data-region="pipeline"] canvas').count(), 1);

  // At 1280 px: controls | pipeline over inspector | metrics.
  const box = await regionBoxes(page);
  assert.ok(box.controls.x + box.controls.width <= box.pipeline.x, 'controls left of pipeline');
  assert.ok(box.pipeline.x + box.pipeline.width <= box.metrics.x, 'pipeline left of metrics');
  assert.ok(box.pipeline.y + box.pipeline.height <= box.inspector.y, 'inspector under pipeline');
  assert.ok(Math.abs(box.controls.y - box.metrics.y) < 2, 'regions start on one row');
  assert.ok(box.metrics.x + box.metrics.width <= DESKTOP.width, 'metrics fits the width');
  // The whole pipeline view is on the first screen.
  assert.ok(box.pipeline.y + box.pipeline.height <= DESKTOP.height, 'pipeline fits in 720 px');

  // The canvas is drawn at the screen's pixel density, not stretched.
  const canvas = await page.locator('.pipeline-canvas').evaluate((c) => ({
    w: c.width,
    cssW: c.getBoundingClientRect().width,
    dpr: window.devicePixelRatio,
  }));
  assert.ok(Math.abs(canvas.w - Math.round(canvas.cssW * canvas.dpr)) <= 1, JSON.stringify(canvas));

  await screenshot(page, 'shell-1280x720');
  await s.finish();
});

test('at 390 px wide the regions stack without sideways scrolling', async () => {
  const s = await lab.open('/', { viewport: PHONE });
  const { page } = s;
  await waitForShell(page);

  // The pipeline comes first on a phone: it is what the lab is about.
  const box = await regionBoxes(page);
  assert.ok(box.pipeline.y + box.pipeline.height <= box.inspector.y, 'pipeline above inspector');
  assert.ok(box.inspector.y + box.inspector.height <= box.controls.y, 'inspector above controls');
  assert.ok(box.controls.y + box.controls.height <= box.metrics.y, 'controls above metrics');
  for (const name of REGIONS) {
    assert.ok(box[name].x >= 0 && box[name].x + box[name].width <= PHONE.width, `${name} fits`);
  }
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(scrollWidth <= PHONE.width, `no sideways scrolling (scrollWidth ${scrollWidth})`);

  await screenshot(page, 'shell-390x844');
  await s.finish();
});

test('the large-font switch enlarges the text and shows its state', async () => {
  const s = await lab.open('/', { viewport: DESKTOP });
  const { page } = s;
  await waitForShell(page);

  const toggle = page.getByRole('button', { name: /large font/i });
  const titleSize = () =>
    page.locator('header h1').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));

  assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
  assert.equal((await toggle.textContent()).trim(), 'Large font: off');
  assert.equal(await page.locator('.app.large-font').count(), 0);
  const before = await titleSize();

  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
  assert.equal((await toggle.textContent()).trim(), 'Large font: on');
  assert.equal(await page.locator('.app.large-font').count(), 1);
  const enlarged = await titleSize();
  assert.ok(enlarged > before * 1.2, `title grows (${before}px -> ${enlarged}px)`);
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(scrollWidth <= DESKTOP.width, `no sideways scrolling with large font (${scrollWidth})`);
  await page.waitForTimeout(300);
  await screenshot(page, 'large-font-1280x720');

  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
  assert.equal(await titleSize(), before);

  await s.finish();
});
