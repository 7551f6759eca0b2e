// The page shell: it loads, shows its title and three regions at desktop and phone sizes,
// and the large-font switch changes what is shown.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DESKTOP, PHONE, screenshot, startLab, waitForShell } from './harness.mjs';

const REGIONS = ['controls', 'pipeline', 'metrics'];
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

test('the page loads and renders its title and the three regions side by side', async () => {
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
  assert.match(
    await page.locator('[data-region="pipeline"]').innerText(),
    /arrives with the engine/,
  );

  // At 1280 px the three regions share one row, left to right.
  const box = await regionBoxes(page);
  assert.ok(box.controls.x + box.controls.width <= box.pipeline.x, 'controls left of pipeline');
  assert.ok(box.pipeline.x + box.pipeline.width <= box.metrics.x, 'pipeline left of metrics');
  assert.ok(Math.abs(box.controls.y - box.metrics.y) < 2, 'regions start on one row');
  assert.ok(box.metrics.x + box.metrics.width <= DESKTOP.width, 'metrics fits the width');

  await screenshot(page, 'shell-1280x720');
  await s.finish();
});

test('at 390 px wide the regions stack without sideways scrolling', async () => {
  const s = await lab.open('/', { viewport: PHONE });
  const { page } = s;
  await waitForShell(page);

  const box = await regionBoxes(page);
  assert.ok(box.controls.y + box.controls.height <= box.pipeline.y, 'controls above pipeline');
  assert.ok(box.pipeline.y + box.pipeline.height <= box.metrics.y, 'pipeline above metrics');
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
  await screenshot(page, 'large-font-1280x720');

  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
  assert.equal(await titleSize(), before);

  await s.finish();
});
