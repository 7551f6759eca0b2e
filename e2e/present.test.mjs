// A lab a teacher can present (issue 9): the pipeline and its actions on the first screen,
// presenter mode readable from the back of a room, slow motion that says what it slows,
// a crash → restore → replay stepped chunk by chunk whose readouts stay right and inside
// their card, a speed message that only shows when the run really lags, and a top bar
// that never moves. Screenshots of each state go to e2e/screenshots/.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import path from 'node:path';
import { DESKTOP, PROJECTOR, SCREENSHOTS, openTab, screenshot, startLab, waitForShell } from './harness.mjs';

let lab;

before(async () => {
  lab = await startLab();
});

after(async () => {
  await lab?.close();
});

async function openLab(urlPath, viewport) {
  const s = await lab.open(urlPath, { viewport });
  await waitForShell(s.page);
  await s.page.locator('#clock').waitFor({ state: 'visible', timeout: 20000 });
  return s;
}

async function pause(page) {
  if ((await page.locator('#play').getAttribute('aria-label')) === 'Pause') await page.locator('#play').click();
  await page.waitForFunction(() => document.querySelector('#play')?.getAttribute('aria-label') === 'Play');
}

async function stepDone(page) {
  await page.waitForFunction(() => !document.querySelector('#step-event')?.disabled, null, { timeout: 30000 });
}

/** Presses a key that steps, and waits for the step to end. */
async function step(page, key) {
  await page.keyboard.press(key);
  await stepDone(page);
}

/** Whether `box` lies inside the viewport. */
function onScreen(box, viewport) {
  return box && box.x >= 0 && box.y >= 0 && box.x + box.width <= viewport.width + 0.5 && box.y + box.height <= viewport.height + 0.5;
}

test('the pipeline and the trigger and crash actions are on the first screen at 1280×720 and 1920×1080', async () => {
  for (const viewport of [DESKTOP, PROJECTOR]) {
    const s = await openLab('/', viewport);
    const { page } = s;
    await page.waitForFunction(() => Number(document.querySelector('#clock').dataset.us) > 500000);
    for (const selector of ['.pipeline-canvas', '[data-testid="trigger-checkpoint"]', '[data-testid="crash-job"]',
      '[data-testid="crash-subtask"]', '[data-testid="rescale"]', '[data-testid="corrupt-chunk"]',
      '[data-testid="lose-chunk"]', '[data-testid="link-faults"]']) {
      const box = await page.locator(selector).boundingBox();
      assert.ok(onScreen(box, viewport), `${selector} on the first screen at ${viewport.width}: ${JSON.stringify(box)}`);
    }
    const canvas = await page.locator('.pipeline-canvas').boundingBox();
    assert.ok(canvas.height > viewport.height * 0.55, `the pipeline is the stage (${canvas.height} px high)`);
    const scroll = await page.evaluate(() => document.documentElement.scrollHeight);
    assert.ok(scroll <= viewport.height, `nothing to scroll (${scroll})`);
    await page.screenshot({ path: path.join(SCREENSHOTS, `first-screen-${viewport.width}x${viewport.height}.png`) });
    await s.finish();
  }
});

test('presenter mode fills 1920×1080 with the pipeline, its text at least 14 px high', async () => {
  const s = await openLab('/?present=1', PROJECTOR);
  const { page } = s;
  assert.equal(await page.locator('.app.presenter').count(), 1);
  assert.equal(await page.locator('[data-region="dock"]').count(), 0, 'no dock: the stage has the width');
  const textPx = Number(await page.locator('.pipeline-canvas').getAttribute('data-text-px'));
  assert.ok(textPx >= 14, `canvas text ${textPx} px`);
  const canvas = await page.locator('.pipeline-canvas').boundingBox();
  assert.ok(canvas.width > PROJECTOR.width * 0.9, `the pipeline fills the width (${canvas.width})`);
  // The demonstration's controls stay: play, step, the actions.
  for (const selector of ['#play', '#step-event', '#step-kind', '[data-testid="crash-job"]', '[data-testid="trigger-checkpoint"]']) {
    assert.ok(onScreen(await page.locator(selector).boundingBox(), PROJECTOR), selector);
  }
  // Slow motion around the first checkpoint, and said so.
  await page.waitForFunction(() => /slow motion around checkpoint 1/.test(document.querySelector('[data-testid="slow-motion"]')?.textContent ?? ''), null, { timeout: 20000 });
  await screenshot(page, 'presenter-1920x1080-checkpoint');
  // P leaves presenter mode, and the address follows.
  await page.keyboard.press('p');
  await page.locator('[data-region="dock"]').waitFor();
  assert.equal(new URL(page.url()).searchParams.get('present'), null);
  await page.keyboard.press('p');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('present') === '1');
  await s.finish();
});

