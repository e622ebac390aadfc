/**
 * Send-time benchmark: a workspace of 100,000 contacts with 2,000,000 messages (assignments with
 * sent_at in the last 90 days, 20 per contact over 100 campaigns; a fifth of the contacts in other
 * zones; engagement more likely near each segment's hour), written straight into the tables on
 * embedded PostgreSQL, then:
 *  1. refreshSendTimes (the daily job's work for one workspace): read + fit + write, first time and again;
 *  2. on demand: one stale contact (sendTimeRecommendation over HTTP), optimalHours of 10,000 fresh
 *     and of 10,000 stale contacts;
 *  3. sendTimePreview of the whole workspace (over HTTP).
 * Target: the refresh "well under a minute".
 * Run: npm run bench:send-time   (npm run compile && node dist/bench/send-time.js)
 */
// support first: it loads the app, and with it reflect-metadata, before any decorated class.
import { startBenchApp, timed } from './support';
import { section } from './report';
import { runIfMain } from './entry';
import { CreateCampaignDocument, SendTimePreviewDocument, SendTimeRecommendationDocument, ViewerDocument } from '../test/generated/graphql';
import { refreshSendTimes, sendTimes } from '../src/optimization/send-time.service';

const COMMAND = 'npm run bench:send-time';
const CONTACTS = 100_000;
const CAMPAIGNS = 100;
const PER_CONTACT = 20;

export async function main(): Promise<void> {
  const s = section(`send time: ${CONTACTS.toLocaleString('en-US')} contacts, ${(CONTACTS * PER_CONTACT).toLocaleString('en-US')} messages (embedded PostgreSQL)`, COMMAND);
  const env = await startBenchApp();
  const { t } = env;
  try {
    const { viewer } = await t.ok(ViewerDocument);
    const ws = viewer.workspace.id;
    const sql = t.app.sql;
    for (let i = 0; i < CAMPAIGNS; i++) {
      await t.ok(CreateCampaignDocument, { input: { name: `bench ${i}`, channel: i % 5 === 0 ? 'WHATSAPP' : 'SMS', variants: [{ template: 'hello' }] } });
    }
    const setup = await timed(async () => {
      await sql.query(
        `insert into contacts (id, workspace_id, external_id, segment, timezone, consent_channels)
         select gen_random_uuid(), $1, 'bench-' || g, 'segment-' || (g % 4),
                case when g % 5 = 0 then (array['Europe/Lisbon', 'Asia/Tokyo', 'America/Los_Angeles', 'Australia/Sydney'])[1 + g % 4] end, array['SMS', 'WHATSAPP', 'EMAIL']
         from generate_series(1, $2) g`,
        [ws, CONTACTS],
      );
      // Contact n gets campaigns n, n + 5, n + 10, … (mod 100): 20 distinct campaigns each.
      await sql.query(
        `with c as (select id, segment, coalesce(timezone, 'UTC') as zone, row_number() over (order by id) as n from contacts where workspace_id = $1),
         ca as (select ca.id, v.id as variant_id, row_number() over (order by ca.id) - 1 as i from campaigns ca join variants v on v.campaign_id = ca.id where ca.workspace_id = $1),
         m as (
           select c.id as contact_id, ca.id as campaign_id, ca.variant_id, c.segment, c.zone,
                  now() - random() * interval '90 days' as sent_at
           from c cross join generate_series(0, $2 - 1) k join ca on ca.i = (c.n + 5 * k) % $3
         )
         insert into assignments (campaign_id, contact_id, workspace_id, variant_id, sent_at, clicked_at)
         select campaign_id, contact_id, $1, variant_id, sent_at,
                -- about 8 % engagement, three times likelier within two hours of the segment's hour (8, 11, 14, 19 local)
                case when random() < 0.04 + 0.12 * (abs(extract(hour from sent_at at time zone zone) - (array[8, 11, 14, 19])[1 + right(segment, 1)::int]) <= 2)::int
                     then sent_at + interval '1 hour' end
         from m`,
        [ws, PER_CONTACT, CAMPAIGNS],
      );
      await sql.query(`update contacts c set last_messaged_at = x.at from (select contact_id, max(sent_at) as at from assignments where workspace_id = $1 group by 1) x where x.contact_id = c.id`, [ws]);
      await sql.query('vacuum analyze contacts');
      await sql.query('vacuum analyze assignments');
    });
    const [count] = await sql.query<{ n: string }>('select count(*) as n from assignments where workspace_id = $1 and sent_at is not null', [ws]);
    s.log(`generated ${Number(count!.n).toLocaleString('en-US')} messages in ${(setup.ms / 1000).toFixed(1)} s`);

    for (const run of ['first', 'again']) {
      const r = await timed(() => refreshSendTimes(sql, ws));
      const v = r.value;
      s.figure({
        name: `refreshSendTimes (${run}), ${v.contacts.toLocaleString('en-US')} contacts`,
        measured: `${(r.ms / 1000).toFixed(2)} s (read ${(v.readMs / 1000).toFixed(2)} s, fit + recommend ${(v.computeMs / 1000).toFixed(2)} s, write ${(v.writeMs / 1000).toFixed(2)} s)`,
        target: 'well under 60 s',
        met: r.ms < 60_000,
      });
    }
    const [basis] = await sql.query<{ contact: string; segment: string }>(
      `select count(*) filter (where basis = 'CONTACT') as contact, count(*) filter (where basis = 'SEGMENT') as segment from send_time_recommendations where workspace_id = $1`,
      [ws],
    );
    s.log(`basis: CONTACT ${Number(basis!.contact).toLocaleString('en-US')}, SEGMENT ${Number(basis!.segment).toLocaleString('en-US')}`);

    const ids = (await sql.query<{ id: string }>('select id from contacts where workspace_id = $1 order by id limit 20001', [ws])).map((r) => r.id);
    // Stale: a message after the stored computation.
    await sql.query(`update contacts set last_messaged_at = now() + interval '1 second' where id = any($1::uuid[])`, [ids.slice(10_000)]);
    const one = await timed(() => t.ok(SendTimeRecommendationDocument, { contactId: ids[20_000]! }));
    s.log(`sendTimeRecommendation of a stale contact (HTTP, computed from its history and the stored model): ${one.ms.toFixed(1)} ms`);
    const fresh = await timed(() => sendTimes(sql, ws, ids.slice(0, 10_000)));
    s.log(`sendTimes (the sender's prepare step) of 10,000 fresh contacts: ${fresh.ms.toFixed(0)} ms (${fresh.value.size} hours)`);
    const stale = await timed(() => sendTimes(sql, ws, ids.slice(10_000, 20_000)));
    s.log(`sendTimes (the sender's prepare step) of 10,000 stale contacts (computed and stored): ${stale.ms.toFixed(0)} ms (${stale.value.size} hours)`);
    const preview = await timed(() => t.ok(SendTimePreviewDocument, {}));
    s.log(`sendTimePreview of the whole workspace (HTTP, all rows fresh): ${preview.ms.toFixed(0)} ms; total ${preview.value.sendTimePreview.total.toLocaleString('en-US')}, with own history ${preview.value.sendTimePreview.withOwnHistory.toLocaleString('en-US')}`);
  } finally {
    await env.close();
  }
}

runIfMain(module, main);
