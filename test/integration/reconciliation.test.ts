/**
 * Reconciliation against a local server speaking Twilio's Messages API (no callbacks: the
 * statuses change at "Twilio" behind our back), then with the simulator whose callbacks are lost.
 */
import { randomBytes } from 'node:crypto';
import {
  CreateCampaignDocument,
  LaunchCampaignDocument,
  ReconcileMessagesDocument,
  ReconciledCampaignStatsDocument,
  ReconciliationRunsDocument,
  UpdateWorkspaceSettingsDocument,
  UpsertContactsDocument,
} from '../generated/graphql';
import { errorOf, startTestApp, type TestApp } from '../helpers/harness';
import { TwilioServer } from '../helpers/twilio-server';
import { until } from '../helpers/until';

const counts = (r: { checked: number; updated: number; notFound: number; stillPending: number; unsupported: number; failedLookups: number; alreadySettled: number }) => ({
  checked: r.checked,
  updated: r.updated,
  notFound: r.notFound,
  stillPending: r.stillPending,
  unsupported: r.unsupported,
  failedLookups: r.failedLookups,
  alreadySettled: r.alreadySettled,
});

let phone = 1000;

/** A workspace with `n` SMS contacts tagged, a one-variant campaign to them, launched; waits until every send is SENT. */
async function sendCampaign(t: TestApp, key: string, n: number, before?: (campaignId: string) => Promise<void>): Promise<{ campaignId: string; sids: string[] }> {
  const tag = `r${phone}`;
  await t.ok(UpsertContactsDocument, { contacts: Array.from({ length: n }, (_, i) => ({ externalId: `${tag}-${i}`, phone: `+1415777${phone++}`, consent: true, tags: [tag] })) }, key);
  const { createCampaign } = await t.ok(CreateCampaignDocument, { input: { name: tag, audience: { tags: [tag] }, variants: [{ template: 'Hello there' }] } }, key);
  await before?.(createCampaign.id);
  await t.ok(LaunchCampaignDocument, { id: createCampaign.id }, key);
  const sent = await until(
    () => t.sql<{ n: string }>(`select count(*) as n from sends where campaign_id = ? and status = 'SENT'`, [createCampaign.id]),
    (r) => Number(r[0]!.n) === n,
  );
  expect(Number(sent[0]!.n)).toBe(n);
  const rows = await t.sql<{ sid: string }>('select provider_message_id as sid from messages where campaign_id = ? order by created_at, id', [createCampaign.id]);
  return { campaignId: createCampaign.id, sids: rows.map((r) => r.sid) };
}