test('slow motion stretches a checkpoint over seconds at 1×, says so, and M switches it', async () => {
  const s = await openLab('/', DESKTOP);
  const { page } = s;
  const badge = page.locator('[data-testid="slow-motion"]');
  await badge.waitFor({ timeout: 20000 });
  const began = Date.now();
  assert.match(await badge.innerText(), /slow motion around checkpoint \d/);
  // Barriers, then chunks on the link, then chunks landing: each shown in the caption.
  const seen = new Set();
  while (await badge.count()) {
    const text = await page.locator('[data-testid="moment"] .moment-text').innerText();
    if (/barriers travel/.test(text) && !seen.has('barriers')) {
      seen.add('barriers');
      await screenshot(page, 'slow-motion-1-barriers-1280x720');
    }
    if (/on the link/.test(text) && !seen.has('uploads')) {
      seen.add('uploads');
      await screenshot(page, 'slow-motion-2-on-the-link-1280x720');
    }
    if (/land in the store/.test(text) && !seen.has('landing')) {
      seen.add('landing');
      await screenshot(page, 'slow-motion-3-landing-1280x720');
    }
    await page.waitForTimeout(100);
    if (Date.now() - began > 20000) break;
  }
  const lasted = (Date.now() - began) / 1000;
  assert.deepEqual([...seen].sort(), ['barriers', 'landing', 'uploads']);
  assert.ok(lasted > 3, `the checkpoint took ${lasted} s of wall time at 1×`);
  // M: off, and remembered.
  await page.keyboard.press('m');
  assert.equal(await page.locator('#slow-motion-toggle').getAttribute('aria-pressed'), 'false');
  await page.reload({ waitUntil: 'load' });
  await page.locator('#slow-motion-toggle').waitFor();
  assert.equal(await page.locator('#slow-motion-toggle').getAttribute('aria-pressed'), 'false', 'remembered');
  await s.finish();
});

test('a crash, restore and replay stepped chunk by chunk keep the readouts right and inside their card', async () => {
  const s = await openLab('/?seed=11', DESKTOP);
  const { page } = s;
  await pause(page);
  // Two checkpoints, so "no completed checkpoint" would be wrong; then records past the
  // second one, for the replay.
  await step(page, '6');
  await step(page, '6');
  const offset = async () => Number(await page.locator('.run-state').getAttribute('data-offset'));
  const stepped = await offset();
  await page.keyboard.press('Space');
  await page.waitForFunction((o) => Number(document.querySelector('.run-state').dataset.offset) > o + 30, stepped, { timeout: 20000 });
  await pause(page);
  const stored = (await page.locator('.pipeline-canvas').getAttribute('aria-label')).match(/store holds checkpoints? ([\d, ]+)/);
  assert.ok(stored, 'a checkpoint is stored');
  const latest = stored[1].split(',').map((x) => x.trim()).filter(Boolean).pop();

  const card = page.locator('[data-testid="recovery"]');
  const barHeight = async () => (await page.locator('.topbar').boundingBox()).height;
  const barBefore = await barHeight();

  /** The card's readout: every value inside the card, and its numbers. */
  const check = async (label) => {
    const box = await card.boundingBox();
    for (const dd of await card.locator('dd').all()) {
      const b = await dd.boundingBox();
      assert.ok(b.x >= box.x - 0.5 && b.x + b.width <= box.x + box.width + 0.5, `${label}: a value overflows the card: ${await dd.innerText()}`);
    }
    assert.equal(await card.getAttribute('data-checkpoint'), latest, `${label}: restores checkpoint ${latest}`);
    const text = await card.innerText();
    assert.doesNotMatch(text, /no completed checkpoint/, label);
    const done = Number(await card.getAttribute('data-replayed'));
    const total = Number(await card.getAttribute('data-replay-total'));
    assert.ok(done <= total, `${label}: replayed ${done} of ${total}`);
    const status = await page.locator('#job-status').getAttribute('title');
    const m = status.match(/replaying ([\d\u202f]+) of ([\d\u202f]+)/);
    if (m) {
      const n = (x) => Number(x.replace(/\u202f/g, ''));
      assert.ok(n(m[1]) <= n(m[2]), `${label}: status ${status}`);
    }
    assert.equal(await barHeight(), barBefore, `${label}: the top bar keeps its height`);
    return { stage: await card.getAttribute('data-stage'), done, total };
  };

  await page.keyboard.press('x');
  await card.waitFor();
  let r = await check('restarting');
  assert.equal(r.stage, 'restarting');
  assert.match(await card.innerText(), new RegExp(`checkpoint ${latest} \\(source offset`));
  await screenshot(page, 'recovery-1-restarting-1280x720');

  // Chunk by chunk through the restore.
  let chunks = 0;
  for (;;) {
    await step(page, '5');
    r = await check(`restore chunk ${chunks + 1}`);
    if (r.stage !== 'restoring') break;
    chunks += 1;
    if (chunks === 3) await screenshot(page, 'recovery-2-restoring-1280x720');
    assert.ok(chunks < 400, 'the restore ends');
  }
  assert.ok(chunks >= 1, `stepped ${chunks} restored chunks`);
  await screenshot(page, 'recovery-3-replaying-1280x720');

  // The replay, played slowly, then the verdict.
  for (let i = 0; i < 7; i++) await page.keyboard.press('-'); // down to 0.01×
  await page.keyboard.press('m'); // slow motion off: the speed asked is what plays
  await page.locator('#play').click();
  for (let i = 0; i < 400; i++) {
    r = await check(`replay sample ${i}`);
    if (r.stage === 'done') break;
    await page.waitForTimeout(50);
  }
  assert.equal(r.stage, 'done');
  assert.equal(r.done, r.total);
  const badge = page.locator('[data-testid="exactly-once"]');
  assert.equal(await badge.getAttribute('data-ok'), 'true', await badge.innerText());
  await screenshot(page, 'recovery-4-exactly-once-1280x720');
  await s.finish();
});

