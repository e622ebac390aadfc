/**
 * Alerts end to end on the real app: conditions made for real (a callback that dead-letters after
 * every retry, a test whose sent counts are skewed, a job that fails three times), the
 * 'operations: alerts' job run on demand, a local HTTP receiver that checks each alert's
 * X-Splitcast-Signature, and a real SMTP server (smtp-server + mailparser) as the workspace's SMTP.
 */
import type { ParsedMail } from 'mailparser';
import { AlertSettingsDocument, AlertsDocument, TrackEventsDocument } from '../generated/graphql';
import { ALERTS_JOB } from '../../src/operations/alerts';
import type { AlertPayload } from '../../src/operations/alert-rules';
import { recordMessage } from '../../src/tracking/messages';
import { twilioSignature } from '../../src/tracking/webhooks/signatures';
import { closedPort as unusedPort, startMailbox, startSignedReceiver, type SignedPost } from '../helpers/destinations';
import { campaignWithRecipients } from '../helpers/fixtures';
import { errorOf, startTestApp, type TestApp } from '../helpers/harness';
import { until } from '../helpers/until';

const PUBLIC_URL = 'https://hooks.splitcast.test';
const SECRET = 'whsec_alerts_123';
const TWILIO_TOKEN = 'twilio-token-alerts';
const OPS_EMAIL = 'ops@shop.example';

type Received = SignedPost<AlertPayload>;

let t: TestApp;
let hooks: Awaited<ReturnType<typeof startSignedReceiver<AlertPayload>>>;
let mailbox: Awaited<ReturnType<typeof startMailbox>>;
let receiverUrl: string;
let received: Received[];
let smtpPort: number;
let mails: ParsedMail[];
/** A port nothing listens on: the unreachable workspace's alert URL. */
let closedPort: number;
let keyA: string;
let workspaceA: string;
let keyB: string;
let workspaceB: string;

beforeAll(async () => {
  hooks = await startSignedReceiver<AlertPayload>(SECRET);
  receiverUrl = hooks.url;
  received = hooks.received;
  mailbox = await startMailbox();
  smtpPort = mailbox.port;
  mails = mailbox.mails;
  closedPort = await unusedPort();

  // The receiver is on loopback: the operator allows custom URLs (the refusal is tested below with it off).
  t = await startTestApp({ JOBS: 'on', PUBLIC_URL, ALLOW_CUSTOM_PROVIDER_URLS: 'true' });
  keyA = await t.newWorkspaceKey('alerts-a');
  const a = await t.ok(
    AlertSettingsDocument,
    {
      input: {
        webhookSigningSecret: SECRET,
        twilioAuthToken: TWILIO_TOKEN,
        alertWebhookUrl: `${receiverUrl}/a`,
        alertEmail: OPS_EMAIL,
        smtp: { host: '127.0.0.1', port: smtpPort, from: 'Splitcast <alerts@splitcast.test>' },
      },
    },
    keyA,
  );
  workspaceA = a.updateWorkspaceSettings.id;
  keyB = await t.newWorkspaceKey('alerts-b');
  const b = await t.ok(AlertSettingsDocument, { input: { webhookSigningSecret: SECRET, alertWebhookUrl: `http://127.0.0.1:${closedPort}/b` } }, keyB);
  workspaceB = b.updateWorkspaceSettings.id;
});

afterAll(async () => {
  await t?.close();
  await hooks?.close();
  await mailbox?.close();
});

const evaluate = () => t.app.scheduler!.runNow(ALERTS_JOB);
const mailsAbout = (key: string) => mails.filter((m) => m.text?.includes(`Condition:  ${key}`));

/** Runs the alerts job until `n` deliveries matching `pick` reached the receiver (a scheduled run may have done it first). */
async function evaluateUntil(pick: (r: Received) => boolean, n = 1): Promise<Received[]> {
  return until(
    async () => {
      await evaluate();
      return received.filter(pick);
    },
    (list) => list.length >= n,
    10_000,
    100,
  );
}

