/**
 * Send time per contact through the real app: history written with trackEvents (past occurredAt),
 * read back per contact × local hour, learned, stored and served.
 *
 * Workspace A (zone America/New_York), segment "gold", 12 campaigns of one message each:
 *  - ny (America/New_York): 6 of its 12 messages at 14:00 local, all clicked; the rest ignored;
 *  - tokyo (Asia/Tokyo): 4 at 10:00 Tokyo time (01:00 UTC, 20:00 or 21:00 in New York), all
 *    clicked; the rest ignored;
 *  - crowd0–7 (no zone: the workspace's): 4 of 12 at 10:00 local, all clicked; the rest ignored;
 *    crowd8–9 the same at 16:00 instead (a segment whose contacts differ, as real ones do: with
 *    identical contacts the estimated prior would pool every contact fully into the segment);
 *  - newbie (gold, no history), loner (no segment, no history), shy (gold, no consent).
 * Workspace B: one contact, no history at all.
 */
// The harness first: it loads the app, and with it reflect-metadata, before any decorated class.
import { errorOf, startTestApp, type TestApp } from '../helpers/harness';
import { until } from '../helpers/until';
import { refreshAllSendTimes } from '../../src/optimization/send-time.service';
import { optimizationModule } from '../../src/optimization/module';
import {
  AddRecipientsDocument,
  CreateApiKeyDocument,
  CreateCampaignDocument,
  SendTimePreviewDocument,
  SendTimeRecommendationDocument,
  TrackEventsDocument,
  UpdateWorkspaceSettingsDocument,
  UpsertContactsDocument,
  type TrackEventInput,
} from '../generated/graphql';

let t: TestApp;
let keyA: string;
let keyB: string;
const ids = new Map<string, string>();
let loneB: string;

const HOURS_NY = [14, 8, 14, 9, 14, 10, 14, 11, 14, 16, 14, 18];
const HOURS_TOKYO = [10, 8, 9, 10, 11, 12, 10, 13, 15, 10, 17, 18];
const HOURS_CROWD = [8, 9, 10, 11, 12, 10, 13, 15, 10, 16, 17, 10];

/** Wall-clock parts of an instant in a zone. */
function wallClock(zone: string, ms: number): { y: number; mo: number; d: number; h: number; mi: number } {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' })
      .formatToParts(new Date(ms))
      .map((x) => [x.type, Number(x.value)]),
  );
  return { y: p.year!, mo: p.month!, d: p.day!, h: p.hour!, mi: p.minute! };
}

/** The instant at `hour`:05 local time in `zone`, `daysAgo` days ago (checked by converting back). */
function atLocal(zone: string, daysAgo: number, hour: number): string {
  const day = wallClock(zone, Date.now() - daysAgo * 86_400_000);
  const target = Date.UTC(day.y, day.mo - 1, day.d, hour, 5);
  let ms = target;
  for (let i = 0; i < 3; i++) {
    const w = wallClock(zone, ms);
    ms += target - Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi);
  }
  const back = wallClock(zone, ms);
  if (back.h !== hour) throw new Error(`no ${hour}:05 in ${zone} that day`);
  return new Date(ms).toISOString();
}

const rec = async (name: string, key = keyA) => (await t.ok(SendTimeRecommendationDocument, { contactId: ids.get(name)! }, key)).sendTimeRecommendation;