test('the speed message stays hidden at 1× on an idle default run', async () => {
  const s = await openLab('/', DESKTOP);
  const { page } = s;
  const began = Date.now();
  while (Date.now() - began < 8000) {
    assert.equal(await page.locator('[data-testid="behind"]').count(), 0, 'no "cannot keep up" at 1×');
    await page.waitForTimeout(100);
  }
  await s.finish();
});

test('the top bar keeps its height through a crash at 1280×720 and 1920×1080', async () => {
  for (const viewport of [DESKTOP, PROJECTOR]) {
    const s = await openLab('/', viewport);
    const { page } = s;
    // Faster, so the slow-motion recovery takes a few seconds.
    await page.keyboard.press('+');
    await page.keyboard.press('+');
    await page.waitForFunction(() => Number(document.querySelector('#clock').dataset.us) > 2500000, null, { timeout: 30000 });
    const heights = new Set([(await page.locator('.topbar').boundingBox()).height]);
    const statuses = new Set();
    await page.locator('[data-testid="crash-job"]').click();
    for (let i = 0; i < 600; i++) {
      heights.add((await page.locator('.topbar').boundingBox()).height);
      statuses.add(await page.locator('#job-status').getAttribute('data-status'));
      if (await page.locator('[data-testid="exactly-once"]').count()) break;
      if (i === 40) await screenshot(page, `crash-topbar-${viewport.width}x${viewport.height}`);
      await page.waitForTimeout(50);
    }
    assert.ok(statuses.has('restarting') && statuses.has('restoring'), [...statuses].join(', '));
    assert.equal(heights.size, 1, `top bar heights seen: ${[...heights].join(', ')}`);
    await s.finish();
  }
});

test('a click on a subtask opens a menu on the stage that crashes it', async () => {
  const s = await openLab('/?seed=3', DESKTOP);
  const { page } = s;
  await pause(page);
  await step(page, '6');
  const canvas = page.locator('.pipeline-canvas');
  const box = await canvas.boundingBox();
  // A subtask's label strip: the top of the first subtask box.
  let subtask = null;
  for (const y of [0.2, 0.22, 0.18, 0.24, 0.45]) {
    await canvas.click({ position: { x: box.width * 0.35, y: box.height * y } });
    await page.waitForTimeout(200);
    if (await page.locator('[data-testid="menu-crash-subtask"]').count()) {
      subtask = (await page.locator('[data-testid="menu-crash-subtask"]').innerText()).match(/Crash subtask (\d+)/)[1];
      break;
    }
    await page.keyboard.press('Escape');
  }
  assert.ok(subtask !== null, 'the menu offers to crash a subtask');
  // The pipeline is still drawn under its menu (the canvas was once replaced by a blank one).
  const drawn = await canvas.evaluate((c) => [c.width, Math.round(c.getBoundingClientRect().width * devicePixelRatio)]);
  assert.equal(drawn[0], drawn[1], `the canvas keeps its drawing buffer (${drawn})`);
  await screenshot(page, 'stage-menu-1280x720');
  await page.locator('[data-testid="menu-crash-subtask"]').click();
  await page.locator('[data-testid="recovery"]').waitFor();
  assert.match(await page.locator('[data-testid="recovery"]').innerText(), new RegExp(`subtask ${subtask} failed`));
  await s.finish();
});

test('the model panel uses one symbol per meaning and Z drives P', async () => {
  const s = await openLab('/?slowmo=0', DESKTOP);
  const { page } = s;
  await page.waitForFunction(() => Number(document.querySelector('#clock').dataset.us) > 6000000, null, { timeout: 40000 });
  await openTab(page, 'model');
  const model = page.locator('[data-testid="model"]');
  const text = await model.innerText();
  assert.doesNotMatch(text, /seed document/);
  assert.match(text, /F = 1 \/ I/);
  assert.match(text, /compression ratio/i);
  const p = async () => Number((await page.locator('[data-testid="formula-partitions"]').innerText()).match(/= (\d+)\s*$/)[1]);
  const before = await p();
  await page.locator('#target-partition').fill('1 KiB');
  const after = await p();
  assert.ok(after > before, `a smaller Z gives more partitions (${before} → ${after})`);
  // A number points at the pipeline.
  await page.locator('[data-testid="formula-partitions"] button.num').first().click();
  await screenshot(page, 'model-1280x720');
  await s.finish();
});