describe('settings', () => {
  it('shows whether the destinations are set, never the URL', async () => {
    const r = await t.ok(AlertSettingsDocument, { input: {} }, keyA);
    expect(r.updateWorkspaceSettings.settings).toMatchObject({ alertWebhookUrlSet: true, alertEmail: OPS_EMAIL });
    expect(JSON.stringify(r.updateWorkspaceSettings.settings)).not.toContain(receiverUrl);
  });

  it('refuses bad settings with reasons, changing nothing', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ alertWebhookUrl: 'ftp://hooks.example.com/x' }, 'INVALID_ALERT_WEBHOOK_URL', 'input.alertWebhookUrl'],
      [{ alertWebhookUrl: 'not a url' }, 'INVALID_ALERT_WEBHOOK_URL', 'input.alertWebhookUrl'],
      [{ alertEmail: 'ops at shop' }, 'INVALID_ALERT_EMAIL', 'input.alertEmail'],
      [{ alertEmail: 'a@b.example, c@d.example' }, 'INVALID_ALERT_EMAIL', 'input.alertEmail'],
      // Clearing the secret would leave alerts unsigned.
      [{ webhookSigningSecret: '' }, 'ALERT_WEBHOOK_NEEDS_SIGNING_SECRET', 'input.webhookSigningSecret'],
    ];
    for (const [input, reason, field] of cases) {
      expect(errorOf(await t.gql(AlertSettingsDocument, { input }, keyA))).toEqual({ code: 'BAD_USER_INPUT', reason, field });
    }
    const [row] = await t.sql<{ url: string; secret: string }>('select alert_webhook_url as url, webhook_signing_secret as secret from workspaces where id = ?', [workspaceA]);
    expect(row).toEqual({ url: `${receiverUrl}/a`, secret: SECRET });
  });

  it('refuses a URL without a signing secret, and internal or plain-http URLs unless the operator allows them', async () => {
    const key = await t.newWorkspaceKey('alerts-settings');
    expect(errorOf(await t.gql(AlertSettingsDocument, { input: { alertWebhookUrl: 'https://hooks.example.com/a' } }, key))).toEqual({
      code: 'BAD_USER_INPUT',
      reason: 'ALERT_WEBHOOK_NEEDS_SIGNING_SECRET',
      field: 'input.alertWebhookUrl',
    });
    t.app.config.allowCustomProviderUrls = false;
    try {
      for (const url of ['http://hooks.example.com/a', 'https://127.0.0.1/a', 'https://localhost/a', 'https://169.254.169.254/latest', 'https://[::1]/a']) {
        const r = await t.gql(AlertSettingsDocument, { input: { webhookSigningSecret: SECRET, alertWebhookUrl: url } }, key);
        expect(errorOf(r)).toEqual({ code: 'BAD_USER_INPUT', reason: 'INVALID_ALERT_WEBHOOK_URL', field: 'input.alertWebhookUrl' });
      }
      const ok = await t.ok(AlertSettingsDocument, { input: { webhookSigningSecret: SECRET, alertWebhookUrl: 'https://hooks.example.com/a' } }, key);
      expect(ok.updateWorkspaceSettings.settings).toMatchObject({ alertWebhookUrlSet: true });
    } finally {
      t.app.config.allowCustomProviderUrls = true;
    }
    // Null clears (and then the secret may go).
    const cleared = await t.ok(AlertSettingsDocument, { input: { alertWebhookUrl: null, alertEmail: null, webhookSigningSecret: '' } }, key);
    expect(cleared.updateWorkspaceSettings.settings).toMatchObject({ alertWebhookUrlSet: false, alertEmail: null, webhookSigningSecretSet: false });
  });
});

