// The lab itself: play and pause, deterministic stepping, crash and recovery ending with
// a green exactly-once badge, the configuration in the URL (and its refusals), the help
// overlay, selecting things in the pipeline, and the wasm build computing the same
// reference digest as the native one.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { DESKTOP, PHONE, ROOT, SCREENSHOTS, copyLink, openTab, screenshot, startLab, waitForShell } from './harness.mjs';

let lab;

before(async () => {
  lab = await startLab();
});

after(async () => {
  await lab?.close();
});

/** Virtual time shown by the clock, in µs. */
async function clock(page) {
  return Number(await page.locator('#clock').getAttribute('data-us'));
}

async function isPlaying(page) {
  return (await page.locator('#play').getAttribute('aria-label')) === 'Pause';
}

async function pause(page) {
  if (await isPlaying(page)) await page.locator('#play').click();
  await page.waitForFunction(() => document.querySelector('#play')?.getAttribute('aria-label') === 'Play');
}

/** Waits until a step being worked through has finished (the step buttons come back). */
async function stepDone(page) {
  await page.waitForFunction(() => !document.querySelector('#step-event')?.disabled, null, {
    timeout: 30000,
  });
}

async function openLab(urlPath = '/', viewport = DESKTOP, options = {}) {
  const s = await lab.open(urlPath, { viewport, ...options });
  await waitForShell(s.page);
  await s.page.locator('#clock').waitFor({ state: 'visible', timeout: 20000 });
  return s;
}

test('play runs the virtual clock and pause stops it', async () => {
  const s = await openLab();
  const { page } = s;
  // The lab starts playing (unless the person asked for reduced motion).
  assert.equal(await isPlaying(page), true);
  await page.waitForFunction(() => Number(document.querySelector('#clock').dataset.us) > 200000, null, {
    timeout: 10000,
  });

  await pause(page);
  const paused = await clock(page);
  await page.waitForTimeout(600);
  assert.equal(await clock(page), paused, 'the clock stands still while paused');

  await page.keyboard.press('Space');
  assert.equal(await isPlaying(page), true, 'Space plays again');
  await page.waitForFunction((t) => Number(document.querySelector('#clock').dataset.us) > t + 200000, paused, {
    timeout: 10000,
  });
  await page.keyboard.press('Space');
  assert.equal(await isPlaying(page), false, 'Space pauses');
  await s.finish();
});

test('stepping advances the virtual clock to the same moments every time', async () => {
  // Step stops at the kind chosen beside it: the next event unless another kind is chosen.
  const s = await openLab('/?seed=7');
  const { page } = s;
  await pause(page);

  const run = async () => {
    await page.locator('#reset').click();
    await page.waitForFunction(() => Number(document.querySelector('#clock').dataset.us) === 0);
    const times = [];
    for (let i = 0; i < 3; i++) {
      await page.locator('#step-event').click();
      await stepDone(page);
      times.push(await clock(page));
    }
    await page.keyboard.press('Shift+ArrowRight');
    await stepDone(page);
    times.push(await clock(page));
    await page.keyboard.press('ArrowRight');
    await stepDone(page);
    times.push(await clock(page));
    return times;
  };
  const first = await run();
  const second = await run();
  assert.deepEqual(second, first, 'the same steps land on the same virtual times');
  for (let i = 1; i < first.length; i++) {
    assert.ok(first[i] > first[i - 1], `each step moves the clock forward (${first.join(', ')})`);
  }
  assert.equal(await isPlaying(page), false, 'stepping leaves the run paused');
  // Stepping to a checkpoint ends where a checkpoint completed: the store shows it.
  assert.match(await page.locator('.pipeline-canvas').getAttribute('aria-label'), /store holds checkpoints \d/);
  await s.finish();
});

