import type { EntityManager } from '@mikro-orm/postgresql';
import { Field, Float, ID, Int, InterfaceType, ObjectType } from 'type-graphql';

/** Unique engagement counts and the rates over `sent`, shared by variant and campaign stats. */
@InterfaceType({ description: 'Unique engagement counts and rates over `sent`, for a variant or a whole campaign.' })
export abstract class EngagementStats {
  @Field(() => Int, { description: 'recipients a message went out to' })
  sent!: number;

  @Field(() => Int)
  delivered!: number;

  @Field(() => Int)
  failed!: number;

  @Field(() => Int)
  opened!: number;

  @Field(() => Int)
  clicked!: number;

  @Field(() => Int)
  replied!: number;

  @Field(() => Int, { description: 'recipients with at least one POSITIVE reply' })
  positiveReplies!: number;

  @Field(() => Int, { description: 'recipients with at least one NEGATIVE reply' })
  negativeReplies!: number;

  @Field(() => Int, {
    description:
      'recipients with at least one NEUTRAL reply (a reply without a sentiment counts in `replied` only, so the three sentiment counts need not add up to `replied`)',
  })
  neutralReplies!: number;

  @Field(() => Int)
  converted!: number;

  @Field(() => Int)
  optedOut!: number;

  @Field(() => Float, { description: 'sum of every CONVERTED value' })
  revenue!: number;

  @Field(() => Float)
  deliveryRate!: number;

  @Field(() => Float, { description: 'opened / sent (only channels that report opens, e.g. email, have opens)' })
  openRate!: number;

  @Field(() => Float)
  clickRate!: number;

  @Field(() => Float)
  responseRate!: number;

  @Field(() => Float)
  conversionRate!: number;
}

export type EngagementRates = Pick<EngagementStats, 'deliveryRate' | 'openRate' | 'clickRate' | 'responseRate' | 'conversionRate'>;

const rate = (n: number, d: number) => (d > 0 ? n / d : 0);

/** Rates over `sent`; 0 when nothing was sent. Pure. */
export function engagementRates(t: Pick<EngagementStats, 'sent' | 'delivered' | 'opened' | 'clicked' | 'replied' | 'converted'>): EngagementRates {
  return { deliveryRate: rate(t.delivered, t.sent), openRate: rate(t.opened, t.sent), clickRate: rate(t.clicked, t.sent), responseRate: rate(t.replied, t.sent), conversionRate: rate(t.converted, t.sent) };
}

@ObjectType({
  implements: EngagementStats,
  description: 'Rates divide by `sent` (recipients a message went out to); a rate with sent = 0 is 0. Engagement counts are unique per contact.',
})
export class VariantStats extends EngagementStats {
  @Field(() => ID, {
    description:
      'cacheable id (equals variantId): a client cache keeps one VariantStats per variant, so a variantStatsUpdated message updates every query that selected the variant\'s stats',
  })
  id!: string;

  @Field(() => ID)
  variantId!: string;

  @Field(() => Int, { description: 'recipients assigned to the variant' })
  assigned!: number;

  @Field(() => Float)
  revenuePerRecipient!: number;

  @Field(() => Float, {
    nullable: true,
    description:
      "mean seconds from send to the first reply, over recipients with both a SENT and a reply (each recipient's first of each); null without such recipients",
  })
  avgResponseSeconds!: number | null;

  /** Sum over recipients of (recipient revenue)²: with revenue and sent, the variance for Welch's t-test. */
  revenueSumOfSquares!: number;

  @Field(() => Int, { description: 'events stored for the variant, repeats included' })
  events!: number;

  @Field()
  updatedAt!: Date;
}

/** One row of variant_counters (numeric columns arrive as strings from pg). */
export type CounterRow = Record<string, string | number | Date | null>;

/** Counters → stats with rates; a variant without a counters row has all zeros. Pure. */
export function toVariantStats(variantId: string, row: CounterRow | undefined, fallbackTime: Date): VariantStats {
  const n = (k: string) => Number(row?.[k] ?? 0);
  const sent = n('sent');
  const counts = { sent, delivered: n('delivered'), opened: n('opened'), clicked: n('clicked'), replied: n('replied'), converted: n('converted') };
  return {
    id: variantId,
    variantId,
    assigned: n('assigned'),
    sent,
    delivered: n('delivered'),
    failed: n('failed'),
    opened: n('opened'),
    clicked: n('clicked'),
    replied: n('replied'),
    positiveReplies: n('positive_replies'),
    negativeReplies: n('negative_replies'),
    neutralReplies: n('neutral_replies'),
    converted: n('converted'),
    optedOut: n('opted_out'),
    revenue: n('revenue'),
    ...engagementRates(counts),
    revenuePerRecipient: sent > 0 ? n('revenue') / sent : 0,
    avgResponseSeconds: n('responses') > 0 ? n('response_seconds') / n('responses') : null,
    revenueSumOfSquares: n('revenue_sq'),
    events: n('events'),
    updatedAt: row?.updated_at ? new Date(row.updated_at as string | Date) : fallbackTime,
  };
}

/** Counters for a set of variants, in one query. */
export async function loadCounters(em: EntityManager, variantIds: readonly string[]): Promise<Map<string, CounterRow>> {
  if (variantIds.length === 0) return new Map();
  const rows: CounterRow[] = await em.execute(
    `select * from variant_counters where variant_id in (select jsonb_array_elements_text(?::jsonb)::uuid)`,
    [JSON.stringify(variantIds)],
  );
  return new Map(rows.map((r) => [r.variant_id as string, r]));
}
