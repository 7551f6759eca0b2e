// Shared harness for statelab's browser tests.
//
// - `startLab()` serves the release build in dist/ from a tiny static server on a free
//   loopback port and launches Debian's Chromium headless with a fresh profile.
// - `lab.open(path, options)` opens a page and records every console error, uncaught
//   exception (a wasm panic surfaces as both), HTTP error response and request to an origin
//   other than the served one. Requests to other origins are also blocked: the lab must work
//   offline.
// - `session.finish()` fails the test on anything recorded that the test did not declare
//   with `expect`, and on anything declared that did not happen.
// - `screenshot(page, name)` writes e2e/screenshots/<name>.png (git-ignored) for a person to
//   look at.
// - `openTab(page, id)` opens one of the dock's tabs (the panels beside the pipeline).

import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '..');
// STATELAB_DIST points the tests at another build (e.g. one engineer's own trunk output).
export const DIST = process.env.STATELAB_DIST ? path.resolve(process.env.STATELAB_DIST) : path.join(ROOT, 'dist');
export const SCREENSHOTS = path.join(HERE, 'screenshots');

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const DESKTOP = { width: 1280, height: 720 };
export const PROJECTOR = { width: 1920, height: 1080 };
export const PHONE = { width: 390, height: 844 };

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** Serves `root` on 127.0.0.1 at a free port. Resolves to `{ origin, close() }`. */
export async function serveStatic(root) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    let rel;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      res.writeHead(400).end('bad path');
      return;
    }
    let file = path.join(root, path.normalize(rel));
    if (file !== root && !file.startsWith(root + path.sep)) {
      res.writeHead(403).end('forbidden');
      return;
    }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    if (!fs.existsSync(file)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const type = MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Starts the static server on dist/ and a headless Chromium with a fresh profile.
 * Resolves to `{ origin, context, open(path, options), close() }`.
 */
export async function startLab() {
  if (!fs.existsSync(path.join(DIST, 'index.html'))) {
    throw new Error(`${DIST}/index.html is missing: run \`trunk build --release --offline\` first`);
  }
  if (fs.readFileSync(path.join(DIST, 'index.html'), 'utf8').includes('.well-known/trunk/ws')) {
    // `trunk serve` (scripts/lab.sh) leaves a dev build with a live-reload script in dist/.
    throw new Error(`${DIST} holds a \`trunk serve\` build: run \`trunk build --release --offline\``);
  }
  const server = await serveStatic(DIST);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'statelab-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: DESKTOP,
    });
  } catch (err) {
    await server.close();
    fs.rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  // The persistent context opens with one blank page; tests open their own.
  for (const page of context.pages()) await page.close();

  return {
    origin: server.origin,
    context,
    open: (urlPath, options) => openPage(context, server.origin, urlPath, options),
    async close() {
      await context.close();
      await server.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Opens `origin + urlPath` in a new page at `viewport` and records problems.
 * `firstVisit: true` opens it as a first visit (the lessons' start screen shows).
 * `expect` lists the problems this test provokes on purpose, as `{ kind, match }`: kind is
 * 'console error', 'uncaught exception', 'http error' or 'foreign request', match a RegExp.
 * Each expected problem must happen, and nothing else may.
 */
async function openPage(context, origin, urlPath, { viewport = DESKTOP, expect = [], firstVisit = false } = {}) {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  const problems = [];
  const record = (kind, text) => problems.push({ kind, text });

  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      const loc = msg.location();
      record('console error', loc?.url ? `${msg.text()} (${loc.url})` : msg.text());
    }
  });
  page.on('pageerror', (err) => record('uncaught exception', String(err?.stack ?? err)));
  page.on('crash', () => record('uncaught exception', 'the page crashed'));
  page.on('response', (res) => {
    if (res.status() >= 400) record('http error', `HTTP ${res.status()} for ${res.url()}`);
  });
  // Record anything that leaves the served origin (data: and blob: URLs stay), and block
  // it where routing can: the lab must work with no network.
  page.on('request', (req) => {
    if (isForeign(req.url(), origin)) record('foreign request', req.url());
  });
  page.on('websocket', (ws) => {
    // WebSockets bypass routing, so they are only recorded.
    if (isForeign(ws.url(), origin.replace(/^http/, 'ws'))) record('foreign request', ws.url());
  });
  await page.route(
    (url) => isForeign(url.href, origin),
    (route) => route.abort('blockedbyclient'),
  );
  // Each page starts with nothing remembered (the lab keeps its preferences in local
  // storage, which the tests of one file share); a reload in the same page keeps them.
  // Unless a test asks for a first visit, the lessons' start screen counts as answered,
  // so it does not cover the lab the other tests look at.
  await page.addInitScript((firstVisit) => {
    if (!sessionStorage.getItem('statelab.test.page')) {
      sessionStorage.setItem('statelab.test.page', '1');
      localStorage.clear();
      if (!firstVisit) localStorage.setItem('statelab.prefs', 'intro=1');
    }
  }, firstVisit);

  const response = await page.goto(origin + urlPath, { waitUntil: 'load' });

  return {
    page,
    response,
    problems,
    /** Lets late work settle, checks the recorded problems against `expect`, closes the page. */
    async finish() {
      try {
        await page.waitForLoadState('networkidle', { timeout: 5000 }).catch(() => {});
        checkProblems(problems, expect);
      } finally {
        await page.close();
      }
    },
  };
}

function isForeign(url, origin) {
  if (url.startsWith('data:') || url.startsWith('blob:') || url === 'about:blank') return false;
  try {
    return new URL(url).origin !== origin;
  } catch {
    return true;
  }
}

/** Throws unless every problem was expected and every expectation was met. */
export function checkProblems(problems, expect) {
  const unexpected = problems.filter(
    (p) => !expect.some((e) => e.kind === p.kind && e.match.test(p.text)),
  );
  const missing = expect.filter(
    (e) => !problems.some((p) => e.kind === p.kind && e.match.test(p.text)),
  );
  const lines = [
    ...unexpected.map((p) => `unexpected ${p.kind}: ${p.text}`),
    ...missing.map((e) => `expected ${e.kind} matching ${e.match} did not happen`),
  ];
  if (lines.length > 0) {
    throw new Error(`the page was not clean:\n  ${lines.join('\n  ')}`);
  }
}

/** Saves a full-page screenshot to e2e/screenshots/<name>.png and returns its path. */
export async function screenshot(page, name) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Waits until the Yew app has rendered its shell. */
export async function waitForShell(page) {
  await page.locator('[data-region="pipeline"]').waitFor({ state: 'visible', timeout: 20000 });
}

/** Opens a tab of the dock beside the pipeline: inspector, model, metrics, what-if, settings. */
export async function openTab(page, id) {
  const tab = page.locator(`[data-testid="tab-${id}"]`);
  await tab.waitFor({ state: 'visible', timeout: 20000 });
  if ((await tab.getAttribute('aria-selected')) !== 'true') await tab.click();
  await page.locator(`.dock-panel[data-tab="${id}"]`).waitFor({ state: 'visible' });
}

/**
 * Presses Settings' "Copy link" and returns the link: from the clipboard, or from the
 * field the page selects when the clipboard is refused.
 */
export async function copyLink(page, lab) {
  await lab.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: lab.origin });
  await openTab(page, 'settings');
  await page.locator('#copy-link').click();
  await page.waitForFunction(() => document.querySelector('#share-link') || /link copied/.test(document.querySelector('#notice')?.textContent ?? ''));
  return (await page.locator('#share-link').count())
    ? page.locator('#share-link').inputValue()
    : page.evaluate(() => navigator.clipboard.readText());
}
