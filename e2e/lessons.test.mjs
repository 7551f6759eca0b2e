// Lessons in the browser (issue 10): the first-visit start screen, a lesson beside the
// pipeline, a prediction answered then explained with the run's numbers, stepping on with
// the keyboard and back to the exact earlier state, callouts beside what they point at,
// deep links (a bad one named), all on one screen at 1920×1080. Screenshots go to
// e2e/screenshots/lesson-*.png.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DESKTOP, PHONE, PROJECTOR, screenshot, startLab, waitForShell } from './harness.mjs';

let lab;

before(async () => {
  lab = await startLab();
});

after(async () => {
  await lab?.close();
});

async function openLab(urlPath, viewport, options = {}) {
  const s = await lab.open(urlPath, { viewport, ...options });
  await waitForShell(s.page);
  return s;
}

const panel = (page) => page.locator('[data-testid="lesson-panel"]');

async function waitForStep(page, lesson, step) {
  await page.waitForFunction(
    ([l, n]) => {
      const p = document.querySelector('[data-testid="lesson-panel"]');
      return p?.dataset.lesson === l && p?.dataset.step === String(n);
    },
    [lesson, step],
    { timeout: 20000 },
  );
}

async function waitForStatus(page, statuses) {
  try {
    await page.waitForFunction(
      (want) => want.includes(document.querySelector('[data-testid="lesson-panel"]')?.dataset.status),
      statuses,
      { timeout: 60000 },
    );
  } catch (e) {
    const p = page.locator('[data-testid="lesson-panel"]');
    const now = await p.evaluate((el) => JSON.stringify({ ...el.dataset, text: el.querySelector('[data-testid="lesson-status"]')?.textContent }));
    throw new Error(`waiting for ${statuses}: ${now}: ${e.message}`);
  }
}

/** Whether the page scrolls (either way) at its viewport. */
async function scrolls(page) {
  return page.evaluate(() => {
    const e = document.scrollingElement;
    return e.scrollHeight > window.innerHeight + 1 || e.scrollWidth > window.innerWidth + 1;
  });
}

function inside(box, viewport) {
  return box && box.x >= 0 && box.y >= 0 && box.x + box.width <= viewport.width + 0.5 && box.y + box.height <= viewport.height + 0.5;
}

test('a first visit offers the tour; Start here opens its first lesson beside the pipeline', async () => {
  const s = await openLab('/', PROJECTOR, { firstVisit: true });
  const { page } = s;
  const start = page.locator('[data-testid="start-screen"]');
  await start.waitFor({ state: 'visible', timeout: 20000 });
  // The tour's length is measured on the engine, not written down.
  await page.waitForFunction(() => /\d+-minute tour/.test(document.querySelector('[data-testid="start-tour"]')?.textContent ?? ''), null, { timeout: 30000 });
  await screenshot(page, 'lesson-start-1920');
  await page.locator('[data-testid="start-tour"]').click();
  await waitForStep(page, 'where-a-key-goes', 1);
  assert.equal(await start.count(), 0);
  assert.match(page.url(), /[?&]lesson=where-a-key-goes&step=1\b/);
  // Beside the pipeline, not below it.
  const column = await page.locator('[data-testid="lesson-column"]').boundingBox();
  const canvas = await page.locator('.pipeline-canvas').boundingBox();
  assert.ok(column.x + column.width <= canvas.x, `${JSON.stringify(column)} left of ${JSON.stringify(canvas)}`);
  assert.ok(column.y < canvas.y + canvas.height && canvas.y < column.y + column.height, 'side by side');
  // The answer is remembered: the next visit goes straight to the lab.
  await page.goto(new URL('/', page.url()).href);
  await waitForShell(page);
  await page.waitForTimeout(500);
  assert.equal(await start.count(), 0);
  await s.finish();
});