describe('dead letters', () => {
  const sid = 'SMalertdead';
  const where = `payload->>'providerMessageId' = '${sid}'`;

  it('raises one signed alert (webhook and email) when a callback is dead-lettered, and nothing more while it stays', async () => {
    // A status callback for a message Splitcast never sent: accepted, parked, retried until DEAD.
    const path = `/webhooks/twilio/${workspaceA}`;
    const params = { MessageSid: sid, MessageStatus: 'delivered' };
    const res = await fetch(t.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(TWILIO_TOKEN, PUBLIC_URL + path, params) },
      body: new URLSearchParams(params).toString(),
    });
    expect(res.status).toBe(200);
    for (let i = 0; i < 20; i++) {
      const [row] = await t.sql<{ status: string }>(`select status from webhook_retries where ${where}`);
      if (row!.status === 'DEAD') break;
      await t.sql(`update webhook_retries set next_attempt_at = now() where ${where}`);
      await t.app.retries.runDue();
    }
    expect((await t.sql<{ status: string }>(`select status from webhook_retries where ${where}`))[0]!.status).toBe('DEAD');

    const isDead = (r: Received) => r.body.key === 'DEAD_LETTERS:twilio' && r.body.workspaceId === workspaceA;
    const [alert, ...more] = await evaluateUntil(isDead);
    expect(more).toEqual([]);
    expect(alert!.path).toBe('/a');
    expect(alert!.signatureOk).toBe(true);
    expect(alert!.headers['x-splitcast-alert-id']).toBe(alert!.body.id);
    expect(alert!.headers['x-splitcast-alert-state']).toBe('RAISED');
    expect(alert!.body).toMatchObject({ kind: 'DEAD_LETTERS', state: 'RAISED', workspaceId: workspaceA, clearedAt: null, details: { provider: 'twilio', count: 1 } });
    expect(Number.isNaN(Date.parse(alert!.body.raisedAt))).toBe(false);

    const mail = (await until(() => mailsAbout('DEAD_LETTERS:twilio'), (m) => m.length >= 1, 10_000))[0]!;
    expect(mail.subject).toMatch(/^\[Splitcast\] RAISED: twilio webhooks dead-lettered/);
    expect((Array.isArray(mail.to) ? mail.to[0] : mail.to)!.value[0]!.address).toBe(OPS_EMAIL);
    expect(mail.text).toContain(`Alert id:   ${alert!.body.id}`);

    // Still there: later evaluations send nothing.
    await evaluate();
    await evaluate();
    expect(received.filter(isDead)).toHaveLength(1);
    expect(mailsAbout('DEAD_LETTERS:twilio')).toHaveLength(1);

    const { alerts } = await t.ok(AlertsDocument, { open: true }, keyA);
    const listed = alerts.find((x) => x.id === alert!.body.id)!;
    expect(listed).toMatchObject({ state: 'RAISED', kind: 'DEAD_LETTERS', clearedAt: null });
    expect(listed.deliveries.map((d) => [d.channel, d.state, d.status]).sort()).toEqual([
      ['EMAIL', 'RAISED', 'DELIVERED'],
      ['WEBHOOK', 'RAISED', 'DELIVERED'],
    ]);
    // Another workspace sees none of it.
    expect((await t.ok(AlertsDocument, {}, keyB)).alerts.filter((x) => x.kind === 'DEAD_LETTERS')).toEqual([]);
  });

  it('clears once when the dead letter is requeued and processed', async () => {
    // Requeue (what requeueWebhookRetry does), then the message turns up and the retry succeeds.
    await t.sql(`update webhook_retries set status = 'PENDING', next_attempt_at = now() where ${where}`);
    const f = await campaignWithRecipients(t, keyA, 2, [50, 50], 'dl');
    const c = f.contacts[0]!;
    await recordMessage(t.app.orm.em.fork(), { workspaceId: workspaceA, campaignId: f.campaignId, contactId: c.id, variantId: c.variantId, provider: 'twilio', providerMessageId: sid, links: [] });
    await t.app.retries.runDue();
    expect((await t.sql<{ status: string }>(`select status from webhook_retries where ${where}`))[0]!.status).toBe('DONE');

    const isCleared = (r: Received) => r.body.key === 'DEAD_LETTERS:twilio' && r.body.state === 'CLEARED';
    const [cleared, ...more] = await evaluateUntil(isCleared);
    expect(more).toEqual([]);
    expect(cleared!.signatureOk).toBe(true);
    expect(cleared!.body.clearedAt).not.toBeNull();
    expect(cleared!.headers['x-splitcast-alert-state']).toBe('CLEARED');
    await until(() => mailsAbout('DEAD_LETTERS:twilio'), (m) => m.length >= 2, 10_000);
    expect(mailsAbout('DEAD_LETTERS:twilio').map((m) => m.subject!.split(':')[0])).toEqual(['[Splitcast] RAISED', '[Splitcast] CLEARED']);
    await evaluate();
    expect(received.filter(isCleared)).toHaveLength(1);
    expect(received.filter((r) => r.body.key === 'DEAD_LETTERS:twilio')).toHaveLength(2);
    const { alerts } = await t.ok(AlertsDocument, { open: false }, keyA);
    expect(alerts.find((x) => x.id === cleared!.body.id)).toMatchObject({ state: 'CLEARED' });
  });
});

