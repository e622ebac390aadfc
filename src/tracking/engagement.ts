/**
 * Unique counting. Each recipient (campaign × contact) keeps the first time each fact happened;
 * an event counts in the rates' counters only when it fills one of those for the first time.
 * Every event is still stored, and revenue sums every CONVERTED value. Pure: state and events
 * in, the updates to write out.
 */
import { EventType } from '../domain/event-type';
import type { SentimentValue } from './event-input';

/** The facts counted once per recipient, in the order the counters list them. */
export const FACTS = ['sent', 'delivered', 'failed', 'opened', 'clicked', 'replied', 'positiveReplies', 'negativeReplies', 'neutralReplies', 'converted', 'optedOut'] as const;
export type Fact = (typeof FACTS)[number];

/** The counter column (variant_counters, variant_hourly, variant_daily) of each fact. */
export const COUNTER_COLUMN: Record<Fact, string> = {
  sent: 'sent',
  delivered: 'delivered',
  failed: 'failed',
  opened: 'opened',
  clicked: 'clicked',
  replied: 'replied',
  positiveReplies: 'positive_replies',
  negativeReplies: 'negative_replies',
  neutralReplies: 'neutral_replies',
  converted: 'converted',
  optedOut: 'opted_out',
};

/**
 * The fact a reply's sentiment adds to `replied`. A REPLIED event without a sentiment (a client or
 * webhook that gave none) counts in `replied` only: "not classified" is not NEUTRAL (NEUTRAL is a
 * label, given by the client or by the classifier for a message with no signal), so the three
 * sentiment counts need not add up to `replied`; nor, since one recipient can reply with several
 * sentiments (counted once in each), is their sum bounded by it.
 */
export const SENTIMENT_FACT: Record<SentimentValue, Fact> = {
  POSITIVE: 'positiveReplies',
  NEGATIVE: 'negativeReplies',
  NEUTRAL: 'neutralReplies',
};

export function factOf(type: EventType, sentiment: SentimentValue | null): Fact[] {
  switch (type) {
    case EventType.SENT:
      return ['sent'];
    case EventType.DELIVERED:
      return ['delivered'];
    case EventType.FAILED:
      return ['failed'];
    case EventType.OPENED:
      return ['opened'];
    case EventType.CLICKED:
      return ['clicked'];
    case EventType.REPLIED:
      return sentiment ? ['replied', SENTIMENT_FACT[sentiment]] : ['replied'];
    case EventType.CONVERTED:
      return ['converted'];
    case EventType.OPTED_OUT:
      return ['optedOut'];
    case EventType.OPTED_IN:
      return [];
  }
}

/** A recipient's engagement so far: when each fact first happened, and revenue. */
export interface RecipientState {
  campaignId: string;
  contactId: string;
  variantId: string;
  workspaceId: string;
  first: Partial<Record<Fact, Date | null>>;
  revenue: number;
}

export interface CountedEvent {
  campaignId: string;
  contactId: string;
  type: EventType;
  sentiment: SentimentValue | null;
  occurredAt: Date;
  value: number | null;
}

/** Unique facts, plus `messages` (every SENT, repeats included: cost is per message) and revenue. */
export type Counts = Record<Fact, number> & { messages: number; revenue: number };

export interface VariantDelta extends Counts {
  variantId: string;
  campaignId: string;
  workspaceId: string;
  /** Change in the sum over recipients of (recipient revenue)², for Welch's t-test. */
  revenueSq: number;
  /** Change in the sum over recipients of seconds from their first SENT to their first reply. */
  responseSeconds: number;
  /** Change in how many recipients that sum covers (see `responseSecondsOf`). */
  responses: number;
  events: number;
}

export interface HourlyDelta extends Counts {
  variantId: string;
  campaignId: string;
  hour: Date;
}

export interface EngagementUpdate {
  /** Recipients the events touched, with their new state. */
  recipients: RecipientState[];
  variants: VariantDelta[];
  hourly: HourlyDelta[];
}

