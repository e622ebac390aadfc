/**
 * The explorer in a real browser (Debian's Chromium, driven by playwright-core), on a machine
 * without the internet: GraphiQL renders from this server's own files, runs the default query with
 * the key from its headers, and shows the answer. Outside CI it is skipped, with a message, where
 * Chromium is not installed (`.ci/run` installs it).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/harness';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// In CI (.ci/run installs Chromium) a missing browser is a failure, not a skip.
const run = existsSync(CHROMIUM) || process.env.CI ? it : it.skip;
if (!existsSync(CHROMIUM) && !process.env.CI) console.warn(`explorer browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);

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
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // No network beyond this machine: keep Chromium from trying its own services.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage();
  const external: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(t.url) && !r.url().startsWith(t.url.replace('http', 'ws')) && !r.url().startsWith('data:')) external.push(r.url());
  });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
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
