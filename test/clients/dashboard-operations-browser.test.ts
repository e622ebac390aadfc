/**
 * The dashboard's Operations section in a real browser (Debian's Chromium, playwright-core),
 * offline, on data made through the real API: a campaign sent by the simulator (JOBS on), signed
 * Twilio status callbacks whose messages never come (dead letters after their attempts), a signed
 * Twilio STOP and an optOutChannel (the opt-out report). A READ key sees everything but its
 * requeue is refused with the API's FORBIDDEN; an ADMIN key requeues one dead letter (its message
 * turned up: processed) and then all of them, checked through the API; the opt-out numbers show
 * and the CSV downloads through the Authorization header (a blob: URL) with the opted-out contact.
 * axe-core: no serious/critical violation; no external request; no page error or CSP complaint.
 * Screenshots: test-artifacts/dashboard-operations*.png.
 */
import { readFileSync } from 'node:fs';
import { ALERTS_JOB } from '../../src/operations/alerts';
import { CreateApiKeyDocument, LaunchCampaignDocument, OptOutChannelDocument, UpdateWorkspaceSettingsDocument, WebhookHealthDocument, WebhookRetriesDocument } from '../generated/graphql';
import { recordMessage } from '../../src/tracking/messages';
import { MAX_ATTEMPTS } from '../../src/tracking/webhooks/retries';
import { twilioSignature } from '../../src/tracking/webhooks/signatures';
import { atPhoneWidth, browserIt, launchChromium, screenshot, seriousViolations, signIn, textOf as text, watchPage } from '../helpers/browser';
import { campaignWithRecipients, type CampaignFixture } from '../helpers/fixtures';
import { startTestApp, type TestApp } from '../helpers/harness';
import { until } from '../helpers/until';
import type { Browser, Page } from 'playwright-core';

const run = browserIt('dashboard operations browser test');
const PUBLIC_URL = 'https://hooks.splitcast.test';
const TOKEN = 'ops-dashboard-twilio-token';

let t: TestApp;
let key: string;
let readKey: string;
let writeKey: string;
let f: CampaignFixture;
let browser: Browser | undefined;

async function twilio(params: Record<string, string>) {
  const path = `/webhooks/twilio/${f.workspaceId}`;
  const res = await fetch(t.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(TOKEN, PUBLIC_URL + path, params) },
    body: new URLSearchParams(params).toString(),
  });
  await res.arrayBuffer();
  expect(res.status).toBe(200);
}
const retryOf = async (sid: string) => (await t.sql<{ id: string; status: string; attempts: number }>(`select id, status, attempts from webhook_retries where payload->>'providerMessageId' = ?`, [sid]))[0]!;

