// Smoothness benchmark (run by hand: `node e2e/bench-smooth.mjs`, after
// `trunk build --release --offline`; not part of scripts/test.sh).
//
// The scenario: 16 subtasks, 128 key groups, 100k records/s and about 50 MB of
// keyed state (320k keys holding their last 4 events), full Snappy checkpoints every
// 5 s over a 1 Gbit/s link. The state is first grown at high speed, then the run plays
// at 1× for 30 s of wall time while the page records every animation frame's timestamp
// and every long task (PerformanceObserver 'longtask', tasks over 50 ms).
//
// Prints: frame time p50 / p95 / p99 / max, the longest task, how many long tasks, and
// how fast the run really went (virtual seconds per wall second) with the state size.
// Options: --seconds N (default 30), --warmup-mb N (default 48), --dist DIR, --perf (also
// print the app's own breakdown of frames that took over 40 ms: engine, publish, render),
// --slowmo (keep the lab's slow motion around checkpoints on; by default the benchmark
// turns it off with ?slowmo=0, so the run moves at the 1× asked and the figures compare
// with runs from before slow motion existed).

import { startLab, DESKTOP } from './harness.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const SECONDS = Number(opt('seconds', 30));
const WARMUP_MB = Number(opt('warmup-mb', 48));
const PERF = args.includes('--perf');
const SLOWMO = args.includes('--slowmo');
if (opt('dist')) process.env.STATELAB_DIST = opt('dist');

const CONFIG = new URLSearchParams({
  seed: '2026',
  'workload.source.key_space': '320000',
  'workload.source.distribution.kind': 'uniform',
  'workload.rate.records_per_s': '100000',
  'workload.value_model.keep': '4',
  'job.parallelism': '16',
  'job.max_parallelism': '128',
  'job.records_per_s_per_subtask': '10000',
  'job.channel_capacity': '5000',
  'checkpointing.interval_ms': '5000',
  'checkpointing.codec': 'snappy',
  'link.bandwidth_mbit_s': '1000',
});

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

const lab = await startLab();
try {
  const s = await lab.open(`/?${PERF ? 'perf=1&' : ''}${SLOWMO ? '' : 'slowmo=0&'}${CONFIG}`, { viewport: DESKTOP });
  const { page } = s;
  let measuring = false;
  page.on('console', (m) => {
    const ms = Number((m.text().match(/slow (?:canvas )?frame: ([\d.]+) ms/) ?? [])[1]);
    if (measuring && ms > 40) console.log(`  ${m.text()}`);
  });
  await page.locator('#clock').waitFor({ state: 'visible', timeout: 30000 });
  const notice = await page.locator('#notice').count();
  if (notice) console.log('notice:', await page.locator('#notice').innerText());
  const readRun = () =>
    page.evaluate(() => {
      const rs = document.querySelector('.run-state');
      return {
        us: Number(document.querySelector('#clock').dataset.us),
        stateBytes: Number(rs.dataset.stateBytes),
        speed: document.querySelector('#speed-value').textContent,
        subtasks: (document.querySelector('.pipeline-canvas').getAttribute('aria-label').match(/(\d+) subtasks/) ?? [])[1],
      };
    });

  // Grow the state fast; the frame budget keeps the page responsive meanwhile.
  for (let i = 0; i < 7; i++) await page.keyboard.press('+');
  const warmStart = Date.now();
  for (;;) {
    const r = await readRun();
    if (r.stateBytes >= WARMUP_MB * 1e6) break;
    if (Date.now() - warmStart > 240000) {
      console.log(`warm-up stopped after 240 s at ${(r.stateBytes / 1e6).toFixed(1)} MB`);
      break;
    }
    await page.waitForTimeout(1000);
  }
  // 10^0 = 1×, set on the slider directly (narrow windows hide it; the run reads its input).
  await page.evaluate(() => {
    const slider = document.querySelector('#speed');
    slider.value = '0';
    slider.dispatchEvent(new Event('input', { bubbles: true }));
  });
  const warm = await readRun();
  console.log(
    `warm-up: ${((Date.now() - warmStart) / 1000).toFixed(0)} s wall, virtual ${(warm.us / 1e6).toFixed(1)} s, ` +
      `state ${(warm.stateBytes / 1e6).toFixed(1)} MB, ${warm.subtasks} subtasks, speed ${warm.speed}`,
  );

  await page.evaluate(() => {
    window.__bench = { frames: [], tasks: [] };
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__bench.tasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: false });
    const tick = (t) => {
      window.__bench.frames.push(t);
      if (!window.__bench.stop) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const before = await readRun();
  measuring = true;
  await page.waitForTimeout(SECONDS * 1000);
  measuring = false;
  const after = await readRun();
  const { frames, tasks } = await page.evaluate(() => {
    window.__bench.stop = true;
    return window.__bench;
  });
  if (s.problems.length) console.log('page problems:', s.problems);
  await page.close();

  const deltas = frames.slice(1).map((t, i) => t - frames[i]).sort((a, b) => a - b);
  const fmt = (x) => `${x.toFixed(1)} ms`;
  console.log(`frames: ${deltas.length} in ${SECONDS} s (${(deltas.length / SECONDS).toFixed(1)} fps)`);
  console.log(
    `frame time: p50 ${fmt(quantile(deltas, 0.5))}, p95 ${fmt(quantile(deltas, 0.95))}, ` +
      `p99 ${fmt(quantile(deltas, 0.99))}, max ${fmt(deltas[deltas.length - 1])}`,
  );
  console.log(
    `long tasks (> 50 ms): ${tasks.length}, longest ${tasks.length ? fmt(Math.max(...tasks)) : 'none'}`,
  );
  console.log(
    `run: ${((after.us - before.us) / 1e6 / SECONDS).toFixed(2)} virtual s per wall s at speed ${after.speed}, ` +
      `state ${(before.stateBytes / 1e6).toFixed(1)} → ${(after.stateBytes / 1e6).toFixed(1)} MB`,
  );
} finally {
  await lab.close();
}