test('a crash is recovered from the latest checkpoint and the exactly-once badge turns green', async () => {
  const s = await openLab('/?seed=11');
  const { page } = s;
  await pause(page);
  // A completed checkpoint to recover from.
  await page.locator('#step-checkpoint').click();
  await stepDone(page);

  // The crash is in the action bar under the pipeline.
  await page.locator('[data-testid="crash-job"]').click();
  await page.waitForFunction(() =>
    ['restarting', 'restoring'].includes(document.querySelector('#job-status')?.dataset.status),
  );
  await screenshot(page, 'crash-restarting-1280x720');

  // Faster, so recovery and replay take a couple of wall seconds.
  for (let i = 0; i < 2; i++) await page.keyboard.press('+');
  await page.locator('#play').click();
  const badge = page.locator('[data-testid="exactly-once"]');
  await badge.waitFor({ state: 'visible', timeout: 30000 });
  assert.equal(await badge.getAttribute('data-ok'), 'true', await badge.innerText());
  assert.equal(await page.locator('#job-status').getAttribute('data-status'), 'running');
  await pause(page);
  await screenshot(page, 'recovered-1280x720');
  await s.finish();
});

test('invalid URL values are named, replaced by defaults, and nothing else is lost', async () => {
  const s = await openLab(
    '/?seed=7&job.parallelism=0&checkpointing.codec=zstd&link.bandwidth_mbit_s=fast&bogus=1&checkpointing.num_retained=2',
  );
  const { page } = s;
  const notice = page.locator('#notice');
  await notice.waitFor({ state: 'visible' });
  const text = await notice.innerText();
  assert.match(text, /job\.parallelism=0/);
  assert.match(text, /must be between 1 and/);
  assert.match(text, /checkpointing\.codec=zstd/);
  assert.match(text, /link\.bandwidth_mbit_s=fast/);
  assert.match(text, /bogus/);
  // What was valid stays: the seed and the retained checkpoints (incremental checkpoints
  // are the default now, so that link would not carry them).
  await openTab(page, 'settings');
  assert.equal(await page.locator('#seed').inputValue(), '7');
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('seed'), '7');
  assert.equal(url.searchParams.get('checkpointing.num_retained'), '2');
  // The refused values are gone from the address bar: a reload starts the same valid run.
  assert.equal(url.searchParams.get('job.parallelism'), null);
  assert.equal(url.searchParams.get('checkpointing.codec'), null);
  assert.equal(url.searchParams.get('bogus'), null);
  await screenshot(page, 'url-refusal-1280x720');
  await s.finish();
});

test('the seed and configuration survive a reload through the URL', async () => {
  const s = await openLab('/?checkpointing.codec=lz4&job.parallelism=3');
  const { page } = s;
  await pause(page);
  // The seed sits at the top of the Settings tab; the tab is remembered across the reload.
  await openTab(page, 'settings');
  const seed = page.locator('#seed');
  // Shortcuts stay off while typing: these characters go into the field, not to the run.
  await seed.fill('');
  await seed.pressSequentially('?+ ');
  assert.equal(await page.locator('#help').count(), 0, '? typed into a field does not open help');
  assert.equal(await isPlaying(page), false, 'Space typed into a field does not play');
  await seed.press('Enter');
  assert.match(await page.locator('#seed-error').innerText(), /not a seed/);
  assert.equal(await seed.getAttribute('aria-invalid'), 'true');

  await seed.fill('12345');
  await seed.press('Enter');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('seed') === '12345');
  assert.equal(await seed.getAttribute('aria-invalid'), 'false');

  await page.reload({ waitUntil: 'load' });
  await page.locator('#clock').waitFor({ state: 'visible', timeout: 20000 });
  await page.locator('#seed').waitFor({ state: 'visible', timeout: 20000 });
  assert.equal(await page.locator('#seed').inputValue(), '12345');
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('checkpointing.codec'), 'lz4');
  assert.equal(url.searchParams.get('job.parallelism'), '3');
  assert.match(await page.locator('.pipeline-canvas').getAttribute('aria-label'), /3 subtasks/);
  await s.finish();
});

test('? opens the help overlay listing the keys, Esc closes it', async () => {
  const s = await openLab();
  const { page } = s;
  await page.keyboard.press('?');
  const help = page.locator('#help');
  await help.waitFor({ state: 'visible' });
  const text = await help.innerText();
  for (const key of ['Space', '→', '+', '−', '?', 'Esc']) {
    assert.ok(text.includes(key), `help lists ${key}`);
  }
  assert.equal(await help.getAttribute('role'), 'dialog');
  await screenshot(page, 'help-1280x720');
  await page.keyboard.press('Escape');
  await help.waitFor({ state: 'detached' });
  // The button opens it too.
  await page.locator('#help-button').click();
  await help.waitFor({ state: 'visible' });
  await page.locator('#help button[aria-label="Close help"]').click();
  await help.waitFor({ state: 'detached' });
  await s.finish();
});

