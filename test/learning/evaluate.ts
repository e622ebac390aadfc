/**
 * Scores the learning features' public answers against a world's known truth (test/learning/world.ts).
 * The pure scoring functions are exported on their own (unit-tested); `evaluateWorld` asks the API.
 *
 * The API parts it reads (contract names, /work/shared/contract.graphql): Query.sendTimeRecommendation,
 * Query.merchantAffinity, Mutation.trainModel → ModelInfo.metrics {auc, baselineAuc},
 * Mutation.generateRecommendations → Recommendation {type OFFER, segment, recommendedValue}. They are
 * sent as untyped operations, so this file compiles before those parts exist; a missing field makes
 * the request fail with the server's validation message.
 */
import type { TestApp } from '../helpers/harness';
import { interactionCounts, type World } from './world';
import type { WrittenWorld } from './writer';

export interface Targets {
  sendTimeWithHistory: number;
  sendTimeEveryone: number;
  offerWithinOneStep: number;
  aucLift: number;
  affinityTop1: number;
}

/** The issue's targets. */
export const ISSUE_TARGETS: Targets = { sendTimeWithHistory: 0.8, sendTimeEveryone: 0.5, offerWithinOneStep: 0.8, aucLift: 0.1, affinityTop1: 0.7 };

// ── pure scoring ─────────────────────────────────────────────────────────────

/** Uplift of hour h over a uniformly random hour: rates[h] − mean(rates). */
export function uplift(rates: readonly number[], hour: number): number {
  return rates[hour]! - rates.reduce((a, b) => a + b, 0) / rates.length;
}

function argmax(xs: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! > xs[best]!) best = i;
  return best;
}

/**
 * Share of the oracle's uplift over random hours that the chosen hours capture, summed over the
 * contacts: Σ (r[chosen] − mean r) / Σ (r[oracle] − mean r). 1 is the oracle; 0 is random; it is
 * negative when the choices are worse than random. Summed (not averaged per contact) so contacts
 * with flat preferences, whose uplift is tiny, do not dominate.
 */
export function capturedShare(trueRates: readonly (readonly number[])[], hours: readonly number[]): number {
  let got = 0;
  let best = 0;
  trueRates.forEach((rates, i) => {
    got += uplift(rates, hours[i]!);
    best += uplift(rates, argmax(rates));
  });
  return best > 0 ? got / best : 0;
}

/**
 * ROC AUC as the Mann–Whitney U statistic over (positive, negative) pairs, ties counting ½
 * (Hanley & McNeil 1982, "The meaning and use of the area under a ROC curve", Radiology 143).
 * Sorted once: O(n log n).
 */
export function rocAuc(scores: readonly number[], labels: readonly boolean[]): number {
  const idx = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j < idx.length && scores[idx[j]!] === scores[idx[i]!]) j++;
    const midRank = (i + 1 + j) / 2; // average 1-based rank of the tied block
    for (let k = i; k < j; k++) if (labels[idx[k]!]) {
      positives++;
      rankSum += midRank;
    }
    i = j;
  }
  const negatives = idx.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Grid index nearest to a value. */
export function nearestGridIndex(grid: readonly number[], value: number): number {
  let best = 0;
  for (let i = 1; i < grid.length; i++) if (Math.abs(grid[i]! - value) < Math.abs(grid[best]! - value)) best = i;
  return best;
}

/**
 * A reference for the offer figure: each segment's offer chosen by plain empirical expected profit
 * per message, conversions/messages × (mean order value − offer), from the world's own history
 * (no shrinkage, no intervals): what the data can tell at this scale.
 */
export function empiricalOfferChoice(world: World): number[] {
  return world.segments.map((s) => {
    const messages = new Array<number>(world.options.offers.length).fill(0);
    const conversions = new Array<number>(world.options.offers.length).fill(0);
    let revenue = 0;
    let orders = 0;
    for (const m of world.messages) {
      if (world.contacts[m.contact]!.segment !== s.id) continue;
      messages[m.offerIndex]!++;
      if (m.converted) {
        conversions[m.offerIndex]!++;
        revenue += m.value!;
        orders++;
      }
    }
    const value = orders ? revenue / orders : 0;
    return argmax(world.options.offers.map((o, i) => (messages[i] ? (conversions[i]! / messages[i]!) * (value - o) : Number.NEGATIVE_INFINITY)));
  });
}

