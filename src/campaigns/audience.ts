/** Who a campaign targets. Stored as JSON on the campaign; the recipients issue resolves it to contacts. */
import { Field, Float, InputType, Int } from 'type-graphql';
import { badInput } from '../errors';
import { GraphQLJSON } from '../graphql/scalars';
import type { Channel } from '../domain/channel';
import { channelReachableSql } from '../contacts/channel-consent';

export interface Audience {
  tags?: string[];
  segments?: string[];
  minDaysSinceContact?: number;
  activeInLastDays?: number;
  attributes?: Record<string, string | number | boolean>;
  orderedInLastDays?: number;
  notOrderedInLastDays?: number;
  minOrderCount?: number;
  minTotalSpend?: number;
  repliedInLastDays?: number;
  minEngagementScore?: number;
}

@InputType()
export class AudienceInput {
  @Field(() => [String], { nullable: true, description: 'contacts with any of these tags' })
  tags?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'contacts in any of these segments' })
  segments?: string[] | null;

  @Field(() => Int, { nullable: true, description: 'contacts not messaged by any campaign for this many days' })
  minDaysSinceContact?: number | null;

  @Field(() => Int, { nullable: true, description: 'contacts with any event in the last N days' })
  activeInLastDays?: number | null;

  @Field(() => GraphQLJSON, { nullable: true, description: 'equality on contact attributes, e.g. {"city": "Lisbon"}' })
  attributes?: unknown;

  // Purchase history, replies and engagement: columns the contact keeps (orders, ingestion, the engagement job).
  @Field(() => Int, { nullable: true, description: 'contacts with an order in the last N days (1-3650)' })
  orderedInLastDays?: number | null;

  @Field(() => Int, { nullable: true, description: 'contacts without an order in the last N days (1-3650), those that never ordered included' })
  notOrderedInLastDays?: number | null;

  @Field(() => Int, { nullable: true, description: 'contacts with at least this many orders (≥ 0)' })
  minOrderCount?: number | null;

  @Field(() => Float, { nullable: true, description: 'contacts whose orders add up to at least this value (≥ 0)' })
  minTotalSpend?: number | null;

  @Field(() => Int, { nullable: true, description: 'contacts that replied to a campaign message in the last N days (1-3650)' })
  repliedInLastDays?: number | null;

  @Field(() => Float, { nullable: true, description: 'contacts whose engagementScore is at least this (0-100)' })
  minEngagementScore?: number | null;
}

/** Checks an audience and drops empty parts; throws INVALID_AUDIENCE with the offending path. */
export function normalizeAudience(input: AudienceInput, path = 'input.audience'): Audience {
  const out: Audience = {};
  const strings = (list: string[] | null | undefined, name: 'tags' | 'segments') => {
    if (!list) return;
    const cleaned = [...new Set(list.map((s) => s.trim()))];
    if (cleaned.some((s) => s === '')) throw badInput('INVALID_AUDIENCE', `${name} cannot contain empty strings`, `${path}.${name}`);
    if (cleaned.length > 0) out[name] = cleaned;
  };
  strings(input.tags, 'tags');
  strings(input.segments, 'segments');
  for (const name of ['minDaysSinceContact', 'activeInLastDays'] as const) {
    const v = input[name];
    if (v === null || v === undefined) continue;
    if (!Number.isInteger(v) || v < (name === 'activeInLastDays' ? 1 : 0) || v > 3650) {
      throw badInput('INVALID_AUDIENCE', `${name} must be a whole number of days from ${name === 'activeInLastDays' ? 1 : 0} to 3650`, `${path}.${name}`);
    }
    out[name] = v;
  }
  for (const name of ['orderedInLastDays', 'notOrderedInLastDays', 'repliedInLastDays'] as const) {
    const v = input[name];
    if (v === null || v === undefined) continue;
    if (!Number.isInteger(v) || v < 1 || v > 3650) throw badInput('INVALID_AUDIENCE', `${name} must be a whole number of days from 1 to 3650`, `${path}.${name}`);
    out[name] = v;
  }
  if (input.minOrderCount !== null && input.minOrderCount !== undefined) {
    const v = input.minOrderCount;
    if (!Number.isInteger(v) || v < 0) throw badInput('INVALID_AUDIENCE', 'minOrderCount must be a whole number ≥ 0', `${path}.minOrderCount`);
    out.minOrderCount = v;
  }
  if (input.minTotalSpend !== null && input.minTotalSpend !== undefined) {
    const v = input.minTotalSpend;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw badInput('INVALID_AUDIENCE', 'minTotalSpend must be a finite number ≥ 0', `${path}.minTotalSpend`);
    out.minTotalSpend = v;
  }
  if (input.minEngagementScore !== null && input.minEngagementScore !== undefined) {
    const v = input.minEngagementScore;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 100) throw badInput('INVALID_AUDIENCE', 'minEngagementScore must be a number from 0 to 100', `${path}.minEngagementScore`);
    out.minEngagementScore = v;
  }
  if (input.attributes !== null && input.attributes !== undefined) {
    const attrs = input.attributes;
    if (typeof attrs !== 'object' || Array.isArray(attrs)) {
      throw badInput('INVALID_AUDIENCE', 'attributes must be an object of attribute → value', `${path}.attributes`);
    }
    for (const [k, v] of Object.entries(attrs)) {
      if (!['string', 'number', 'boolean'].includes(typeof v)) {
        throw badInput('INVALID_AUDIENCE', `attribute ${k} must equal a string, number or boolean`, `${path}.attributes.${k}`);
      }
    }
    if (Object.keys(attrs).length > 0) out.attributes = attrs as Audience['attributes'];
  }
  return out;
}