test('a prediction is asked, answered, then explained with the numbers this run produced', async () => {
  const s = await openLab('/?lesson=a-checkpoint&step=4', PROJECTOR);
  const { page } = s;
  await waitForStep(page, 'a-checkpoint', 4);
  await waitForStatus(page, ['asking']);
  const choices = page.locator('[data-testid^="choice-"]');
  assert.equal(await choices.count(), 3);
  await screenshot(page, 'lesson-predict-1920');
  // Nothing runs while the question waits.
  const clock = await page.locator('#clock').getAttribute('data-us');
  await page.waitForTimeout(400);
  assert.equal(await page.locator('#clock').getAttribute('data-us'), clock);

  await page.locator('[data-testid="choice-1"]').click();
  await waitForStatus(page, ['reached']);
  const explanation = page.locator('[data-testid="lesson-explanation"]');
  await explanation.waitFor({ state: 'visible' });
  const text = await explanation.textContent();
  assert.match(text, /^Right\./, text);
  const chunks = Number(text.match(/(\d+) chunks, one per key group/)?.[1]);
  // The count is the run's: as many chunks as the job has key groups (the model panel
  // and the inspector read the same engine).
  const keyGroups = await page.evaluate(() => {
    const label = document.querySelector('.pipeline-canvas')?.getAttribute('aria-label') ?? '';
    return Number(label.match(/holding (\d+) key groups/)?.[1]);
  });
  assert.ok(chunks > 0 && chunks === keyGroups, `${chunks} chunks vs ${keyGroups} key groups: ${text}`);
  assert.match(text, /completed \d+ ms after its trigger/);
  // The right choice is marked, the picture holds where the step ended.
  assert.match(await page.locator('[data-testid="choice-1"]').getAttribute('class'), /correct/);
  const end = await panel(page).getAttribute('data-end-digest');
  assert.ok(end.length > 0);
  assert.equal(await scrolls(page), false, 'no scrolling at 1920×1080');
  for (const id of ['lesson-next', 'lesson-back', 'lesson-explanation', 'choice-0', 'choice-2']) {
    assert.ok(inside(await page.locator(`[data-testid="${id}"]`).boundingBox(), PROJECTOR), `${id} on screen`);
  }
  await screenshot(page, 'lesson-explained-1920');
  await s.finish();
});

test('the keyboard steps on and back, and Back restores the exact earlier state', async () => {
  const s = await openLab('/?lesson=a-checkpoint&step=1', PROJECTOR);
  const { page } = s;
  await waitForStep(page, 'a-checkpoint', 1);
  const entry1 = await panel(page).getAttribute('data-entry-digest');
  await waitForStatus(page, ['reached', 'timedout']);
  await page.keyboard.press('ArrowRight');
  await waitForStep(page, 'a-checkpoint', 2);
  assert.match(page.url(), /step=2\b/);
  const entry2 = await panel(page).getAttribute('data-entry-digest');
  assert.notEqual(entry2, entry1);
  // Step 2 plays at 0.05×: its end comes at once with "Skip to the end".
  await page.locator('[data-testid="lesson-run-to-end"]').click();
  await waitForStatus(page, ['reached']);
  assert.notEqual(await panel(page).getAttribute('data-end-digest'), entry2, 'the run moved');
  await page.keyboard.press('PageDown');
  await waitForStep(page, 'a-checkpoint', 3);
  await page.keyboard.press('ArrowLeft');
  await waitForStep(page, 'a-checkpoint', 2);
  assert.equal(await panel(page).getAttribute('data-entry-digest'), entry2, 'the same state as step 2 began');
  await page.keyboard.press('PageUp');
  await waitForStep(page, 'a-checkpoint', 1);
  assert.equal(await panel(page).getAttribute('data-entry-digest'), entry1);
  // Tab reaches the panel's buttons and Enter presses them.
  await page.locator('[data-testid="lesson-next"]').focus();
  await page.keyboard.press('Enter');
  await waitForStep(page, 'a-checkpoint', 2);
  await s.finish();
});

