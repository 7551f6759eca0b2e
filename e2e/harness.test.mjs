// The harness's own guarantees: a test fails on a console error, an uncaught exception or a
// request to another origin that it did not expect, and on an expected one that never came.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { checkProblems, startLab, waitForShell } from './harness.mjs';

let lab;

before(async () => {
  lab = await startLab();
});

after(async () => {
  await lab?.close();
});

test('a console error the test did not expect fails it', async () => {
  const s = await lab.open('/');
  await waitForShell(s.page);
  await s.page.evaluate(() => console.error('boom from the test'));
  await assert.rejects(s.finish(), /unexpected console error: boom from the test/);
});

test('an uncaught exception the test did not expect fails it', async () => {
  const s = await lab.open('/');
  await waitForShell(s.page);
  await s.page.evaluate(() => setTimeout(() => { throw new Error('thrown by the test'); }, 0));
  await s.page.waitForTimeout(100);
  await assert.rejects(s.finish(), /unexpected uncaught exception: Error: thrown by the test/);
});

test('a request to another origin is blocked and fails the test', async () => {
  const s = await lab.open('/');
  await waitForShell(s.page);
  const outcome = await s.page.evaluate(() =>
    fetch('http://192.0.2.1/elsewhere').then(
      () => 'fetched',
      () => 'blocked',
    ),
  );
  assert.equal(outcome, 'blocked');
  await assert.rejects(s.finish(), /unexpected foreign request: http:\/\/192\.0\.2\.1\/elsewhere/);
});

test('an expected problem that never happens fails the test', () => {
  assert.throws(
    () => checkProblems([], [{ kind: 'console error', match: /never/ }]),
    /expected console error matching \/never\/ did not happen/,
  );
});