beforeAll(async () => {
  t = await startTestApp({ PUBLIC_URL, WEBHOOK_RECEIPTS_FLUSH_MS: '100', JOBS: 'on' });
  key = await t.newWorkspaceKey('Ops shop');
  readKey = (await t.ok(CreateApiKeyDocument, { name: 'ops reader', scopes: ['READ'] }, key)).createApiKey.secret;
  writeKey = (await t.ok(CreateApiKeyDocument, { name: 'ops writer', scopes: ['READ', 'WRITE'] }, key)).createApiKey.secret;
  // An alert destination: alerts are raised for workspaces that have one (email: the simulator).
  await t.ok(UpdateWorkspaceSettingsDocument, { input: { twilioAuthToken: TOKEN, alertEmail: 'ops@example.com' } }, key);
  f = await campaignWithRecipients(t, key, 6, [50, 50], 'ops');
  await t.ok(LaunchCampaignDocument, { id: f.campaignId }, key); // sent by the simulator (JOBS on)

  // Two status callbacks whose messages are unknown: parked, then dead after their last attempt.
  // The 2.4 hours of backoff are skipped the way test/integration/dead-letters.test.ts does:
  // the row is brought to its last attempt, due now, and the queue itself runs it.
  for (const sid of ['SMopslate', 'SMopsgone']) {
    await twilio({ MessageSid: sid, MessageStatus: 'delivered', AccountSid: 'AC1' });
    await t.sql(`update webhook_retries set attempts = ?, next_attempt_at = now() where payload->>'providerMessageId' = ?`, [MAX_ATTEMPTS - 1, sid]);
    await t.app.retries.runDue();
    expect(await until(() => retryOf(sid), (r) => r.status === 'DEAD')).toMatchObject({ status: 'DEAD' });
  }
  // The alerts job (every minute with JOBS on) run now: the dead letters raise DEAD_LETTERS:twilio.
  await t.app.scheduler!.runNow(ALERTS_JOB);
  const alerts = async () => (await t.raw<{ alerts: { key: string }[] }>('{ alerts(open: true) { key } }', {}, key)).data?.alerts.map((a) => a.key) ?? [];
  expect(await until(alerts, (k) => k.includes('DEAD_LETTERS:twilio'), 20_000)).toContain('DEAD_LETTERS:twilio');
  // The hourly health snapshot (a job) taken now, once the callbacks' counts are flushed: the chart's data.
  const twilioHealth = async () => (await t.ok(WebhookHealthDocument, {}, key)).webhookHealth.find((h) => h.provider === 'twilio');
  expect(await until(twilioHealth, (h) => h?.dead === 2 && h.receivedLastHour >= 2, 20_000)).toMatchObject({ dead: 2 });
  await t.app.scheduler!.runNow('operations: webhook health snapshots');
  // SMopslate's message turns up late (recorded the way the sender records it): its replay will succeed.
  const c = f.contacts[2]!;
  await recordMessage(t.app.orm.em.fork(), { workspaceId: f.workspaceId, campaignId: f.campaignId, contactId: c.id, variantId: c.variantId, provider: 'twilio', providerMessageId: 'SMopslate' });

  // Opt-outs: a real STOP by SMS from contact 0, and contact 1 out of every channel through the API.
  await twilio({ MessageSid: 'SMopsstop', From: f.contacts[0]!.phone, To: '+15550000000', Body: 'STOP', SmsStatus: 'received' });
  await t.ok(OptOutChannelDocument, { contactId: f.contacts[1]!.id, channel: null }, key);
});
afterAll(async () => {
  await browser?.close();
  await t.close();
});

async function openOperations(page: Page, k: string) {
  await signIn(page, t.url, k, '/operations');
  await page.getByRole('heading', { name: 'Operations', level: 1 }).waitFor({ timeout: 20_000 });
  await page.locator('tr[data-retry-id]').first().waitFor({ timeout: 20_000 });
}

