/**
 * Workspace plans on the real app: the operator key sets plans and creates workspaces (on a plan),
 * nothing else; a workspace key (even ADMIN) can neither set its plan nor, with PLANS, create
 * workspaces; the plan's variant, channel and feature limits refuse campaigns and learning; the monthly send limit cancels sends over it through the
 * simulator (counted once, a retry reuses its grant); PLAN_USAGE alerts at 80 % and 100 %; and an
 * install without PLANS sees one unlimited plan.
 */
import {
  AlertsDocument,
  CampaignRunsDocument,
  CreateApiKeyDocument,
  CreateCampaignDocument,
  DuplicateCampaignDocument,
  LaunchCampaignDocument,
  ScheduleCampaignDocument,
  ProvisionWorkspaceDocument,
  SetWorkspacePlanDocument,
  TrainModelDocument,
  UpdateCampaignDocument,
  UpdateWorkspaceSettingsDocument,
  UpsertContactsDocument,
  WorkspacePlanDocument,
} from '../generated/graphql';
import { ALERTS_JOB } from '../../src/operations/alerts';
import { monthOf } from '../../src/plans/plans';
import { takePlanGrants } from '../../src/plans/send-limit';
import { errorOf, startTestApp, type TestApp } from '../helpers/harness';
import { until } from '../helpers/until';

const OPERATOR = 'op_test_key_0123456789abcdef';
const PLANS = [
  { name: 'small', maxVariants: 3, monthlyMessages: 5, channels: ['SMS'], features: [] },
  { name: 'mid', maxVariants: 3, monthlyMessages: 10, channels: ['SMS', 'WHATSAPP'], features: ['BANDIT'] },
  { name: 'pro', maxVariants: 8, monthlyMessages: null, channels: ['SMS', 'WHATSAPP', 'EMAIL'], features: ['BANDIT', 'LEARNING'] },
];

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ JOBS: 'on', OPERATOR_API_KEY: OPERATOR, PLANS: JSON.stringify(PLANS), DEFAULT_PLAN: 'pro' });
});
afterAll(() => t?.close());

const variants = (n: number) => Array.from({ length: n }, (_, i) => ({ template: `Variant ${i}: https://shop.example/${i}` }));
let phone = 1000;

/** A workspace (ADMIN key) with `contacts` consenting SMS contacts tagged `tag`, put on `plan` by the operator. */
async function workspace(plan: string | null, contacts = 0) {
  const key = await t.newWorkspaceKey();
  // An alert destination: alerts are raised only for workspaces that have one.
  await t.ok(UpdateWorkspaceSettingsDocument, { input: { twilioAuthToken: 'sim-token', alertEmail: 'ops@example.com' } }, key);
  const id = (await t.ok(WorkspacePlanDocument, {}, key)).viewer.workspace.id;
  if (plan) await t.ok(SetWorkspacePlanDocument, { workspaceId: id, plan }, OPERATOR);
  const tag = `p${phone}`;
  if (contacts > 0) {
    await t.ok(UpsertContactsDocument, { contacts: Array.from({ length: contacts }, (_, i) => ({ externalId: `${tag}-${i}`, phone: `+1415666${phone++}`, consent: true, tags: [tag] })) }, key);
  }
  return { key, id, tag };
}

const planOf = async (key: string) => (await t.ok(WorkspacePlanDocument, {}, key)).viewer.workspace.plan;

async function sendAll(key: string, tag: string) {
  const { createCampaign } = await t.ok(CreateCampaignDocument, { input: { name: `c-${tag}-${phone++}`, type: 'AB_TEST', audience: { tags: [tag] }, variants: variants(2) } }, key);
  await t.ok(LaunchCampaignDocument, { id: createCampaign.id }, key);
  await until(
    () => t.sql<{ n: string }>(`select count(*) as n from sends where campaign_id = ? and status = 'PENDING'`, [createCampaign.id]),
    (rows) => Number(rows[0]!.n) === 0,
    20000,
  );
  const rows = await t.sql<{ status: string; last_error: string | null; id: string }>('select id, status, last_error from sends where campaign_id = ? order by id', [createCampaign.id]);
  return { campaignId: createCampaign.id, rows };
}