beforeAll(async () => {
  t = await startTestApp();
  keyA = await t.newWorkspaceKey('send-time-a');
  keyB = await t.newWorkspaceKey('send-time-b');
  await t.ok(UpdateWorkspaceSettingsDocument, { input: { timezone: 'America/New_York' } }, keyA);
  const crowd = Array.from({ length: 10 }, (_, j) => `crowd${j}`);
  const contact = (externalId: string, i: number, extra: Record<string, unknown>) => ({ externalId, phone: `+1415555${3000 + i}`, consent: true, ...extra });
  await t.ok(
    UpsertContactsDocument,
    {
      contacts: [
        contact('ny', 0, { timezone: 'America/New_York', segment: 'gold', tags: ['hist'] }),
        contact('tokyo', 1, { timezone: 'Asia/Tokyo', segment: 'gold', tags: ['hist'] }),
        ...crowd.map((c, j) => contact(c, 10 + j, { segment: 'gold', tags: ['hist'] })),
        contact('newbie', 2, { segment: 'gold' }),
        contact('loner', 3, {}),
        contact('shy', 4, { segment: 'gold', consent: false }),
      ],
    },
    keyA,
  );
  await t.ok(UpsertContactsDocument, { contacts: [{ externalId: 'lone', phone: '+14155559999', consent: true }] }, keyB);
  const rows = await t.app.sql.query<{ id: string; external_id: string; ws: string }>(
    `select c.id, c.external_id, w.name as ws from contacts c join workspaces w on w.id = c.workspace_id where w.name in ('send-time-a', 'send-time-b')`,
  );
  for (const r of rows) {
    if (r.ws === 'send-time-a') ids.set(r.external_id, r.id);
    else loneB = r.id;
  }

  const events: TrackEventInput[] = [];
  for (let i = 0; i < 12; i++) {
    const campaign = (await t.ok(CreateCampaignDocument, { input: { name: `History ${i}`, variants: [{ template: 'hello' }] } }, keyA)).createCampaign.id;
    await t.ok(AddRecipientsDocument, { campaignId: campaign, audience: { tags: ['hist'] } }, keyA);
    const daysAgo = 5 + 3 * i;
    const message = (name: string, zone: string, hour: number, engaged: boolean) => {
      const sent = atLocal(zone, daysAgo, hour);
      events.push({ campaignId: campaign, contactId: ids.get(name)!, type: 'SENT', occurredAt: sent });
      if (engaged) events.push({ campaignId: campaign, contactId: ids.get(name)!, type: 'CLICKED', occurredAt: new Date(Date.parse(sent) + 30 * 60_000).toISOString() });
    };
    message('ny', 'America/New_York', HOURS_NY[i]!, HOURS_NY[i] === 14);
    message('tokyo', 'Asia/Tokyo', HOURS_TOKYO[i]!, HOURS_TOKYO[i] === 10);
    crowd.forEach((c, j) => {
      const best = j < 8 ? 10 : 16;
      const slot = HOURS_CROWD[(i + j) % 12]!;
      const hour = slot === 10 ? best : slot;
      message(c, 'America/New_York', hour, hour === best);
    });
  }
  const tracked = await t.ok(TrackEventsDocument, { events }, keyA);
  expect(tracked.trackEvents).toMatchObject({ accepted: events.length, rejected: [] });
}, 120_000);
afterAll(() => t.close());

