/**
 * Scheduled reports (issue 18, point 3) on the real app: schedules created, listed and deleted with
 * their validation reasons; `reportPreview` against a hand-computed history (sends, conversions, a
 * declared winner, opt-outs); and the 'reports: scheduled reports' job delivering a due schedule to
 * a real SMTP server (smtp-server + mailparser) and to a local HTTP receiver that checks the
 * X-Splitcast-Signature, recording a failing destination, advancing next_run_at once for several
 * missed occurrences, and sending nothing on a second run.
 */
import type { ParsedMail } from 'mailparser';
import {
  AddRecipientsDocument,
  CreateApiKeyDocument,
  CreateCampaignDocument,
  CreateReportScheduleDocument,
  DeclareWinnerDocument,
  DeleteReportScheduleDocument,
  OptOutChannelDocument,
  ReportPreviewDocument,
  ReportSchedulesDocument,
  TrackEventsDocument,
  UpdateWorkspaceSettingsDocument,
  UpsertContactsDocument,
  type TrackEventInput,
} from '../generated/graphql';
import { MAX_REPORT_ATTEMPTS, REPORT_DELIVERY_HEADER, REPORTS_JOB, ReportDeliverer } from '../../src/reports/report-delivery';
import type { ReportJson } from '../../src/reports/report';
import { newId } from '../../src/shared/ids';
import { closedPort, startMailbox, startSignedReceiver, type SignedPost } from '../helpers/destinations';
import { errorOf, startTestApp, type TestApp } from '../helpers/harness';
import { until } from '../helpers/until';

const SECRET = 'whsec_reports_1';
const OPS = 'ops@shop.example';

let t: TestApp;
let key: string;
let readKey: string;
let hooks: Awaited<ReturnType<typeof startSignedReceiver<ReportJson>>>;
let mailbox: Awaited<ReturnType<typeof startMailbox>>;
let receiverUrl: string;
let received: SignedPost<ReportJson>[];
let mails: ParsedMail[];
let downPort: number;
let alpha: { id: string; variants: { id: string; key: string }[] };
let beta: string;

beforeAll(async () => {
  hooks = await startSignedReceiver<ReportJson>(SECRET);
  receiverUrl = hooks.url;
  received = hooks.received;
  mailbox = await startMailbox();
  mails = mailbox.mails;
  const smtpPort = mailbox.port;
  downPort = await closedPort();

  // The receivers listen on loopback: the operator allows custom URLs.
  t = await startTestApp({ JOBS: 'on', ALLOW_CUSTOM_PROVIDER_URLS: 'true' });
  key = await t.newWorkspaceKey('reports');
  readKey = (await t.ok(CreateApiKeyDocument, { name: 'reader', scopes: ['READ'] }, key)).createApiKey.secret;
  await t.ok(UpdateWorkspaceSettingsDocument, { input: { webhookSigningSecret: SECRET, smtp: { host: '127.0.0.1', port: smtpPort, from: 'Splitcast <reports@splitcast.test>' } } }, key);

  // History: Alpha (A/B, 0.01 per message) 10 sent, 3 converted (20 + 30 revenue), RUNNING, winner B
  // declared; Beta (free) 4 sent, none converted; two opt-outs (SMS only, and every channel).
  await t.ok(
    UpsertContactsDocument,
    {
      contacts: [
        ...Array.from({ length: 10 }, (_, i) => ({ externalId: `a${i}`, phone: `+1415666${1000 + i}`, consent: true, tags: ['alpha'] })),
        ...Array.from({ length: 4 }, (_, i) => ({ externalId: `b${i}`, phone: `+1415666${2000 + i}`, consent: true, tags: ['beta'] })),
      ],
    },
    key,
  );
  alpha = (await t.ok(CreateCampaignDocument, { input: { name: 'Alpha', type: 'AB_TEST', costPerMessage: 0.01, variants: [{ template: 'a' }, { template: 'b' }] } }, key)).createCampaign;
  await t.ok(AddRecipientsDocument, { campaignId: alpha.id, audience: { tags: ['alpha'] } }, key);
  beta = (await t.ok(CreateCampaignDocument, { input: { name: 'Beta', costPerMessage: 0, variants: [{ template: 'x' }] } }, key)).createCampaign.id;
  await t.ok(AddRecipientsDocument, { campaignId: beta, audience: { tags: ['beta'] } }, key);
  const recipients = async (campaignId: string) => (await t.sql<{ contact_id: string }>('select contact_id from assignments where campaign_id = ? order by contact_id', [campaignId])).map((r) => r.contact_id);
  const a = await recipients(alpha.id);
  const b = await recipients(beta);
  const events: TrackEventInput[] = [
    ...a.map((contactId) => ({ campaignId: alpha.id, contactId, type: 'SENT' as const })),
    { campaignId: alpha.id, contactId: a[0]!, type: 'CONVERTED', value: 20 },
    { campaignId: alpha.id, contactId: a[1]!, type: 'CONVERTED', value: 30 },
    { campaignId: alpha.id, contactId: a[2]!, type: 'CONVERTED' },
    ...b.map((contactId) => ({ campaignId: beta, contactId, type: 'SENT' as const })),
  ];
  expect((await t.ok(TrackEventsDocument, { events }, key)).trackEvents.accepted).toBe(events.length);
  // No API starts a campaign without sending it; the experiments tests set the status the same way.
  await t.sql(`update campaigns set status = 'RUNNING' where id = ?`, [alpha.id]);
  await t.ok(DeclareWinnerDocument, { campaignId: alpha.id, variantId: alpha.variants[1]!.id, reason: 'B reads better' }, key);
  await t.ok(OptOutChannelDocument, { contactId: b[0]!, channel: 'SMS' }, key);
  await t.ok(OptOutChannelDocument, { contactId: b[1]!, channel: null }, key);
});