describe('the operator key', () => {
  it('sets a workspace plan; a workspace ADMIN key may not', async () => {
    const { key, id } = await workspace(null);
    expect((await planOf(key)).name).toBe('pro');
    const denied = await t.gql(SetWorkspacePlanDocument, { workspaceId: id, plan: 'small' }, key);
    expect(errorOf(denied)).toMatchObject({ code: 'FORBIDDEN' });
    expect(denied.data).toBeFalsy();
    const r = await t.ok(SetWorkspacePlanDocument, { workspaceId: id, plan: 'small' }, OPERATOR);
    expect(r.setWorkspacePlan.plan).toMatchObject({ name: 'small', maxVariants: 3, monthlyMessages: 5, messagesThisMonth: 0, channels: ['SMS'], features: [] });
    expect(await planOf(key)).toMatchObject({ name: 'small', month: monthOf(new Date()).slice(0, 7) });
  });

  it('a workspace ADMIN may not create workspaces (createApiKey with workspaceName) nor choose a plan; keys for its own workspace still work', async () => {
    const { key, id } = await workspace('small');
    const count = async (name: string) => Number((await t.sql<{ n: string }>('select count(*) as n from workspaces where name = ?', [name]))[0]!.n);
    const denied = await t.gql(CreateApiKeyDocument, { name: 'other', scopes: ['ADMIN'], workspaceName: 'escape-admin' }, key);
    expect(errorOf(denied)).toMatchObject({ code: 'FORBIDDEN' });
    expect(denied.errors![0]!.message).toMatch(/creating workspaces needs the operator key \(OPERATOR_API_KEY\) when plans are configured/);
    expect(denied.data).toBeFalsy();
    // Refused before its input is looked at: a blank name is still FORBIDDEN, not INVALID_NAME.
    expect(errorOf(await t.gql(CreateApiKeyDocument, { name: ' ', scopes: ['ADMIN'], workspaceName: ' ' }, key))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await count('escape-admin')).toBe(0);
    const withPlan = await t.gql(ProvisionWorkspaceDocument, { name: 'k', scopes: ['READ'], workspaceName: 'escape-plan', plan: 'pro' }, key);
    expect(errorOf(withPlan)).toMatchObject({ code: 'FORBIDDEN' });
    expect(errorOf(await t.gql(ProvisionWorkspaceDocument, { name: 'k', scopes: ['READ'], plan: 'pro' }, key))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await count('escape-plan')).toBe(0);
    const own = (await t.ok(CreateApiKeyDocument, { name: 'reader', scopes: ['READ'] }, key)).createApiKey;
    expect(own.workspaceId).toBe(id);
    expect(await planOf(own.secret)).toMatchObject({ name: 'small' });
  });

  it('answers UNKNOWN_PLAN and NOT_FOUND', async () => {
    const { id } = await workspace(null);
    expect(errorOf(await t.gql(SetWorkspacePlanDocument, { workspaceId: id, plan: 'gold' }, OPERATOR))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'UNKNOWN_PLAN' });
    expect(errorOf(await t.gql(SetWorkspacePlanDocument, { workspaceId: '0190c9a8-0000-7000-8000-000000000000', plan: 'small' }, OPERATOR))).toMatchObject({ code: 'NOT_FOUND' });
    expect(errorOf(await t.gql(SetWorkspacePlanDocument, { workspaceId: 'nope', plan: 'small' }, OPERATOR))).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('may do nothing workspace-scoped: FORBIDDEN, no data', async () => {
    await workspace(null, 0);
    for (const query of [
      '{ campaigns(first: 5) { totalCount nodes { id } } }',
      '{ viewer { apiKeyName workspace { id } } }',
      '{ __typename campaigns(first: 1) { totalCount } }',
      'mutation { createCampaign(input: { name: "x", variants: [{ template: "hi" }] }) { id } }',
      'mutation($w: ID!) { setWorkspacePlan(workspaceId: $w, plan: "small") { id } revokeApiKey(id: $w) }',
      'mutation { createApiKey(name: "k", scopes: [ADMIN], workspaceName: "leak") { secret } updateWorkspaceSettings(input: { name: "x" }) { id } }',
      'query { ...F } fragment F on Query { campaigns(first: 1) { totalCount } }',
    ]) {
      const r = await t.raw(query, { w: '0190c9a8-0000-7000-8000-000000000000' }, OPERATOR);
      expect(errorOf(r)).toMatchObject({ code: 'FORBIDDEN' });
      expect(r.status).toBe(403);
      expect(r.data ?? null).toBeNull();
    }
    // Below setWorkspacePlan, only the workspace's identity and plan: not its settings (nothing changed then).
    const { id } = await workspace(null, 0);
    for (const query of [
      'mutation($w: ID!) { setWorkspacePlan(workspaceId: $w, plan: "small") { id settings } }',
      'mutation($w: ID!) { setWorkspacePlan(workspaceId: $w, plan: "small") { ...F } } fragment F on Workspace { settings }',
    ]) {
      const r = await t.raw(query, { w: id }, OPERATOR);
      expect(errorOf(r)).toMatchObject({ code: 'FORBIDDEN' });
      expect(r.data ?? null).toBeNull();
    }
    expect((await t.sql<{ plan: string | null }>('select plan from workspaces where id = ?', [id]))[0]!.plan).toBeNull();
    // REST routes too.
    const res = await fetch(`${t.url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${OPERATOR}`, 'content-type': 'application/json' }, body: '{"events":[]}' });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
    // A key of the same length that is not the operator's is nobody.
    expect(errorOf(await t.raw('{ __typename }', {}, OPERATOR.slice(0, -1) + 'x'))).toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});

describe('the operator creates workspaces', () => {
  const count = async (name: string) => Number((await t.sql<{ n: string }>('select count(*) as n from workspaces where name = ?', [name]))[0]!.n);

  it('on the default plan, or on the plan given; the key it gets back works in the new workspace', async () => {
    const made = (await t.ok(ProvisionWorkspaceDocument, { name: 'shop-admin', scopes: ['ADMIN'], workspaceName: 'Shop One' }, OPERATOR)).createApiKey;
    expect(made).toMatchObject({ name: 'shop-admin', scopes: ['ADMIN'] });
    expect(made.secret).toMatch(/^sk_/);
    const viewer = (await t.ok(WorkspacePlanDocument, {}, made.secret)).viewer.workspace;
    expect(viewer.id).toBe(made.workspaceId);
    expect(viewer.plan.name).toBe('pro');
    // Stored as "the default" (null): it follows DEFAULT_PLAN.
    expect(await t.sql('select name, plan from workspaces where id = ?', [made.workspaceId])).toEqual([{ name: 'Shop One', plan: null }]);
    // The key is the new workspace's ADMIN key: it writes there.
    await t.ok(UpdateWorkspaceSettingsDocument, { input: { name: 'Shop One Ltd' } }, made.secret);

    const small = (await t.ok(ProvisionWorkspaceDocument, { name: 'shop-writer', scopes: ['WRITE'], workspaceName: ' Shop Two ', plan: 'small' }, OPERATOR)).createApiKey;
    expect(await planOf(small.secret)).toMatchObject({ name: 'small', monthlyMessages: 5, messagesThisMonth: 0 });
    expect(await t.sql('select name, plan from workspaces where id = ?', [small.workspaceId])).toEqual([{ name: 'Shop Two', plan: 'small' }]);
    // The plan applies at once, and the key has only the scopes asked for.
    expect(errorOf(await t.gql(CreateCampaignDocument, { input: { name: 'four', type: 'AB_TEST', variants: variants(4) } }, small.secret))).toMatchObject({ reason: 'PLAN_VARIANT_LIMIT' });
    expect(errorOf(await t.gql(CreateApiKeyDocument, { name: 'more', scopes: ['READ'] }, small.secret))).toMatchObject({ code: 'FORBIDDEN' });
    // Whatever the operator reads back through a fragment is the new key's.
    const r = await t.raw('mutation { createApiKey(name: "k", scopes: [READ], workspaceName: "Shop Three") { ...K __typename } } fragment K on CreatedApiKey { id workspaceId secret }', {}, OPERATOR);
    expect(r.errors).toBeUndefined();
    expect(await count('Shop Three')).toBe(1);
  });

  it('needs workspaceName; refuses an unknown plan, a blank name, no scopes; creates nothing then', async () => {
    const none = await t.gql(ProvisionWorkspaceDocument, { name: 'k', scopes: ['ADMIN'] }, OPERATOR);
    expect(errorOf(none)).toEqual({ code: 'BAD_USER_INPUT', reason: 'WORKSPACE_NAME_REQUIRED', field: 'workspaceName' });
    expect(errorOf(await t.gql(ProvisionWorkspaceDocument, { name: 'k', scopes: ['ADMIN'], plan: 'small' }, OPERATOR))).toMatchObject({ reason: 'WORKSPACE_NAME_REQUIRED' });
    // Nothing was made in (or for) the operator's nil workspace.
    expect(await t.sql(`select id from api_keys where workspace_id = '00000000-0000-0000-0000-000000000000'`)).toEqual([]);
    expect(errorOf(await t.gql(ProvisionWorkspaceDocument, { name: 'k', scopes: ['ADMIN'], workspaceName: 'Gold Shop', plan: 'gold' }, OPERATOR))).toEqual({ code: 'BAD_USER_INPUT', reason: 'UNKNOWN_PLAN', field: 'plan' });
    expect(errorOf(await t.gql(ProvisionWorkspaceDocument, { name: 'k', scopes: ['ADMIN'], workspaceName: '  ' }, OPERATOR))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_NAME' });
    expect(errorOf(await t.gql(ProvisionWorkspaceDocument, { name: 'k', scopes: [], workspaceName: 'Scopeless Shop' }, OPERATOR))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_SCOPES' });
    expect(errorOf(await t.gql(ProvisionWorkspaceDocument, { name: ' ', scopes: ['READ'], workspaceName: 'Nameless Shop' }, OPERATOR))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_NAME' });
    for (const name of ['Gold Shop', 'Scopeless Shop', 'Nameless Shop']) expect(await count(name)).toBe(0);
  });

  it('reads back nothing else: another root field beside it, or a root fragment, is FORBIDDEN and nothing is created', async () => {
    for (const query of [
      'mutation { createApiKey(name: "k", scopes: [ADMIN], workspaceName: "Nosy Shop") { secret } revokeApiKey(id: "x") }',
      'mutation { ...M } fragment M on Mutation { createApiKey(name: "k", scopes: [ADMIN], workspaceName: "Nosy Shop") { secret } }',
      'mutation { createApiKey(name: "k", scopes: [ADMIN], workspaceName: "Nosy Shop") { secret } viewer: updateWorkspaceSettings(input: { name: "x" }) { settings } }',
      '{ viewer { workspace { id } } }',
    ]) {
      const r = await t.raw(query, {}, OPERATOR);
      expect(errorOf(r)).toMatchObject({ code: 'FORBIDDEN' });
      expect(r.data ?? null).toBeNull();
    }
    expect(await count('Nosy Shop')).toBe(0);
  });
});

describe('plan limits on campaigns and learning', () => {
  it('refuses variants over the limit, channels and features not in the plan', async () => {
    const { key, id } = await workspace('small');
    const over = await t.gql(CreateCampaignDocument, { input: { name: 'four', type: 'AB_TEST', variants: variants(4) } }, key);
    expect(errorOf(over)).toEqual({ code: 'BAD_USER_INPUT', reason: 'PLAN_VARIANT_LIMIT', field: 'input.variants' });
    const email = await t.gql(CreateCampaignDocument, { input: { name: 'mail', channel: 'EMAIL', variants: [{ template: 'hi', subject: 'Hi' }] } }, key);
    expect(errorOf(email)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'PLAN_CHANNEL_NOT_ALLOWED' });
    const bandit = await t.gql(CreateCampaignDocument, { input: { name: 'b', type: 'BANDIT', variants: variants(2) } }, key);
    expect(errorOf(bandit)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'PLAN_FEATURE_NOT_ALLOWED' });
    expect(errorOf(await t.gql(TrainModelDocument, {}, key))).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'PLAN_FEATURE_NOT_ALLOWED' });

    const { createCampaign } = await t.ok(CreateCampaignDocument, { input: { name: 'three', type: 'AB_TEST', variants: variants(3) } }, key);
    const update = await t.gql(UpdateCampaignDocument, { id: createCampaign.id, input: { variants: variants(4) } }, key);
    expect(errorOf(update)).toEqual({ code: 'BAD_USER_INPUT', reason: 'PLAN_VARIANT_LIMIT', field: 'input.variants' });

    // A campaign made on a bigger plan cannot be duplicated once the plan no longer allows it.
    await t.ok(SetWorkspacePlanDocument, { workspaceId: id, plan: 'pro' }, OPERATOR);
    const big = (await t.ok(CreateCampaignDocument, { input: { name: 'six', type: 'BANDIT', variants: variants(6) } }, key)).createCampaign;
    await t.ok(SetWorkspacePlanDocument, { workspaceId: id, plan: 'mid' }, OPERATOR);
    expect(errorOf(await t.gql(DuplicateCampaignDocument, { id: big.id }, key))).toEqual({ code: 'BAD_USER_INPUT', reason: 'PLAN_VARIANT_LIMIT', field: 'variants' });
    // Nor launched or scheduled: the plan as it is now applies when it would go out. Nothing queued.
    expect(errorOf(await t.gql(LaunchCampaignDocument, { id: big.id }, key))).toEqual({ code: 'BAD_USER_INPUT', reason: 'PLAN_VARIANT_LIMIT', field: 'variants' });
    const sendAt = new Date(Date.now() + 86_400_000).toISOString();
    expect(errorOf(await t.gql(ScheduleCampaignDocument, { id: big.id, input: { sendAt } }, key))).toEqual({ code: 'BAD_USER_INPUT', reason: 'PLAN_VARIANT_LIMIT', field: 'variants' });
    expect(await t.sql(`select status from campaigns where id = ?`, [big.id])).toEqual([{ status: 'DRAFT' }]);
    expect(await t.sql(`select id from sends where campaign_id = ?`, [big.id])).toEqual([]);
    // "mid" has BANDIT.
    await t.ok(CreateCampaignDocument, { input: { name: 'b3', type: 'BANDIT', variants: variants(3) } }, key);
  });
});

