// The job's result in the browser: the seed document's four lines pasted as they are
// (`1,a` …, value first) load as a trace, and the Inspect tab shows the job's output
// `a:1 b:2 c:3 d:4`, each key with its key group and subtask; the search finds one key.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DESKTOP, PHONE, openTab, screenshot, startLab, waitForShell } from './harness.mjs';

let lab;

before(async () => {
  lab = await startLab();
});

after(async () => {
  await lab?.close();
});

test('the document\'s lines pasted give its output, key by key', async () => {
  for (const [viewport, name] of [[DESKTOP, 'result-1280x720'], [PHONE, 'result-390']]) {
    const s = await lab.open('/?workload.value_model.kind=counter', { viewport });
    const { page } = s;
    await waitForShell(page);
    await openTab(page, 'settings');
    const paste = page.locator('[data-testid="trace-paste"]');
    await paste.scrollIntoViewIfNeeded();
    await paste.fill('1,a\n2,b\n3,c\n4,d\n');
    await page.locator('[data-testid="trace-paste-load"]').click();
    await openTab(page, 'inspector');
    await page.waitForFunction(
      () => [...document.querySelectorAll('[data-testid="result-row"] code')].map((c) => c.textContent).join(' ') === 'a:1 b:2 c:3 d:4',
      null,
      { timeout: 20000 },
    );
    assert.match(await page.locator('[data-testid="result-summary"]').innerText(), /^4 keys with state/);
    await page.locator('[data-testid="result-search"]').fill('c');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="result-row"]').length === 1);
    const row = await page.locator('[data-testid="result-row"]').innerText();
    assert.match(row, /^c:3\s+\d+\s+\d+$/);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(wide <= 0, `${name}: ${wide} px wider than the screen`);
    await page.locator('[data-testid="job-result"]').scrollIntoViewIfNeeded();
    await screenshot(page, name);
    await s.finish();
  }
});

test('a wider trace loads with its columns chosen by name, and a wrong name is named', async () => {
  const s = await lab.open('/?workload.value_model.kind=counter', { viewport: DESKTOP });
  const { page } = s;
  await waitForShell(page);
  await openTab(page, 'settings');
  const paste = page.locator('[data-testid="trace-paste"]');
  await paste.scrollIntoViewIfNeeded();
  await paste.fill('ts,user,clicks\n17,ann,3\n18,bob,5\n19,ann,1\n');
  await page.locator('[data-testid="trace-key-column"]').fill('name');
  await page.locator('[data-testid="trace-value-column"]').fill('clicks');
  await page.locator('[data-testid="trace-paste-load"]').click();
  // The notice draws `name` as code: the words are what is read.
  await page.getByText(/no column named\s*name\s*for the key/).first().waitFor({ timeout: 10000 });
  await page.locator('[data-testid="trace-key-column"]').fill('user');
  await page.locator('[data-testid="trace-paste-load"]').click();
  await openTab(page, 'inspector');
  await page.waitForFunction(
    () => [...document.querySelectorAll('[data-testid="result-row"] code')].map((c) => c.textContent).join(' ') === 'ann:4 bob:5',
    null,
    { timeout: 20000 },
  );
  await s.finish();
});