/**
 * The audience as a SQL condition on `contacts` (alias `c`), with `?` bindings. Lists travel as
 * JSON text so that the driver never expands them. An empty audience selects everyone.
 */
export function audienceCondition(audience: Audience): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (audience.tags?.length) {
    parts.push('c.tags && array(select jsonb_array_elements_text(?::jsonb))');
    params.push(JSON.stringify(audience.tags));
  }
  if (audience.segments?.length) {
    parts.push('c.segment in (select jsonb_array_elements_text(?::jsonb))');
    params.push(JSON.stringify(audience.segments));
  }
  if (audience.minDaysSinceContact !== undefined) {
    parts.push('(c.last_messaged_at is null or c.last_messaged_at < now() - make_interval(days => ?::int))');
    params.push(audience.minDaysSinceContact);
  }
  if (audience.activeInLastDays !== undefined) {
    parts.push('c.last_event_at >= now() - make_interval(days => ?::int)');
    params.push(audience.activeInLastDays);
  }
  if (audience.orderedInLastDays !== undefined) {
    parts.push('c.last_order_at >= now() - make_interval(days => ?::int)');
    params.push(audience.orderedInLastDays);
  }
  if (audience.notOrderedInLastDays !== undefined) {
    parts.push('(c.last_order_at is null or c.last_order_at < now() - make_interval(days => ?::int))');
    params.push(audience.notOrderedInLastDays);
  }
  if (audience.minOrderCount !== undefined) {
    parts.push('c.order_count >= ?::int');
    params.push(audience.minOrderCount);
  }
  if (audience.minTotalSpend !== undefined) {
    parts.push('c.total_spend >= ?::numeric');
    params.push(audience.minTotalSpend);
  }
  if (audience.repliedInLastDays !== undefined) {
    parts.push('c.last_replied_at >= now() - make_interval(days => ?::int)');
    params.push(audience.repliedInLastDays);
  }
  if (audience.minEngagementScore !== undefined) {
    // The column is real: compare in real, so that a threshold equal to a stored score (25.9) matches it.
    parts.push('c.engagement_score >= ?::real');
    params.push(audience.minEngagementScore);
  }
  if (audience.attributes && Object.keys(audience.attributes).length > 0) {
    parts.push('c.attributes @> ?::jsonb'); // every given key equals (JSON types compared strictly)
    params.push(JSON.stringify(audience.attributes));
  }
  return { sql: parts.length ? parts.join(' and ') : 'true', params };
}

/**
 * The audience's contacts a campaign on `channel` may reach (consent on that channel, not opted
 * out of it), as a SQL condition on `contacts` (alias `c`) with `?` bindings: what sends, waves,
 * send-time previews and the learning count. The address is not required here (a contact without
 * one is queued and its send fails with the reason); estimateReachByChannel requires it.
 */
export function reachableCondition(audience: Audience, channel: Channel): { sql: string; params: unknown[] } {
  const where = audienceCondition(audience);
  return { sql: `${channelReachableSql(channel)} and (${where.sql})`, params: where.params };
}