describe('the scheduled learning jobs', () => {
  it('generate recommendations only for workspaces whose plan includes LEARNING', async () => {
    // Each campaign gets one earlier recommendation: a new generation supersedes it, a skipped campaign keeps it.
    const campaignOf = async (plan: string | null) => {
      const { key, id, tag } = await workspace(plan, 2);
      const campaignId = (await t.ok(CreateCampaignDocument, { input: { name: `learn-${tag}`, type: 'AB_TEST', audience: { tags: [tag] }, variants: variants(2) } }, key)).createCampaign.id;
      await t.sql(
        `insert into recommendations (id, workspace_id, campaign_id, type, title, recommended_value, confidence, basis) values (gen_random_uuid(), ?, ?, 'SEGMENT', 'earlier', 'x', 0.5, 'test')`,
        [id, campaignId],
      );
      return campaignId;
    };
    const without = await campaignOf('mid');
    const withLearning = await campaignOf(null); // the default, "pro"
    await t.app.scheduler!.runNow('optimization: recommendations');
    const earlier = async (id: string) => (await t.sql<{ superseded: boolean }>(`select superseded_at is not null as superseded from recommendations where campaign_id = ? and title = 'earlier'`, [id]))[0]!.superseded;
    expect(await earlier(withLearning)).toBe(true);
    expect(await earlier(without)).toBe(false);
  });
});

