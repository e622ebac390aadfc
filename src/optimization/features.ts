/**
 * Features for the conversion model, built from messages and the contact's history before each
 * message. Pure (no I/O): rows in, numeric vectors out.
 *
 * A message is an `assignments` row with `sent_at` (one per campaign and recipient). For a target
 * message sent at t, the contact's history is its other messages sent strictly before t, and of
 * their facts only those that happened strictly before t: a click on the previous campaign that
 * came after this send does not exist yet when this message goes out (no leakage).
 *
 * Prior engagement and conversion rates are shrunk toward the workspace's rate with a Beta prior
 * of mean m and strength M (pseudo-messages): posterior mean (k + M·m)/(n + M) (Gelman et al.,
 * Bayesian Data Analysis, 3rd ed., §2.4; the empirical-Bayes reading is Efron & Morris 1975). A
 * contact with no history gets the workspace rate, one with many messages its own.
 *
 * Label: converted within `labelDays` of the send (7 by default). A message whose window has not
 * closed at `asOf` has no label yet and is left out of training.
 */
import { smsLength } from '../campaigns/templates/sms-segments';

export const DAY_MS = 86_400_000;

export const CHANNELS = ['SMS', 'WHATSAPP', 'EMAIL'] as const;
export const CAMPAIGN_TYPES = ['STANDARD', 'AB_TEST', 'BANDIT'] as const;

/** One message as the model sees it. Times are epoch milliseconds. */
export interface MessageRow {
  contactId: string;
  sentAt: number;
  /** Local hour 0–23 and ISO weekday 0 (Monday) – 6 (Sunday) of `sentAt` in the contact's zone (else the workspace's). */
  localHour: number;
  localWeekday: number;
  channel: string;
  campaignType: string;
  /** The campaign's offer; null when none. */
  offerAmount: number | null;
  /** The variant's template (unrendered); null when unknown. */
  template: string | null;
  segment: string | null;
  tags: readonly string[];
  /** First engagement (click, reply, conversion; open on WHATSAPP/EMAIL), or null. */
  engagedAt: number | null;
  convertedAt: number | null;
}

/** What a message's history needs (any message of the contact). */
export type HistoryRow = Pick<MessageRow, 'contactId' | 'sentAt' | 'engagedAt' | 'convertedAt'>;

/** Everything needed to turn a message into the same vector at training and at scoring time. */
export interface FeatureEncoding {
  version: 1;
  /** Top segments by messages (one-hot each; the rest, and no segment, is `segment:other`). */
  segments: string[];
  /** Top tags by messages (one-hot each). */
  tags: string[];
  /** Beta prior means: the workspace's engagement and conversion rate per message (training messages). */
  engagementPrior: number;
  conversionPrior: number;
  /** Beta prior strength M in pseudo-messages. */
  priorStrength: number;
  /** Cap for "days since" features; also their value when there is no such event. */
  maxDays: number;
  /** Column names, in vector order. */
  names: string[];
}

export interface EncodingOptions {
  topSegments: number;
  topTags: number;
  priorStrength: number;
  maxDays: number;
}

export const DEFAULT_ENCODING_OPTIONS: EncodingOptions = { topSegments: 6, topTags: 10, priorStrength: 10, maxDays: 365 };

const BASE_NAMES = [
  'localHour',
  'localWeekday',
  ...CHANNELS.map((c) => `channel:${c}`),
  ...CAMPAIGN_TYPES.map((t) => `campaignType:${t}`),
  'offerAmount',
  'messageLength',
  'smsSegments',
  'priorMessages',
  'priorEngagementRate',
  'priorConversionRate',
  'daysSincePreviousMessage',
  'daysSincePreviousEngagement',
];

/** The `k` most frequent values (ties by name, so the encoding does not depend on row order). */
function topValues(counts: Map<string, number>, k: number): string[] {
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, k)
    .map(([v]) => v);
}

/**
 * The encoding learnt from the training messages: vocabularies and prior means. Engagement and
 * conversion are counted as they are in the rows (the caller passes only messages whose facts it
 * trusts, i.e. the training set).
 */
export function fitEncoding(rows: readonly MessageRow[], options: EncodingOptions = DEFAULT_ENCODING_OPTIONS): FeatureEncoding {
  const segmentCounts = new Map<string, number>();
  const tagCounts = new Map<string, number>();
  let engaged = 0;
  let converted = 0;
  for (const r of rows) {
    if (r.segment !== null && r.segment !== '') segmentCounts.set(r.segment, (segmentCounts.get(r.segment) ?? 0) + 1);
    for (const t of new Set(r.tags)) tagCounts.set(t, (tagCounts.get(t) ?? 0) + 1);
    if (r.engagedAt !== null) engaged++;
    if (r.convertedAt !== null) converted++;
  }
  const segments = topValues(segmentCounts, options.topSegments);
  const tags = topValues(tagCounts, options.topTags);
  const n = rows.length;
  return {
    version: 1,
    segments,
    tags,
    engagementPrior: n > 0 ? engaged / n : 0,
    conversionPrior: n > 0 ? converted / n : 0,
    priorStrength: options.priorStrength,
    maxDays: options.maxDays,
    names: [...BASE_NAMES, ...segments.map((s) => `segment:${s}`), 'segment:other', ...tags.map((t) => `tag:${t}`)],
  };
}

