/**
 * Consent and opt-out per channel (issue 14): the migration's meaning for existing data, the API
 * (channelConsent, optOutChannel, the opt-out log's channel, estimateReachByChannel), keywords
 * acting on their channel, audiences and skips per campaign channel, channel rules (frequency cap,
 * quiet hours) and the analytics channel filter. Real app, embedded PostgreSQL, the simulator.
 */
import {
  AddRecipientsDocument,
  CampaignRunsDocument,
  ChannelContactsDocument,
  ChannelOptOutLogDocument,
  ContactChannelsDocument,
  CreateApiKeyDocument,
  CreateCampaignDocument,
  EstimateReachByChannelDocument,
  EstimateReachDocument,
  LaunchCampaignDocument,
  OptInChannelDocument,
  OptOutChannelDocument,
  PortfolioByChannelDocument,
  TopCampaignsByChannelDocument,
  TrackEventsDocument,
  UpdateWorkspaceSettingsDocument,
  UpsertContactsDocument,
  type Channel,
  type CreateCampaignInput,
} from '../generated/graphql';
import { recordMessage } from '../../src/tracking/messages';
import { twilioSignature } from '../../src/tracking/webhooks/signatures';
import { Channel as ChannelEnum } from '../../src/domain/channel';
import { Migration20261202100000_channel_consent } from '../../migrations/Migration20261202100000_channel_consent';
import { errorOf, startTestApp, type TestApp } from '../helpers/harness';
import { until } from '../helpers/until';

const PUBLIC_URL = 'https://hooks.splitcast.test';
const TWILIO_TOKEN = 'twilio-token-ch';
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ JOBS: 'on', PUBLIC_URL });
});
afterAll(() => t.close());

let phone = 7000;
const ALL = ['SMS', 'WHATSAPP', 'EMAIL'];

interface Person {
  consent?: boolean;
  channelConsent?: { channel: Channel; granted: boolean }[];
  email?: string | null;
  phone?: boolean;
}

/** A workspace with contacts tagged `tag` (ids by index). */
async function workspace(people: Person[], settings: Record<string, unknown> = {}) {
  const key = await t.newWorkspaceKey();
  await t.ok(UpdateWorkspaceSettingsDocument, { input: { twilioAuthToken: TWILIO_TOKEN, ...settings } }, key);
  const tag = `ch${phone}`;
  const contacts = people.map((p, i) => ({
    externalId: `${tag}-${i}`,
    phone: p.phone === false ? null : `+1415666${phone++}`,
    email: p.email === undefined ? `${tag}-${i}@example.com` : p.email,
    consent: p.consent ?? (p.channelConsent ? undefined : true),
    channelConsent: p.channelConsent,
    tags: [tag],
  }));
  await t.ok(UpsertContactsDocument, { contacts }, key);
  const rows = await t.sql<{ id: string; external_id: string; phone: string | null; workspace_id: string }>(
    `select id, external_id, phone, workspace_id from contacts where tags @> array[?] order by external_id`,
    [tag],
  );
  const ids = contacts.map((c) => rows.find((r) => r.external_id === c.externalId)!.id);
  return { key, tag, ids, phones: contacts.map((c) => c.phone), workspaceId: rows[0]!.workspace_id };
}

const campaign = async (key: string, tag: string, channel: Channel, over: Partial<CreateCampaignInput> = {}) =>
  (
    await t.ok(
      CreateCampaignDocument,
      { input: { name: `${channel} ${tag}`, channel, audience: { tags: [tag] }, variants: [{ template: 'Hi there', ...(channel === 'EMAIL' ? { subject: 'Hello' } : {}) }], ...over } },
      key,
    )
  ).createCampaign.id;

const launchRun = async (key: string, id: string) => {
  await t.ok(LaunchCampaignDocument, { id }, key);
  return (await t.ok(CampaignRunsDocument, { id }, key)).campaign!.runs[0]!;
};

const channels = async (key: string, id: string) => (await t.ok(ContactChannelsDocument, { id }, key)).contact!;