/** A reference for the affinity figure: the merchant a contact interacted with most (ties: the more popular). */
export function pluralityFavourite(counts: readonly number[], popularity: readonly number[]): number {
  let best = 0;
  for (let k = 1; k < counts.length; k++) {
    if (counts[k]! > counts[best]! || (counts[k] === counts[best] && popularity[k]! > popularity[best]!)) best = k;
  }
  return best;
}

/** The true segment's best hour for every contact: what knowing the segments' curves (and nothing individual) achieves. */
export function segmentCeilingHours(world: World): number[] {
  const best = new Map(world.population.segments.map((s) => [s.id, argmax(s.curve)]));
  return world.contacts.map((c) => best.get(c.segment)!);
}

// ── figures ──────────────────────────────────────────────────────────────────

export interface SendTimeFigures {
  contacts: number;
  withHistory: number;
  capturedWithHistory: number;
  capturedEveryone: number;
  /** References from the truth: the segment's true best hour for everyone. */
  segmentCeilingWithHistory: number;
  segmentCeilingEveryone: number;
  basis: Record<string, number>;
  ms: number;
}

export interface OfferSegmentFigure {
  segment: string;
  trueOptimum: number;
  /** null: no decided OFFER recommendation for the segment (see agreedOffers; counted as a miss). */
  chosen: number | null;
  withinOneStep: boolean;
  confidence: number | null;
  empirical: number;
}

export interface OfferFigures {
  segments: OfferSegmentFigure[];
  withinOneStep: number;
  /** Reference: the plain empirical choice within one step. */
  empiricalWithinOneStep: number;
  ms: number;
}

export interface ModelFigures {
  auc: number;
  baselineAuc: number;
  lift: number;
  /** Reference: AUC of the true conversion probabilities on every message whose label window closed. */
  oracleAuc: number;
  version: number | null;
  samples: number | null;
  ms: number;
}

export interface AffinityFigures {
  /** Contacts with at least one merchant interaction. */
  contacts: number;
  top1: number;
  contactsMin3: number;
  top1Min3: number;
  /** Reference: the contact's own most frequent merchant. */
  pluralityTop1: number;
  pluralityTop1Min3: number;
  ms: number;
}

export interface Figures {
  sendTime: SendTimeFigures;
  offers: OfferFigures;
  model: ModelFigures;
  affinity: AffinityFigures;
}

function share(xs: readonly boolean[]): number {
  return xs.length ? xs.filter(Boolean).length / xs.length : Number.NaN;
}

export function offerFigures(world: World, chosen: Map<string, { value: number; confidence: number | null }>): Omit<OfferFigures, 'ms'> {
  const grid = world.options.offers;
  const empirical = empiricalOfferChoice(world);
  const segments = world.segments.map((s, i) => {
    const c = chosen.get(s.id);
    return {
      segment: s.id,
      trueOptimum: grid[s.optimalOfferIndex]!,
      chosen: c?.value ?? null,
      withinOneStep: c !== undefined && Math.abs(nearestGridIndex(grid, c.value) - s.optimalOfferIndex) <= 1,
      confidence: c?.confidence ?? null,
      empirical: grid[empirical[i]!]!,
    };
  });
  return {
    segments,
    withinOneStep: share(segments.map((s) => s.withinOneStep)),
    empiricalWithinOneStep: share(world.segments.map((s, i) => Math.abs(empirical[i]! - s.optimalOfferIndex) <= 1)),
  };
}

export function affinityFigures(world: World, topMerchant: readonly (string | null)[]): Omit<AffinityFigures, 'ms'> {
  const counts = interactionCounts(world);
  const popularity = world.merchants.map((m) => m.popularity);
  const hits: boolean[] = [];
  const hitsMin3: boolean[] = [];
  const plural: boolean[] = [];
  const pluralMin3: boolean[] = [];
  world.contacts.forEach((c, i) => {
    const n = counts[i]!.reduce((a, b) => a + b, 0);
    if (n === 0) return;
    const hit = topMerchant[i] === world.merchants[c.favouriteMerchant]!.id;
    const p = pluralityFavourite(counts[i]!, popularity) === c.favouriteMerchant;
    hits.push(hit);
    plural.push(p);
    if (n >= 3) {
      hitsMin3.push(hit);
      pluralMin3.push(p);
    }
  });
  return { contacts: hits.length, top1: share(hits), contactsMin3: hitsMin3.length, top1Min3: share(hitsMin3), pluralityTop1: share(plural), pluralityTop1Min3: share(pluralMin3) };
}

