// The "Your job" tab: a real Flink 2.3 job's REST answers (tests/data/flink-real/) dropped
// as files calibrate the lab and compare real vs simulated; the same answers fetched from a
// JobManager (a local server answering as Flink's REST API does, CORS included) give the
// same calibration; what the engineer knows closes the key-name gap; a broken file is named
// and keeps the last calibration; the calibrated job opens in the lab; exports download.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { DESKTOP, PHONE, PROJECTOR, ROOT, openTab, screenshot, startLab, waitForShell } from './harness.mjs';

const DATA = path.join(ROOT, 'tests/data/flink-real');
const RUN = path.join(DATA, 'count-hashmap-nocomp');

let lab;

before(async () => {
  lab = await startLab();
});

after(async () => {
  await lab?.close();
});

async function openFlinkTab(viewport = DESKTOP, expect = []) {
  const s = await lab.open('/', { viewport, expect });
  await waitForShell(s.page);
  await openTab(s.page, 'flink');
  return s;
}

function answerFiles(dir = RUN) {
  return fs.readdirSync(dir).map((f) => path.join(dir, f));
}

/** Waits for the comparison table and returns its rows as { figure: [real, sim, error] }. */
async function comparison(page) {
  await page.locator('[data-testid="flink-compare"]').waitFor({ state: 'visible', timeout: 120000 });
  return page.evaluate(() => {
    const out = {};
    for (const tr of document.querySelectorAll('[data-testid="flink-compare"] tbody tr')) {
      const cells = [...tr.children].map((c) => c.textContent.trim());
      out[cells[0].replace(/\s*aim ±2 %$/, '')] = cells.slice(1);
    }
    return out;
  });
}

test('dropped answers calibrate the lab and put real beside simulated', async () => {
  const s = await openFlinkTab();
  const { page } = s;
  await page.locator('[data-testid="flink-files"]').setInputFiles(answerFiles());
  await page.locator('[data-testid="flink-result"]').waitFor({ state: 'visible', timeout: 30000 });
  const headline = await page.locator('[data-testid="flink-result"] .flink-headline').innerText();
  assert.match(headline, /calibrated from job CANCELED .*16 completed \/ 0 failed checkpoints/);
  const rows = await comparison(page);
  assert.equal(rows['state size, median of the second half'][0], '1,904,924 B');
  assert.equal(rows['completed checkpoints'][0], '16');
  // Without the job's key spelling the sizes miss, and the page says which.
  assert.match(await page.locator('[data-testid="flink-aims"]').innerText(), /missed/);
  assert.match(await page.locator('[data-testid="flink-gaps"]').innerText(), /state types, key names and values/);
  await screenshot(page, 'flink-1280x720');

  // What the engineer knows: the count job's keys and values. The sizes become exact.
  await page
    .locator('[data-testid="flink-known-file"]')
    .setInputFiles(path.join(DATA, 'known/count-job.workload.json'));
  await page.locator('[data-testid="flink-known"]').waitFor({ state: 'visible' });
  await page.waitForFunction(() =>
    /met/.test(document.querySelector('[data-testid="flink-aims"]')?.textContent ?? ''), null, { timeout: 120000 });
  const exact = await comparison(page);
  assert.deepEqual(exact['state size, median of the second half'], ['1,904,924 B', '1,904,924 B', '+0.0 %']);
  assert.doesNotMatch(await page.locator('[data-testid="flink-gaps"]').innerText(), /state types, key names and values/);
  await screenshot(page, 'flink-1280x720-known');

  // A broken answer is named; the calibration on the page stays.
  const broken = answerFiles().map((f) =>
    path.basename(f) === 'checkpoints.json'
      ? { name: 'checkpoints.json', mimeType: 'application/json', buffer: Buffer.from('{"counts": [}') }
      : { name: path.basename(f), mimeType: 'application/json', buffer: fs.readFileSync(f) });
  await page.locator('[data-testid="flink-files"]').setInputFiles(broken);
  await page.locator('[data-testid="flink-error"]').waitFor({ state: 'visible' });
  assert.match(await page.locator('[data-testid="flink-error"]').innerText(), /^checkpoints\.json: line 1/);
  assert.deepEqual((await comparison(page))['state size, median of the second half'], exact['state size, median of the second half']);

  // Run it in the lab: the lab's settings become the job's.
  await page.locator('[data-testid="flink-open"]').click();
  await page.waitForFunction(() => /job\.parallelism=2(&|$)/.test(location.search), null, { timeout: 10000 });
  assert.match(new URL(page.url()).search, /workload\.key_format\.prefix=key-(&|$)/);
  await s.finish();
});