describe('the monthly send limit', () => {
  it('sends 5 of 8, skips 3 with PLAN_SEND_LIMIT, counts them, and a second campaign adds none', async () => {
    const { key, id, tag } = await workspace('small', 8);
    const first = await sendAll(key, tag);
    const byStatus = (rows: { status: string }[]) => rows.reduce<Record<string, number>>((m, r) => ({ ...m, [r.status]: (m[r.status] ?? 0) + 1 }), {});
    expect(byStatus(first.rows)).toEqual({ SENT: 5, CANCELED: 3 });
    expect(first.rows.filter((r) => r.status === 'CANCELED').every((r) => r.last_error?.startsWith('PLAN_SEND_LIMIT'))).toBe(true);
    const runs = (await t.ok(CampaignRunsDocument, { id: first.campaignId }, key)).campaign!.runs[0]!;
    expect(runs).toMatchObject({ sent: 5, pending: 0 });
    expect(await planOf(key)).toMatchObject({ name: 'small', monthlyMessages: 5, messagesThisMonth: 5, skippedThisMonth: 3 });

    const second = await sendAll(key, tag);
    expect(byStatus(second.rows)).toEqual({ CANCELED: 8 });
    expect(await planOf(key)).toMatchObject({ messagesThisMonth: 5, skippedThisMonth: 11 });

    // A send retried after its lease (already counted) reuses its grant: nothing counted again.
    const sent = first.rows.filter((r) => r.status === 'SENT').map((r) => r.id);
    const refused = await takePlanGrants(t.app.sql, id, sent, 5, monthOf(new Date()), 'unused');
    expect(refused.size).toBe(0);
    expect(await planOf(key)).toMatchObject({ messagesThisMonth: 5, skippedThisMonth: 11 });
    const [row] = await t.sql<{ sent: number; skipped: number }>('select sent, skipped from plan_usage where workspace_id = ?', [id]);
    expect(row).toEqual({ sent: 5, skipped: 11 });

    // PLAN_USAGE alerts: 80 % and 100 % of this month.
    await t.app.scheduler!.runNow(ALERTS_JOB);
    const alerts = (await t.ok(AlertsDocument, { open: true, first: 20 }, key)).alerts.filter((a) => a.kind === 'PLAN_USAGE');
    const month = monthOf(new Date()).slice(0, 7);
    expect(alerts.map((a) => a.key).sort()).toEqual([`PLAN_USAGE:100:${month}`, `PLAN_USAGE:80:${month}`]);
    expect(alerts.find((a) => a.key.startsWith('PLAN_USAGE:100'))!.details).toMatchObject({ used: 5, limit: 5, plan: 'small', threshold: 100 });
  });

  it('grants min(n, limit − used) in SQL, never negative (a downgrade below this month\'s use), first sends first', async () => {
    const { key, id, tag } = await workspace('small', 2);
    const { campaignId } = await sendAll(key, tag);
    expect(await planOf(key)).toMatchObject({ messagesThisMonth: 2, skippedThisMonth: 0 });
    // Sends not yet counted, copies of the campaign's (due tomorrow: the sender leaves them alone).
    const copies = async (n: number) =>
      (
        await t.sql<{ id: string }>(
          `insert into sends (id, workspace_id, campaign_id, run_id, contact_id, variant_id, idempotency_key, next_attempt_at)
           select gen_random_uuid(), workspace_id, campaign_id, run_id, contact_id, variant_id, gen_random_uuid()::text, now() + interval '1 day'
           from sends, generate_series(1, ?) where id = (select id from sends where campaign_id = ? limit 1) returning id`,
          [n, campaignId],
        )
      ).map((r) => r.id);
    const month = monthOf(new Date());
    const usage = async (m = month) => (await t.sql<{ sent: number; skipped: number }>('select sent, skipped from plan_usage where workspace_id = ? and month = ?', [id, m]))[0];
    const take = (ids: string[], limit: number, m = month) => takePlanGrants(t.app.sql, id, ids, limit, m, 'PLAN_SEND_LIMIT: test');

    // 2 used of 5, 6 asked: the first 3 granted, the last 3 refused.
    const six = await copies(6);
    expect([...(await take(six, 5))].sort()).toEqual(six.slice(3).sort());
    expect(await usage()).toEqual({ sent: 5, skipped: 3 });
    // Downgraded to 4 with 5 used: nothing granted, nothing taken back (sent stays 5).
    const two = await copies(2);
    expect((await take(two, 4)).size).toBe(2);
    expect(await usage()).toEqual({ sent: 5, skipped: 5 });
    // A month's first batch (the insert path): 3 asked of 2, then a limit of 0.
    const three = await copies(3);
    expect([...(await take(three, 2, '2099-01-01'))]).toEqual([three[2]]);
    expect(await usage('2099-01-01')).toEqual({ sent: 2, skipped: 1 });
    const more = await copies(2);
    expect((await take(more, 0, '2099-02-01')).size).toBe(2);
    expect(await usage('2099-02-01')).toEqual({ sent: 0, skipped: 2 });
    // Sends already counted are not counted again; one refused by another attempt (a sender whose
    // lease ran out meanwhile) comes back refused, not granted: it must not go out.
    expect([...(await take([...six.slice(0, 4)], 5))]).toEqual([six[3]]);
    expect(await usage()).toEqual({ sent: 5, skipped: 5 });
    // Concurrent batches (two senders) never grant past the limit: 8 single sends at once against 5.
    const eight = await copies(8);
    const refusedAtOnce = await Promise.all(eight.map((sendId) => take([sendId], 5, '2099-03-01')));
    expect(refusedAtOnce.filter((r) => r.size === 1)).toHaveLength(3);
    expect(await usage('2099-03-01')).toEqual({ sent: 5, skipped: 3 });
    // Refused sends are canceled with the reason; granted ones stay PENDING, all marked counted.
    const rows = await t.sql<{ id: string; status: string; last_error: string | null; counted: boolean }>('select id, status, last_error, plan_month is not null as counted from sends where id in (?)', [six]);
    expect(rows.every((r) => r.counted)).toBe(true);
    expect(rows.filter((r) => r.status === 'PENDING').map((r) => r.id).sort()).toEqual(six.slice(0, 3).sort());
    expect(rows.filter((r) => r.status === 'CANCELED').every((r) => r.last_error === 'PLAN_SEND_LIMIT: test')).toBe(true);
  });

  it('raises only the 80 % alert at 8 of 10', async () => {
    const { key, tag } = await workspace('mid', 8);
    const { rows } = await sendAll(key, tag);
    expect(rows.every((r) => r.status === 'SENT')).toBe(true);
    expect(await planOf(key)).toMatchObject({ messagesThisMonth: 8, skippedThisMonth: 0 });
    await t.app.scheduler!.runNow(ALERTS_JOB);
    const alerts = (await t.ok(AlertsDocument, { open: true, first: 20 }, key)).alerts.filter((a) => a.kind === 'PLAN_USAGE');
    expect(alerts.map((a) => a.key)).toEqual([`PLAN_USAGE:80:${monthOf(new Date()).slice(0, 7)}`]);
    expect(alerts[0]!.details).toMatchObject({ used: 8, limit: 10 });
  });

  it('counts nothing on an unlimited plan', async () => {
    const { key, id, tag } = await workspace(null, 3);
    const { rows } = await sendAll(key, tag);
    expect(rows.every((r) => r.status === 'SENT')).toBe(true);
    expect(await planOf(key)).toMatchObject({ name: 'pro', monthlyMessages: null, messagesThisMonth: 0 });
    expect(await t.sql('select * from plan_usage where workspace_id = ?', [id])).toEqual([]);
  });
});