test('clicking the pipeline selects what is drawn there and the inspector shows it', async () => {
  const s = await openLab('/?seed=3');
  const { page } = s;
  await pause(page);
  await page.locator('#step-checkpoint').click();
  await stepDone(page);
  const canvas = page.locator('.pipeline-canvas');
  const box = await canvas.boundingBox();
  const inspector = page.locator('[data-region="inspector"]');

  // The subtasks sit in the middle band of the canvas; the store on the right.
  await canvas.click({ position: { x: box.width * 0.47, y: box.height * 0.2 } });
  await page.waitForFunction(() =>
    /Subtask \d|Key group \d/.test(document.querySelector('[data-region="inspector"] h3')?.textContent ?? ''),
  );
  const heading = await inspector.locator('h3').first().innerText();
  if (heading.startsWith('Key group')) {
    // Its keys and values, its size under every codec, and why it was shipped or not.
    await inspector.locator('table.codecs').waitFor();
    assert.match(await inspector.innerText(), /Snappy/);
    assert.match(await inspector.innerText(), /checkpoint \d+ (shipped it|held it back)/);
  }
  // The click opened a menu on the stage; Esc closes it (and the selection).
  await page.locator('[data-testid="stage-menu"]').waitFor();
  await page.keyboard.press('Escape');
  await page.locator('[data-testid="stage-menu"]').waitFor({ state: 'detached' });

  await canvas.click({ position: { x: box.width * 0.9, y: box.height * 0.5 } });
  await page.waitForFunction(() =>
    /Chunk \d|Checkpoint \d/.test(document.querySelector('[data-region="inspector"] h3')?.textContent ?? ''),
  );
  assert.match(await inspector.innerText(), /raw|encoded/);
  await screenshot(page, 'inspector-1280x720');

  await page.keyboard.press('Escape');
  await inspector.locator('.placeholder').waitFor();
  await s.finish();
});

test('a tap on the phone selects a subtask or key group and brings the inspector into view', async () => {
  const s = await openLab('/?seed=3', PHONE);
  const { page } = s;
  await pause(page);
  const box = await page.locator('.pipeline-canvas').boundingBox();
  // A real touch sequence through the DevTools protocol: no mouse, no hover.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 1 });
  const point = { x: box.x + box.width * 0.5, y: box.y + box.height * 0.2 };
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [point] });
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await page.waitForFunction(() =>
    /Subtask \d|Key group \d/.test(document.querySelector('[data-region="inspector"] h3')?.textContent ?? ''),
  );
  await cdp.detach();
  // The inspector sits below the pipeline on a phone: the tap scrolled it into view.
  await page.waitForFunction(() => {
    const r = document.querySelector('[data-region="inspector"] h3').getBoundingClientRect();
    return r.top >= 0 && r.bottom <= window.innerHeight;
  }, null, { timeout: 5000 });
  await screenshot(page, 'phone-tap-inspector-390x844');
  await s.finish();
});

