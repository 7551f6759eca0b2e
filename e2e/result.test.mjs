// The job's result in the browser: the seed document's four lines pasted as they are
// (`1,a` …, value first) load as a trace, and the Inspect tab shows the job's output
// `a:1 b:2 c:3 d:4`, each key with its key group and subtask; the search finds one key.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DESKTOP, PHONE, PROJECTOR, openTab, screenshot, startLab, waitForShell } from './harness.mjs';

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

// The upload's preview: a three-column file chosen in Settings shows its first records with
// the key and value columns marked and said in words, at every width; pasted lines and a
// column edit update it, and a wrong column name is said in the same place.
test('a chosen three-column file previews its first rows with the key and value columns', async () => {
  for (const [viewport, name] of [[DESKTOP, 'trace-preview-1280x720'], [PROJECTOR, 'trace-preview-1920x1080'], [PHONE, 'trace-preview-390']]) {
    const s = await lab.open('/?workload.value_model.kind=counter', { viewport });
    const { page } = s;
    await waitForShell(page);
    await openTab(page, 'settings');
    await page.locator('[data-testid="trace-key-column"]').fill('user');
    await page.locator('#trace-file').setInputFiles({
      name: 'clicks.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('ts,user,clicks\n17,ann,3\n18,bob,5\n19,ann,1\n20,cy,2\n21,bob,4\n22,dee,9\n'),
    });
    const preview = page.locator('[data-testid="trace-preview"]');
    await preview.waitFor({ timeout: 10000 });
    assert.match(await preview.locator('figcaption').innerText(), /^Preview of clicks\.csv: the first 5 records$/);
    const headings = await preview.locator('th').allInnerTexts();
    assert.deepEqual(headings.map((h) => h.trim()), ['line', '1 ts · value', '2 user · key', '3 clicks']);
    // The value is detected: with `user` named as the key, the first other column of
    // integers is `ts` — the preview shows that before anyone sums timestamps.
    assert.equal(await preview.locator('th.col-key').innerText(), '2 user · key');
    assert.equal(await preview.locator('th.col-value').innerText(), '1 ts · value');
    const words = preview.locator('[data-testid="trace-preview-words"]');
    assert.match(await words.innerText(), /^Key: column 2 “user”\. Value: column 1 “ts” \(detected: column 1 is the first other column of integers\)/);
    // Naming the value column updates the preview at once.
    await page.locator('[data-testid="trace-value-column"]').fill('clicks');
    await page.waitForFunction(() => document.querySelector('.trace-preview th.col-value')?.textContent === '3 clicks · value');
    assert.match(await words.innerText(), /^Key: column 2 “user”\. Value: column 3 “clicks” \(as chosen\)\. 3 columns separated by commas, the first line a header\.$/);
    assert.deepEqual(await preview.locator('tbody tr:first-child td.col-key, tbody tr:first-child td.col-value').allInnerTexts(), ['ann', '3']);
    assert.equal(await preview.locator('tbody tr').count(), 6, 'five records and the row saying more follow');
    const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(wide <= 0, `${name}: ${wide} px wider than the screen`);
    await preview.scrollIntoViewIfNeeded();
    await screenshot(page, name);
    if (viewport === DESKTOP) {
      // The file was loaded when chosen, its value then detected as `ts`; the preview's
      // button loads it again with the columns it now shows.
      await page.getByText(/value: column 1\s*ts/).first().waitFor({ timeout: 10000 });
      await page.locator('[data-testid="trace-reload"]').click();
      await page.getByText(/key: column 2\s*user\s*, value: column 3\s*clicks/).first().waitFor({ timeout: 10000 });
    }
    // A wrong name: the error in the words' place, nothing marked.
    await page.locator('[data-testid="trace-key-column"]').fill('name');
    await page.waitForFunction(() => document.querySelector('[data-testid="trace-preview-words"]')?.classList.contains('error'));
    assert.match(await words.innerText(), /no column named `name` for the key; the header has `ts`, `user`, `clicks`/);
    assert.equal(await preview.locator('.col-key, .col-value').count(), 0);
    assert.equal(await page.locator('[data-testid="trace-reload"]').count(), 0, 'nothing to load with a wrong column');
    if (viewport === DESKTOP) {
      await screenshot(page, 'trace-preview-error-1280x720');
      // Pasted lines preview as they are typed: the document's, value first.
      const paste = page.locator('[data-testid="trace-paste"]');
      await page.locator('[data-testid="trace-key-column"]').fill('');
      await page.locator('[data-testid="trace-value-column"]').fill('');
      await paste.fill('1,a\n2,b\n3,c\n4,d\n');
      await page.waitForFunction(() => document.querySelector('.trace-preview figcaption')?.textContent.startsWith('Preview of the pasted lines'));
      assert.equal(await preview.locator('th.col-key').innerText(), '2 · key');
      assert.equal(await preview.locator('th.col-value').innerText(), '1 · value');
      assert.match(await words.innerText(), /^Key: column 2\. Value: column 1 \(detected: column 1 holds an integer, column 2 does not\)/);
    }
    await s.finish();
  }
});