run('shows health, circuits, dead letters (requeue: FORBIDDEN for READ, done for ADMIN), the opt-out report and its CSV; accessible; offline', async () => {
  const late = await retryOf('SMopslate');
  const gone = await retryOf('SMopsgone');
  const dead = async () => (await t.ok(WebhookRetriesDocument, { status: 'DEAD' }, key)).webhookRetries.nodes.map((n) => n.id);
  browser = await launchChromium();

  // A READ key: everything reads, requeueing is refused with the API's words.
  const reader = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  // The API answers FORBIDDEN with HTTP 403 (expected here; Chromium logs it as a failed resource).
  const readWatch = watchPage(reader, t.url, { allowStatus: [403], allowConsole: /status of 403/ });
  reader.on('request', (r) => expect(r.url()).not.toContain(readKey));
  await openOperations(reader, readKey);
  await reader.locator(`tr[data-retry-id="${late.id}"] button`).click();
  const refused = reader.getByTestId(`requeue-outcome-${late.id}`);
  await refused.waitFor({ timeout: 20_000 });
  expect(await refused.getAttribute('role')).toBe('alert');
  expect(await refused.textContent()).toMatch(/FORBIDDEN/);
  expect(await refused.textContent()).toContain('ADMIN scope');
  // The open alert, with its email notification.
  const alertRow = reader.locator('table.ops-alerts tbody tr', { hasText: 'Dead letters' });
  await alertRow.waitFor({ timeout: 20_000 });
  expect(await alertRow.locator('td[data-label="State"]').textContent()).toBe('Raised');
  expect(await alertRow.locator('td[data-label="Notifications"]').textContent()).toMatch(/^EMAIL raised: /);
  await reader.getByRole('button', { name: 'Requeue all dead letters' }).click();
  await reader.getByTestId('requeue-all-outcome').waitFor({ timeout: 20_000 });
  expect(await text(reader, '[data-testid="requeue-all-outcome"]')).toMatch(/FORBIDDEN/);
  expect((await retryOf('SMopslate')).status).toBe('DEAD'); // untouched
  expect(await seriousViolations(reader)).toEqual([]);
  await screenshot(reader, 'dashboard-operations-forbidden');
  expect(readWatch.external).toEqual([]);
  expect(readWatch.problems).toEqual([]);
  // The last 24 hours' chart, its numbers in a table: this hour's snapshot holds the 2 dead letters.
  const chart = reader.locator('article[data-provider="twilio"] figure.chart');
  await chart.waitFor({ timeout: 20_000 });
  expect(await chart.locator('figcaption').textContent()).toContain('twilio: callbacks per hour');
  // 24 hours; this hour's snapshot holds the 2 dead letters, hours without one read "—".
  const hours = chart.locator('details tbody tr');
  expect(await hours.count()).toBe(24);
  const deadColumn = await hours.locator('td:nth-of-type(3)').allTextContents();
  expect(deadColumn.filter((v) => v === '2')).toHaveLength(1);
  expect(deadColumn.filter((v) => v === '—')).toHaveLength(23);
  await reader.close();

  // A WRITE key is refused too, with the API's own reason for the missing ADMIN scope.
  const writer = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const writeWatch = watchPage(writer, t.url, { allowStatus: [403], allowConsole: /status of 403/ });
  await openOperations(writer, writeKey);
  await writer.getByRole('button', { name: 'Requeue all dead letters' }).click();
  await writer.getByTestId('requeue-all-outcome').waitFor({ timeout: 20_000 });
  expect(await text(writer, '[data-testid="requeue-all-outcome"]')).toMatch(/FORBIDDEN/);
  expect(await dead()).toHaveLength(2);
  expect([...writeWatch.external, ...writeWatch.problems]).toEqual([]);
  await writer.close();

  // An ADMIN key.
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const { external, problems } = watchPage(page, t.url);
  page.on('request', (r) => expect(r.url()).not.toContain(key)); // the key never travels in a URL (the CSV included)
  await openOperations(page, key);

  // Webhook health: twilio is degraded by its dead letters, and says so.
  const twilioCard = page.locator('article[data-provider="twilio"]');
  await twilioCard.waitFor({ timeout: 20_000 });
  expect(await twilioCard.locator('.badge').textContent()).toBe('Degraded');
  expect(await twilioCard.locator('dd[data-field="dead"]').textContent()).toBe('2');
  expect(await text(page, '[data-testid="health-overall"]')).toContain('twilio');
  // Provider circuits: the SMS channel's account, closed.
  const sms = page.locator('table.ops-circuits tr[data-channel="SMS"]');
  await sms.waitFor();
  expect(await sms.locator('td[data-label="Circuit"]').textContent()).toBe('Closed');

  // Both dead letters are listed with their payload; requeue the one whose message turned up.
  expect(await page.locator(`tr[data-retry-id="${gone.id}"] td[data-label="Payload"]`).textContent()).toBe('Status DELIVERED, message SMopsgone');
  await page.locator(`tr[data-retry-id="${late.id}"] button`).click();
  const outcome = page.getByTestId(`requeue-outcome-${late.id}`);
  await outcome.waitFor({ timeout: 20_000 });
  expect(await outcome.textContent()).toContain('Requeued and processed (DONE).');
  expect(await dead()).toEqual([gone.id]);
  // The list reloads: the processed row left the dead letters.
  expect(await until(() => page.locator(`tr[data-retry-id="${late.id}"]`).count(), (n) => n === 0, 20_000)).toBe(0);
  // Its outcome stays, naming the callback it was about.
  expect(await page.getByTestId(`requeue-outcome-${late.id}`).textContent()).toBe('twilio: Status DELIVERED, message SMopslate Requeued and processed (DONE).');

  // Requeue all: the remaining one goes back to the queue with fresh attempts.
  await page.getByRole('button', { name: 'Requeue all dead letters' }).click();
  await page.getByTestId('requeue-all-outcome').waitFor({ timeout: 20_000 });
  expect(await text(page, '[data-testid="requeue-all-outcome"]')).toBe('1 dead letter put back in the queue with fresh attempts; a queue run has started.');
  expect(await dead()).toEqual([]);
  expect((await retryOf('SMopsgone')).attempts).toBeLessThan(MAX_ATTEMPTS);

  // The opt-out report: 2 opt-outs, one by SMS STOP via Twilio, one everywhere through the API.
  const total = () => text(page, '[data-testid="optout-total"]');
  expect(await until(total, (v) => v === '2', 20_000)).toBe('2');
  expect(await text(page, 'table[data-dimension="source"] tr[data-key="sms:twilio"] td[data-label="Opt-outs"]')).toBe('1');
  expect(await text(page, 'table[data-dimension="source"] tr[data-key="api"] td[data-label="Opt-outs"]')).toBe('1');
  expect(await text(page, 'table[data-dimension="keyword"] tr[data-key="STOP"] td[data-label="Opt-outs"]')).toBe('1');
  expect(await text(page, 'table[data-dimension="channel"] tr[data-key="ALL"] th')).toBe('All channels');
  expect(await page.locator('table.ops-optouts tbody tr').count()).toBe(2);
  expect(await text(page, `table.ops-optouts tr[data-contact-id="${f.contacts[0]!.id}"] th`)).toBe(f.contacts[0]!.externalId);
  // The period switch asks again for another window (both opt-outs are recent: still 2).
  await page.getByLabel('Period').selectOption('7');
  expect(await until(() => page.locator('table.ops-optouts caption').textContent(), (v) => v?.includes('page 1') ?? false, 20_000)).toContain('page 1');
  expect(await until(total, (v) => v === '2', 20_000)).toBe('2');
  expect(await page.locator('.ops-total').textContent()).toContain('last 7 days');

  // The CSV: fetched with the Authorization header, saved from a blob: URL. The key is the one the
  // page is signed in with, given by the shell, not read again from storage by the section: with
  // the stored session gone (the shell's to manage), the download still carries the right key.
  await page.evaluate(`sessionStorage.clear()`);
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 20_000 }), page.getByRole('button', { name: 'Download as CSV' }).click()]);
  expect(download.url()).toMatch(/^blob:/);
  expect(download.suggestedFilename()).toMatch(/^opt-outs-7d-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = readFileSync((await download.path())!, 'utf8');
  expect(csv.split('\n')[0]).toContain('contact_id');
  expect(csv).toContain(f.contacts[0]!.phone);
  expect(csv).toContain(f.contacts[1]!.id);
  const started = page.getByRole('status').filter({ hasText: /^Download started: opt-outs-7d-/ });
  await started.waitFor({ timeout: 20_000 });
  expect(await started.textContent()).toBe(`Download started: ${download.suggestedFilename()}`);
  // Another period: the message about the 7-day file goes.
  await page.getByLabel('Period').selectOption('30');
  expect(await until(() => started.count(), (n) => n === 0, 20_000)).toBe(0);

  expect(await seriousViolations(page)).toEqual([]);
  await screenshot(page, 'dashboard-operations');
  expect(await atPhoneWidth(page)).toEqual([]);
  await screenshot(page, 'dashboard-operations-narrow');
  expect(await seriousViolations(page)).toEqual([]);
  expect(external).toEqual([]);
  expect(problems).toEqual([]);
}, 180_000);