afterAll(async () => {
  await t?.close();
  await hooks?.close();
  await mailbox?.close();
});

const schedules = async (k = key) => (await t.ok(ReportSchedulesDocument, {}, k)).reportSchedules;

describe('schedules', () => {
  it('creates, lists and deletes; nextRunAt is in the zone', async () => {
    const { createReportSchedule: s } = await t.ok(
      CreateReportScheduleDocument,
      { input: { recurrence: 'FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0', timezone: 'Europe/Paris', emails: [OPS], days: 14 } },
      key,
    );
    expect(s).toMatchObject({ recurrence: 'FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0', timezone: 'Europe/Paris', emails: [OPS], webhookUrls: [], days: 14, lastRunAt: null });
    const next = new Date(s.nextRunAt!);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(7 * 86_400_000);
    expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(next)).toBe('Mon 09:00');
    expect((await schedules()).map((x) => x.id)).toContain(s.id);

    const other = await t.newWorkspaceKey('reports-other');
    expect(errorOf(await t.gql(DeleteReportScheduleDocument, { id: s.id }, other))).toMatchObject({ code: 'NOT_FOUND' });
    expect(errorOf(await t.gql(DeleteReportScheduleDocument, { id: 'nope' }, key))).toMatchObject({ code: 'NOT_FOUND' });
    expect(await schedules(other)).toEqual([]);
    expect((await t.ok(DeleteReportScheduleDocument, { id: s.id }, key)).deleteReportSchedule).toBe(true);
    expect((await schedules()).map((x) => x.id)).not.toContain(s.id);
    expect(errorOf(await t.gql(DeleteReportScheduleDocument, { id: s.id }, key))).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses bad input with reasons, and needs ADMIN', async () => {
    const base = { recurrence: 'FREQ=DAILY;BYHOUR=8;BYMINUTE=0', emails: [OPS] };
    const cases: [Record<string, unknown>, string, string][] = [
      [{ recurrence: 'FREQ=MINUTELY' }, 'INVALID_RECURRENCE', 'input.recurrence'],
      [{ recurrence: 'FREQ=HOURLY;BYMINUTE=0,30' }, 'INVALID_RECURRENCE', 'input.recurrence'],
      [{ recurrence: 'FREQ=DAILY;UNTIL=20200101T000000Z' }, 'INVALID_RECURRENCE', 'input.recurrence'],
      [{ recurrence: 'every monday' }, 'INVALID_RECURRENCE', 'input.recurrence'],
      [{ timezone: 'Mars/Olympus' }, 'INVALID_TIMEZONE', 'input.timezone'],
      [{ emails: [] }, 'NO_DESTINATION', 'input'],
      [{ emails: ['not an email'] }, 'INVALID_EMAIL', 'input.emails.0'],
      [{ webhookUrls: ['ftp://hooks.example.com/r'] }, 'INVALID_ALERT_WEBHOOK_URL', 'input.webhookUrls.0'],
      [{ days: 0 }, 'INVALID_DAYS', 'input.days'],
      [{ days: 400 }, 'INVALID_DAYS', 'input.days'],
      [{ emails: Array.from({ length: 11 }, (_, i) => `u${i}@shop.example`) }, 'TOO_MANY_DESTINATIONS', 'input'],
    ];
    for (const [input, reason, field] of cases) {
      expect([input, errorOf(await t.gql(CreateReportScheduleDocument, { input: { ...base, ...input } }, key))]).toEqual([input, { code: 'BAD_USER_INPUT', reason, field }]);
    }
    expect(errorOf(await t.gql(CreateReportScheduleDocument, { input: base }, readKey))).toMatchObject({ code: 'FORBIDDEN' });
    expect(errorOf(await t.gql(ReportSchedulesDocument, {}, readKey))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await schedules()).toEqual([]);
  });

  it('bounds the schedules of a workspace', async () => {
    const k = await t.newWorkspaceKey('reports-many');
    for (let i = 0; i < 20; i++) await t.ok(CreateReportScheduleDocument, { input: { recurrence: 'FREQ=DAILY', emails: [`u${i}@shop.example`] } }, k);
    expect(errorOf(await t.gql(CreateReportScheduleDocument, { input: { recurrence: 'FREQ=DAILY', emails: [OPS] } }, k))).toEqual({ code: 'BAD_USER_INPUT', reason: 'TOO_MANY_SCHEDULES', field: 'input' });
    expect(await schedules(k)).toHaveLength(20);
  });
});

