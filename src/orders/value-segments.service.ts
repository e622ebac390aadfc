/**
 * Value segments: contacts by lifetime-value band (contacts.order_count / total_spend, the purchase
 * totals recording orders keeps), for the workspace and for a campaign's sent recipients. One query
 * per call; the campaign side is batched by a dataloader (value-segments.loaders.ts).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { valueBands, type ValueBand } from './value-segments';

export interface ValueSegmentValue extends Omit<ValueBand, 'index'> {
  contacts: number;
  orders: number;
  totalSpend: number;
  averageSpend: number | null;
}

export interface CampaignValueSegmentValue extends Omit<ValueBand, 'index'> {
  sent: number;
  converted: number;
  conversionRate: number;
  revenue: number;
}

/** The band of each contact, in SQL: 0 without orders, else 1 + width_bucket over the boundaries (see bandIndex). */
const BAND_SQL = `case when c.order_count = 0 then 0 else 1 + width_bucket(c.total_spend, (select array_agg(x::numeric order by n) from jsonb_array_elements_text(?::jsonb) with ordinality b(x, n))) end`;

const round = (n: number) => Math.round(n * 1e6) / 1e6;

export class ValueSegmentService {
  constructor(
    private readonly em: EntityManager,
    private readonly workspaceId: string,
  ) {}

  /** Every band of the workspace's contacts, empty ones included. `boundaries` must be validated. */
  async segments(boundaries: readonly number[]): Promise<ValueSegmentValue[]> {
    const rows = await this.em.execute<{ band: number; contacts: string; orders: string; spend: string }[]>(
      `select ${BAND_SQL} as band, count(*) as contacts, coalesce(sum(c.order_count), 0) as orders, coalesce(sum(c.total_spend), 0) as spend
       from contacts c where c.workspace_id = ? group by 1`,
      [JSON.stringify(boundaries), this.workspaceId],
    );
    const byBand = new Map(rows.map((r) => [Number(r.band), r]));
    return valueBands(boundaries).map(({ index, ...band }) => {
      const r = byBand.get(index);
      const contacts = Number(r?.contacts ?? 0);
      const totalSpend = round(Number(r?.spend ?? 0));
      return { ...band, contacts, orders: Number(r?.orders ?? 0), totalSpend, averageSpend: contacts > 0 ? round(totalSpend / contacts) : null };
    });
  }

  /**
   * Per campaign, every band of its sent recipients (assignments.sent_at set) by the contact's
   * CURRENT lifetime value — which includes the orders the campaign itself brought.
   */
  async campaignSegments(campaignIds: readonly string[], boundaries: readonly number[]): Promise<Map<string, CampaignValueSegmentValue[]>> {
    const rows = await this.em.execute<{ campaign_id: string; band: number; sent: string; converted: string; revenue: string }[]>(
      `select a.campaign_id, ${BAND_SQL} as band, count(*) as sent, count(a.converted_at) as converted, coalesce(sum(a.revenue), 0) as revenue
       from assignments a join contacts c on c.id = a.contact_id and c.workspace_id = a.workspace_id
       where a.campaign_id in (select jsonb_array_elements_text(?::jsonb)::uuid) and a.workspace_id = ? and a.sent_at is not null
       group by 1, 2`,
      [JSON.stringify(boundaries), JSON.stringify(campaignIds), this.workspaceId],
    );
    const byKey = new Map(rows.map((r) => [`${r.campaign_id}|${Number(r.band)}`, r]));
    const bands = valueBands(boundaries);
    return new Map(
      campaignIds.map((id) => [
        id,
        bands.map(({ index, ...band }) => {
          const r = byKey.get(`${id}|${index}`);
          const sent = Number(r?.sent ?? 0);
          const converted = Number(r?.converted ?? 0);
          return { ...band, sent, converted, conversionRate: sent > 0 ? converted / sent : 0, revenue: round(Number(r?.revenue ?? 0)) };
        }),
      ]),
    );
  }
}