describe('sample ratio mismatch', () => {
  it('raises one alert for a running test whose sent counts do not match the weights', async () => {
    const f = await campaignWithRecipients(t, keyA, 120, [50, 50], 'srm');
    // The business reports what it sent (trackEvents SENT): 40 of variant A's recipients, 8 of B's.
    const [a, b] = f.variants;
    const sentTo = [...f.contacts.filter((c) => c.variantId === a!.id).slice(0, 40), ...f.contacts.filter((c) => c.variantId === b!.id).slice(0, 8)];
    expect(sentTo).toHaveLength(48);
    await t.ok(TrackEventsDocument, { events: sentTo.map((c) => ({ campaignId: f.campaignId, contactId: c.id, type: 'SENT' as const })) }, keyA);
    // As the experiments tests do: the campaign is running without the sender sending the rest.
    await t.sql(`update campaigns set status = 'RUNNING' where id = ?`, [f.campaignId]);

    const key = `SRM_DETECTED:${f.campaignId}`;
    // Two instances evaluate at the same moment: the alert is raised and delivered once.
    const other = await t.anotherInstance();
    const [alert, ...more] = await until(
      async () => {
        await Promise.all([evaluate(), other.scheduler!.runNow(ALERTS_JOB)]);
        return received.filter((r) => r.body.key === key);
      },
      (list) => list.length >= 1,
      10_000,
      100,
    );
    await Promise.all([evaluate(), other.scheduler!.runNow(ALERTS_JOB)]);
    expect(more).toEqual([]);
    expect(alert!.signatureOk).toBe(true);
    expect(alert!.body).toMatchObject({ kind: 'SRM_DETECTED', state: 'RAISED', workspaceId: workspaceA, details: { campaignId: f.campaignId } });
    expect((alert!.body.details as { pValue: number }).pValue).toBeLessThan(0.001);
    expect((alert!.body.details as { variants: { sent: number }[] }).variants.map((v) => v.sent)).toEqual([40, 8]);
    await evaluate();
    expect(received.filter((r) => r.body.key === key)).toHaveLength(1);
  });
});

