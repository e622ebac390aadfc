/**
 * Plain read-only rows (src/graphql/plain-rows.ts) carry, property by property, the values that
 * MikroORM's hydration gives the same row: every column set (so that no conversion hides behind a
 * null), for each entity the read paths load that way.
 */
import { Campaign } from '../../src/campaigns/campaign.entity';
import { Variant } from '../../src/campaigns/variant.entity';
import { Winner } from '../../src/experiments/winner.entity';
import { selectPlain, uuidArray } from '../../src/graphql/plain-rows';
import { startTestApp, type TestApp } from '../helpers/harness';

let t: TestApp;
let campaignId: string;

beforeAll(async () => {
  t = await startTestApp();
  const r = await t.raw<{ createCampaign: { id: string } }>(
    `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`,
    {
      input: {
        name: 'Every column',
        description: 'all set',
        type: 'AB_TEST',
        channel: 'WHATSAPP',
        offerAmount: 2.5,
        costPerMessage: 0.0079,
        audience: { tags: ['vip'] },
        variants: [
          { template: 'a', whatsappTemplate: { name: 'promo', language: 'en_US', parameters: ['{first_name}'] } },
          { template: 'b', weight: 30 },
          { template: 'c', weight: 20 },
        ],
      },
    },
  );
  expect(r.errors).toBeUndefined();
  campaignId = r.data!.createCampaign.id;
  const ts = '2026-03-29 01:30:00.123456+00';
  await t.sql(
    `update campaigns set status = 'RUNNING', started_at = ?, completed_at = ?, archived_at = ?, test_ended_at = ?, next_run_at = ?, next_wave_at = ?,
       remainder_requested_at = ?, remainder_queued_at = ?, remainder_variant_id = (select id from variants where campaign_id = campaigns.id limit 1),
       schedule = '{"sendAt":"2026-04-01T09:00:00Z","timezone":"Europe/Lisbon","recurrence":null,"optimizeSendTime":true}'
     where id = ?`,
    [ts, ts, ts, ts, ts, ts, ts, ts, campaignId],
  );
  const tpl = await t.raw<{ createTemplate: { id: string } }>(`mutation { createTemplate(input: { name: "library", body: "hi" }) { id } }`);
  expect(tpl.errors).toBeUndefined();
  await t.sql(`update variants set subject = 'hello', html = '<p>b</p>', template_id = ? where campaign_id = ?`, [tpl.data!.createTemplate.id, campaignId]);
  const [variant] = await t.sql<{ id: string }>(`select id from variants where campaign_id = ? order by position limit 1`, [campaignId]);
  const w = await t.raw(`mutation($c: ID!, $v: ID!) { declareWinner(campaignId: $c, variantId: $v, reason: "first") { id } }`, { c: campaignId, v: variant!.id });
  expect(w.errors).toBeUndefined();
  const w2 = await t.raw(`mutation($c: ID!, $v: ID!) { declareWinner(campaignId: $c, variantId: $v, reason: "again") { id } }`, { c: campaignId, v: variant!.id });
  expect(w2.errors).toBeUndefined(); // the first one is now superseded: superseded_at is set
});

afterAll(async () => {
  await t?.close();
});

function expectSame<T extends object>(entity: { name: string }, plain: T[], hydrated: T[]): void {
  expect(plain.length).toBeGreaterThan(0);
  expect(plain).toHaveLength(hydrated.length);
  const meta = t.app.orm.getMetadata().get(entity.name);
  for (const [i, row] of plain.entries()) {
    const h = hydrated[i] as Record<string, unknown>;
    const p = row as Record<string, unknown>;
    expect(row).toBeInstanceOf(entity as never);
    for (const prop of Object.values(meta.properties)) {
      const [a, b] = [p[prop.name], h[prop.name]];
      // Same value and the same kind of value (a Date stays a Date, a number a number).
      expect({ [prop.name]: a }).toEqual({ [prop.name]: b });
      expect({ [prop.name]: a === null ? 'null' : a instanceof Date ? 'Date' : typeof a }).toEqual({ [prop.name]: b === null ? 'null' : b instanceof Date ? 'Date' : typeof b });
    }
  }
}

it('reads campaigns, variants and winners exactly as hydration does', async () => {
  const em = t.app.orm.em.fork();
  const ids = uuidArray([campaignId]);
  expectSame(Campaign, await selectPlain(em, Campaign, 'where id = any(?::uuid[])', [ids]), await em.fork().find(Campaign, { id: campaignId }));
  expectSame(
    Variant,
    await selectPlain(em, Variant, 'where campaign_id = any(?::uuid[]) order by position', [ids]),
    await em.fork().find(Variant, { campaignId }, { orderBy: { position: 'asc' } }),
  );
  expectSame(
    Winner,
    await selectPlain(em, Winner, 'where campaign_id = any(?::uuid[]) order by decided_at, id', [ids]),
    await em.fork().find(Winner, { campaignId }, { orderBy: { decidedAt: 'asc', id: 'asc' } }),
  );
});

it('leaves the ORM out: rows are not managed, and writing one changes nothing stored', async () => {
  const em = t.app.orm.em.fork();
  const [row] = await selectPlain(em, Campaign, 'where id = ?', [campaignId]);
  row!.name = 'changed locally';
  await em.flush();
  const [stored] = await t.sql<{ name: string }>(`select name from campaigns where id = ?`, [campaignId]);
  expect(stored!.name).toBe('Every column');
  expect(em.getUnitOfWork().getIdentityMap().values()).toHaveLength(0);
});