test('callouts point at their targets without covering them, and follow them', async () => {
  const s = await openLab('/?lesson=a-checkpoint&step=2', PROJECTOR);
  const { page } = s;
  await waitForStep(page, 'a-checkpoint', 2);
  // The pointer ends on the target and the box, in the canvas's coordinates, does not
  // cover it; read in one go, as the painter moves callouts every frame.
  const check = async (selector, { optional = false } = {}) => {
    const got = await page.evaluate((sel) => {
      const c = document.querySelector(sel);
      if (!c || c.style.visibility !== 'visible') return null;
      const frame = document.querySelector('.canvas-frame').getBoundingClientRect();
      const box = c.getBoundingClientRect();
      return {
        tip: c.dataset.tip.split(',').map(Number),
        target: c.dataset.targetRect.split(',').map(Number),
        box: [box.x - frame.x - 1, box.y - frame.y - 1, box.width, box.height],
      };
    }, selector);
    if (!got && optional) return null;
    assert.ok(got, `${selector} is shown`);
    const [tx, ty] = got.tip;
    const [x, y, w, h] = got.target;
    assert.ok(tx >= x && tx <= x + w && ty >= y && ty <= y + h, `the pointer ends on the target: ${JSON.stringify(got)}`);
    const [bx, by, bw, bh] = got.box;
    const overlapW = Math.min(bx + bw, x + w) - Math.max(bx, x);
    const overlapH = Math.min(by + bh, y + h) - Math.max(by, y);
    assert.ok(overlapW <= 1 || overlapH <= 1, `covers its target: ${JSON.stringify(got)}`);
    return got;
  };
  // Step 2 plays slowly while checkpoint 1's barrier travels down subtask 2's channel:
  // its callout goes with it, pointing at it in every frame sampled.
  // The page is warmed up first (the step played once), then the step begins again.
  const barrier = '.callout.on-canvas[data-target="barrier-1-2"]';
  await waitForStatus(page, ['reached']);
  await page.locator('[data-testid="lesson-restart"]').click();
  await waitForStatus(page, ['running']);
  const tips = new Set();
  for (let i = 0; i < 400; i++) {
    const got = await check(barrier, { optional: true });
    if (got) tips.add(got.tip.join(','));
    if ((await panel(page).getAttribute('data-status')) !== 'running') break;
    await page.waitForTimeout(10);
  }
  assert.ok(tips.size >= 2, `the barrier's callout moved with it: ${[...tips]}`);
  await waitForStatus(page, ['reached']);
  await page.waitForFunction(() => document.querySelector('.callout.on-canvas[data-target="subtask-1"]')?.style.visibility === 'visible', null, { timeout: 20000 });
  await check('.callout.on-canvas[data-target="subtask-1"]');
  await check(barrier);
  await screenshot(page, 'lesson-callouts-1920');
  await s.finish();
});

test('a try-it hands over the controls, and Show me plays the solution to the goal', async () => {
  const s = await openLab('/?lesson=compression&step=4', DESKTOP);
  const { page } = s;
  await waitForStep(page, 'compression', 4);
  await waitForStatus(page, ['trying']);
  const showMe = page.locator('[data-testid="lesson-show-me"]');
  await showMe.waitFor({ state: 'visible' });
  assert.equal(await page.locator('[data-testid="lesson-success"]').count(), 0, 'not met before');
  await showMe.click();
  await waitForStatus(page, ['achieved']);
  const success = page.locator('[data-testid="lesson-success"]');
  await success.waitFor({ state: 'visible', timeout: 30000 });
  assert.match(await success.textContent(), /^Shown: /);
  // The solution changed the run's settings for real: the codec is now LZ4.
  await page.locator('[data-testid="tab-settings"]').click();
  await page.waitForFunction(() => [...document.querySelectorAll('select')].some((e) => e.value === 'lz4'), null, { timeout: 10000 });
  await screenshot(page, 'lesson-try-it-1280');
  await s.finish();
});