describe('with Twilio', () => {
  const twilio = new TwilioServer();
  const accountSid = `AC${randomBytes(16).toString('hex')}`;
  const authToken = randomBytes(16).toString('hex');
  let t: TestApp;
  let key: string;

  beforeAll(async () => {
    await twilio.allow(accountSid, authToken).start();
    t = await startTestApp({ JOBS: 'on', SEND_PROVIDER: 'twilio', TWILIO_API_URL: twilio.baseUrl, RECONCILE_AFTER_MINUTES: '0' });
    key = await t.newWorkspaceKey();
    await t.ok(UpdateWorkspaceSettingsDocument, { input: { twilioAccountSid: accountSid, twilioAuthToken: authToken, twilioFrom: '+14155550100' } }, key);
  });
  afterAll(async () => {
    await t?.close();
    await twilio.stop();
  });

  it('finds what changed at Twilio, records it once, and a late callback changes nothing', async () => {
    const { campaignId, sids } = await sendCampaign(t, key, 6);
    expect(sids.every((s) => twilio.messages.get(s)?.status === 'queued')).toBe(true);
    const [d1, d2, d3, failed, unknown] = sids;
    twilio.setStatus(d1!, 'delivered');
    twilio.setStatus(d2!, 'delivered');
    twilio.setStatus(d3!, 'read'); // a read receipt implies delivery
    twilio.setStatus(failed!, 'undelivered');
    twilio.messages.delete(unknown!);
    // sids[5] stays queued

    const first = (await t.ok(ReconcileMessagesDocument, {}, key)).reconcileMessages;
    expect(counts(first)).toEqual({ checked: 6, updated: 4, notFound: 1, stillPending: 1, unsupported: 0, failedLookups: 0, alreadySettled: 0 });
    expect(first.trigger).toBe('MUTATION');
    expect(first.finishedAt).not.toBeNull();
    expect(first.error).toBeNull();
    const fetched = twilio.requests.filter((r) => r.method === 'GET');
    expect(fetched).toHaveLength(6);

    const status = async () => Object.fromEntries((await t.sql<{ sid: string; status: string }>('select provider_message_id as sid, status from messages where campaign_id = ?', [campaignId])).map((r) => [r.sid, r.status]));
    expect(await status()).toEqual({ [d1!]: 'DELIVERED', [d2!]: 'DELIVERED', [d3!]: 'DELIVERED', [failed!]: 'FAILED', [unknown!]: 'SENT', [sids[5]!]: 'SENT' });
    const stats = async () => (await t.ok(ReconciledCampaignStatsDocument, { id: campaignId }, key)).campaign!.stats;
    expect(await stats()).toEqual({ sent: 6, delivered: 3, failed: 1 });

    // A second run: only the two unsettled messages are asked about, nothing changes.
    const second = (await t.ok(ReconcileMessagesDocument, {}, key)).reconcileMessages;
    expect(counts(second)).toEqual({ checked: 2, updated: 0, notFound: 1, stillPending: 1, unsupported: 0, failedLookups: 0, alreadySettled: 0 });

    // The real callbacks arrive late: accepted (200) as duplicates, no count moves.
    const events = async () => Number((await t.sql<{ n: string }>('select count(*) as n from events where campaign_id = ?', [campaignId]))[0]!.n);
    const before = await events();
    expect(await twilio.callBack(d1!, 'delivered')).toBe(200);
    expect(await twilio.callBack(failed!, 'undelivered')).toBe(200);
    expect(await events()).toBe(before);
    expect(await stats()).toEqual({ sent: 6, delivered: 3, failed: 1 });

    const runs = (await t.ok(ReconciliationRunsDocument, {}, key)).reconciliationRuns;
    expect(runs.map((r) => r.id)).toEqual([second.id, first.id]);
    // Another workspace sees none of them.
    const other = await t.newWorkspaceKey();
    expect((await t.ok(ReconciliationRunsDocument, {}, other)).reconciliationRuns).toEqual([]);

    // The daily job: the queued message is delivered by now.
    twilio.setStatus(sids[5]!, 'delivered');
    await t.app.scheduler!.runNow('operations: reconcile messages');
    const [job] = (await t.ok(ReconciliationRunsDocument, { first: 1 }, key)).reconciliationRuns;
    expect(job!.trigger).toBe('JOB');
    expect(counts(job!)).toEqual({ checked: 2, updated: 1, notFound: 1, stillPending: 0, unsupported: 0, failedLookups: 0, alreadySettled: 0 });
    expect(await stats()).toEqual({ sent: 6, delivered: 4, failed: 1 });
  });

  it('counts lookups that fail (Twilio down, bad credentials) and leaves the messages as they were', async () => {
    const { sids } = await sendCampaign(t, key, 2);
    twilio.setStatus(sids[0]!, 'delivered');
    twilio.fetchFailures.push({ status: 503, code: 20503, message: 'Service Unavailable' }, { status: 503, code: 20503 });
    // Earlier messages (the unknown one) are asked about too; two lookups fail whichever they hit.
    const run = (await t.ok(ReconcileMessagesDocument, {}, key)).reconcileMessages;
    expect(run.failedLookups).toBe(2);
    expect(run.checked).toBe(3);
    // Once Twilio answers again, the delivered one is found.
    const next = (await t.ok(ReconcileMessagesDocument, {}, key)).reconcileMessages;
    expect(next.failedLookups).toBe(0);
    const settled = await t.sql<{ status: string }>('select status from messages where provider_message_id = ?', [sids[0]]);
    expect(settled[0]!.status).toBe('DELIVERED');
  });

  it('refuses a bad since, a key without ADMIN, and a second run while one is in progress', async () => {
    const future = await t.gql(ReconcileMessagesDocument, { since: new Date(Date.now() + 3_600_000).toISOString() }, key);
    expect(errorOf(future)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'RECONCILE_SINCE_IN_FUTURE' });
    const old = await t.gql(ReconcileMessagesDocument, { since: new Date(Date.now() - 91 * 86_400_000).toISOString() }, key);
    expect(errorOf(old)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'RECONCILE_SINCE_TOO_OLD' });

    const writer = await t.newWorkspaceKey(undefined, ['WRITE']);
    expect(errorOf(await t.gql(ReconcileMessagesDocument, {}, writer))).toMatchObject({ code: 'FORBIDDEN' });

    const [{ workspace_id: ws }] = await t.sql<{ workspace_id: string }>(`select workspace_id from reconciliation_runs limit 1`);
    await t.sql(`insert into reconciliation_runs (id, workspace_id, trigger, since) values (gen_random_uuid(), ?, 'JOB', now())`, [ws]);
    try {
      expect(errorOf(await t.gql(ReconcileMessagesDocument, {}, key))).toMatchObject({ code: 'CONFLICT', reason: 'RECONCILIATION_RUNNING' });
      // The daily job skips it rather than failing.
      await expect(t.app.scheduler!.runNow('operations: reconcile messages')).resolves.toBeUndefined();
    } finally {
      await t.sql(`delete from reconciliation_runs where workspace_id = ? and finished_at is null`, [ws]);
    }
    // An abandoned run (its instance died) does not block for ever.
    await t.sql(`insert into reconciliation_runs (id, workspace_id, trigger, since, started_at) values (gen_random_uuid(), ?, 'JOB', now(), now() - interval '2 hours')`, [ws]);
    const run = (await t.ok(ReconcileMessagesDocument, {}, key)).reconcileMessages;
    expect(run.error).toBeNull();
    const abandoned = await t.sql<{ error: string }>(`select error from reconciliation_runs where workspace_id = ? and started_at < now() - interval '1 hour'`, [ws]);
    expect(abandoned[0]!.error).toMatch(/abandoned/);
  });
});

