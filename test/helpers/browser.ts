/**
 * What every browser test shares: Debian's Chromium driven by playwright-core (offline), a run
 * that is skipped outside CI when Chromium is missing (`.ci/run` installs it), a watch on the page
 * for requests leaving this server, HTTP errors, page errors and CSP complaints, axe-core, the
 * dashboard's sign-in, and where screenshots go (test-artifacts/, ignored by git).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { until } from './until';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = join(process.cwd(), 'test-artifacts');

/** `it`, or `it.skip` outside CI without Chromium (in CI a missing browser is a failure). */
export function browserIt(suite: string): jest.It {
  if (existsSync(CHROMIUM) || process.env.CI) return it;
  console.warn(`${suite} skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);
  return it.skip;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // No network beyond this machine: keep Chromium from trying its own services.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface PageWatch {
  /** Requests to anything but this server (must stay empty: the dashboard works offline). */
  external: string[];
  /** HTTP ≥ 400 other than expected statuses, uncaught page errors, console errors, CSP reports. */
  problems: string[];
}

/** Records what a page must never do; assert both lists empty at the end of a test. */
export function watchPage(page: Page, serverUrl: string, options: { allowStatus?: number[]; allowConsole?: RegExp } = {}): PageWatch {
  const watch: PageWatch = { external: [], problems: [] };
  const ws = serverUrl.replace(/^http/, 'ws');
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(serverUrl) && !url.startsWith(ws) && !url.startsWith('data:') && !url.startsWith('blob:')) watch.external.push(url);
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !(options.allowStatus ?? []).includes(r.status())) watch.problems.push(`HTTP ${r.status()} ${r.url()}`);
  });
  page.on('pageerror', (e) => watch.problems.push(e.message));
  page.on('console', (m) => {
    const text = m.text();
    if ((m.type() === 'error' && !options.allowConsole?.test(text)) || /Content Security Policy/i.test(text)) watch.problems.push(text);
  });
  return watch;
}

/** axe-core's serious and critical violations, evaluated through the DevTools protocol (the page's CSP forbids injected script tags). */
export async function seriousViolations(page: Page): Promise<{ id: string; impact: string; nodes: number; targets: string[] }[]> {
  const source = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(`${source}\n;void 0`);
  const all = (await page.evaluate(
    `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, targets: v.nodes.slice(0, 3).map((n) => String(n.target)) })))`,
  )) as { id: string; impact: string; nodes: number; targets: string[] }[];
  return all.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Opens the dashboard at `path` and signs in with `key` through the form (the key never enters a URL). */
export async function signIn(page: Page, serverUrl: string, key: string, path = '/'): Promise<void> {
  await page.goto(`${serverUrl}${path}`);
  await page.getByLabel('API key', { exact: true }).fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Sections' }).waitFor({ timeout: 20_000 });
}

/** The text of the first element matching `selector` (poll it with `until` from the test process: in-page waitForFunction needs eval, which the CSP forbids). */
export const textOf = (page: Page, selector: string) => page.locator(selector).first().textContent();

export const PHONE = { width: 390, height: 844 };

/**
 * Brings the page to the front (a background tab runs no ResizeObserver, so charts would keep
 * their wide size), narrows it to a phone, and waits — charts resize asynchronously, later on a
 * loaded machine — until nothing matching `selector` reaches past the viewport's right edge.
 * Returns what still does after 15 s (assert it empty) as "TAG.class" strings.
 */
export async function atPhoneWidth(page: Page, selector = 'body, body *'): Promise<string[]> {
  await page.bringToFront();
  await page.setViewportSize(PHONE);
  const overflowing = async () =>
    (await page.evaluate(
      `[...document.querySelectorAll(${JSON.stringify(selector)})].filter((e) => e.getBoundingClientRect().right > ${PHONE.width + 1}).map((e) => e.tagName + '.' + e.className)`,
    )) as string[];
  return until(overflowing, (list) => list.length === 0, 15_000);
}
