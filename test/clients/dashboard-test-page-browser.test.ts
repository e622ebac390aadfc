/**
 * The test page (/tests/:id) in a real browser (Debian's Chromium via playwright-core), offline: a
 * running A/B test made through the API; events posted with POST /v1/events change the funnel and
 * the analysis in the page live (graphql-ws, no HTTP poll); a winner declared through the dialog
 * (a blank reason refused first) shows in the banner, the history and, live, in the list open in a
 * second tab; the test is ended through its confirmation dialog. axe-core finds no serious or
 * critical violation (dialog open too); nothing outside this server is requested, no page error.
 * Screenshots: test-artifacts/dashboard-test-page*.png. Skipped outside CI without Chromium.
 */
import { EndTestDocument, LaunchCampaignDocument } from '../generated/graphql';
import { atPhoneWidth, browserIt, launchChromium, screenshot, seriousViolations, signIn, textOf as text, watchPage } from '../helpers/browser';
import { campaignWithRecipients, variantsByRecipients, type CampaignFixture } from '../helpers/fixtures';
import { startTestApp, type TestApp } from '../helpers/harness';
import { until } from '../helpers/until';
import type { Browser } from 'playwright-core';

const run = browserIt('dashboard test page browser test');

let t: TestApp;
let key: string;
let f: CampaignFixture;
let g: CampaignFixture;
let browser: Browser | undefined;
beforeAll(async () => {
  t = await startTestApp();
  key = await t.newWorkspaceKey('Test page shop');
  f = await campaignWithRecipients(t, key, 12, [50, 50], 'tp');
  await t.ok(LaunchCampaignDocument, { id: f.campaignId }, key);
  // Every recipient sent and delivered (as a provider's callbacks would report), so the analysis has a sample.
  const res = await postEvents(f.contacts.flatMap((c) => ['SENT', 'DELIVERED'].map((type) => ({ campaignId: f.campaignId, contactId: c.id, type, idempotencyKey: `tp-${type}-${c.id}` }))));
  expect(res).toMatchObject({ accepted: f.contacts.length * 2, rejected: [] });
  // A second running test, ended behind the page's back: the page shows the API's refusal.
  g = await campaignWithRecipients(t, key, 4, [50, 50], 'tq');
  await t.ok(LaunchCampaignDocument, { id: g.campaignId }, key);
});

