// Sweep benchmark in the browser (run by hand: `node e2e/bench-sweep.mjs`, after
// `trunk build --release --offline`; not part of scripts/test.sh). The browser's half of
// `cargo bench --bench sweep`: the same 4 × 4 grid (interval × bandwidth) of the standard
// tuning workload at 20k records/s with a fixed interval, each cell a fork of the page's
// run at 30 virtual s (the native bench's warm-up) measured 300 virtual s ahead, in the
// page's Web Workers (one per core the browser reports).
//
// Prints the wall time, cells per minute, virtual seconds per wall second per worker, and
// the frame gaps the page kept meanwhile. Options: --grid 'PARAM=V,V PARAM=V,V' (default the
// bench's), --horizon 60|120|300|600, --query 'config query' (default the workload
// above), --fork-s N (default 30), --scale auto|1|2|4|… (the form's "Run as"; default
// auto), --dist DIR.

import { startLab, openTab, screenshot, PROJECTOR } from './harness.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
if (opt('dist')) process.env.STATELAB_DIST = opt('dist');
const QUERY = opt(
  'query',
  'seed=42&checkpointing.codec=lz4&job.channel_capacity=10000&job.parallelism=16&job.records_per_s_per_subtask=1875' +
    '&link.bandwidth_mbit_s=1000&workload.rate.records_per_s=20000&workload.source.distribution.kind=zipf' +
    '&workload.source.distribution.exponent=1&workload.source.key_space=100000',
);
const GRID = opt('grid', 'interval_ms=1000,2000,5000,10000 bandwidth_mbit_s=100,250,500,1000').split(' ');
const HORIZON = opt('horizon', '300');
const FORK_S = Number(opt('fork-s', 30));
const SCALE = opt('scale', 'auto');

const lab = await startLab();
try {
  const s = await lab.open('/?' + QUERY, { viewport: PROJECTOR });
  const { page } = s;
  await page.locator('#clock').waitFor({ timeout: 30000 });
  // Play fast to the fork's moment, then pause there.
  await page.locator('#speed').evaluate((el) => {
    el.value = el.max;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await page.waitForFunction((us) => Number(document.querySelector('#clock').dataset.us) >= us, FORK_S * 1e6, {
    timeout: 600000,
    polling: 100,
  });
  await openTab(page, 'what-if');
  const [first, second] = GRID.map((g) => g.split('='));
  await page.locator('#sweep-param-0').selectOption(first[0]);
  await page.locator('#sweep-values-0').fill(first[1]);
  if (second) {
    await page.locator('#sweep-param-1').selectOption(second[0]);
    await page.locator('#sweep-values-1').fill(second[1]);
  }
  await page.locator('#sweep-horizon').selectOption(HORIZON);
  await page.locator('#sweep-scale').selectOption(SCALE);
  await page.evaluate(() => {
    window.__frames = [];
    let last = performance.now();
    const tick = (t) => {
      window.__frames.push(t - last);
      last = t;
      if (window.__recording) requestAnimationFrame(tick);
    };
    window.__recording = true;
    requestAnimationFrame(tick);
  });
  const started = Date.now();
  await page.locator('[data-testid=sweep-run]').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=sweep-progress]')?.dataset.stage !== 'running', null, {
    timeout: 3600000,
    polling: 500,
  });
  const wall = (Date.now() - started) / 1000;
  const frames = await page.evaluate(() => {
    window.__recording = false;
    const gaps = window.__frames.slice(1).sort((a, b) => a - b);
    const q = (p) => gaps[Math.min(gaps.length - 1, Math.floor(p * gaps.length))];
    return { p50: q(0.5), p95: q(0.95), max: gaps[gaps.length - 1] };
  });
  const fork = Number(await page.locator('#clock').getAttribute('data-us')) / 1e6;
  const status = await page.locator('[data-testid=sweep-progress] [role=status]').innerText();
  const cells = await page.locator('[data-testid=sweep-row][data-done=true]').count();
  const workers = Number(status.match(/on (\d+) worker/)?.[1] ?? 1);
  console.log(
    `sweep/browser ${GRID.join(' × ')} horizon=${HORIZON}s fork=${fork.toFixed(1)}s workers=${workers}: ` +
      `${cells} cells in ${wall.toFixed(1)} s wall = ${((cells / wall) * 60).toFixed(1)} cells per minute; ` +
      `${((cells * Number(HORIZON)) / wall / workers).toFixed(1)} virtual s (horizon) per wall s per worker; ` +
      `frame gaps p50 ${frames.p50.toFixed(1)} ms, p95 ${frames.p95.toFixed(1)} ms, max ${frames.max.toFixed(1)} ms`,
  );
  console.log(status);
  console.log(await page.locator('[data-testid=sweep-scale-plan]').innerText());
  console.log(await page.locator('[data-testid=sweep-advice]').innerText());
  console.log('screenshot:', await screenshot(page, 'bench-sweep-1920x1080'));
  await s.finish();
} finally {
  await lab.close();
}
