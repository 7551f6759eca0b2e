// Time travel (issue 11): a run with a crash is scrubbed back to its markers and the page
// shows that moment (clock, job status); stepping back goes to earlier moments; a branch
// forked before the crash with the codec changed, crashed again, compares with the
// original: a different checkpointed data size, the same exactly-once verdict, A's
// pipeline beside B's (lanes on a phone); the copied link reopens both branches with the
// same figures, and a bad branch parameter is named while the run stays. Screenshots
// at 1280×720, 1920×1080 (where nothing scrolls) and 390 px go to e2e/screenshots/.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import path from 'node:path';
import { DESKTOP, PHONE, PROJECTOR, SCREENSHOTS, copyLink, openTab, screenshot, startLab, waitForShell } from './harness.mjs';

let lab;

before(async () => {
  lab = await startLab();
});

after(async () => {
  await lab?.close();
});

const timeline = '[data-region="timeline"]';

async function now(page) {
  return Number(await page.locator(timeline).getAttribute('data-now-us'));
}

async function clock(page) {
  return Number(await page.locator('#clock').getAttribute('data-us'));
}

async function waitClock(page, us) {
  await page.waitForFunction((t) => Number(document.querySelector('#clock')?.dataset.us) > t, us, { timeout: 30000 });
}

async function setPlaying(page, playing) {
  const want = playing ? 'Pause' : 'Play';
  if ((await page.locator('#play').getAttribute('aria-label')) !== want) await page.locator('#play').click();
  await page.waitForFunction((w) => document.querySelector('#play')?.getAttribute('aria-label') === w, want);
}

/** Waits until the timeline shows another moment than `before`. */
async function moved(page, before) {
  await page.waitForFunction(
    ([sel, b]) => Number(document.querySelector(sel)?.dataset.nowUs) !== b,
    [timeline, before],
    { timeout: 10000 },
  );
  return now(page);
}

/** Clicks the scrubber at `fraction` of its width. */
async function scrubTo(page, fraction) {
  const box = await page.locator('[data-testid="tl-scrubber"]').boundingBox();
  await page.mouse.click(box.x + box.width * fraction, box.y + box.height / 2);
}

function onScreen(box, viewport) {
  return box && box.x >= 0 && box.y >= 0 && box.x + box.width <= viewport.width + 0.5 && box.y + box.height <= viewport.height + 0.5;
}

