/**
 * Recipients added while a campaign launches or runs are queued exactly once (hardening item 8):
 * real server with jobs on (the sender drains the queue over the simulator), real PostgreSQL.
 */
import {
  AddRecipientsDocument,
  CampaignRunsDocument,
  CreateCampaignDocument,
  DeclareWinnerDocument,
  EndTestDocument,
  LaunchCampaignDocument,
  UpdateWorkspaceSettingsDocument,
  UpsertContactsDocument,
} from '../generated/graphql';
import { Client } from 'pg';
import { startTestApp, type TestApp } from '../helpers/harness';
import { until } from '../helpers/until';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ JOBS: 'on' });
});
afterAll(() => t.close());

let phone = 6000;

/** A workspace with `n` contacts tagged `<tag>`; `ineligible` marks some without consent or opted out. */
async function contacts(n: number, ineligible: (i: number) => 'no-consent' | 'opted-out' | null = () => null) {
  const key = await t.newWorkspaceKey();
  await t.ok(UpdateWorkspaceSettingsDocument, { input: { twilioAuthToken: 'sim-token', sendRatePerSecond: 1000 } }, key);
  const tag = `late${phone}`;
  const rows = Array.from({ length: n }, (_, i) => ({ externalId: `${tag}-${String(i).padStart(4, '0')}`, phone: `+1415${7000000 + (phone - 6000) * 1000 + i}`, consent: ineligible(i) !== 'no-consent', tags: [tag, i < 100 ? `${tag}-first` : `${tag}-rest`] }));
  phone++;
  await t.ok(UpsertContactsDocument, { contacts: rows }, key);
  const optedOut = rows.filter((_, i) => ineligible(i) === 'opted-out').map((r) => r.externalId);
  if (optedOut.length) await t.sql(`update contacts set opted_out_channels = array['SMS', 'WHATSAPP', 'EMAIL'] where external_id in (select jsonb_array_elements_text(?::jsonb))`, [JSON.stringify(optedOut)]);
  const ids = await t.sql<{ id: string; external_id: string }>(`select id, external_id from contacts where external_id like ? order by external_id`, [`${tag}-%`]);
  return { key, tag, ids: ids.map((r) => r.id) };
}

const sendsPerContact = async (campaignId: string) =>
  new Map((await t.sql<{ contact_id: string; n: string }>('select contact_id, count(*) as n from sends where campaign_id = ? group by contact_id', [campaignId])).map((r) => [r.contact_id, Number(r.n)]));
/** Messages the provider accepted, per contact (a message row is recorded just before its provider call). */
const messagesPerContact = async (campaignId: string) =>
  new Map((await t.sql<{ contact_id: string; n: string }>('select contact_id, count(*) as n from messages where campaign_id = ? and provider_message_id is not null group by contact_id', [campaignId])).map((r) => [r.contact_id, Number(r.n)]));