describe('with the simulator', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ JOBS: 'on', RECONCILE_AFTER_MINUTES: '0' });
  });
  afterAll(() => t?.close());

  it('answers from what it drew for each message when the callbacks were lost', async () => {
    const key = await t.newWorkspaceKey();
    // A first send makes this process remember the workspace's simulator signing secret.
    await sendCampaign(t, key, 1);
    const simulator = t.app.providers.providers.find((p) => p.name === 'simulator')!;
    await simulator.idle!();
    // The secret changes in the database: from now on the simulator's callbacks are refused (401), lost.
    const [{ workspace_id: ws }] = await t.sql<{ workspace_id: string }>(`select workspace_id from messages order by created_at limit 1`);
    await t.sql(`update workspaces set simulator_signing_secret = 'rotated-secret' where id = ?`, [ws]);
    const { campaignId, sids } = await sendCampaign(t, key, 3, (id) =>
      t.sql(
        `update campaigns c set simulation = (select jsonb_object_agg(v.key, '{"delivery": 1, "click": 0, "reply": 0, "conversion": 0}'::jsonb) from variants v where v.campaign_id = c.id) where c.id = ?`,
        [id],
      ).then(() => undefined),
    );
    await simulator.idle!(); // every status callback was attempted (and refused)
    const statuses = await t.sql<{ status: string }>('select status from messages where campaign_id = ?', [campaignId]);
    expect(statuses.map((s) => s.status)).toEqual(['SENT', 'SENT', 'SENT']);

    const run = (await t.ok(ReconcileMessagesDocument, {}, key)).reconcileMessages;
    expect(counts(run)).toEqual({ checked: 3, updated: 3, notFound: 0, stillPending: 0, unsupported: 0, failedLookups: 0, alreadySettled: 0 });
    const after = await t.sql<{ sid: string; status: string }>('select provider_message_id as sid, status from messages where campaign_id = ?', [campaignId]);
    expect(after.every((m) => m.status === 'DELIVERED' && sids.includes(m.sid))).toBe(true);
    expect((await t.ok(ReconciledCampaignStatsDocument, { id: campaignId }, key)).campaign!.stats).toEqual({ sent: 3, delivered: 3, failed: 0 });

    // After a restart the simulator has forgotten its draws: an id it does not know is not found.
    await t.sql(`update messages set status = 'SENT' where campaign_id = ?`, [campaignId]);
    await t.restart();
    const forgotten = (await t.ok(ReconcileMessagesDocument, {}, key)).reconcileMessages;
    expect(forgotten.notFound).toBe(3);
    expect(forgotten.updated).toBe(0);
  });
});