test('scrub back to a crash and a checkpoint, step back, branch with another codec, compare', async () => {
  const s = await lab.open('/?slowmo=0', { viewport: DESKTOP });
  const { page } = s;
  await waitForShell(page);
  await page.locator(timeline).waitFor();
  await waitClock(page, 2_600_000);
  await page.keyboard.press('x');
  await waitClock(page, 6_000_000);
  await setPlaying(page, false);
  const head = await clock(page);
  assert.equal(Number(await page.locator(timeline).getAttribute('data-head-us')), head);
  assert.equal(await page.locator(timeline).getAttribute('data-past'), 'false');

  // The run's markers: checkpoints, the crash, the restore.
  const crash = page.locator('.tl-mark[data-kind="crash"]').first();
  await crash.waitFor();
  assert.ok((await page.locator('.tl-mark[data-kind="completed"]').count()) >= 1, 'checkpoint markers');
  assert.ok((await page.locator('.tl-mark[data-kind="restore"]').count()) >= 1, 'a restore marker');
  const crashAt = Number(await crash.getAttribute('data-at-us'));
  assert.ok(crashAt > 2_500_000 && crashAt < 3_500_000, `crash at ${crashAt}`);

  // Jump to the crash: the page shows that moment, the job failed, in the past.
  await crash.click();
  const atCrash = await moved(page, head);
  assert.ok(atCrash >= crashAt && atCrash < crashAt + 20_000, `at the crash: ${atCrash}`);
  assert.equal(await clock(page), atCrash, 'the clock shows the moment');
  assert.notEqual(await page.locator('#job-status').getAttribute('data-status'), 'running');
  assert.equal(await page.locator(timeline).getAttribute('data-past'), 'true');
  assert.match(await page.locator('[data-testid="tl-status"]').innerText(), /A's past/);

  // A checkpoint completed before the crash: the job runs there.
  const completedAt = await page.locator('.tl-mark[data-kind="completed"]').evaluateAll(
    (els, c) => els.map((e) => Number(e.dataset.atUs)).filter((t) => t < c),
    crashAt,
  );
  assert.ok(completedAt.length >= 1, 'a checkpoint completed before the crash');
  await page.locator(`.tl-mark[data-kind="completed"][data-at-us="${completedAt.at(-1)}"]`).click();
  const atCheckpoint = await moved(page, atCrash);
  assert.ok(atCheckpoint < crashAt);
  assert.equal(await page.locator('#job-status').getAttribute('data-status'), 'running');

  // Step back (←) goes earlier, Shift+← to the previous checkpoint's end, End to the head.
  await page.keyboard.press('ArrowLeft');
  const back = await moved(page, atCheckpoint);
  assert.ok(back < atCheckpoint, `${back} < ${atCheckpoint}`);
  await page.keyboard.press('End');
  assert.equal(await moved(page, back), head);
  await page.keyboard.press('Shift+ArrowLeft');
  const lastCheckpoint = await moved(page, head);
  assert.ok(lastCheckpoint < head);

  // Scrub with the mouse to about 1.5 s (the track is 10 s long): before the crash.
  await scrubTo(page, 0.15);
  const scrubbed = await moved(page, lastCheckpoint);
  // The range's thumb takes some of its width: about, not exactly, 15 %.
  assert.ok(Math.abs(scrubbed - 1_500_000) < 300_000, `scrubbed to ${scrubbed}`);
  assert.equal(await clock(page), scrubbed);
  await screenshot(page, 'timeline-1-scrubbed-1280x720');
  await page.locator(timeline).screenshot({ path: path.join(SCREENSHOTS, 'timeline-strip-1280.png') });

  // Branch here, change the codec, play through a crash of its own.
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('b');
  await page.locator('[data-testid="branch-B"][aria-pressed="true"]').waitFor();
  assert.equal(await page.locator(timeline).getAttribute('data-branch'), 'B');
  await openTab(page, 'settings');
  const codec = page.locator('#cfg-checkpointing-codec');
  const before = await codec.inputValue();
  const other = before === 'none' ? 'snappy' : 'none';
  const url = page.url();
  await codec.selectOption(other);
  // The settings applied live on B: the address bar carries the branches, B's codec
  // as B's change at its fork, the base run's settings as they were.
  await page.waitForFunction((before) => location.href !== before, url, { timeout: 5000 });
  const params = new URL(page.url()).searchParams;
  assert.match(params.get('branches') ?? '', /^v1,B,/);
  assert.match(params.get('branch.B') ?? '', new RegExp(`^A,1\\.\\d+,[\\d.]+~1\\.\\d+:set:checkpointing\\.codec:${other}$`));
  assert.equal(params.get('checkpointing.codec') ?? 'snappy', before);
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await setPlaying(page, true);
  await waitClock(page, crashAt);
  await page.keyboard.press('x');
  await waitClock(page, head + 300_000);
  await setPlaying(page, false);
  assert.equal(await page.locator('[data-testid="branch-A"]').getAttribute('aria-pressed'), 'false');

  // Compare: B against A at the same moment (A's head).
  await openTab(page, 'branches');
  const comparison = page.locator('[data-testid="comparison"]');
  await comparison.waitFor();
  const rows = await comparison.locator('tbody tr').evaluateAll((trs) =>
    Object.fromEntries(trs.map((tr) => [tr.querySelector('th').textContent, {
      differs: tr.classList.contains('differs'),
      cells: [...tr.querySelectorAll('td')].map((td) => td.textContent),
    }])),
  );
  assert.ok(rows['checkpointed data size (last)'].differs, JSON.stringify(rows['checkpointed data size (last)']));
  assert.equal(rows['exactly-once check'].differs, false, JSON.stringify(rows['exactly-once check']));
  assert.deepEqual(rows['exactly-once check'].cells, ['exactly once ✓', 'exactly once ✓']);
  const facts = await comparison.locator('.compare-facts').innerText();
  assert.match(facts, /diverged at 1\.\d{3} s/);
  assert.match(await comparison.locator('[data-testid="first-difference"]').innerText(), /First different event, at \d+\.\d{3} s/);
  assert.match(await comparison.locator('h3').textContent(), /^B vs A at /);
  // Side by side: A's pipeline beside B's, at the same moment, drawn by the same code.
  const side = page.locator('[data-testid="side-by-side"]');
  await side.waitFor();
  assert.equal(await side.getAttribute('data-compared'), 'A');
  assert.equal(Number(await side.getAttribute('data-now-us')), await now(page), 'in lockstep');
  const twin = await page.locator('[data-testid="twin-canvas"]').boundingBox();
  const main = await page.locator('.pipeline-canvas:not(.twin-canvas)').boundingBox();
  assert.ok(twin.width > 200 && twin.height > 100, `A's picture (${twin.width}×${twin.height})`);
  assert.ok(twin.width < main.width && twin.x > main.x + main.width - 1, 'smaller, beside the shown one');
  assert.match(await side.locator('[data-testid="sbs-first"]').innerText(), /first different event at \d+\.\d{3} s/);
  assert.equal(await side.locator('[data-testid="overlay"]').count(), 2);
  await screenshot(page, 'timeline-2-compare-1280x720');

  // 1920×1080: everything on one screen, nothing to scroll.
  await page.setViewportSize(PROJECTOR);
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'timeline-3-compare-1920x1080.png') });
  for (const sel of [timeline, '[data-testid="tl-scrubber"]', '[data-testid="tl-fork"]', '[data-testid="comparison"] h3',
    '[data-testid="comparison"] tbody tr:last-child', '.pipeline-canvas:not(.twin-canvas)', '[data-testid="tab-inspector"]', '[data-testid="tab-settings"]',
    '[data-testid="twin-canvas"]', '[data-testid="overlay"]:last-child svg']) {
    assert.ok(onScreen(await page.locator(sel).boundingBox(), PROJECTOR), `${sel} on screen at 1920×1080`);
  }
  const scroll = await page.evaluate(() => document.documentElement.scrollHeight);
  assert.ok(scroll <= PROJECTOR.height, `nothing to scroll (${scroll})`);

  // A phone: the strip stacks, the scrubber still spans the stage.
  await page.setViewportSize(PHONE);
  await page.waitForTimeout(300);
  const strip = await page.locator(timeline).boundingBox();
  assert.ok(strip.width <= PHONE.width, `the strip fits (${strip.width})`);
  // Lanes instead of the second picture.
  assert.equal(await page.locator('[data-testid="twin-canvas"]').isVisible(), false);
  for (const name of ['A', 'B']) {
    const lane = await page.locator(`[data-testid="lane-${name}"]`).boundingBox();
    assert.ok(lane && lane.width <= PHONE.width, `lane ${name} fits`);
  }
  await page.locator('[data-testid="side-by-side"]').screenshot({ path: path.join(SCREENSHOTS, 'timeline-lanes-390.png') });
  await screenshot(page, 'timeline-4-phone-390');
  await page.locator(timeline).screenshot({ path: path.join(SCREENSHOTS, 'timeline-strip-390.png') });

  // The copied link reproduces both branches: a colleague opening it sees B at this
  // moment beside A, with the same figures.
  await page.setViewportSize(DESKTOP);
  const shownAt = await now(page);
  const link = await copyLink(page, lab);
  const copied = new URL(link);
  assert.match(copied.searchParams.get('branch.B') ?? '', /:set:checkpointing\.codec:/);
  const r = await lab.open(copied.pathname + copied.search, { viewport: DESKTOP });
  await waitForShell(r.page);
  await r.page.locator(timeline).waitFor();
  await r.page.waitForFunction((sel) => document.querySelector(sel)?.dataset.branch === 'B', timeline, { timeout: 30000 });
  assert.equal(await now(r.page), shownAt, 'B at the moment the link was copied');
  assert.equal(await r.page.locator('#play').getAttribute('aria-label'), 'Play', 'opened still');
  assert.equal(await r.page.locator('[data-testid="branch-A"]').count(), 1);
  await openTab(r.page, 'branches');
  const again = r.page.locator('[data-testid="comparison"]');
  await again.waitFor();
  const rowsAgain = await again.locator('tbody tr').evaluateAll((trs) =>
    Object.fromEntries(trs.map((tr) => [tr.querySelector('th').textContent, {
      differs: tr.classList.contains('differs'),
      cells: [...tr.querySelectorAll('td')].map((td) => td.textContent),
    }])),
  );
  assert.ok(rowsAgain['checkpointed data size (last)'].differs);
  assert.deepEqual(rowsAgain['exactly-once check'].cells, ['exactly once ✓', 'exactly once ✓']);
  assert.deepEqual(rowsAgain, rows, 'the same figures after the reload');
  await r.page.locator('[data-testid="side-by-side"]').waitFor();
  await screenshot(r.page, 'timeline-5-reloaded-1280x720');
  await r.finish();

  // Switching back to A shows A at that moment.
  await page.locator('[data-testid="branch-A"]').click();
  await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.branch === 'A', timeline);
  await s.finish();
});

