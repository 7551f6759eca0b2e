// Memory in the tab: a configuration whose run would not fit in a wasm32 tab is refused
// before it starts, with the estimate and what to change, while the current run goes on;
// a large run that fits runs; and a tab that really runs out of memory says so (a trap,
// not a panic) instead of blaming a later, unrelated failure.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DESKTOP, openTab, screenshot, startLab, waitForShell } from './harness.mjs';

let lab;

before(async () => {
  lab = await startLab();
});

after(async () => {
  await lab?.close();
});

// The job: a million keys of 2 KB each, which validation accepts.
const TOO_LARGE = new URLSearchParams({
  seed: '8',
  'workload.source.key_space': '1000000',
  'workload.value_model.kind': 'random_bytes',
  'workload.value_model.len': '2048',
});

async function clockUs(page) {
  return Number(await page.locator('#clock').getAttribute('data-us'));
}

test('a link to a job too large for a tab is refused before it runs, naming the estimate', async () => {
  const s = await lab.open(`/?${TOO_LARGE}`, { viewport: DESKTOP });
  const { page } = s;
  await waitForShell(page);
  const notice = page.locator('#notice');
  await notice.waitFor({ state: 'visible', timeout: 20000 });
  const text = await notice.innerText();
  assert.match(text, /needs about [\d.]+ GiB of memory/);
  assert.match(text, /more than the 2\.50 GiB a browser tab can safely use/);
  assert.match(text, /fewer keys \(workload\.source\.key_space: 1000000 asked, at most \d+ fit\)/);
  assert.match(text, /smaller values \(workload\.value_model\.len is 2048 bytes\)/);
  assert.match(text, /the defaults are used, seed kept/);
  // The defaults run (the address bar says so), and nothing failed.
  assert.equal(new URL(page.url()).searchParams.get('workload.source.key_space'), null);
  assert.equal(new URL(page.url()).searchParams.get('seed'), '8');
  assert.equal(await page.locator('#panic-banner').count(), 0);
  await page.waitForFunction(() => Number(document.querySelector('#clock')?.dataset.us) > 500000);
  await screenshot(page, 'memory-refused-link-1280x720');
  await s.finish();
});

test('applying a too large key space is refused and the current run goes on', async () => {
  const s = await lab.open('/?seed=9', { viewport: DESKTOP });
  const { page } = s;
  await waitForShell(page);
  await page.waitForFunction(() => Number(document.querySelector('#clock')?.dataset.us) > 200000);
  await openTab(page, 'settings');
  const input = page.locator('#cfg-workload-source-key-space');
  await input.fill('16000000');
  await input.press('Enter');
  const notice = page.locator('#notice');
  await notice.waitFor({ state: 'visible', timeout: 10000 });
  const text = await notice.innerText();
  assert.match(text, /configuration refused: this configuration needs about [\d.]+ GiB of memory/);
  assert.match(text, /nothing changed, the current run continues/);
  // Still the run it was: its key space, its clock moving on from where it was.
  const before = await clockUs(page);
  await page.waitForFunction((t) => Number(document.querySelector('#clock')?.dataset.us) > t, before);
  assert.equal(new URL(page.url()).searchParams.get('workload.source.key_space'), null);
  assert.equal(await page.locator('#panic-banner').count(), 0);
  await s.finish();
});

test('a job of a million keys that fits runs and checkpoints', async () => {
  const params = new URLSearchParams({
    seed: '10',
    'workload.source.key_space': '1000000',
    'workload.source.distribution.kind': 'uniform',
    'workload.value_model.kind': 'counter',
    'workload.rate.records_per_s': '200000',
    'job.records_per_s_per_subtask': '100000',
    'job.channel_capacity': '5000',
    'checkpointing.interval_ms': '1000',
    // Slow motion would stretch each checkpoint over seconds of wall time.
    slowmo: '0',
  });
  const s = await lab.open(`/?${params}`, { viewport: DESKTOP });
  const { page } = s;
  await waitForShell(page);
  // No refusal, no failure: the run is the one asked for and checkpoints complete.
  assert.equal(new URL(page.url()).searchParams.get('workload.source.key_space'), '1000000');
  await openTab(page, 'metrics');
  await page
    .locator('[data-testid="history"] tr.row[data-status="completed"]')
    .first()
    .waitFor({ state: 'attached', timeout: 60000 });
  assert.equal(await page.locator('#notice').count(), 0);
  assert.equal(await page.locator('#panic-banner').count(), 0);
  assert.notEqual(await page.locator('#job-status').getAttribute('data-status'), 'stopped');
  await screenshot(page, 'memory-million-keys-1280x720');
  await s.finish();
});

test('running out of memory stops the engine with that reason, not a later panic', async () => {
  const s = await lab.open('/?panic=oom', {
    viewport: DESKTOP,
    // The failed allocation aborts the instance: a trap, with no panic before it.
    expect: [{ kind: 'uncaught exception', match: /unreachable/i }],
  });
  const { page } = s;
  const banner = page.locator('#panic-banner');
  await banner.waitFor({ state: 'visible', timeout: 60000 });
  assert.equal(await banner.getAttribute('role'), 'alert');
  assert.equal(await banner.getAttribute('data-failure'), 'trap');
  const text = await banner.innerText();
  assert.match(text, /The engine stopped: out of memory or a fatal error/);
  assert.match(text, /WebAssembly memory had grown to [\d,]+ MiB/);
  assert.match(text, /RuntimeError: unreachable/);
  const bytes = Number(await banner.getAttribute('data-memory-bytes'));
  assert.ok(bytes > 1 << 30, `the memory had grown past 1 GiB: ${bytes}`);
  assert.equal(await page.locator('#job-status').getAttribute('data-status'), 'stopped');
  // Nothing calls into the dead instance any more: the first failure keeps the banner.
  await page.waitForTimeout(1500);
  assert.equal(await banner.getAttribute('data-failure'), 'trap');
  assert.equal(await page.locator('#panic-banner').count(), 1);
  await screenshot(page, 'memory-out-of-memory-1280x720');
  await s.finish();
});