it('queues every eligible recipient exactly once when ~275 are added in concurrent batches during and after launch', async () => {
  // 300 contacts: every 12th has no consent, every 13th opted out (the others, 254, are eligible).
  const kind = (i: number) => (i % 12 === 5 ? 'no-consent' : i % 13 === 7 ? 'opted-out' : null);
  const { key, tag, ids } = await contacts(300, kind);
  const eligible = new Set(ids.filter((_, i) => kind(i) === null));
  // The campaign audience is the first 100 contacts: the launch resolves it while batches go in.
  const { createCampaign: c } = await t.ok(
    CreateCampaignDocument,
    { input: { name: tag, type: 'AB_TEST', audience: { tags: [`${tag}-first`] }, variants: [{ template: 'a' }, { template: 'b' }] } },
    key,
  );
  // 11 batches of 25 from contact 25 on (overlapping the audience and each other by 5): 275 added.
  const batches = Array.from({ length: 11 }, (_, b) => ids.slice(25 + b * 25 - (b > 0 ? 5 : 0), 25 + (b + 1) * 25));
  const add = (batch: string[]) => t.ok(AddRecipientsDocument, { campaignId: c.id, contactIds: batch }, key).then((r) => r.addRecipients);

  const before = await add(batches[0]!); // DRAFT: assigned, not queued yet
  expect(before.queued).toBe(0);
  // Six batches race the launch; the launch's audience read and their inserts interleave.
  const [launched, ...during] = await Promise.all([t.ok(LaunchCampaignDocument, { id: c.id }, key), ...batches.slice(1, 7).map(add)]);
  expect(launched.launchCampaign.status).toBe('RUNNING');
  // Four more, concurrently with each other, while RUNNING.
  const after = await Promise.all(batches.slice(7).map(add));
  for (const r of after) expect(r.queued).toBe(r.added - r.heldOut); // everything new was queued at once

  const inCampaign = new Set([...ids.slice(0, 100), ...batches.flat()]);
  const expected = [...inCampaign].filter((id) => eligible.has(id));
  expect(expected.length).toBeGreaterThan(250);
  const sends = await sendsPerContact(c.id);
  expect([...sends.keys()].sort()).toEqual([...expected].sort());
  expect([...sends.values()].every((n) => n === 1)).toBe(true);
  // Adds and the launch's run account for each send once.
  const { campaign } = await t.ok(CampaignRunsDocument, { id: c.id }, key);
  expect(campaign!.runs).toHaveLength(1);
  expect(campaign!.runs[0]!.queued).toBe(expected.length);
  expect([...during, ...after].every((r) => r.queued <= r.added)).toBe(true);
  // And each is sent exactly once.
  const sent = await until(() => messagesPerContact(c.id), (m) => m.size === expected.length, 30000);
  expect(sent.size).toBe(expected.length);
  expect([...sent.values()].every((n) => n === 1)).toBe(true);
});

it('a batch that waits behind the launch (row lock) sees RUNNING and queues itself; batches before it go with the launch', async () => {
  const { key, tag, ids } = await contacts(120);
  const { createCampaign: c } = await t.ok(CreateCampaignDocument, { input: { name: tag, type: 'AB_TEST', variants: [{ template: 'a' }, { template: 'b' }] } }, key);
  const add = (batch: string[]) => t.ok(AddRecipientsDocument, { campaignId: c.id, contactIds: batch }, key).then((r) => r.addRecipients);
  const first = await add(ids.slice(0, 40));
  expect(first.queued).toBe(0);
  // Another transaction holds the campaign row: the launch queues up behind it, and batches
  // fired after that queue up behind the launch (PostgreSQL grants row-lock waiters in order).
  const holder = new Client({ connectionString: t.databaseUrl });
  await holder.connect();
  const waiting = async () => Number((await holder.query(`select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`)).rows[0].n);
  try {
    await holder.query('begin');
    await holder.query('select id from campaigns where id = $1 for update', [c.id]);
    const launch = t.ok(LaunchCampaignDocument, { id: c.id }, key);
    expect(await until(waiting, (n) => n >= 1, 10000)).toBeGreaterThanOrEqual(1);
    const behind = [ids.slice(40, 80), ids.slice(70, 120)].map(add); // overlapping
    expect(await until(waiting, (n) => n >= 3, 10000)).toBeGreaterThanOrEqual(3);
    await holder.query('rollback');
    expect((await launch).launchCampaign.status).toBe('RUNNING');
    const results = await Promise.all(behind);
    expect(results.reduce((a, r) => a + r.added, 0)).toBe(80);
    expect(results.reduce((a, r) => a + r.queued, 0)).toBe(80); // they saw RUNNING: queued by themselves
  } finally {
    await holder.end();
  }
  const sends = await sendsPerContact(c.id);
  expect([...sends.keys()].sort()).toEqual([...ids].sort());
  expect([...sends.values()].every((n) => n === 1)).toBe(true);
  const { campaign } = await t.ok(CampaignRunsDocument, { id: c.id }, key);
  expect(campaign!.runs.map((r) => [r.runNumber, r.queued])).toEqual([[1, 120]]);
  const sent = await until(() => messagesPerContact(c.id), (m) => m.size === 120, 30000);
  expect([...sent.values()].every((n) => n === 1)).toBe(true);
});