test('a bad branch in the link keeps the run and says which parameter', async () => {
  const s = await lab.open('/?seed=7&branches=v1,B,2,A&branch.A=2&branch.B=A,1,2~1:fault:warp_drive', { viewport: DESKTOP });
  const { page } = s;
  await waitForShell(page);
  await page.locator(timeline).waitFor();
  await page.waitForFunction(() => /branch\.B/.test(document.querySelector('#notice')?.textContent ?? ''));
  assert.match(await page.locator('#notice').innerText(), /branch\.B`? refused: action 1: `?warp_drive`? is not a fault kind/);
  assert.equal(await page.locator('[data-testid="branch-B"]').count(), 0, 'no branch B');
  assert.equal(await page.locator(timeline).getAttribute('data-branch'), 'A');
  assert.equal(new URL(page.url()).searchParams.get('seed'), '7');
  await s.finish();
});

test('showing any moment of a 10-minute default run: latency in the page', async (t) => {
  const s = await lab.open('/?slowmo=0', { viewport: DESKTOP });
  const { page } = s;
  await waitForShell(page);
  await page.locator(timeline).waitFor();
  // As fast as the lab goes, until 10 minutes of virtual time have been recorded.
  for (let i = 0; i < 8; i++) await page.keyboard.press('+');
  await waitClockLong(page, 600_000_000);
  await setPlaying(page, false);
  const head = await now(page);
  // Moments spread over the run, in a fixed scattered order: each one's seek, from the
  // input event to the page showing it.
  const latencies = [];
  for (let i = 0; i < 40; i++) {
    const ms = Math.floor(((i * 7919) % 40 + 0.5) / 40 * (head / 1000));
    latencies.push(await page.evaluate(async ([sel, value]) => {
      const range = document.querySelector('[data-testid="tl-scrubber"]');
      const t0 = performance.now();
      range.value = String(value);
      range.dispatchEvent(new Event('input', { bubbles: true }));
      while (Number(document.querySelector(sel).dataset.nowUs) !== value * 1000) {
        await new Promise((r) => setTimeout(r, 0));
      }
      return performance.now() - t0;
    }, [timeline, ms]));
  }
  latencies.sort((a, b) => a - b);
  const [median, p95, max] = [latencies[20], latencies[37], latencies[39]];
  const memory = await page.locator('.tl-memory').innerText();
  t.diagnostic(`scrub in the page, 40 moments of a ${(head / 60e6).toFixed(1)} min run: median ${median.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${max.toFixed(1)} ms; ${memory}`);
  assert.ok(p95 < 500, `p95 ${p95} ms`);
  await s.finish();
});

async function waitClockLong(page, us) {
  await page.waitForFunction((t) => Number(document.querySelector('#clock')?.dataset.us) > t, us, { timeout: 240000, polling: 500 });
}