export function sendTimeFigures(world: World, hours: readonly number[], basis: readonly string[]): Omit<SendTimeFigures, 'ms'> {
  const rates = world.contacts.map((c) => c.trueRates);
  const withHistory = world.contacts.map((c, i) => (c.messages >= 10 ? i : -1)).filter((i) => i >= 0);
  const ceiling = segmentCeilingHours(world);
  const counts: Record<string, number> = {};
  for (const b of basis) counts[b] = (counts[b] ?? 0) + 1;
  return {
    contacts: world.contacts.length,
    withHistory: withHistory.length,
    capturedWithHistory: capturedShare(withHistory.map((i) => rates[i]!), withHistory.map((i) => hours[i]!)),
    capturedEveryone: capturedShare(rates, hours),
    segmentCeilingWithHistory: capturedShare(withHistory.map((i) => rates[i]!), withHistory.map((i) => ceiling[i]!)),
    segmentCeilingEveryone: capturedShare(rates, ceiling),
    basis: counts,
  };
}

/** AUC of the true conversion probabilities over messages sent at least `labelDays` before `now`. */
export function oracleAuc(world: World, now: Date, labelDays = 7): number {
  const closed = world.messages.filter((m) => m.sentAt <= now.getTime() - labelDays * 86_400_000);
  return rocAuc(closed.map((m) => m.conversionProbability), closed.map((m) => m.converted));
}

// ── asking the API ───────────────────────────────────────────────────────────

async function query<T>(t: TestApp, key: string, q: string, variables: Record<string, unknown>, what: string): Promise<T> {
  const r = await t.raw<T>(q, variables, key);
  if (r.errors?.length || !r.data) throw new Error(`${what} failed (status ${r.status}): ${JSON.stringify(r.errors?.slice(0, 3))}`);
  return r.data;
}

/** One request per `batch` contacts, each contact an aliased field (ids are UUIDs: safe inline). */
async function perContact<T>(t: TestApp, key: string, ids: readonly string[], field: (id: string) => string, what: string, batch: number): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += batch) {
    const part = ids.slice(i, i + batch);
    const data = await query<Record<string, T>>(t, key, `query { ${part.map((id, k) => `c${k}: ${field(id)}`).join('\n')} }`, {}, what);
    part.forEach((_, k) => out.push(data[`c${k}`]!));
  }
  return out;
}

export interface EvaluateOptions {
  /** Called before any query, e.g. to run the daily jobs (the batch path). */
  refresh?: () => Promise<void>;
  /** Contacts per request for per-contact queries. */
  batch?: number;
  now?: Date;
}

const elapsed = (start: number) => Date.now() - start;

export async function evaluateSendTime(t: TestApp, key: string, world: World, written: WrittenWorld, batch = 100): Promise<SendTimeFigures> {
  const start = Date.now();
  const recs = await perContact<{ optimalHour: number; basis: string }>(
    t,
    key,
    written.contactIds,
    (id) => `sendTimeRecommendation(contactId: "${id}") { optimalHour basis }`,
    'sendTimeRecommendation',
    batch,
  );
  return { ...sendTimeFigures(world, recs.map((r) => r.optimalHour), recs.map((r) => r.basis)), ms: elapsed(start) };
}

export async function evaluateAffinity(t: TestApp, key: string, world: World, written: WrittenWorld, batch = 100): Promise<AffinityFigures> {
  const start = Date.now();
  const top = await perContact<{ merchantId: string; score: number }[]>(
    t,
    key,
    written.contactIds,
    (id) => `merchantAffinity(contactId: "${id}", limit: 1) { merchantId score }`,
    'merchantAffinity',
    batch,
  );
  return { ...affinityFigures(world, top.map((rows) => rows[0]?.merchantId ?? null)), ms: elapsed(start) };
}