describe('reportPreview', () => {
  it('renders the hand-computed report now, with a READ key, sending nothing', async () => {
    const { reportPreview: r } = await t.ok(ReportPreviewDocument, { input: { recurrence: 'FREQ=DAILY', days: 7 } }, readKey);
    expect(r.days).toBe(7);
    expect(new Date(r.generatedAt).getTime() - new Date(r.since).getTime()).toBe(7 * 86_400_000);
    expect(r.portfolio).toEqual({ totalCampaigns: 2, activeCampaigns: 1, sent: 14, converted: 3, overallConversionRate: 3 / 14, revenue: 50, cost: 0.1, roas: 500 });
    expect(r.topCampaigns.map((c) => [c.campaign.name, c.value])).toEqual([
      ['Alpha', 0.3],
      ['Beta', 0],
    ]);
    expect(r.winners).toHaveLength(1);
    expect(r.winners[0]).toMatchObject({ source: 'MANUAL', reason: 'B reads better', variant: { id: alpha.variants[1]!.id } });
    expect(r.optOuts).toEqual({
      total: 2,
      byChannel: [
        { key: 'ALL', count: 1 },
        { key: 'SMS', count: 1 },
      ],
      bySource: [{ key: 'api', count: 2 }],
      byKeyword: [{ key: '(none)', count: 2 }],
    });
    expect(errorOf(await t.gql(ReportPreviewDocument, { input: { recurrence: 'FREQ=DAILY', days: 0 } }, readKey))).toMatchObject({ reason: 'INVALID_DAYS' });
    expect(mails).toHaveLength(0);
    expect(received).toHaveLength(0);
  });
});

