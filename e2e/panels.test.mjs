// The control panels and the metrics region (the dock's Settings and Metrics tabs): the
// codec changes the bytes a checkpoint ships, an invalid value is named next to its input
// and never reaches the run, clearing the interval turns checkpointing off, the event log
// filters by category, and both are screenshotted at desktop and phone sizes.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DESKTOP, PHONE, openTab, screenshot, startLab, waitForShell } from './harness.mjs';

let lab;

before(async () => {
  lab = await startLab();
});

after(async () => {
  await lab?.close();
});

/** Opens the lab on its Settings tab, waits for the panels to be live and pauses the run. */
async function openPaused(viewport = DESKTOP, urlPath = '/') {
  const s = await lab.open(urlPath, { viewport });
  await waitForShell(s.page);
  await openTab(s.page, 'settings');
  await s.page.locator('[data-group="compression"]').waitFor({ state: 'attached', timeout: 20000 });
  await pause(s.page);
  return s;
}

async function pause(page) {
  const play = page.locator('#play');
  if ((await play.getAttribute('aria-label')) === 'Pause') await play.click();
  await page.waitForFunction(() => document.querySelector('#play')?.getAttribute('aria-label') === 'Play');
}

/** The newest completed row of the checkpoint history, as numbers. */
async function newestCompleted(page) {
  const row = page.locator('[data-testid="history"] tr.row[data-status="completed"]').first();
  const cell = (label) => row.locator(`td[data-label="${label}"]`);
  return {
    id: Number(await row.getAttribute('data-checkpoint')),
    shipped: Number(await cell('Checkpointed Data Size').getAttribute('data-bytes')),
    raw: Number(await cell('Raw Data Size').getAttribute('data-bytes')),
    shownSize: (await cell('Checkpointed Data Size').innerText()).trim(),
  };
}

/** Steps the run to the end of the next checkpoint and returns the newest completed row
 * (from the Metrics tab, which it leaves open). */
async function stepCheckpoint(page) {
  await openTab(page, 'metrics');
  const before = await page
    .locator('[data-testid="history"] tr.row[data-status="completed"]')
    .first()
    .getAttribute('data-checkpoint', { timeout: 100 })
    .catch(() => '0');
  await page.locator('#step-checkpoint').click();
  await page.waitForFunction(
    (prev) => {
      const row = document.querySelector('[data-testid="history"] tr.row[data-status="completed"]');
      return row && Number(row.dataset.checkpoint) > Number(prev);
    },
    before ?? '0',
    { timeout: 30000 },
  );
  return newestCompleted(page);
}

async function chooseCodec(page, codec) {
  await openTab(page, 'settings');
  const select = page.locator('#cfg-checkpointing-codec');
  const url = page.url();
  await select.selectOption(codec);
  // The root writes every applied configuration into the URL.
  await page.waitForFunction((before) => location.href !== before, url, { timeout: 5000 });
  assert.equal(await select.inputValue(), codec);
}

test('changing the codec changes the checkpointed data size shown in the history', async () => {
  const s = await openPaused();
  const { page } = s;

  // The default workload keeps the last events per key as text: it compresses well.
  assert.equal(await page.locator('#cfg-workload-value-model').inputValue(), 'events');
  // The lab's default rate is low (to follow records by eye); this test wants full
  // checkpoints of a busier workload, so that every key group ships.
  await page.locator('#cfg-checkpointing-incremental').selectOption('false');
  const rate = page.locator('#cfg-workload-rate-records-per-s');
  await rate.fill('5000');
  await rate.press('Enter');
  await page.waitForFunction(() => /records_per_s=5000/.test(location.search));

  await chooseCodec(page, 'none');
  // A checkpoint already on its way may have been encoded before the change: take the
  // second one.
  await stepCheckpoint(page);
  const plain = await stepCheckpoint(page);
  assert.ok(plain.raw > 0, `the checkpoint shipped state (${JSON.stringify(plain)})`);
  assert.ok(plain.shipped >= plain.raw, `uncompressed chunks are at least their raw size (${JSON.stringify(plain)})`);

  await chooseCodec(page, 'lz4');
  await stepCheckpoint(page);
  const lz4 = await stepCheckpoint(page);
  assert.ok(lz4.id > plain.id);
  assert.ok(lz4.shipped * 1.5 < lz4.raw, `LZ4 shrinks text state well (${JSON.stringify(lz4)})`);
  assert.notEqual(lz4.shownSize, plain.shownSize, 'the table shows a different size');
  await openTab(page, 'model');
  assert.match(await page.locator('[data-testid="formula-compression"]').innerText(), /×/);

  // State grows between the two checkpoints, so compare bytes shipped per raw byte.
  assert.ok(lz4.shipped / lz4.raw < (plain.shipped / plain.raw) / 1.5, 'fewer bytes per raw byte with LZ4');

  await s.finish();
});