export async function evaluateModel(t: TestApp, key: string, world: World, now = new Date()): Promise<ModelFigures> {
  const start = Date.now();
  const { trainModel } = await query<{ trainModel: { version: number; samples: number; metrics: Record<string, unknown> } }>(
    t,
    key,
    'mutation { trainModel { version samples metrics } }',
    {},
    'trainModel',
  );
  const auc = Number(trainModel.metrics.auc);
  const baselineAuc = Number(trainModel.metrics.baselineAuc);
  if (!Number.isFinite(auc) || !Number.isFinite(baselineAuc)) throw new Error(`ModelInfo.metrics lacks auc / baselineAuc: ${JSON.stringify(trainModel.metrics)}`);
  return { auc, baselineAuc, lift: auc - baselineAuc, oracleAuc: oracleAuc(world, now), version: trainModel.version ?? null, samples: trainModel.samples ?? null, ms: elapsed(start) };
}

/** The OFFER recommendation per segment for a new DRAFT campaign with this offer and every segment of the world as its audience. */
async function offerRecommendations(t: TestApp, key: string, world: World, offer: number): Promise<Map<string, { value: number; confidence: number | null }>> {
  const { createCampaign } = await query<{ createCampaign: { id: string } }>(
    t,
    key,
    'mutation($i: CreateCampaignInput!) { createCampaign(input: $i) { id } }',
    { i: { name: `${world.options.tag} offer evaluation at ${offer}`, type: 'STANDARD', channel: 'SMS', offerAmount: offer, audience: { segments: world.segments.map((s) => s.id) }, variants: [{ template: 'Hi {first_name|there}, new deals are in today. Reply STOP to opt out' }] } },
    'createCampaign (offer evaluation)',
  );
  const { generateRecommendations } = await query<{ generateRecommendations: { type: string; segment: string | null; recommendedValue: string; confidence: number }[] }>(
    t,
    key,
    'mutation($id: ID!) { generateRecommendations(campaignId: $id) { type segment recommendedValue confidence } }',
    { id: createCampaign.id },
    'generateRecommendations',
  );
  const out = new Map<string, { value: number; confidence: number | null }>();
  for (const r of generateRecommendations) {
    if (r.type !== 'OFFER' || !r.segment) continue;
    const value = Number.parseFloat(r.recommendedValue);
    if (Number.isFinite(value)) out.set(r.segment, { value, confidence: r.confidence });
  }
  return out;
}

/**
 * The offer each segment's recommendation chooses. A recommender that cannot tell (too little data,
 * or no offer likely enough to be the best) keeps the campaign's current offer, and reading that as
 * its choice would credit it with whatever the current offer happens to be. So recommendations are
 * generated for two campaigns, one at the lowest and one at the highest grid offer: a segment whose
 * two recommendations agree has a choice independent of the current offer; one whose two differ
 * (or that has none) is undecided and counts as a miss (chosen = null).
 */
export function agreedOffers(low: Map<string, { value: number; confidence: number | null }>, high: Map<string, { value: number; confidence: number | null }>): Map<string, { value: number; confidence: number | null }> {
  const out = new Map<string, { value: number; confidence: number | null }>();
  for (const [segment, a] of low) {
    const b = high.get(segment);
    if (b && Math.abs(a.value - b.value) < 1e-9) out.set(segment, { value: a.value, confidence: Math.min(a.confidence ?? 1, b.confidence ?? 1) });
  }
  return out;
}

export async function evaluateOffers(t: TestApp, key: string, world: World): Promise<OfferFigures> {
  const start = Date.now();
  const grid = world.options.offers;
  const low = await offerRecommendations(t, key, world, grid[0]!);
  const high = await offerRecommendations(t, key, world, grid[grid.length - 1]!);
  return { ...offerFigures(world, agreedOffers(low, high)), ms: elapsed(start) };
}

export async function evaluateWorld(t: TestApp, key: string, world: World, written: WrittenWorld, options: EvaluateOptions = {}): Promise<Figures> {
  const batch = options.batch ?? 100;
  if (options.refresh) await options.refresh();
  const sendTime = await evaluateSendTime(t, key, world, written, batch);
  const affinity = await evaluateAffinity(t, key, world, written, batch);
  const offers = await evaluateOffers(t, key, world);
  const model = await evaluateModel(t, key, world, options.now);
  return { sendTime, offers, model, affinity };
}