describe('the delivery job', () => {
  const runJob = () => t.app.scheduler!.runNow(REPORTS_JOB);
  const deliveries = (scheduleId: string) =>
    t.sql<{ channel: string; destination: string; status: string; attempts: number; error: string | null }>(
      'select channel, destination, status, attempts, error from report_deliveries where schedule_id = ? order by channel, destination',
      [scheduleId],
    );

  it('delivers a due schedule once by email and signed webhook, records the failing destination, and advances next_run_at', async () => {
    const down = `http://127.0.0.1:${downPort}/down`;
    const { createReportSchedule: s } = await t.ok(CreateReportScheduleDocument, { input: { recurrence: 'FREQ=HOURLY', emails: [OPS], webhookUrls: [`${receiverUrl}/ok`, down], days: 7 } }, key);
    // Three hourly occurrences missed (no instance ran): one run, not three.
    await t.sql(`update report_schedules set next_run_at = now() - interval '3 hours 5 minutes' where id = ?`, [s.id]);
    await until(
      async () => {
        await runJob();
        return { mails: mails.length, hooks: received.length };
      },
      (n) => n.mails >= 1 && n.hooks >= 1,
      15_000,
      100,
    );
    const [hook] = received;
    expect(hook!.signatureOk).toBe(true);
    expect(hook!.path).toBe('/ok');
    expect(hook!.headers['content-type']).toBe('application/json');
    expect(hook!.headers[REPORT_DELIVERY_HEADER.toLowerCase()]).toMatch(/^[0-9a-f-]{36}$/);
    const body = hook!.body;
    expect(body).toMatchObject({
      scheduleId: s.id,
      days: 7,
      portfolio: { totalCampaigns: 2, activeCampaigns: 1, sent: 14, converted: 3, revenue: 50, cost: 0.1, roas: 500 },
      topCampaignsMetric: 'CONVERSION_RATE',
      topCampaigns: [
        { campaign: { id: alpha.id, name: 'Alpha' }, value: 0.3 },
        { campaign: { id: beta, name: 'Beta' }, value: 0 },
      ],
      winners: [{ campaign: { id: alpha.id, name: 'Alpha' }, variant: { id: alpha.variants[1]!.id, name: 'Variant B' }, source: 'MANUAL', reason: 'B reads better' }],
      optOuts: { total: 2 },
    });
    const [mail] = mails;
    expect(mail!.to).toMatchObject({ text: OPS });
    expect(mail!.subject).toBe('Splitcast report, last 7 days: 14 sent, 3 converted, 2 opt-outs');
    expect(mail!.text).toContain('  1. Alpha: 30.00 %');
    expect(mail!.text).toContain('  Alpha: Variant B won (declared manually: B reads better) on ');
    expect(mail!.text).not.toMatch(/confidence/);

    const rows = await until(
      () => deliveries(s.id),
      (list) => list.every((d) => d.status !== 'PENDING' || d.error !== null),
      10_000,
      100,
    );
    expect(rows.map((d) => [d.channel, d.destination, d.status, d.attempts]).sort()).toEqual(
      [
        ['EMAIL', OPS, 'DELIVERED', 1],
        ['WEBHOOK', `${receiverUrl}/ok`, 'DELIVERED', 1],
        ['WEBHOOK', down, 'PENDING', 1],
      ].sort(),
    );
    expect(rows.find((d) => d.destination === down)!.error).toMatch(/the report webhook could not be reached: ECONNREFUSED/);

    const [after] = await t.sql<{ next_run_at: Date; last_run_at: Date }>('select next_run_at, last_run_at from report_schedules where id = ?', [s.id]);
    expect(new Date(after!.next_run_at).getTime()).toBeGreaterThan(Date.now());
    expect(new Date(after!.next_run_at).getTime() - new Date(after!.last_run_at).getTime()).toBeLessThanOrEqual(3_600_000);
    const { reportSchedules } = await t.ok(ReportSchedulesDocument, {}, key);
    const listed = reportSchedules.find((x) => x.id === s.id)!;
    expect(listed.lastRunAt).not.toBeNull();
    expect(listed.deliveries.map((d) => [d.channel, d.destination, d.status])).toEqual(
      expect.arrayContaining([
        ['EMAIL', OPS, 'DELIVERED'],
        ['WEBHOOK', down, 'PENDING'],
      ]),
    );

    // A second run: nothing due, nothing sent (the failed webhook waits for its backoff).
    await runJob();
    expect(mails).toHaveLength(1);
    expect(received).toHaveLength(1);
    expect(await deliveries(s.id)).toHaveLength(3);

    // Retries are bounded: the last attempt fails for good.
    await t.sql(`update report_deliveries set attempts = ?, next_attempt_at = now() where schedule_id = ? and destination = ?`, [MAX_REPORT_ATTEMPTS - 1, s.id, down]);
    await runJob();
    const failed = (await deliveries(s.id)).find((d) => d.destination === down)!;
    expect(failed).toMatchObject({ status: 'FAILED', attempts: MAX_REPORT_ATTEMPTS });
    expect(mails).toHaveLength(1);
    await t.ok(DeleteReportScheduleDocument, { id: s.id }, key);
  });

  it('runs a due schedule once with two deliverers racing (two instances)', async () => {
    const { createReportSchedule: s } = await t.ok(CreateReportScheduleDocument, { input: { recurrence: 'FREQ=DAILY', webhookUrls: [`${receiverUrl}/race`] } }, key);
    await t.sql(`update report_schedules set next_run_at = now() - interval '1 minute' where id = ?`, [s.id]);
    const deps = { sql: t.app.sql, orm: t.app.orm, providers: t.app.providers, config: t.app.config, logger: t.app.logger };
    await Promise.all([new ReportDeliverer(deps).run(), new ReportDeliverer(deps).run(), runJob()]);
    await until(
      () => deliveries(s.id),
      (list) => list.length > 0 && list.every((d) => d.status === 'DELIVERED'),
      10_000,
      100,
    );
    expect(await deliveries(s.id)).toHaveLength(1);
    expect(received.filter((r) => r.path === '/race')).toHaveLength(1);
    await t.ok(DeleteReportScheduleDocument, { id: s.id }, key);
  });

  it('builds a run claimed but left unbuilt (its instance stopped) on a later round, once, and leaves a leased one to its builder', async () => {
    const { createReportSchedule: s } = await t.ok(CreateReportScheduleDocument, { input: { recurrence: 'FREQ=DAILY', webhookUrls: [`${receiverUrl}/recovered`, `${receiverUrl}/leased`] } }, key);
    // What a claim commits before the build: the rows without a report. One lease has passed, one has not.
    const [{ workspace_id: ws } = { workspace_id: '' }] = await t.sql<{ workspace_id: string }>('select workspace_id from report_schedules where id = ?', [s.id]);
    await t.sql(
      `insert into report_deliveries (id, workspace_id, schedule_id, run_at, channel, destination, next_attempt_at) values
       (?, ?, ?, now() - interval '5 minutes', 'WEBHOOK', ?, now() - interval '1 second'),
       (?, ?, ?, now() - interval '1 minute', 'WEBHOOK', ?, now() + interval '10 minutes')`,
      [newId(), ws, s.id, `${receiverUrl}/recovered`, newId(), ws, s.id, `${receiverUrl}/leased`],
    );
    await runJob();
    await runJob();
    const recovered = received.filter((r) => r.path === '/recovered');
    expect(recovered).toHaveLength(1);
    expect(recovered[0]!.signatureOk).toBe(true);
    expect(recovered[0]!.body).toMatchObject({ scheduleId: s.id, days: 7, portfolio: { sent: 14, converted: 3 }, optOuts: { total: 2 } });
    expect(received.filter((r) => r.path === '/leased')).toHaveLength(0);
    const rows = await t.sql<{ destination: string; status: string; attempts: number; built: boolean }>(
      'select destination, status, attempts, report is not null as built from report_deliveries where schedule_id = ? order by destination',
      [s.id],
    );
    expect(rows.map((r) => [r.destination, r.status, r.attempts, r.built])).toEqual([
      [`${receiverUrl}/leased`, 'PENDING', 0, false],
      [`${receiverUrl}/recovered`, 'DELIVERED', 1, true],
    ]);
    await t.ok(DeleteReportScheduleDocument, { id: s.id }, key);
  });

  it('counts a failed build as an attempt, keeps its error, retries after the lease, and gives up after the last attempt', async () => {
    const { createReportSchedule: s } = await t.ok(CreateReportScheduleDocument, { input: { recurrence: 'FREQ=DAILY', webhookUrls: [`${receiverUrl}/unbuildable`] } }, key);
    await t.sql(`update report_schedules set next_run_at = now() - interval '1 minute' where id = ?`, [s.id]);
    // The database fails the build (a table the report reads is gone); this file has its own database.
    await t.sql('alter table winners rename to winners_away');
    try {
      await runJob();
      const [first] = await deliveries(s.id);
      expect(first).toMatchObject({ status: 'PENDING', attempts: 1 });
      expect(first!.error).toMatch(/^the report could not be built: .*winners/);
      // The lease has passed: the last attempt fails for good.
      await t.sql(`update report_deliveries set attempts = ?, next_attempt_at = now() where schedule_id = ?`, [MAX_REPORT_ATTEMPTS - 1, s.id]);
      await runJob();
      expect(await deliveries(s.id)).toMatchObject([{ status: 'FAILED', attempts: MAX_REPORT_ATTEMPTS }]);
    } finally {
      await t.sql('alter table winners_away rename to winners');
    }
    await runJob();
    expect(received.filter((r) => r.path === '/unbuildable')).toHaveLength(0);
    await t.ok(DeleteReportScheduleDocument, { id: s.id }, key);
  });

  it('never POSTs unsigned: webhook URLs need a signing secret, and one cleared later fails the delivery with a clear error', async () => {
    const k = await t.newWorkspaceKey('reports-unsigned');
    const input = { recurrence: 'FREQ=DAILY', webhookUrls: [`${receiverUrl}/unsigned`] };
    expect(errorOf(await t.gql(CreateReportScheduleDocument, { input }, k))).toEqual({ code: 'BAD_USER_INPUT', reason: 'ALERT_WEBHOOK_NEEDS_SIGNING_SECRET', field: 'input.webhookUrls' });
    expect(await schedules(k)).toEqual([]);
    await t.ok(UpdateWorkspaceSettingsDocument, { input: { webhookSigningSecret: SECRET } }, k);
    const { createReportSchedule: s } = await t.ok(CreateReportScheduleDocument, { input }, k);
    // Nor is the secret cleared under a schedule's webhooks, as under an alert URL.
    expect(errorOf(await t.gql(UpdateWorkspaceSettingsDocument, { input: { webhookSigningSecret: '' } }, k))).toEqual({
      code: 'BAD_USER_INPUT',
      reason: 'ALERT_WEBHOOK_NEEDS_SIGNING_SECRET',
      field: 'input.webhookSigningSecret',
    });
    // The secret gone after the schedule was saved all the same (as an operator could do in the database).
    await t.sql(`update workspaces set webhook_signing_secret = null where id = (select workspace_id from report_schedules where id = ?)`, [s.id]);
    await t.sql(`update report_schedules set next_run_at = now() - interval '1 minute' where id = ?`, [s.id]);
    const [row] = await until(
      async () => {
        await runJob();
        return deliveries(s.id);
      },
      (list) => list.length === 1 && list[0]!.status === 'FAILED',
      10_000,
      100,
    );
    expect(row).toMatchObject({ attempts: 1, error: 'webhookSigningSecret is not set: deliveries are never sent unsigned' });
    expect(received.filter((r) => r.path === '/unsigned')).toHaveLength(0);
  });
});
