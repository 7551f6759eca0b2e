// The scale model in the browser (issue 17, point 3): the 2 GB-state job of
// tests/data/scale/two-gb-job.json (90M keys, 50k records/s, 128 key groups) opened as its
// 1:64 model fits a tab and runs; the caption marks it "scale model 1:64" with the real
// job's sizes; the Settings field holds the factor, and turning it back to 1 (the real
// job) is refused by the memory estimate with nothing changed.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DESKTOP, PHONE, PROJECTOR, openTab, screenshot, startLab, waitForShell } from './harness.mjs';
import { TWO_GB_AT_64 } from './scale-job.mjs';

let lab;

before(async () => {
  lab = await startLab();
});

after(async () => {
  await lab?.close();
});

async function clockUs(page) {
  return Number(await page.locator('#clock').getAttribute('data-us'));
}

test('the 2 GB job as a 1:64 model runs in a tab, marked with the real job sizes', async () => {
  const s = await lab.open(`/?${TWO_GB_AT_64}`, { viewport: DESKTOP });
  const { page } = s;
  await waitForShell(page);
  // Not refused: the model is the run the link asked for.
  assert.equal(await page.locator('#notice').count(), 0);
  assert.equal(new URL(page.url()).searchParams.get('workload.sample_every'), '64');
  const chip = page.locator('[data-testid="scale-model"]');
  await chip.waitFor({ state: 'visible', timeout: 20000 });
  assert.match(await chip.innerText(), /^scale model 1:64 · state ≈ /);
  assert.match(await chip.getAttribute('title'), /about 90,000,000 keys|about 90\u202f000\u202f000 keys/);
  // Up to 100×, past the first checkpoint (60 s), then its size and duration show.
  for (let i = 0; i < 6; i++) await page.keyboard.press('+');
  await page.waitForFunction(() => Number(document.querySelector('#clock')?.dataset.us) > 65e6, null, {
    timeout: 60000,
  });
  await page.waitForFunction(
    () => /checkpoint 1 ≈ .* in /.test(document.querySelector('[data-testid="scale-model"]')?.textContent ?? ''),
    null,
    { timeout: 30000 },
  );
  assert.equal(await page.locator('#panic-banner').count(), 0);
  // Back to 1× for the pictures.
  await page.evaluate(() => {
    const slider = document.querySelector('#speed');
    slider.value = '0';
    slider.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await screenshot(page, 'scale-model-1280x720');
  for (const [size, name] of [
    [PROJECTOR, 'scale-model-1920x1080'],
    [PHONE, 'scale-model-390'],
  ]) {
    await page.setViewportSize(size);
    await page.waitForTimeout(300);
    await screenshot(page, name);
  }
  await page.setViewportSize(DESKTOP);
  await openTab(page, 'settings');
  const field = page.locator('#cfg-workload-sample-every');
  assert.equal(await field.inputValue(), '64');
  await screenshot(page, 'scale-model-settings-1280x720');
  // The real job is more than a run holds: refused at the field, by the field it breaks,
  // and the model runs on.
  await field.fill('1');
  await field.press('Enter');
  const message = page.locator('[data-field="workload.sample_every"] .field-msg.error');
  await message.waitFor({ state: 'visible', timeout: 10000 });
  assert.match(await message.innerText(), /at 1:1, Key space: must be between 1 and 16777216 keys, got 90000000/);
  await screenshot(page, 'scale-model-refused-1280x720');
  const before = await clockUs(page);
  await page.waitForFunction((t) => Number(document.querySelector('#clock')?.dataset.us) > t, before);
  assert.equal(new URL(page.url()).searchParams.get('workload.sample_every'), '64');
  assert.match(await chip.innerText(), /^scale model 1:64/);
  await s.finish();
});

test('the Settings field turns the running job into its model, marked', async () => {
  const s = await lab.open('/?seed=4', { viewport: DESKTOP });
  const { page } = s;
  await waitForShell(page);
  await openTab(page, 'settings');
  const field = page.locator('#cfg-workload-sample-every');
  assert.equal(await field.inputValue(), '1');
  await field.fill('10');
  await field.press('Enter');
  const chip = page.locator('[data-testid="scale-model"]');
  await chip.waitFor({ state: 'visible', timeout: 20000 });
  assert.match(await chip.innerText(), /^scale model 1:10 · state ≈ /);
  // The whole config became the model's: the default 10,000 keys at 100 records/s are
  // 1,000 keys at 10 records/s, and the link says so.
  const url = new URL(page.url()).searchParams;
  assert.equal(url.get('workload.sample_every'), '10');
  assert.equal(url.get('workload.source.key_space'), '1000');
  assert.equal(url.get('workload.rate.records_per_s'), '10');
  await s.finish();
});

test('a run of the real job is not marked', async () => {
  const s = await lab.open('/?seed=3', { viewport: DESKTOP });
  const { page } = s;
  await waitForShell(page);
  await page.waitForFunction(() => Number(document.querySelector('#clock')?.dataset.us) > 200000);
  assert.equal(await page.locator('[data-testid="scale-model"]').count(), 0);
  await s.finish();
});