describe('the migration', () => {
  it('keeps the meaning of existing rows: consent → every channel, opted out → out of every channel', async () => {
    // The migration's own statements, run on old-shape tables in a schema of their own.
    const migration = new Migration20261202100000_channel_consent(t.app.orm.em.getDriver() as never, t.app.orm.config);
    await migration.up();
    const rows = await t.app.orm.em.fork().transactional(async (tx) => {
      const run = (q: string) => tx.execute(q);
      await run('drop schema if exists old_shape cascade');
      await run('create schema old_shape');
      await run('set local search_path to old_shape');
      await run('create table contacts (id int primary key, workspace_id int, consent boolean not null default false, opted_out boolean not null default false, opted_out_at timestamptz)');
      await run('create table opt_out_log (id int primary key, action text not null)');
      await run('create table sends (contact_id int, sent_at timestamptz, status text)');
      await run('create table send_rate (workspace_id int, second timestamptz, used int, primary key (workspace_id, second))');
      await run(`insert into contacts values (1, 1, true, false, null), (2, 1, true, true, '2026-01-02T03:04:05Z'), (3, 1, false, false, null), (4, 1, false, true, '2026-01-01T00:00:00Z')`);
      await run(`insert into opt_out_log values (1, 'OPTED_OUT')`);
      for (const q of migration.getQueries()) await run(String(q));
      const out = await tx.execute<{ id: number; consent_channels: string[]; opted_out_channels: string[]; opted_out_at: Date | null }[]>('select id, consent_channels, opted_out_channels, opted_out_at from contacts order by id');
      const log = await tx.execute<{ channel: string | null }[]>('select channel from opt_out_log');
      await run('drop schema old_shape cascade');
      return { out, log };
    });
    expect(rows.out.map((r) => [r.id, r.consent_channels, r.opted_out_channels])).toEqual([
      [1, ALL, []],
      [2, ALL, ALL],
      [3, [], []],
      [4, [], ALL],
    ]);
    expect(new Date(rows.out[1]!.opted_out_at!).toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(rows.log).toEqual([{ channel: null }]);
  });
});

describe('consent per channel', () => {
  it('gives consent on every channel with consent: true (what the migration gives existing consent), per channel after it', async () => {
    const w = await workspace([{ consent: true }, { consent: true, channelConsent: [{ channel: 'EMAIL', granted: false }] }, { channelConsent: [{ channel: 'WHATSAPP', granted: true }] }, { consent: false }]);
    expect((await channels(w.key, w.ids[0]!)).channelConsent).toEqual(ALL.map((channel) => ({ channel, granted: true, optedOut: false })));
    const partial = await channels(w.key, w.ids[1]!);
    expect(partial.channelConsent.map((c) => c.granted)).toEqual([true, true, false]);
    expect(partial.consent).toBe(true);
    const wa = await channels(w.key, w.ids[2]!);
    expect(wa.channelConsent.map((c) => c.granted)).toEqual([false, true, false]);
    expect((await channels(w.key, w.ids[3]!)).consent).toBe(false);
    // The stored shape the migration writes: text[] in enum order, checked against the three channels.
    expect((await t.sql<{ consent_channels: string[] }>('select consent_channels from contacts where id = ?', [w.ids[0]]))[0]!.consent_channels).toEqual(ALL);
    await expect(t.sql(`update contacts set consent_channels = array['FAX'] where id = ?`, [w.ids[0]])).rejects.toThrow(/contacts_consent_channels_check/);
    // A later upsert with only one channel leaves the others as they are.
    await t.ok(UpsertContactsDocument, { contacts: [{ externalId: `${w.tag}-2`, channelConsent: [{ channel: 'SMS', granted: true }] }] }, w.key);
    expect((await channels(w.key, w.ids[2]!)).channelConsent.map((c) => c.granted)).toEqual([true, true, false]);
  });

  it('opts out of one channel or of every channel (null), logged with the channel; optedOut = at least one', async () => {
    const w = await workspace([{}, {}, {}]);
    const sms = (await t.ok(OptOutChannelDocument, { contactId: w.ids[0]!, channel: 'SMS', reason: 'asked by phone' }, w.key)).optOutChannel;
    expect(sms.channelConsent.map((c) => c.optedOut)).toEqual([true, false, false]);
    expect(sms.optedOut).toBe(true);
    expect(sms.optedOutAt).not.toBeNull();
    // Again: nothing changes, nothing logged.
    await t.ok(OptOutChannelDocument, { contactId: w.ids[0]!, channel: 'SMS' }, w.key);
    const all = (await t.ok(OptOutChannelDocument, { contactId: w.ids[1]!, channel: null }, w.key)).optOutChannel;
    expect(all.channelConsent.map((c) => c.optedOut)).toEqual([true, true, true]);
    const log = (await t.ok(ChannelOptOutLogDocument, { first: 10 }, w.key)).optOutLog.nodes;
    expect(log.map((e) => [e.contact.id, e.action, e.channel, e.source]).sort()).toEqual(
      [
        [w.ids[0], 'OPTED_OUT', 'SMS', 'api'],
        [w.ids[1], 'OPTED_OUT', null, 'api'],
      ].sort(),
    );
    expect(log.find((e) => e.contact.id === w.ids[0])!.reason).toBe('asked by phone');
    // ContactFilter.optedOut: opted out of at least one channel.
    const out = (await t.ok(ChannelContactsDocument, { filter: { tags: [w.tag], optedOut: true } }, w.key)).contacts;
    expect(out.nodes.map((n) => n.id).sort()).toEqual([w.ids[0], w.ids[1]].sort());
    const notOut = (await t.ok(ChannelContactsDocument, { filter: { tags: [w.tag], optedOut: false } }, w.key)).contacts;
    expect(notOut.nodes.map((n) => n.id)).toEqual([w.ids[2]]);
    expect(errorOf(await t.gql(OptOutChannelDocument, { contactId: w.ids[0]!, channel: 'FAX' as Channel }, w.key))?.code).toBe('BAD_USER_INPUT');
  });

  it('opts back in on one channel (optInChannel) or on every channel (null), logged with the channel', async () => {
    const w = await workspace([{}, {}]);
    await t.ok(OptOutChannelDocument, { contactId: w.ids[0]!, channel: 'EMAIL' }, w.key);
    await t.ok(OptOutChannelDocument, { contactId: w.ids[0]!, channel: 'SMS' }, w.key);
    const email = (await t.ok(OptInChannelDocument, { contactId: w.ids[0]!, channel: 'EMAIL' }, w.key)).optInChannel;
    expect(email.channelConsent.map((c) => c.optedOut)).toEqual([true, false, false]); // SMS still out
    expect(email.optedOut).toBe(true);
    expect(email.optedOutAt).not.toBeNull();
    // Opting in where the contact is not opted out changes nothing and logs nothing.
    await t.ok(OptInChannelDocument, { contactId: w.ids[0]!, channel: 'WHATSAPP' }, w.key);
    const all = (await t.ok(OptInChannelDocument, { contactId: w.ids[0]!, channel: null }, w.key)).optInChannel;
    expect(all.channelConsent.map((c) => c.optedOut)).toEqual([false, false, false]);
    expect(all.optedOut).toBe(false);
    expect(all.optedOutAt).toBeNull();
    // Consent is a separate matter: opting in does not grant or remove it.
    expect(all.channelConsent.map((c) => c.granted)).toEqual([true, true, true]);

    const log = (await t.ok(ChannelOptOutLogDocument, { first: 10 }, w.key)).optOutLog.nodes.filter((e) => e.contact.id === w.ids[0]);
    expect(log.map((e) => [e.action, e.channel, e.source]).sort()).toEqual(
      [
        ['OPTED_OUT', 'EMAIL', 'api'],
        ['OPTED_OUT', 'SMS', 'api'],
        ['OPTED_IN', 'EMAIL', 'api'],
        ['OPTED_IN', null, 'api'],
      ].sort(),
    );
    expect((await channels(w.key, w.ids[1]!)).channelConsent.map((c) => c.optedOut)).toEqual([false, false, false]);
    expect(errorOf(await t.gql(OptInChannelDocument, { contactId: w.ids[0]!, channel: 'FAX' as Channel }, w.key))?.code).toBe('BAD_USER_INPUT');
  });

  it('optInChannel needs the WRITE scope and a contact of the caller\'s workspace', async () => {
    const w = await workspace([{}]);
    await t.ok(OptOutChannelDocument, { contactId: w.ids[0]!, channel: 'EMAIL' }, w.key);
    const read = (await t.ok(CreateApiKeyDocument, { name: 'reader', scopes: ['READ'] }, w.key)).createApiKey.secret;
    expect(errorOf(await t.gql(OptInChannelDocument, { contactId: w.ids[0]!, channel: 'EMAIL' }, read))?.code).toBe('FORBIDDEN');
    const other = await t.newWorkspaceKey();
    expect(errorOf(await t.gql(OptInChannelDocument, { contactId: w.ids[0]!, channel: 'EMAIL' }, other))?.code).toBe('NOT_FOUND');
    expect((await channels(w.key, w.ids[0]!)).channelConsent.map((c) => c.optedOut)).toEqual([false, false, true]);
  });

  it('estimates reach per channel: consent on it, not opted out of it, and its address', async () => {
    const w = await workspace([
      {}, // every channel
      { email: null }, // no email
      { phone: false }, // email only
      { channelConsent: [{ channel: 'EMAIL', granted: true }] },
      { consent: false },
      {},
    ]);
    await t.ok(OptOutChannelDocument, { contactId: w.ids[5]!, channel: 'EMAIL' }, w.key);
    const reach = async (channel: Channel) => (await t.ok(EstimateReachByChannelDocument, { audience: { tags: [w.tag] }, channel }, w.key)).estimateReachByChannel;
    expect(await reach('SMS')).toEqual({ total: 6, withConsent: 3 }); // 0, 1, 5
    expect(await reach('WHATSAPP')).toEqual({ total: 6, withConsent: 3 });
    expect(await reach('EMAIL')).toEqual({ total: 6, withConsent: 3 }); // 0, 2, 3
    // estimateReach: reachable on at least one channel (addresses not required).
    expect((await t.ok(EstimateReachDocument, { audience: { tags: [w.tag] } }, w.key)).estimateReach).toEqual({ total: 6, withConsent: 5 });
  });
});

describe('opt-outs follow the channel', () => {
  function twilio(workspaceId: string, params: Record<string, string>) {
    const path = `/webhooks/twilio/${workspaceId}`;
    const headers = { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(TWILIO_TOKEN, PUBLIC_URL + path, params) };
    return fetch(t.url + path, { method: 'POST', headers, body: new URLSearchParams(params).toString() });
  }

  it('STOP by SMS opts out of SMS only: the reply goes out on SMS, WhatsApp sends still queue, SMS sends skip', async () => {
    const w = await workspace([{}, {}]);
    // The contact received an SMS campaign message: the STOP is attributed to that campaign.
    const smsCampaign = await campaign(w.key, w.tag, 'SMS');
    await t.ok(AddRecipientsDocument, { campaignId: smsCampaign }, w.key);
    const [variant] = await t.sql<{ id: string }>('select id from variants where campaign_id = ?', [smsCampaign]);
    await recordMessage(t.app.orm.em.fork(), { workspaceId: w.workspaceId, campaignId: smsCampaign, contactId: w.ids[0]!, variantId: variant!.id, provider: 'twilio', providerMessageId: 'SMch-out', links: [] });
    expect((await twilio(w.workspaceId, { MessageSid: 'SMch-in', From: w.phones[0]!, To: '+15550000000', Body: 'STOP', SmsStatus: 'received' })).status).toBe(200);

    const c = await channels(w.key, w.ids[0]!);
    expect(c.channelConsent.map((x) => x.optedOut)).toEqual([true, false, false]);
    const log = await t.sql<{ action: string; channel: string; source: string; keyword: string }>('select action, channel, source, keyword from opt_out_log where contact_id = ?', [w.ids[0]]);
    expect(log).toEqual([{ action: 'OPTED_OUT', channel: 'SMS', source: 'sms:twilio', keyword: 'STOP' }]);
    expect(await t.sql('select kind, channel from outbox where contact_id = ?', [w.ids[0]])).toEqual([{ kind: 'OPT_OUT', channel: 'SMS' }]);

    const wa = await launchRun(w.key, await campaign(w.key, w.tag, 'WHATSAPP'));
    expect([wa.queued, wa.skippedOptedOut]).toEqual([2, 0]);
    const sms2 = await launchRun(w.key, await campaign(w.key, w.tag, 'SMS'));
    expect([sms2.queued, sms2.skippedOptedOut]).toEqual([1, 1]);
  });

  it('a WhatsApp STOP without a recent WhatsApp message opts out of WhatsApp only, with the reply on WhatsApp', async () => {
    const w = await workspace([{}]);
    expect((await twilio(w.workspaceId, { MessageSid: 'SMch-wa', From: `whatsapp:${w.phones[0]}`, To: 'whatsapp:+15550000000', Body: 'stop', SmsStatus: 'received' })).status).toBe(200);
    expect((await channels(w.key, w.ids[0]!)).channelConsent.map((x) => x.optedOut)).toEqual([false, true, false]);
    expect(await t.sql('select channel from opt_out_log where contact_id = ?', [w.ids[0]])).toEqual([{ channel: 'WHATSAPP' }]);
    expect(await t.sql('select channel from outbox where contact_id = ?', [w.ids[0]])).toEqual([{ channel: 'WHATSAPP' }]);
  });

  it("an OPTED_OUT event acts on its campaign's channel; OPTED_IN on that channel only", async () => {
    const w = await workspace([{}]);
    const email = await campaign(w.key, w.tag, 'EMAIL');
    await t.ok(AddRecipientsDocument, { campaignId: email }, w.key);
    await t.ok(OptOutChannelDocument, { contactId: w.ids[0]!, channel: 'SMS' }, w.key);
    await t.ok(TrackEventsDocument, { events: [{ campaignId: email, contactId: w.ids[0]!, type: 'OPTED_OUT' }] }, w.key);
    expect((await channels(w.key, w.ids[0]!)).channelConsent.map((x) => x.optedOut)).toEqual([true, false, true]);
    await t.ok(TrackEventsDocument, { events: [{ campaignId: email, contactId: w.ids[0]!, type: 'OPTED_IN' }] }, w.key);
    const after = await channels(w.key, w.ids[0]!);
    expect(after.channelConsent.map((x) => x.optedOut)).toEqual([true, false, false]);
    expect(after.optedOutAt).not.toBeNull(); // still opted out of SMS
    const log = await t.sql<{ action: string; channel: string | null; source: string }>('select action, channel, source from opt_out_log where contact_id = ? order by at, action desc', [w.ids[0]]);
    expect(log.map((r) => [r.action, r.channel])).toEqual([
      ['OPTED_OUT', 'SMS'],
      ['OPTED_OUT', 'EMAIL'],
      ['OPTED_IN', 'EMAIL'],
    ]);
  });
});

describe('campaigns per channel', () => {
  it('an EMAIL campaign skips email-opted-out contacts and those without email consent; its run counts them', async () => {
    const w = await workspace([{}, {}, { channelConsent: [{ channel: 'SMS', granted: true }] }, {}]);
    await t.ok(OptOutChannelDocument, { contactId: w.ids[1]!, channel: 'EMAIL' }, w.key);
    await t.ok(OptOutChannelDocument, { contactId: w.ids[3]!, channel: 'SMS' }, w.key);
    const id = await campaign(w.key, w.tag, 'EMAIL');
    const added = (await t.ok(AddRecipientsDocument, { campaignId: id }, w.key)).addRecipients;
    expect([added.added, added.skippedOptedOut, added.skippedNoConsent]).toEqual([2, 1, 1]);
    const run = await launchRun(w.key, id);
    expect([run.queued, run.skippedOptedOut, run.skippedNoConsent]).toEqual([2, 1, 1]);
    const queued = await t.sql<{ contact_id: string }>('select contact_id from sends where campaign_id = ? order by contact_id', [id]);
    expect(queued.map((r) => r.contact_id)).toEqual([w.ids[0], w.ids[3]].sort());
  });

  it('caps per channel: messages on the same channel in the last 7 days count, other channels do not', async () => {
    const w = await workspace([{}, {}], { channelRules: [{ channel: 'SMS', frequencyCap: 1 }] });
    const first = await campaign(w.key, w.tag, 'SMS');
    await launchRun(w.key, first);
    await until(async () => (await t.ok(CampaignRunsDocument, { id: first }, w.key)).campaign!.runs[0]!.sent, (n) => n === 2);
    const second = await launchRun(w.key, await campaign(w.key, w.tag, 'SMS'));
    expect([second.queued, second.skippedCapped]).toEqual([0, 2]);
    const wa = await launchRun(w.key, await campaign(w.key, w.tag, 'WHATSAPP'));
    expect([wa.queued, wa.skippedCapped]).toEqual([2, 0]);
    expect((await t.sql<{ settings: { channels: unknown } }>('select settings from workspaces where id = ?', [w.workspaceId]))[0]!.settings.channels).toEqual({ SMS: { frequencyCap: 1 } });
  });

  it('applies quiet hours per channel: an SMS override defers SMS; null on SMS lifts the workspace-wide window', async () => {
    const hour = new Date().getUTCHours();
    const window = { start: hour, end: (hour + 2) % 24 };
    const quietSms = await workspace([{}], { channelRules: [{ channel: 'SMS', quietHours: window }] });
    const deferred = await campaign(quietSms.key, quietSms.tag, 'SMS');
    await t.ok(LaunchCampaignDocument, { id: deferred }, quietSms.key);
    const later = await until(
      () => t.sql<{ later: boolean; status: string }>(`select next_attempt_at > now() + interval '30 minutes' as later, status from sends where campaign_id = ?`, [deferred]),
      (r) => r[0]?.later === true,
    );
    expect(later).toEqual([{ later: true, status: 'PENDING' }]);

    const quietElse = await workspace([{}], { quietHours: window, channelRules: [{ channel: 'SMS', quietHours: null }] });
    const sent = await campaign(quietElse.key, quietElse.tag, 'SMS');
    await t.ok(LaunchCampaignDocument, { id: sent }, quietElse.key);
    const run = await until(async () => (await t.ok(CampaignRunsDocument, { id: sent }, quietElse.key)).campaign!.runs[0]!, (r) => r.sent === 1);
    expect(run.sent).toBe(1);
  });

  it('refuses bad channel rules with a reason and the path', async () => {
    const key = await t.newWorkspaceKey();
    const bad = async (channelRules: unknown[]) => errorOf(await t.gql(UpdateWorkspaceSettingsDocument, { input: { channelRules } as never }, key));
    expect(await bad([{ channel: 'SMS', quietHours: { start: 3, end: 3 } }])).toMatchObject({ reason: 'INVALID_QUIET_HOURS', field: 'input.channelRules.0.quietHours' });
    expect(await bad([{ channel: 'EMAIL', frequencyCap: 0 }])).toMatchObject({ reason: 'INVALID_FREQUENCY_CAP' });
    expect(await bad([{ channel: 'EMAIL', sendRatePerSecond: 0 }])).toMatchObject({ reason: 'INVALID_SEND_RATE' });
    expect(await bad([{ channel: 'SMS' }, { channel: 'SMS' }])).toMatchObject({ reason: 'INVALID_CHANNEL_RULES' });
  });

  it('keeps the send rate per provider account: the simulator account of the workspace and channel', async () => {
    const w = await workspace([{}, {}, {}]);
    const id = await campaign(w.key, w.tag, 'SMS');
    await t.ok(LaunchCampaignDocument, { id }, w.key);
    await until(async () => (await t.ok(CampaignRunsDocument, { id }, w.key)).campaign!.runs[0]!.sent, (n) => n === 3);
    const used = await t.sql<{ n: string }>('select coalesce(sum(used), 0) as n from send_rate where account = ?', [`simulator:${w.workspaceId}:${ChannelEnum.SMS}`]);
    expect(Number(used[0]!.n)).toBe(3);
  });
});

describe('analytics by channel', () => {
  it('filters portfolio and topCampaigns by channel', async () => {
    const w = await workspace([{}]);
    const sms = await campaign(w.key, w.tag, 'SMS');
    const email = await campaign(w.key, w.tag, 'EMAIL');
    const portfolio = async (channel?: Channel) => (await t.ok(PortfolioByChannelDocument, { days: 7, channel }, w.key)).portfolio.totalCampaigns;
    expect(await portfolio()).toBe(2);
    expect(await portfolio('SMS')).toBe(1);
    expect(await portfolio('EMAIL')).toBe(1);
    expect(await portfolio('WHATSAPP')).toBe(0);
    const top = async (channel?: Channel) => (await t.ok(TopCampaignsByChannelDocument, { metric: 'REVENUE', channel }, w.key)).topCampaigns.map((r) => r.campaign.id).sort();
    expect(await top()).toEqual([sms, email].sort());
    expect(await top('EMAIL')).toEqual([email]);
    expect(await top('SMS')).toEqual([sms]);
  });
});