/** A contact's messages sorted by send time, for history look-ups. */
export type HistoryIndex = Map<string, HistoryRow[]>;

export function indexHistory(history: readonly HistoryRow[]): HistoryIndex {
  const index: HistoryIndex = new Map();
  for (const h of history) {
    let list = index.get(h.contactId);
    if (!list) index.set(h.contactId, (list = []));
    list.push(h);
  }
  for (const list of index.values()) list.sort((a, b) => a.sentAt - b.sentAt);
  return index;
}

/** What the contact's history says at time `t` (only messages sent, and facts that happened, before t). */
export interface PriorSummary {
  messages: number;
  engaged: number;
  converted: number;
  lastSentAt: number | null;
  lastEngagedAt: number | null;
}

export function priorSummary(list: readonly HistoryRow[] | undefined, t: number): PriorSummary {
  const s: PriorSummary = { messages: 0, engaged: 0, converted: 0, lastSentAt: null, lastEngagedAt: null };
  if (!list) return s;
  for (const h of list) {
    if (h.sentAt >= t) break; // sorted by sentAt
    s.messages++;
    s.lastSentAt = h.sentAt;
    if (h.engagedAt !== null && h.engagedAt < t) {
      s.engaged++;
      if (s.lastEngagedAt === null || h.engagedAt > s.lastEngagedAt) s.lastEngagedAt = h.engagedAt;
    }
    if (h.convertedAt !== null && h.convertedAt < t) s.converted++;
  }
  return s;
}

const templateCache = new Map<string, { length: number; segments: number }>();

/** Characters and SMS segments of a template (3GPP TS 23.038/23.040, via the campaigns' counter). */
export function templateSize(template: string | null): { length: number; segments: number } {
  if (template === null) return { length: 0, segments: 0 };
  let size = templateCache.get(template);
  if (!size) {
    const l = smsLength(template);
    size = { length: l.characters, segments: l.segments };
    if (templateCache.size > 10_000) templateCache.clear();
    templateCache.set(template, size);
  }
  return size;
}

/** The feature vector of one message (order: `encoding.names`). */
export function featureVector(row: MessageRow, prior: PriorSummary, encoding: FeatureEncoding): number[] {
  const M = encoding.priorStrength;
  const days = (from: number | null) => (from === null ? encoding.maxDays : Math.min(encoding.maxDays, (row.sentAt - from) / DAY_MS));
  const size = templateSize(row.template);
  const v: number[] = [
    row.localHour,
    row.localWeekday,
    ...CHANNELS.map((c) => (row.channel === c ? 1 : 0)),
    ...CAMPAIGN_TYPES.map((t) => (row.campaignType === t ? 1 : 0)),
    row.offerAmount ?? 0,
    size.length,
    size.segments,
    prior.messages,
    (prior.engaged + M * encoding.engagementPrior) / (prior.messages + M),
    (prior.converted + M * encoding.conversionPrior) / (prior.messages + M),
    days(prior.lastSentAt),
    days(prior.lastEngagedAt),
  ];
  let known = false;
  for (const s of encoding.segments) {
    const hit = row.segment === s;
    known ||= hit;
    v.push(hit ? 1 : 0);
  }
  v.push(known ? 0 : 1);
  for (const t of encoding.tags) v.push(row.tags.includes(t) ? 1 : 0);
  return v;
}

/** Feature vectors of `targets`, each with the history (from `history`) before its own send. */
export function buildFeatures(targets: readonly MessageRow[], history: readonly HistoryRow[] | HistoryIndex, encoding: FeatureEncoding): number[][] {
  const index = history instanceof Map ? history : indexHistory(history);
  return targets.map((row) => featureVector(row, priorSummary(index.get(row.contactId), row.sentAt), encoding));
}

/**
 * 1 when converted within `labelDays` after the send, 0 when not; null while the window is still
 * open at `asOf`, even if it already converted: keeping early conversions of open windows but not
 * their non-conversions would inflate the recent base rate.
 */
export function conversionLabel(row: Pick<MessageRow, 'sentAt' | 'convertedAt'>, labelDays: number, asOf: number): 0 | 1 | null {
  const end = row.sentAt + labelDays * DAY_MS;
  if (end > asOf) return null;
  return row.convertedAt !== null && row.convertedAt >= row.sentAt && row.convertedAt <= end ? 1 : 0;
}