// ── reporting ────────────────────────────────────────────────────────────────

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)} %` : 'n/a');
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');

/**
 * A markdown table of the figures beside the targets and the truth-side references. A part that
 * could not be measured is a row saying why (`missing`: part → reason).
 */
export function figuresTable(f: Partial<Figures>, targets: Targets = ISSUE_TARGETS, missing: Partial<Record<keyof Figures, string>> = {}): string {
  const rows: string[][] = [];
  const absent = (part: keyof Figures, what: string) => rows.push([what, 'not measured', '', '', (missing[part] ?? 'not run').replace(/\|/g, '/').slice(0, 200)]);
  if (f.sendTime) {
    rows.push([
      `send time: captured share of the oracle's uplift, contacts with ≥ 10 messages (${f.sendTime.withHistory})`,
      pct(f.sendTime.capturedWithHistory),
      `≥ ${pct(targets.sendTimeWithHistory)}`,
      verdict(f.sendTime.capturedWithHistory >= targets.sendTimeWithHistory),
      `segment's true best hour: ${pct(f.sendTime.segmentCeilingWithHistory)}`,
    ]);
    rows.push([
      `send time: captured share, everyone (${f.sendTime.contacts})`,
      pct(f.sendTime.capturedEveryone),
      `≥ ${pct(targets.sendTimeEveryone)}`,
      verdict(f.sendTime.capturedEveryone >= targets.sendTimeEveryone),
      `segment's true best hour: ${pct(f.sendTime.segmentCeilingEveryone)}`,
    ]);
  } else absent('sendTime', 'send time');
  if (f.offers) {
    rows.push([
      `offers: chosen within one grid step of the true optimum (${f.offers.segments.length} segments)`,
      pct(f.offers.withinOneStep),
      `≥ ${pct(targets.offerWithinOneStep)}`,
      verdict(f.offers.withinOneStep >= targets.offerWithinOneStep),
      `plain empirical argmax: ${pct(f.offers.empiricalWithinOneStep)}`,
    ]);
  } else absent('offers', 'offers');
  if (f.model) {
    rows.push([
      `conversion model: held-out AUC − baseline AUC (AUC ${f.model.auc.toFixed(3)}, baseline ${f.model.baselineAuc.toFixed(3)})`,
      f.model.lift.toFixed(3),
      `≥ ${targets.aucLift.toFixed(2)}`,
      verdict(f.model.lift >= targets.aucLift),
      `true probabilities' AUC: ${f.model.oracleAuc.toFixed(3)}`,
    ]);
  } else absent('model', 'conversion model');
  if (f.affinity) {
    rows.push([
      `affinity: true favourite first, contacts with ≥ 1 interaction (${f.affinity.contacts})`,
      pct(f.affinity.top1),
      `≥ ${pct(targets.affinityTop1)}`,
      verdict(f.affinity.top1 >= targets.affinityTop1),
      `own most frequent merchant: ${pct(f.affinity.pluralityTop1)}`,
    ]);
    rows.push([`affinity: same, contacts with ≥ 3 interactions (${f.affinity.contactsMin3})`, pct(f.affinity.top1Min3), '—', '—', `own most frequent merchant: ${pct(f.affinity.pluralityTop1Min3)}`]);
  } else absent('affinity', 'affinity');
  return ['| figure | measured | target | verdict | reference from the truth |', '|---|---|---|---|---|', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** Per-segment offers, as a markdown table. */
export function offersTable(f: OfferFigures): string {
  return [
    '| segment | true optimum | chosen | within one step | confidence | plain empirical |',
    '|---|---|---|---|---|---|',
    ...f.segments.map((s) => `| ${s.segment} | ${s.trueOptimum} | ${s.chosen ?? 'none'} | ${s.withinOneStep ? 'yes' : 'no'} | ${s.confidence ?? '—'} | ${s.empirical} |`),
  ].join('\n');
}

export const LEARNING_SECTION = '## Learning validation';

/** BENCHMARKS.md with the learning section replaced (up to the next `## ` heading), or appended. */
export function withSection(markdown: string, section: string, heading = LEARNING_SECTION): string {
  const found = markdown.startsWith(`${heading}\n`) ? 0 : markdown.indexOf(`\n${heading}\n`);
  if (found < 0) return `${markdown.trim() ? `${markdown.trimEnd()}\n\n` : '# Benchmarks\n\n'}${section.trimEnd()}\n`;
  const start = markdown.startsWith(`${heading}\n`) ? 0 : found + 1;
  const next = markdown.indexOf('\n## ', start + heading.length);
  return `${markdown.slice(0, start)}${section.trimEnd()}\n${next < 0 ? '' : markdown.slice(next)}`;
}