test('an invalid value is named next to its input and does not change the run', async () => {
  const s = await openPaused();
  const { page } = s;
  const url = page.url();
  const clock = await page.locator('#clock').getAttribute('data-us');
  const subtasksBefore = await page.locator('#cfg-job-parallelism').inputValue();

  const field = page.locator('.field[data-field="job.parallelism"]');
  const input = page.locator('#cfg-job-parallelism');
  const message = field.locator('[data-testid="field-message"]');

  // Out of range: the engine's rule, in its words.
  await input.fill('0');
  await input.press('Enter');
  assert.equal(await input.getAttribute('aria-invalid'), 'true');
  assert.match(await message.innerText(), /between 1 and 256/);
  // Not a number at all: our parse message.
  await input.fill('four');
  await input.press('Tab');
  assert.match(await message.innerText(), /not a number/);
  assert.equal(await input.inputValue(), 'four', 'the rejected text stays for fixing');

  // A cross-field rule: parallelism above max parallelism.
  const maxInput = page.locator('#cfg-job-max-parallelism');
  const maxField = page.locator('.field[data-field="job.max_parallelism"]');
  await maxInput.fill('2');
  await maxInput.press('Enter');
  assert.match(await maxField.locator('[data-testid="field-message"]').innerText(), /parallelism/i);

  // A fault with a key group the job does not have.
  const kg = page.locator('#fault-key-group');
  await kg.fill('99999');
  assert.match(await page.locator('#fault-key-group-msg').innerText(), /key groups are 0 to/);
  assert.ok(await page.locator('[data-testid="corrupt-chunk"]').isDisabled());

  // Nothing reached the run: same URL (the root keeps the config there), same clock.
  assert.equal(page.url(), url, 'the configuration in the URL is unchanged');
  assert.equal(await page.locator('#clock').getAttribute('data-us'), clock, 'no step, no restart');

  // Fixing the value clears the message; sending the old value changes nothing either.
  await input.fill(subtasksBefore);
  await input.press('Enter');
  assert.equal(await input.getAttribute('aria-invalid'), 'false');
  assert.equal((await message.innerText()).trim().includes('between'), false);

  await screenshot(page, 'panels-invalid-1280x720');
  await s.finish();
});

test('clearing the interval turns checkpointing off, after an earlier edit too', async () => {
  const s = await openPaused();
  const { page } = s;
  const input = page.locator('#cfg-checkpointing-interval-ms');
  const off = page.locator('#cfg-checkpointing-interval-ms-none');
  const message = page.locator('.field[data-field="checkpointing.interval_ms"] [data-testid="field-message"]');
  // The lab's default differs from Flink's, and says so.
  assert.match(await message.innerText(), /Flink's default is off/);
  await input.fill('3000');
  await input.press('Enter');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('checkpointing.interval_ms') === '3000');
  // Clearing the field does not switch it off while typing; Enter does.
  await input.fill('');
  assert.equal(await input.isDisabled(), false, 'still editable until Enter');
  await input.press('Enter');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('checkpointing.interval_ms') === 'none');
  assert.equal(await off.isChecked(), true);
  assert.match(await message.innerText(), /Off: no checkpoints/);
  // Unticking brings an interval back.
  await off.click();
  await page.waitForFunction(() => new URL(location.href).searchParams.get('checkpointing.interval_ms') === null);
  assert.equal(await input.inputValue(), '2000');
  await s.finish();
});