async function postEvents(events: object[]): Promise<unknown> {
  const r = await fetch(`${t.url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(events),
  });
  return r.json();
}
afterAll(async () => {
  await browser?.close();
  await t.close();
});

run('shows the analysis and funnel live, declares a winner with a reason, ends the test; accessible; offline', async () => {
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const { external, problems } = watchPage(page, t.url);
  const graphqlHttp: string[] = [];
  page.on('request', (r) => {
    if (r.url().startsWith(`${t.url}/graphql`)) graphqlHttp.push(r.postData() ?? r.url());
  });

  await signIn(page, t.url, key, `/tests/${f.campaignId}`);
  await page.locator('h1', { hasText: 'fixture tp' }).waitFor({ timeout: 20_000 });
  const [variantA, variantB] = variantsByRecipients(f) as [CampaignFixture['variants'][number], CampaignFixture['variants'][number]];
  const labelA = `${variantA.key} · Variant ${variantA.key}`;
  // The dialog's options mark the control (the fixture's first variant), which A or B may be.
  const option = (v: { id: string; key: string }) => `${v.key} · Variant ${v.key}${v.id === f.variants[0]!.id ? ' (control)' : ''}`;
  const convertedA = () => text(page, `table.funnel tr[data-variant-key="${variantA.key}"] .funnel-converted .count`);
  const comparisons = () => text(page, 'table.comparisons tbody');
  expect(await until(convertedA, (v) => v === '0', 20_000)).toBe('0');
  expect(await text(page, '.analysis-status')).toBeTruthy();
  const before = await comparisons();
  expect(await text(page, '#next-title + ul')).toBeTruthy();

  // The page's three subscriptions (stats + analysis, status, winner) are registered.
  await until(() => t.app.live.subscriberCount(), (n) => n >= 3, 10_000);
  await page.evaluate('window.__notReloaded = true');
  const httpBefore = graphqlHttp.filter((b) => !b.includes('DashTestTimeSeries')).length;
  const contactsA = f.contacts.filter((c) => c.variantId === variantA.id).slice(0, 2);
  expect(contactsA.length).toBe(2);
  const posted = await postEvents(contactsA.map((c, i) => ({ campaignId: f.campaignId, contactId: c.id, type: 'CONVERTED', value: 10, idempotencyKey: `tp-conv-${i}` })));
  expect(posted).toMatchObject({ accepted: 2, rejected: [] });
  expect(await until(convertedA, (v) => v === '2', 15_000)).toBe('2');
  expect(await text(page, `table.variants tr[data-variant-key="${variantA.key}"] .converted`)).toBe('2');
  // The analysis came with the same message: the comparison against the control moved.
  expect(await until(comparisons, (v) => v !== before, 15_000)).not.toBe(before);
  expect(await page.evaluate('window.__notReloaded')).toBe(true);
  // Only the chart's own reload (after a live message) may use HTTP; the numbers came over the WebSocket.
  expect(graphqlHttp.filter((b) => !b.includes('DashTestTimeSeries')).length).toBe(httpBefore);
  expect(await page.locator('.interval-plot svg[role="img"]').count()).toBe(1);
  expect(await seriousViolations(page)).toEqual([]);
  await screenshot(page, 'dashboard-test-page');

  // Pause and resume as the status allows; the buttons follow the status.
  await page.getByRole('button', { name: 'Pause' }).click();
  expect(await until(() => text(page, '.test-status'), (v) => v === 'Paused', 15_000)).toBe('Paused');
  // The status may arrive over the WebSocket before the mutation's own answer: wait for the answer's message.
  expect(await until(() => text(page, '.action-status'), (v) => v === 'Pause: done.', 15_000)).toBe('Pause: done.');
  // The Pause button is gone: the focus went to the actions' heading, not to <body>.
  expect(await until(() => page.evaluate('document.activeElement?.id'), (v) => v === 'actions-title', 15_000)).toBe('actions-title');
  await page.getByRole('button', { name: 'Resume' }).click();
  expect(await until(() => text(page, '.test-status'), (v) => v === 'Running', 15_000)).toBe('Running');
  expect(await page.getByRole('button', { name: 'Pause' }).count()).toBe(1);

  // The list in a second tab: its winner cell follows the declaration live.
  const list = await context.newPage();
  const listWatch = watchPage(list, t.url);
  await signIn(list, t.url, key, '/tests'); // sessionStorage is per tab
  const winnerCell = () => text(list, `tr[data-campaign-id="${f.campaignId}"] td[data-label="Leader / winner"]`);
  await list.locator(`tr[data-campaign-id="${f.campaignId}"]`).waitFor({ timeout: 20_000 });
  // A row on screen does not mean its tab's subscriptions reached the server: a declaration published
  // before the list's winnerDeclared is registered would never reach it. The page's 3 + the list's 3 (status, winner, row stats).
  await until(() => t.app.live.subscriberCount(), (n) => n >= 6, 15_000);

  // Declare a winner: a blank reason is refused in words, then a reason is recorded.
  await page.getByRole('button', { name: 'Declare a winner…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Declare a winner' });
  await dialog.waitFor();
  expect(await seriousViolations(page)).toEqual([]);
  await dialog.getByLabel('Winning variant').selectOption({ label: option(variantA) });
  await dialog.getByRole('button', { name: 'Confirm: declare the winner' }).click();
  expect(await dialog.getByRole('alert').textContent()).toContain('Give a reason');
  await dialog.getByLabel('Reason (required)').fill('Brand fit beats a small lift');
  await dialog.getByRole('button', { name: 'Confirm: declare the winner' }).click();
  await dialog.waitFor({ state: 'hidden', timeout: 15_000 });
  expect(await until(() => text(page, '.winner-banner'), (v) => v?.includes(labelA) ?? false, 15_000)).toContain('declared manually');
  expect(await text(page, '.winner-banner')).toContain('Brand fit beats a small lift');
  expect(await text(page, 'table.winner-history tbody tr')).toContain('Brand fit beats a small lift');
  expect(await until(winnerCell, (v) => v?.startsWith('Winner') ?? false, 15_000)).toBe(`Winner: ${labelA} (manual)`);

  // A second declaration supersedes the first in the history.
  await page.getByRole('button', { name: 'Declare a winner…' }).click();
  await dialog.getByLabel('Winning variant').selectOption({ label: option(variantB) });
  await dialog.getByLabel('Reason (required)').fill('Second look');
  await dialog.getByRole('button', { name: 'Confirm: declare the winner' }).click();
  await dialog.waitFor({ state: 'hidden', timeout: 15_000 });
  await until(() => page.locator('table.winner-history tbody tr').count(), (n) => n === 2, 15_000);
  expect(await page.locator('table.winner-history tbody tr').allTextContents()).toEqual([
    expect.stringContaining('Current'),
    expect.not.stringContaining('Current'),
  ]);
  expect(await until(winnerCell, (v) => v?.includes(variantB.key) ?? false, 15_000)).toBe(`Winner: ${variantB.key} · Variant ${variantB.key} (manual)`);

  // End the test through its confirmation dialog.
  await page.getByRole('button', { name: 'End the test…' }).click();
  const endDialog = page.getByRole('dialog', { name: 'End the test?' });
  await endDialog.waitFor();
  expect(await seriousViolations(page)).toEqual([]);
  await endDialog.getByRole('button', { name: 'Confirm: end the test' }).click();
  await endDialog.waitFor({ state: 'hidden', timeout: 15_000 });
  expect(await until(() => text(page, '.test-status'), (v) => v?.includes('test ended') ?? false, 15_000)).toContain('test ended');
  expect(await page.getByRole('button', { name: 'End the test…' }).count()).toBe(0);
  // The dialog's opener is gone: the focus went to the actions' heading, not to <body>.
  expect(await until(() => page.evaluate('document.activeElement?.id'), (v) => v === 'actions-title', 15_000)).toBe('actions-title');
  expect(await text(page, '#next-title + ul')).toContain('was declared the winner and the test has ended');

  // Nothing is wider than the viewport (no sideways scrolling of the page), once the chart has resized.
  expect(await atPhoneWidth(page)).toEqual([]);
  expect(Number(await page.evaluate('document.documentElement.scrollWidth'))).toBeLessThanOrEqual(390);
  await screenshot(page, 'dashboard-test-page-narrow');
  // At 390 px tables collapse into cards whose header row is hidden: every cell of the chart's table names its column.
  expect(await page.locator('figure.chart details tbody td').count()).toBeGreaterThan(0);
  expect(await page.locator('figure.chart details tbody td:not([data-label]), figure.chart details tbody th:not([data-label])').count()).toBe(0);
  expect(await seriousViolations(page)).toEqual([]);

  // Someone else ends the other test while this page's dialog is open: confirming shows the API's reason.
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${t.url}/tests/${g.campaignId}`);
  await page.locator('h1', { hasText: 'fixture tq' }).waitFor({ timeout: 20_000 });
  await page.getByRole('button', { name: 'End the test…' }).click();
  await endDialog.waitFor();
  await t.ok(EndTestDocument, { campaignId: g.campaignId, sendWinnerToRemainder: false }, key);
  await endDialog.getByRole('button', { name: 'Confirm: end the test' }).click();
  const refusal = endDialog.getByRole('alert');
  await refusal.waitFor({ timeout: 15_000 });
  expect(await refusal.textContent()).toMatch(/^The test ended at .*TEST_ALREADY_ENDED/);
  await endDialog.getByRole('button', { name: 'Cancel' }).click();
  await endDialog.waitFor({ state: 'hidden' });
  // And the page caught up live: the test is ended, its button gone.
  expect(await until(() => text(page, '.test-status'), (v) => v?.includes('test ended') ?? false, 15_000)).toContain('test ended');
  expect(await page.getByRole('button', { name: 'End the test…' }).count()).toBe(0);

  expect(external).toEqual([]);
  expect(problems).toEqual([]);
  expect(listWatch.external).toEqual([]);
  expect(listWatch.problems).toEqual([]);
}, 180_000);