test('all nine lessons run start to finish from the keyboard, each step ending where it should', async () => {
  const s = await openLab('/?lesson=where-a-key-goes&step=1', PROJECTOR);
  const { page } = s;
  const lessons = [];
  for (let guard = 0; guard < 80; guard++) {
    await page.waitForFunction(() => document.querySelector('[data-testid="lesson-panel"]')?.dataset.step, null, { timeout: 20000 });
    const { lesson, step } = await panel(page).evaluate((e) => ({ lesson: e.dataset.lesson, step: Number(e.dataset.step) }));
    const steps = await page.locator('.lesson-dot').count();
    if (step === 1) lessons.push(lesson);
    const status = await panel(page).getAttribute('data-status');
    if (status === 'asking') {
      // Answer from the keyboard: the first choice, focused and pressed.
      await page.locator('[data-testid="choice-0"]').focus();
      await page.keyboard.press('Enter');
      await waitForStatus(page, ['running', 'reached', 'timedout']);
    }
    if ((await panel(page).getAttribute('data-status')) === 'running') {
      await page.locator('[data-testid="lesson-run-to-end"]').click().catch(() => {});
    }
    await waitForStatus(page, ['reached', 'timedout', 'trying', 'achieved']);
    assert.notEqual(await panel(page).getAttribute('data-status'), 'timedout', `${lesson} step ${step} reached its moment`);
    if ((await panel(page).getAttribute('data-status')) === 'trying') {
      await page.locator('[data-testid="lesson-show-me"]').click();
      await waitForStatus(page, ['achieved']);
    }
    if (step === Math.ceil(steps / 2)) await screenshot(page, `lesson-step-${lesson}`);
    if (lesson === 'a-damaged-store' && step === steps) break;
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(
      ([l, n]) => {
        const p = document.querySelector('[data-testid="lesson-panel"]');
        return p && (p.dataset.lesson !== l || p.dataset.step !== String(n));
      },
      [lesson, step],
      { timeout: 20000 },
    );
  }
  assert.equal(lessons.length, 9, `${lessons}`);
  await s.finish();
});

test('a bad lesson link is named, not a blank page', async () => {
  const s = await openLab('/?lesson=nope&step=2', DESKTOP);
  const { page } = s;
  const problem = page.locator('[data-testid="lesson-problem"]');
  await problem.waitFor({ state: 'visible', timeout: 20000 });
  assert.match(await problem.textContent(), /`nope`/);
  assert.ok(await page.locator('[data-testid="lesson-pick-a-checkpoint"]').isVisible(), 'the lessons to pick from');
  await page.locator('[data-testid="lesson-pick-a-checkpoint"]').click();
  await waitForStep(page, 'a-checkpoint', 1);
  await s.finish();
});

test('in presenter mode a lesson stays beside the pipeline, on one screen at 1920×1080', async () => {
  const s = await openLab('/?lesson=a-checkpoint&step=4&present=1', PROJECTOR);
  const { page } = s;
  await waitForStep(page, 'a-checkpoint', 4);
  await page.locator('[data-testid="choice-1"]').click();
  await page.locator('[data-testid="lesson-explanation"]').waitFor({ state: 'visible', timeout: 60000 });
  await page.waitForTimeout(500);
  assert.equal(await scrolls(page), false);
  for (const id of ['lesson-next', 'lesson-back', 'lesson-explanation']) {
    assert.ok(inside(await page.locator(`[data-testid="${id}"]`).boundingBox(), PROJECTOR), `${id} on screen`);
  }
  // Text for the back of the room: the narration at least 18 px.
  const px = await page.locator('.lesson-narration').evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
  assert.ok(px >= 18, `narration ${px} px`);
  await screenshot(page, 'lesson-present-1920');
  await s.finish();
});

test('screenshots at 1280×720, 1920×1080 and 390 px', async () => {
  for (const [viewport, name] of [[DESKTOP, '1280'], [PROJECTOR, '1920'], [PHONE, '390']]) {
    const s = await openLab('/?lesson=crash-and-recovery&step=1', viewport);
    const { page } = s;
    await page.locator('[data-testid="lesson-panel"]').waitFor({ state: 'visible', timeout: 20000 });
    await page.waitForTimeout(1500);
    if (viewport !== PHONE) {
      assert.equal(await scrolls(page), false, `no scrolling at ${name}`);
      assert.ok(inside(await page.locator('[data-testid="lesson-next"]').boundingBox(), viewport), `Next on screen at ${name}`);
    } else {
      // On a phone the narration comes before the picture.
      const p = await panel(page).boundingBox();
      const canvas = await page.locator('.pipeline-canvas').boundingBox();
      assert.ok(p.y + 1 < canvas.y, 'narration above the pipeline');
    }
    await screenshot(page, `lesson-${name}`);
    await page.locator('[data-testid="lesson-pick"]').click();
    await page.locator('[data-testid="lesson-picker"]').waitFor({ state: 'visible' });
    await page.waitForFunction(() => ![...document.querySelectorAll('.lesson-entry-meta')].some((e) => e.textContent.includes('…')), null, { timeout: 60000 });
    await screenshot(page, `lesson-picker-${name}`);
    await s.finish();
  }
});