it('partial test: tested share queued at once, held-out ones with the remainder, and after it the winner at once', async () => {
  const { key, tag, ids } = await contacts(90);
  const { createCampaign: c } = await t.ok(
    CreateCampaignDocument,
    { input: { name: tag, type: 'AB_TEST', experiment: { testAudiencePercent: 50, autoSelectWinner: false }, variants: [{ template: 'control text' }, { template: 'winner text' }] } },
    key,
  );
  const addIds = (batch: string[]) => t.ok(AddRecipientsDocument, { campaignId: c.id, contactIds: batch }, key).then((r) => r.addRecipients);
  await addIds(ids.slice(0, 30));
  await t.ok(LaunchCampaignDocument, { id: c.id }, key);

  // While the test runs: the tested share is queued now, the held-out share waits for the winner.
  const during = await addIds(ids.slice(30, 60));
  expect(during.heldOut).toBeGreaterThan(0);
  expect(during.queued).toBe(during.added - during.heldOut);
  const heldDuring = await t.sql<{ contact_id: string }>('select contact_id from assignments where campaign_id = ? and holdout and contact_id = any(?::uuid[])', [c.id, `{${ids.slice(30, 60).join(',')}}`]);
  const sendsNow = await sendsPerContact(c.id);
  for (const { contact_id } of heldDuring) expect(sendsNow.has(contact_id)).toBe(false);

  await t.ok(DeclareWinnerDocument, { campaignId: c.id, variantId: c.variants[1]!.id, reason: 'clear favourite' }, key);
  await t.ok(EndTestDocument, { campaignId: c.id, sendWinnerToRemainder: true }, key);
  // The remainder's run goes out from the poller.
  await until(async () => (await t.ok(CampaignRunsDocument, { id: c.id }, key)).campaign!.runs.length, (n) => n === 2);

  // After the remainder went out: every new recipient gets the winner, queued at once.
  const late = await addIds(ids.slice(60, 90));
  expect(late.added).toBe(30);
  expect(late.queued).toBe(30);
  expect(late.perVariant.find((v) => v.variantId === c.variants[1]!.id)!.count).toBe(30);

  const sent = await until(() => messagesPerContact(c.id), (m) => m.size === 90, 30000);
  expect(sent.size).toBe(90);
  expect([...sent.values()].every((n) => n === 1)).toBe(true);
  const [{ n: wrong }] = await t.sql<{ n: string }>(
    `select count(*) as n from messages m join assignments a on a.campaign_id = m.campaign_id and a.contact_id = m.contact_id
     where m.campaign_id = ? and a.holdout and m.body <> 'winner text'`,
    [c.id],
  );
  expect(Number(wrong)).toBe(0);
  const late30 = await t.sql<{ body: string }>('select body from messages where campaign_id = ? and contact_id = any(?::uuid[])', [c.id, `{${ids.slice(60, 90).join(',')}}`]);
  expect(late30.every((m) => m.body === 'winner text')).toBe(true);
});

it('bandit: recipients added while RUNNING join the current wave, once', async () => {
  const { key, tag, ids } = await contacts(130);
  // Audience: the first 100; waves of 60. Explicit additions come from the other 30.
  const { createCampaign: c } = await t.ok(
    CreateCampaignDocument,
    { input: { name: tag, type: 'BANDIT', audience: { tags: [`${tag}-first`] }, experiment: { primaryMetric: 'CLICK', banditWaveSize: 60, banditWaveIntervalMinutes: 60 }, variants: [{ template: 'a' }, { template: 'b' }] } },
    key,
  );
  await t.ok(LaunchCampaignDocument, { id: c.id }, key);
  const extra = ids.slice(100);
  const added = await Promise.all([extra.slice(0, 15), extra.slice(10)].map((batch) => t.ok(AddRecipientsDocument, { campaignId: c.id, contactIds: batch }, key)));
  expect(added.reduce((a, r) => a + r.addRecipients.queued, 0)).toBe(30);
  const runs = (await t.ok(CampaignRunsDocument, { id: c.id }, key)).campaign!.runs;
  expect(runs.map((r) => [r.runNumber, r.queued])).toEqual([[1, 90]]);
  // The next wave takes the 40 audience contacts left, and no one twice.
  await t.sql(`update campaigns set next_wave_at = now() where id = ?`, [c.id]);
  const sends = await until(() => sendsPerContact(c.id), (m) => m.size === 130);
  expect(sends.size).toBe(130);
  expect([...sends.values()].every((n) => n === 1)).toBe(true);
  const sent = await until(() => messagesPerContact(c.id), (m) => m.size === 130, 30000);
  expect([...sent.values()].every((n) => n === 1)).toBe(true);
});