describe('without PLANS', () => {
  let plain: TestApp;
  beforeAll(async () => {
    plain = await startTestApp({});
  });
  afterAll(() => plain?.close());

  it('one unlimited plan: every channel and feature, 8 variants; setWorkspacePlan refused without an operator key', async () => {
    const plan = (await plain.ok(WorkspacePlanDocument, {})).viewer.workspace.plan;
    expect(plan).toEqual({ name: 'unlimited', maxVariants: 8, monthlyMessages: null, messagesThisMonth: 0, skippedThisMonth: 0, month: monthOf(new Date()).slice(0, 7), channels: ['SMS', 'WHATSAPP', 'EMAIL'], features: ['BANDIT', 'LEARNING'] });
    await plain.ok(CreateCampaignDocument, { input: { name: 'eight', type: 'BANDIT', variants: variants(8) } });
    const id = (await plain.ok(WorkspacePlanDocument, {})).viewer.workspace.id;
    expect(errorOf(await plain.gql(SetWorkspacePlanDocument, { workspaceId: id, plan: 'unlimited' }))).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('a workspace ADMIN still creates workspaces (createApiKey with workspaceName), but may not choose a plan', async () => {
    const made = (await plain.ok(CreateApiKeyDocument, { name: 'k', scopes: ['ADMIN'], workspaceName: 'second business' })).createApiKey;
    expect((await plain.ok(WorkspacePlanDocument, {}, made.secret)).viewer.workspace).toMatchObject({ id: made.workspaceId, plan: { name: 'unlimited' } });
    expect(errorOf(await plain.gql(ProvisionWorkspaceDocument, { name: 'k', scopes: ['ADMIN'], workspaceName: 'third', plan: 'unlimited' }))).toMatchObject({ code: 'FORBIDDEN' });
  });

});
