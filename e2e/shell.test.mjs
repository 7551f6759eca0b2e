// The page layout: it loads with its title; at desktop sizes the stage (the pipeline with
// its caption and action bar) and the dock of tabs beside it fill one screen that never
// scrolls; on a phone they stack without sideways scrolling; the large-font switch
// enlarges the page's text and the pipeline's.
//
// The regions used to be three columns (controls | pipeline over inspector | metrics)
// that scrolled for ~4,900 px; they are now the stage and the dock's tabs (issue 9), so
// these tests check that layout instead.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DESKTOP, PHONE, PROJECTOR, openTab, screenshot, startLab, waitForShell } from './harness.mjs';

let lab;

before(async () => {
  lab = await startLab();
});

after(async () => {
  await lab?.close();
});

const TABS = [
  ['inspector', 'inspector'],
  ['model', null],
  ['metrics', 'metrics'],
  ['what-if', null],
  ['branches', 'branches'],
  ['settings', 'controls'],
];

test('the page loads with its title, the stage beside the dock, all in one screen', async () => {
  for (const viewport of [DESKTOP, PROJECTOR]) {
    const s = await lab.open('/', { viewport });
    const { page } = s;
    assert.equal(s.response.status(), 200);
    await waitForShell(page);

    assert.equal(await page.title(), 'statelab');
    assert.equal((await page.locator('header h1').textContent()).trim(), 'statelab');
    assert.equal(await page.locator('[data-region="pipeline"] canvas').count(), 1);

    const pipeline = await page.locator('[data-region="pipeline"]').boundingBox();
    const actions = await page.locator('[data-region="actions"]').boundingBox();
    const dock = await page.locator('[data-region="dock"]').boundingBox();
    assert.ok(pipeline.x + pipeline.width <= dock.x, 'the dock is beside the pipeline');
    assert.ok(pipeline.y + pipeline.height <= actions.y + 1, 'the actions are under the pipeline');
    for (const [name, box] of Object.entries({ pipeline, actions, dock })) {
      assert.ok(box.y >= 0 && box.y + box.height <= viewport.height + 1, `${name} is on the first screen`);
      assert.ok(box.x >= 0 && box.x + box.width <= viewport.width + 1, `${name} fits the width`);
    }
    const page_ = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]);
    assert.ok(page_[0] <= viewport.width && page_[1] <= viewport.height, `the page does not scroll (${page_})`);

    // Every tab shows its panel beside the pipeline.
    for (const [id, region] of TABS) {
      await openTab(page, id);
      assert.equal(await page.locator(`[data-testid="tab-${id}"]`).getAttribute('aria-selected'), 'true');
      if (region) assert.ok(await page.locator(`[data-region="${region}"]`).isVisible(), `${region} in its tab`);
    }
    await openTab(page, 'inspector');

    // The canvas is drawn at the screen's pixel density, not stretched.
    const canvas = await page.locator('.pipeline-canvas').evaluate((c) => ({
      w: c.width,
      cssW: c.getBoundingClientRect().width,
      dpr: window.devicePixelRatio,
    }));
    assert.ok(Math.abs(canvas.w - Math.round(canvas.cssW * canvas.dpr)) <= 1, JSON.stringify(canvas));

    await screenshot(page, `shell-${viewport.width}x${viewport.height}`);
    await s.finish();
  }
});

test('at 390 px wide the stage and the dock stack without sideways scrolling', async () => {
  const s = await lab.open('/', { viewport: PHONE });
  const { page } = s;
  await waitForShell(page);

  // The pipeline comes first on a phone: it is what the lab is about.
  const pipeline = await page.locator('[data-region="pipeline"]').boundingBox();
  const actions = await page.locator('[data-region="actions"]').boundingBox();
  const dock = await page.locator('[data-region="dock"]').boundingBox();
  assert.ok(pipeline.y + pipeline.height <= actions.y + 1, 'actions under the pipeline');
  assert.ok(actions.y + actions.height <= dock.y + 1, 'the dock under the actions');
  for (const [name, box] of Object.entries({ pipeline, actions, dock })) {
    assert.ok(box.x >= 0 && box.x + box.width <= PHONE.width, `${name} fits`);
  }
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(scrollWidth <= PHONE.width, `no sideways scrolling (scrollWidth ${scrollWidth})`);

  await screenshot(page, 'shell-390x844');
  await s.finish();
});

test('the large-font switch enlarges the text, the pipeline’s too, and shows its state', async () => {
  const s = await lab.open('/', { viewport: DESKTOP });
  const { page } = s;
  await waitForShell(page);

  const toggle = page.getByRole('button', { name: /large font/i });
  const size = (selector) => page.locator(selector).evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
  const canvasText = async () => Number(await page.locator('.pipeline-canvas').getAttribute('data-text-px'));

  assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
  assert.equal(await page.locator('.app.large-font').count(), 0);
  const before = { title: await size('header h1'), text: await size('.moment-bar'), canvas: await canvasText() };

  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
  assert.equal(await page.locator('.app.large-font').count(), 1);
  const after = { title: await size('header h1'), text: await size('.moment-bar'), canvas: await canvasText() };
  assert.ok(after.title > before.title * 1.2, `title grows (${before.title}px -> ${after.title}px)`);
  assert.ok(after.text > before.text * 1.2, `text grows (${before.text}px -> ${after.text}px)`);
  assert.ok(after.canvas > before.canvas * 1.2, `the pipeline's text grows (${before.canvas}px -> ${after.canvas}px)`);
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(scrollWidth <= DESKTOP.width, `no sideways scrolling with large font (${scrollWidth})`);
  const bar = await page.locator('.topbar').evaluate((el) => [el.scrollWidth, el.clientWidth]);
  assert.ok(bar[0] <= bar[1], `the top bar keeps its controls in view (${bar})`);
  await page.waitForTimeout(300);
  await screenshot(page, 'large-font-1280x720');

  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
  assert.equal(await size('header h1'), before.title);

  await s.finish();
});
