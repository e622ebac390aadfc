/**
 * The explorer in a real browser (Debian's Chromium, driven by playwright-core), on a machine
 * without the internet: GraphiQL renders from this server's own files, runs the default query with
 * the key from its headers, and shows the answer. Outside CI it is skipped, with a message, where
 * Chromium is not installed (`.ci/run` installs it).
 */
import type { Browser } from 'playwright-core';
import { browserIt, launchChromium, watchPage } from '../helpers/browser';
import { startTestApp, type TestApp } from '../helpers/harness';

const run = browserIt('explorer browser test');

let t: TestApp;
let browser: Browser | undefined;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await browser?.close();
  await t.close();
});

run('renders GraphiQL offline and runs the default query with the key from its headers', async () => {
  browser = await launchChromium();
  const page = await browser.newPage();
  const { external, problems: errors } = watchPage(page, t.url);
  // (Scripts given as text: this project compiles without the DOM library.)
  const headers = JSON.stringify({ Authorization: `Bearer ${t.adminKey}` });
  await page.addInitScript({ content: `localStorage.setItem('graphiql:headers', ${JSON.stringify(headers)});` });
  await page.goto(`${t.url}/graphql`, { waitUntil: 'networkidle' });
  await page.waitForSelector('.graphiql-container', { timeout: 20_000 });
  await page.click('.graphiql-execute-button');
  await page.waitForFunction(`(document.querySelector('.result-window')?.textContent ?? '').includes(${JSON.stringify(t.app.defaultWorkspaceId)})`, undefined, { timeout: 20_000 });
  const result = await page.textContent('.result-window');
  expect(result).toContain('"workspace"');
  expect(result).not.toContain('"errors"');
  expect(external).toEqual([]);
  expect(errors).toEqual([]);
}, 60_000);