export const recipientKey = (campaignId: string, contactId: string) => `${campaignId}|${contactId}`;

const zeroCounts = (): Counts => ({ messages: 0, sent: 0, delivered: 0, failed: 0, opened: 0, clicked: 0, replied: 0, positiveReplies: 0, negativeReplies: 0, neutralReplies: 0, converted: 0, optedOut: 0, revenue: 0 });

/**
 * A recipient's response time: seconds from the first SENT to the first reply, or null while
 * either is missing (or the reply is stamped before the send: clocks of different sources).
 * Both times are the earliest seen, so a late-arriving earlier event moves it; the counters then
 * move by the difference.
 */
export function responseSecondsOf(first: RecipientState['first']): number | null {
  const sent = first.sent;
  const replied = first.replied;
  if (!sent || !replied || replied < sent) return null;
  return (replied.getTime() - sent.getTime()) / 1000;
}

export function hourOf(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 3_600_000) * 3_600_000);
}

/** Applies newly stored events to the recipients' state: what to write, and by how much counters move. */
export function applyEvents(states: ReadonlyMap<string, RecipientState>, events: readonly CountedEvent[]): EngagementUpdate {
  const next = new Map<string, RecipientState>();
  const variants = new Map<string, VariantDelta>();
  const hourly = new Map<string, HourlyDelta>();

  for (const e of events) {
    const key = recipientKey(e.campaignId, e.contactId);
    const before = next.get(key) ?? states.get(key);
    if (!before) throw new Error(`no recipient state for ${key}`); // the pipeline resolved it first
    const state: RecipientState = next.get(key) ?? { ...before, first: { ...before.first } };
    next.set(key, state);

    let v = variants.get(state.variantId);
    if (!v) {
      v = { variantId: state.variantId, campaignId: state.campaignId, workspaceId: state.workspaceId, ...zeroCounts(), revenueSq: 0, responseSeconds: 0, responses: 0, events: 0 };
      variants.set(state.variantId, v);
    }
    // A fact counts in the hour of the event that counted it (an earlier event arriving later
    // moves the recipient's first time, not the bucket).
    const hour = hourOf(e.occurredAt);
    const hourKey = `${state.variantId}|${hour.getTime()}`;
    const bucket = (): HourlyDelta => {
      let h = hourly.get(hourKey);
      if (!h) {
        h = { variantId: state.variantId, campaignId: state.campaignId, hour, ...zeroCounts() };
        hourly.set(hourKey, h);
      }
      return h;
    };

    v.events += 1;
    if (e.type === EventType.SENT) {
      v.messages += 1;
      bucket().messages += 1;
    }
    for (const fact of factOf(e.type, e.sentiment)) {
      const seen = state.first[fact];
      if (!seen) {
        state.first[fact] = e.occurredAt;
        v[fact] += 1;
        bucket()[fact] += 1;
      } else if (e.occurredAt < seen) {
        state.first[fact] = e.occurredAt; // keep the earliest time; already counted
      }
    }
    if (e.type === EventType.CONVERTED && e.value) {
      const old = state.revenue;
      state.revenue = old + e.value;
      v.revenue += e.value;
      v.revenueSq += state.revenue * state.revenue - old * old;
      bucket().revenue += e.value;
    }
  }
  // Response times: each touched recipient's contribution after the events minus before them.
  for (const [key, state] of next) {
    const before = responseSecondsOf(states.get(key)!.first);
    const after = responseSecondsOf(state.first);
    if (before === after) continue;
    const v = variants.get(state.variantId)!;
    v.responseSeconds += (after ?? 0) - (before ?? 0);
    v.responses += (after === null ? 0 : 1) - (before === null ? 0 : 1);
  }
  return { recipients: [...next.values()], variants: [...variants.values()], hourly: [...hourly.values()] };
}
