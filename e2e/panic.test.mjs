// A wasm panic must not leave a frozen page in silence: `?panic=test` makes the app panic
// on start, and the hook must log it (message and location) and show an error banner.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DESKTOP, screenshot, startLab } from './harness.mjs';

let lab;

before(async () => {
  lab = await startLab();
});

after(async () => {
  await lab?.close();
});

test('a panic is logged with its location and shown in a banner', async () => {
  const s = await lab.open('/?panic=test', {
    viewport: DESKTOP,
    expect: [
      // The hook's console line: message and source location.
      {
        kind: 'console error',
        match: /statelab panicked: debug panic requested with \?panic=test at src\/ui\/mod\.rs:\d+:\d+/,
      },
      // After the hook, the wasm instance aborts and the trap reaches the page.
      { kind: 'uncaught exception', match: /unreachable/i },
    ],
  });
  const { page } = s;

  const banner = page.locator('#panic-banner');
  await banner.waitFor({ state: 'visible', timeout: 20000 });
  assert.equal(await banner.getAttribute('role'), 'alert');
  const text = await banner.innerText();
  assert.match(text, /Reload the page/);
  assert.match(text, /debug panic requested with \?panic=test/);
  assert.match(text, /src\/ui\/mod\.rs:\d+:\d+/);

  await screenshot(page, 'panic-banner-1280x720');
  await s.finish();
});