test('the event log filters by category', async () => {
  const s = await openPaused();
  const { page } = s;
  await stepCheckpoint(page);
  await stepCheckpoint(page);

  const log = page.locator('[data-testid="event-log"]');
  const entries = (cat) => log.locator(`li[data-category="${cat}"]`);
  assert.ok((await entries('checkpoint').count()) > 0, 'checkpoint events are listed');
  const others = await log.locator('li:not([data-category="checkpoint"])').count();

  const chip = page.locator('[data-testid="filter-checkpoint"]');
  assert.equal(await chip.getAttribute('aria-pressed'), 'true');
  await chip.click();
  assert.equal(await chip.getAttribute('aria-pressed'), 'false');
  assert.equal(await entries('checkpoint').count(), 0, 'checkpoint events hidden');
  if (others > 0) {
    assert.equal(await log.locator('li').count(), others, 'the other categories stay');
  } else {
    await page.locator('[data-testid="event-log-empty"]').waitFor();
  }
  // Every entry still shows its virtual time.
  for (const at of await page.locator('[data-testid="event-log"] li .at').allInnerTexts()) {
    assert.match(at, /\d+\.\d{3}( s)?$/);
  }

  await page.locator('[data-testid="filter-all"]').click();
  assert.equal(await chip.getAttribute('aria-pressed'), 'true');
  assert.ok((await entries('checkpoint').count()) > 0, 'shown again');

  await s.finish();
});

test('a trace file loads from the Workload panel; a link fault shows under Link and store', async () => {
  const s = await openPaused();
  const { page } = s;

  await page.locator('#trace-file').setInputFiles({
    name: 'clicks.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('key,value\nalice,1\nbob,2\nalice,3\ncarol,4\n'),
  });
  await page.waitForFunction(() => document.querySelector('#cfg-workload-source')?.value === 'trace');
  assert.match(await page.locator('[data-testid="trace-message"]').innerText(), /Loaded clicks\.csv/);

  // Choosing "uploaded trace" without a file is refused next to the input.
  await page.locator('#cfg-workload-source').selectOption('generated');
  await page.waitForFunction(() => document.querySelector('#cfg-workload-source')?.value === 'generated');
  await page.locator('#cfg-workload-source').selectOption('trace');
  const sourceMsg = page.locator('.field[data-field="workload.source"] [data-testid="field-message"]');
  assert.match(await sourceMsg.innerText(), /CSV file/);

  assert.equal((await page.locator('[data-testid="link-status"]').innerText()).trim(), 'up');
  // Link faults are actions on the running job: a menu in the action bar.
  await page.locator('[data-testid="link-faults"] summary').click();
  await page.locator('[data-testid="link-outage"]').click();
  await page.waitForFunction(() =>
    /link down for/.test(document.querySelector('[data-testid="link-status"]')?.textContent ?? ''),
  );

  await s.finish();
});

for (const [name, viewport] of [
  ['1280x720', DESKTOP],
  ['390x844', PHONE],
]) {
  test(`panels and metrics at ${name}: screenshots, nothing wider than the screen`, async () => {
    const s = await openPaused(viewport);
    const { page } = s;
    await stepCheckpoint(page);
    await stepCheckpoint(page);
    // Expand the newest checkpoint's per-subtask table.
    await page.locator('[data-testid="history"] .row-toggle').first().click();
    await page.locator('[data-testid^="subtasks-"]').first().waitFor();

    const shots = [
      ['settings', 'controls'],
      ['metrics', 'metrics'],
    ];
    for (const [tab, region] of shots) {
      await openTab(page, tab);
      const box = await page.locator(`[data-region="${region}"]`).boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= viewport.width + 1, `${region} fits (${JSON.stringify(box)})`);
      const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(scrollWidth <= viewport.width, `no sideways scrolling (scrollWidth ${scrollWidth})`);
      if (tab === 'metrics') {
        // Charts draw only when on screen: bring them into view and let a redraw pass run.
        await page.locator('[data-chart="link"]').scrollIntoViewIfNeeded();
        await page.waitForTimeout(700);
      }
      await page.locator('.dock').screenshot({ path: await shotPath(`panels-${region}-${name}`) });
    }
    await openTab(page, 'model');
    await page.locator('.dock').screenshot({ path: await shotPath(`panels-model-${name}`) });
    await screenshot(page, `panels-page-${name}`);
    await s.finish();
  });
}

async function shotPath(name) {
  const { SCREENSHOTS } = await import('./harness.mjs');
  const fs = await import('node:fs');
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  return `${SCREENSHOTS}/${name}.png`;
}