test('screenshots of the running lab at desktop and phone sizes, phone without sideways scrolling', async () => {
  for (const [viewport, name] of [
    [DESKTOP, 'lab-1280x720'],
    [PHONE, 'lab-390x844'],
  ]) {
    const s = await openLab('/?seed=5&checkpointing.incremental=true&checkpointing.num_retained=2', viewport);
    const { page } = s;
    await page.waitForFunction(() => Number(document.querySelector('#clock').dataset.us) > 4500000, null, {
      timeout: 20000,
    });
    const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(scrollWidth <= viewport.width, `no sideways scrolling (scrollWidth ${scrollWidth})`);
    await screenshot(page, name);
    // What fits on the screen without scrolling, as a person first sees it.
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-viewport.png`) });
    await s.finish();
  }
});

test('a rescale moves the key groups to the new subtasks and recovery stays exactly-once', async () => {
  const s = await openLab('/?seed=21&job.parallelism=4');
  const { page } = s;
  await pause(page);
  await page.locator('#step-checkpoint').click();
  await stepDone(page);
  await page.locator('#fault-rescale').fill('6');
  await page.locator('[data-testid="rescale"]').click();
  await page.locator('#notice').waitFor();
  assert.match(await page.locator('#notice').innerText(), /parallelism 4 → 6: the job restarts from checkpoint \d/);
  for (let i = 0; i < 2; i++) await page.keyboard.press('+');
  await page.keyboard.press('Space');
  const badge = page.locator('[data-testid="exactly-once"]');
  await badge.waitFor({ state: 'visible', timeout: 30000 });
  assert.equal(await badge.getAttribute('data-ok'), 'true', await badge.innerText());
  assert.match(await page.locator('.pipeline-canvas').getAttribute('aria-label'), /6 subtasks holding 128 key groups/);
  // The URL follows the running job, so a reload starts with the new parallelism.
  assert.equal(new URL(page.url()).searchParams.get('job.parallelism'), '6');
  await s.finish();
});

test('with reduced motion the lab waits for play and draws no travelling dots', async () => {
  const s = await openLab('/');
  const { page } = s;
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await page.reload({ waitUntil: 'load' });
  await page.locator('#clock').waitFor({ state: 'visible', timeout: 20000 });
  assert.equal(await isPlaying(page), false, 'no autoplay with reduced motion');
  assert.match(await page.locator('.pipeline-legend').innerText(), /not animated \(reduced motion\)/);
  await page.locator('#play').click();
  await page.waitForFunction(() => Number(document.querySelector('#clock').dataset.us) > 200000);
  await pause(page);
  await s.finish();
});

test('a hidden tab stops the run and a visible one resumes it', async () => {
  const s = await openLab('/');
  const { page } = s;
  await page.waitForFunction(() => Number(document.querySelector('#clock').dataset.us) > 100000);
  const setHidden = (hidden) =>
    page.evaluate((h) => {
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => h });
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (h ? 'hidden' : 'visible') });
      document.dispatchEvent(new Event('visibilitychange'));
    }, hidden);
  await setHidden(true);
  await page.waitForTimeout(100);
  const hiddenAt = await clock(page);
  await page.waitForTimeout(700);
  assert.equal(await clock(page), hiddenAt, 'nothing is simulated while hidden');
  await setHidden(false);
  await page.waitForFunction((t) => Number(document.querySelector('#clock').dataset.us) > t + 100000, hiddenAt);
  // No catch-up burst: the run resumes where it stopped.
  assert.ok((await clock(page)) < hiddenAt + 1500000, 'no jump after the tab shows again');
  await s.finish();
});

test('copy link puts a link that reproduces the run on the clipboard, or selects it', async () => {
  const s = await openLab('/?seed=99&checkpointing.codec=lz4');
  const { page } = s;
  const link = await copyLink(page, lab);
  const url = new URL(link);
  assert.equal(url.origin, lab.origin);
  assert.equal(url.searchParams.get('seed'), '99');
  assert.equal(url.searchParams.get('checkpointing.codec'), 'lz4');
  await s.finish();
});

/** The native engine's reference digest, from the CLI that `cargo test` built. */
function nativeDigest() {
  const cli = process.env.STATELAB_CLI ?? path.join(ROOT, 'target', 'debug', 'statelab-cli');
  const args = ['digest', '--reference'];
  const out = fs.existsSync(cli)
    ? execFileSync(cli, args, { encoding: 'utf8' })
    : execFileSync('cargo', ['run', '--quiet', '--bin', 'statelab-cli', '--', ...args], {
        cwd: ROOT,
        encoding: 'utf8',
      });
  return out.trim();
}

test('the wasm build computes the same reference digest as the native engine', async () => {
  const native = nativeDigest();
  assert.match(native, /^[0-9a-f]{16}$/);
  const s = await lab.open('/?selftest=digest', { viewport: DESKTOP });
  const digest = s.page.locator('#digest');
  await digest.waitFor({ state: 'visible', timeout: 60000 });
  assert.equal((await digest.innerText()).trim(), native);
  // The lab stays out of the way in this mode.
  assert.equal(await s.page.locator('[data-region="pipeline"]').count(), 0);
  await s.finish();
});

// The What if tab's sweep (issue 12) is tested in e2e/sweep.test.mjs.