test('the same answers fetched from a JobManager calibrate alike', async () => {
  // Answers as Flink 2.3's REST API gives them, with its default CORS header.
  const jid = JSON.parse(fs.readFileSync(path.join(RUN, 'job.json'), 'utf8')).jid;
  const routes = new Map([
    ['/jobs/overview', JSON.stringify({ jobs: [{ jid, state: 'RUNNING', 'start-time': 1 }] })],
    [`/jobs/${jid}`, 'job.json'],
    [`/jobs/${jid}/checkpoints`, 'checkpoints.json'],
    [`/jobs/${jid}/checkpoints/config`, 'checkpoints-config.json'],
    [`/jobs/${jid}/config`, 'job-config.json'],
  ]);
  // The recording keeps every checkpoint's details in one file, by id.
  const details = JSON.parse(fs.readFileSync(path.join(RUN, 'checkpoint-details-all.json'), 'utf8'));
  for (const [id, d] of Object.entries(details)) routes.set(`/jobs/${jid}/checkpoints/details/${id}`, JSON.stringify(d));
  const latest = JSON.parse(fs.readFileSync(path.join(RUN, 'checkpoints.json'), 'utf8')).latest.completed.id;
  const job = JSON.parse(fs.readFileSync(path.join(RUN, 'job.json'), 'utf8'));
  for (const v of job.vertices) {
    // Recorded under the vertex's name with every non-alphanumeric character as `-`.
    const f = `checkpoint-subtasks-latest-${v.name.replace(/[^A-Za-z0-9]/g, '-')}.json`;
    const p = `/jobs/${jid}/checkpoints/details/${latest}/subtasks/${v.id}`;
    // A vertex without state (the source) answers with no subtask state.
    routes.set(p, fs.existsSync(path.join(RUN, f)) ? f : JSON.stringify({ id: latest, status: 'COMPLETED', subtasks: [] }));
    const metrics = JSON.parse(fs.readFileSync(path.join(RUN, 'vertex-subtask-metrics.json'), 'utf8'))[v.name];
    routes.set(`/jobs/${jid}/vertices/${v.id}/subtasks/metrics`, JSON.stringify(metrics?.values_aggregated_over_subtasks ?? []));
  }
  routes.set(`/jobs/${jid}/metrics`, '[]');
  const asked = [];
  const server = http.createServer((req, res) => {
    const p = req.url.split('?')[0];
    asked.push(p);
    const hit = routes.get(p);
    const headers = { 'content-type': 'application/json', 'access-control-allow-origin': '*' };
    if (hit === undefined) {
      res.writeHead(404, headers).end('{"errors":["Not found"]}');
    } else {
      res.writeHead(200, headers).end(/^[[{]/.test(hit) ? hit : fs.readFileSync(path.join(RUN, hit)));
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const jm = `http://127.0.0.1:${server.address().port}`;
  try {
    // The JobManager is another origin: the harness records and blocks those, so this test
    // declares it and lets it through.
    const s = await openFlinkTab(DESKTOP, [
      { kind: 'foreign request', match: new RegExp(jm.replace(/[.:/]/g, '\\$&')) },
    ]);
    const { page } = s;
    await page.route((url) => url.href.startsWith(jm), (route) => route.continue());
    await page.locator('[data-testid="flink-url"]').fill(jm);
    await page.locator('[data-testid="flink-fetch"]').click();
    await page.locator('[data-testid="flink-result"]').waitFor({ state: 'visible', timeout: 30000 });
    assert.match(await page.locator('[data-testid="flink-result"]').innerText(), new RegExp(`from ${jm.replace(/[.:/]/g, '\\$&')}`));
    const rows = await comparison(page);
    assert.equal(rows['state size, median of the second half'][0], '1,904,924 B');
    assert.ok(asked.includes('/jobs/overview') && asked.includes(`/jobs/${jid}/checkpoints/config`), asked.join(' '));
    // A JobManager that is not there is named.
    await page.locator('[data-testid="flink-url"]').fill('http://127.0.0.1:9');
    await page.route((url) => url.href.startsWith('http://127.0.0.1:9/'), (route) => route.abort('connectionrefused'));
    await page.locator('[data-testid="flink-fetch"]').click();
    await page.locator('[data-testid="flink-error"]').waitFor({ state: 'visible' });
    assert.match(await page.locator('[data-testid="flink-error"]').innerText(), /could not reach it/);
    // The refused connection to port 9 is recorded too; nothing else may be.
    s.problems.splice(0, s.problems.length, ...s.problems.filter((p) => !p.text.includes('127.0.0.1:9/')));
    await s.finish();
  } finally {
    server.close();
  }
});

test('exports download the lab run as Flink YAML, a Flink job and its history', async () => {
  const s = await openFlinkTab();
  const { page } = s;
  await page.waitForTimeout(1500);
  const saved = {};
  for (const id of ['flink-yaml', 'flink-job', 'history-csv', 'metrics-csv', 'history-json', 'config']) {
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 10000 }),
      page.locator(`[data-testid="export-${id}"]`).click(),
    ]);
    const file = await download.path();
    saved[id] = { name: download.suggestedFilename(), bytes: fs.readFileSync(file) };
  }
  assert.equal(saved['flink-yaml'].name, 'statelab-flink-conf.yaml');
  assert.match(saved['flink-yaml'].bytes.toString(), /execution\.checkpointing\.interval/);
  assert.equal(saved['flink-job'].name, 'statelab-job.tar');
  assert.equal(saved['flink-job'].bytes.subarray(257, 262).toString(), 'ustar');
  assert.match(saved['flink-job'].bytes.toString('latin1'), /statelab-job\/StatelabJob\.java/);
  assert.match(saved['history-csv'].bytes.toString(), /^id,status,trigger_time_us/);
  assert.match(saved['metrics-csv'].bytes.toString(), /^at_us,upload_bytes_per_s/);
  assert.ok(JSON.parse(saved['history-json'].bytes.toString()).history.length >= 0);
  assert.ok(JSON.parse(saved['config'].bytes.toString()).checkpointing);
  await s.finish();
});

test('the tab at the projector and on a phone', async () => {
  for (const [viewport, name] of [[PROJECTOR, 'flink-1920x1080'], [PHONE, 'flink-390']]) {
    const s = await openFlinkTab(viewport);
    const { page } = s;
    await page.locator('[data-testid="flink-files"]').setInputFiles(answerFiles());
    await comparison(page);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(wide <= 0, `${name}: ${wide} px wider than the screen`);
    await screenshot(page, name);
    await s.finish();
  }
});