describe('send time per contact', () => {
  it('registers the daily refresh at 04:00 UTC', () => {
    const jobs = optimizationModule.jobs!({ sql: t.app.sql, orm: t.app.orm, logger: t.app.logger, config: t.app.config } as never);
    expect(jobs.find((j) => j.name === 'optimization: send time')).toMatchObject({ cron: '0 4 * * *', timezone: 'UTC' });
  });

  it('the job refreshes every workspace: a stored row per contact, in bulk', async () => {
    const result = await refreshAllSendTimes(t.app.sql, t.app.logger);
    expect(result.workspaces).toBeGreaterThanOrEqual(2);
    const stored = await t.app.sql.query<{ contact_id: string; optimal_hour: number; basis: string; messages: number }>(
      `select contact_id, optimal_hour, basis, messages from send_time_recommendations where contact_id = any($1::uuid[])`,
      [[...ids.values(), loneB]],
    );
    expect(stored).toHaveLength(ids.size + 1);
    const byId = new Map(stored.map((r) => [r.contact_id, r]));
    expect(byId.get(ids.get('ny')!)).toMatchObject({ optimal_hour: 14, basis: 'CONTACT', messages: 12 });
    expect(byId.get(loneB)).toMatchObject({ basis: 'DEFAULT', messages: 0 });
    const [model] = await t.app.sql.query<{ messages: number }>(`select messages from send_time_models m join workspaces w on w.id = m.workspace_id where w.name = 'send-time-a'`);
    expect(model!.messages).toBe(144);
  });

  it('a contact with a clear best hour gets it, in its own zone (basis CONTACT), served from the stored row', async () => {
    const [stored] = await t.app.sql.query<{ computed_at: Date }>(`select computed_at from send_time_recommendations where contact_id = $1`, [ids.get('ny')]);
    const ny = await rec('ny');
    expect(ny).toMatchObject({ contactId: ids.get('ny'), optimalHour: 14, basis: 'CONTACT', timezone: 'America/New_York', messages: 12, computedAt: stored!.computed_at.toISOString() });
    expect(ny.window).toMatch(/^1[2-4]:00–1[5-7]:00$/);
    expect(ny.windowStart).toBeLessThanOrEqual(14);
    expect(ny.hourlyRates).toHaveLength(24);
    expect(ny.expectedRate).toBe(Math.max(...ny.hourlyRates));
    expect(ny.confidence).toBeGreaterThan(0.5);
    expect(ny.confidence).toBeLessThanOrEqual(1);

    // 10:00 in Tokyo is 01:00 UTC and 20:00 or 21:00 in New York: the hour is read in the contact's zone.
    expect(await rec('tokyo')).toMatchObject({ optimalHour: 10, basis: 'CONTACT', timezone: 'Asia/Tokyo', messages: 12 });
    expect(await rec('crowd3')).toMatchObject({ optimalHour: 10, basis: 'CONTACT', timezone: 'America/New_York' });
    expect(await rec('crowd9')).toMatchObject({ optimalHour: 16, basis: 'CONTACT' });
  });

  it('without own history: the segment (SEGMENT), the workspace without a segment (WORKSPACE), nothing at all (DEFAULT, confidence 0)', async () => {
    expect(await rec('newbie')).toMatchObject({ optimalHour: 10, basis: 'SEGMENT', messages: 0 });
    expect(await rec('loner')).toMatchObject({ basis: 'WORKSPACE', messages: 0 });
    const lone = (await t.ok(SendTimeRecommendationDocument, { contactId: loneB }, keyB)).sendTimeRecommendation;
    expect(lone).toMatchObject({ optimalHour: 10, window: '09:00–12:00', confidence: 0, basis: 'DEFAULT', messages: 0, timezone: 'UTC' });
  });

  it('previews an audience per recommended hour, computing contacts without a row first', async () => {
    // A contact created since the refresh has no row yet.
    await t.ok(UpsertContactsDocument, { contacts: [{ externalId: 'late', phone: '+14155553999', consent: true, segment: 'gold' }] }, keyA);
    const [late] = await t.app.sql.query<{ id: string }>(`select id from contacts where external_id = 'late' and workspace_id = (select workspace_id from contacts where id = $1)`, [ids.get('ny')]);
    ids.set('late', late!.id);
    expect(await t.app.sql.query(`select 1 from send_time_recommendations where contact_id = $1`, [late!.id])).toHaveLength(0);
    const gold = (await t.ok(SendTimePreviewDocument, { audience: { segments: ['gold'] } }, keyA)).sendTimePreview;
    // ny, tokyo, 10 crowd, newbie, late; shy has no consent.
    expect(gold.total).toBe(14);
    expect(gold.withOwnHistory).toBe(12);
    expect(gold.hours.map((h) => h.hour)).toEqual(Array.from({ length: 24 }, (_, h) => h));
    const at = (h: number) => gold.hours[h]!.contacts;
    expect([at(10), at(14), at(16)]).toEqual([11, 1, 2]);
    expect(gold.hours.reduce((s, h) => s + h.contacts, 0)).toBe(14);
    // 'late' (no row before this preview) now has one, as the on-demand path would have made.
    expect(await t.app.sql.query(`select 1 from send_time_recommendations where contact_id = $1`, [ids.get('late')])).toHaveLength(1);

    const everyone = (await t.ok(SendTimePreviewDocument, { channel: 'WHATSAPP' }, keyA)).sendTimePreview;
    expect(everyone).toMatchObject({ total: 15, withOwnHistory: 12 });
    const empty = (await t.ok(SendTimePreviewDocument, {}, keyB)).sendTimePreview;
    expect(empty.total).toBe(1);
    expect(empty.withOwnHistory).toBe(0);
    expect(empty.hours[10]!.contacts).toBe(1);
  });

  // After the preview: this adds a message sent now, at whatever hour the suite runs, and the
  // preview's whole-workspace refit above would otherwise depend on that hour.
  it('recomputes a contact whose history changed since its row', async () => {
    const before = await rec('crowd5');
    const campaign = (await t.ok(CreateCampaignDocument, { input: { name: 'Fresh', variants: [{ template: 'hi' }] } }, keyA)).createCampaign.id;
    await t.ok(AddRecipientsDocument, { campaignId: campaign, contactIds: [ids.get('crowd5')!] }, keyA);
    await t.ok(TrackEventsDocument, { events: [{ campaignId: campaign, contactId: ids.get('crowd5')!, type: 'SENT', occurredAt: new Date().toISOString() }] }, keyA);
    const after = await rec('crowd5');
    expect(after.messages).toBe(13);
    expect(Date.parse(after.computedAt)).toBeGreaterThan(Date.parse(before.computedAt));
  });

  it('refuses a malformed audience with INVALID_AUDIENCE', async () => {
    const r = await t.gql(SendTimePreviewDocument, { audience: { segments: [' '] } }, keyA);
    expect(errorOf(r)).toEqual({ code: 'BAD_USER_INPUT', reason: 'INVALID_AUDIENCE', field: 'audience.segments' });
  });

  it('answers NOT_FOUND for a contact of another workspace or no contact at all', async () => {
    expect(errorOf(await t.gql(SendTimeRecommendationDocument, { contactId: loneB }, keyA))).toMatchObject({ code: 'NOT_FOUND', reason: 'NOT_FOUND' });
    expect(errorOf(await t.gql(SendTimeRecommendationDocument, { contactId: 'not-an-id' }, keyA))).toMatchObject({ code: 'NOT_FOUND' });
    expect(errorOf(await t.gql(SendTimeRecommendationDocument, { contactId: ids.get('ny')! }, keyB))).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refits a workspace once when many queries need it at the same time', async () => {
    // Workspace C: 30 new contacts, nothing stored. A small workspace is refitted whole on demand;
    // 30 concurrent queries (more than the pool's connections) must share one refit (and hold one connection between them: the pool
    // must not fill up with callers waiting for a refit that needs a connection). The test holds the
    // workspace's refit lock until the refit waits on it, so that all five have asked by then.
    const keyC = (await t.ok(CreateApiKeyDocument, { name: 'c', scopes: ['READ', 'WRITE'], workspaceName: 'send-time single flight' }, keyA)).createApiKey.secret;
    await t.ok(UpsertContactsDocument, { contacts: Array.from({ length: 30 }, (_, i) => ({ externalId: `sf${i}`, consent: true })) }, keyC);
    const [{ workspace_id: ws }] = (await t.app.sql.query<{ workspace_id: string }>(`select workspace_id from contacts where external_id = 'sf0'`)) as [{ workspace_id: string }];
    const contacts = (await t.app.sql.query<{ id: string }>(`select id from contacts where workspace_id = $1`, [ws])).map((r) => r.id);
    await t.app.sql.query(
      `create table if not exists test_refits (n int); create or replace function test_count_refit() returns trigger language plpgsql as $$ begin insert into test_refits values (1); return new; end $$;
       drop trigger if exists test_count_refit on send_time_models;
       create trigger test_count_refit after insert or update on send_time_models for each row execute function test_count_refit();`,
    );
    let queries: Promise<unknown>[] = [];
    await t.app.sql.transaction(async (tx) => {
      await tx.query(`select pg_advisory_xact_lock(hashtextextended('send-time:' || $1, 0))`, [ws]);
      // One request with 30 aliases: its resolvers run concurrently.
      queries = [t.raw<Record<string, { basis: string }>>(`{ ${contacts.map((id, i) => `c${i}: sendTimeRecommendation(contactId: "${id}") { basis }`).join(' ')} }`, {}, keyC)];
      await until(
        () => tx.query<{ n: string }>(`select count(*) as n from pg_locks where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())`),
        (r) => Number(r[0]!.n) === 1,
        20_000,
      );
    });
    const [answer] = (await Promise.all(queries)) as { data?: Record<string, { basis: string }>; errors?: unknown }[];
    expect(answer!.errors).toBeUndefined();
    expect(Object.values(answer!.data!).map((a) => a.basis)).toEqual(Array(30).fill('DEFAULT'));
    expect(await t.app.sql.query(`select 1 from test_refits`)).toHaveLength(1);
    await t.app.sql.query(`drop trigger test_count_refit on send_time_models`);
  });

  it('is allowed with a READ key', async () => {
    const read = (await t.ok(CreateApiKeyDocument, { name: 'reader', scopes: ['READ'] }, keyA)).createApiKey.secret;
    expect((await rec('ny', read)).optimalHour).toBe(14);
    expect((await t.ok(SendTimePreviewDocument, { audience: { tags: ['hist'] } }, read)).sendTimePreview.total).toBe(12);
  });
});