describe('a job failing repeatedly; an unreachable receiver', () => {
  const job = 'analytics: nightly rollup';
  const key = `JOB_FAILING:${job}`;

  it('raises JOB_FAILING after three failed runs in a row, for every workspace; the unreachable one is retried and blocks nobody', async () => {
    await t.sql('alter table variant_daily rename to variant_daily_away');
    try {
      for (let i = 0; i < 3; i++) await expect(t.app.scheduler!.runNow(job)).rejects.toThrow(/variant_daily/);
    } finally {
      await t.sql('alter table variant_daily_away rename to variant_daily');
    }
    const [health] = await t.sql<{ consecutive_failures: number; last_error: string }>('select consecutive_failures, last_error from job_health where name = ?', [job]);
    expect(health!.consecutive_failures).toBe(3);
    expect(health!.last_error).toMatch(/variant_daily/);

    const [alert, ...more] = await evaluateUntil((r) => r.body.key === key && r.body.workspaceId === workspaceA);
    expect(more).toEqual([]);
    expect(alert!.body).toMatchObject({ kind: 'JOB_FAILING', state: 'RAISED', details: { job, consecutiveFailures: 3 } });
    expect(JSON.stringify(alert!.body)).not.toMatch(/variant_daily/); // the error stays with the operator
    await until(() => mailsAbout(key), (m) => m.length >= 1, 10_000);

    // Workspace B's receiver is down: its delivery failed, is pending for a later run, and A got its alert regardless.
    const delivery = async () =>
      (
        await t.sql<{ status: string; attempts: number; last_error: string }>(
          `select d.status, d.attempts, d.last_error from alert_deliveries d join alerts a on a.id = d.alert_id and a.workspace_id = d.workspace_id
           where a.workspace_id = ? and a.key = ? and d.state = 'RAISED'`,
          [workspaceB, key],
        )
      )[0];
    const first = await until(delivery, (d) => (d?.attempts ?? 0) >= 1 && d!.status === 'PENDING' && d!.last_error !== null, 10_000);
    expect(first).toMatchObject({ status: 'PENDING' });
    expect(first!.last_error).toMatch(/could not be reached/);
    // Due again (by SQL, instead of waiting out the backoff): retried, not re-raised.
    await t.sql(`update alert_deliveries set next_attempt_at = now() where workspace_id = ? and status = 'PENDING'`, [workspaceB]);
    await evaluate();
    const second = await delivery();
    expect(second!.attempts).toBe(first!.attempts + 1);
    expect(second!.status).toBe('PENDING');
    expect(await t.sql('select id from alerts where workspace_id = ? and key = ?', [workspaceB, key])).toHaveLength(1);
    expect(received.filter((r) => r.body.key === key)).toHaveLength(1);
    const { alerts } = await t.ok(AlertsDocument, { open: true }, keyB);
    expect(alerts.find((x) => x.key === key)!.deliveries[0]).toMatchObject({ channel: 'WEBHOOK', status: 'PENDING', deliveredAt: null });
  });

  it('clears JOB_FAILING once the job succeeds again', async () => {
    await t.app.scheduler!.runNow(job);
    expect((await t.sql<{ n: number }>('select consecutive_failures as n from job_health where name = ?', [job]))[0]!.n).toBe(0);
    const [cleared, ...more] = await evaluateUntil((r) => r.body.key === key && r.body.state === 'CLEARED');
    expect(more).toEqual([]);
    expect(cleared!.body.workspaceId).toBe(workspaceA);
    await until(() => mailsAbout(key), (m) => m.length >= 2, 10_000);
    expect(mailsAbout(key).map((m) => m.subject!.split(':')[0])).toEqual(['[Splitcast] RAISED', '[Splitcast] CLEARED']);
    // Workspace B's alert cleared too, but its CLEARED notification waits for the RAISED one (still failing).
    await t.sql(`update alert_deliveries set next_attempt_at = now() where workspace_id = ? and status = 'PENDING'`, [workspaceB]);
    await evaluate();
    const states = await t.sql<{ state: string; status: string; attempts: number }>(
      `select d.state, d.status, d.attempts from alert_deliveries d join alerts a on a.id = d.alert_id and a.workspace_id = d.workspace_id
       where a.workspace_id = ? and a.key = ? order by d.state desc`,
      [workspaceB, key],
    );
    expect(states).toEqual([
      { state: 'RAISED', status: 'PENDING', attempts: expect.any(Number) },
      { state: 'CLEARED', status: 'PENDING', attempts: 0 },
    ]);
    expect(states[0]!.attempts).toBeGreaterThanOrEqual(3);
  });
});

describe('alerts query', () => {
  it('validates first', async () => {
    expect(errorOf(await t.gql(AlertsDocument, { first: -1 }, keyA))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_PAGE_SIZE' });
    expect((await t.ok(AlertsDocument, { first: 1 }, keyA)).alerts).toHaveLength(1);
  });
});
