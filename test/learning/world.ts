/**
 * A whole synthetic world with known truth, for validating the learning features through the
 * public API (test/learning/writer.ts writes it, test/learning/evaluate.ts scores the API's answers
 * against it). Pure and deterministic per options: no I/O, no clock (the calendar start is an
 * option; Intl's time-zone data is the only outside input).
 *
 * Built on src/optimization/synthetic.ts (`generatePopulation`): its segments, contacts, true
 * hour rates r_c(h) and 90 days of history (day, local hour, engaged) are taken as they are.
 * Added here, each from its own seeded stream (so the population's draws are untouched):
 *
 *  - Time zones. Each contact gets one of `zones` (null = none: the workspace's zone applies). A
 *    message's local (day, hour) becomes a UTC instant in that zone (a random minute in the hour).
 *    In a DST spring-forward gap the wall-clock hour does not exist; the instant then falls one
 *    hour earlier on the wall clock (a handful of messages per year; counted by `dstShiftedMessages`).
 *  - Offers. A grid (default 0, 5, 10, 15, 20). Each message gets an offer uniformly at random
 *    from the grid, independently of its hour and segment, so per-offer comparisons are
 *    unconfounded (dealt without replacement within a contact's period, see below). Campaigns are
 *    (period of `campaignPeriodDays` days, offer, wave): a contact's second message with the same
 *    offer in the same period goes into the next wave, since a campaign holds one message per
 *    recipient.
 *  - Offer elasticity per segment s: the share of engaged messages that convert is
 *    c_s(o) = σ(α_s + β_s·o) (logistic in the offer), and each conversion is an order worth V_s on
 *    average. So P(convert | message at local hour h with offer o) = r_c(h) · c_s(o): the contact's
 *    hour effect (through its true engagement rate) times the segment's offer elasticity.
 *    Conversions happen only after engagement (a click first), so the send-time truth — engaged =
 *    clicked or converted — is exactly the population's. Expected profit per message of offer o is
 *    E[r]·c_s(o)·(V_s − o); E[r] does not depend on the offer, so the true optimum is
 *    argmax_o c_s(o)·(V_s − o) over the grid. (α_s, β_s, V_s) are drawn by rejection so that the
 *    optimum is a chosen grid point (segments cycle through a shuffled grid: optima differ) and
 *    every offer more than one grid step away earns at least `offerMargin` less.
 *  - Merchants with Zipf-like popularity (weight 1/(k+1)^0.8). Each contact's preferences are a
 *    Dirichlet draw with concentration `favouriteConcentration` on one merchant (picked by
 *    popularity) and `otherConcentration` on each other one; its true favourite is the argmax of
 *    the drawn preferences. Every engagement click and every conversion names a merchant drawn from
 *    those preferences, and each contact also visits merchants Poisson(`visitsMean`) times in the
 *    90 days (CLICKED with merchantId). Visits belong to one "browsing" campaign whose recipients
 *    are never sent a message (no SENT), so they are not messages and leave the send-time and
 *    conversion truth alone.
 *  - Event times: a click 1–360 minutes after the send (exponential, mean 45), a conversion 1–1,440
 *    minutes after the click (exponential, mean 180): all inside the 72-hour engagement window.
 */
import { gammaSample, mulberry32, normalSample, type Rng } from '../../src/experiments/stats/random';
import { generatePopulation, type SyntheticOptions, type SyntheticPopulation } from '../../src/optimization/synthetic';

export interface WorldOptions {
  seed: number;
  contacts: number;
  segments: number;
  days: number;
  /** Calendar date (YYYY-MM-DD) of day 0, in each contact's own zone. */
  startDate: string;
  /** The offer grid, ascending. */
  offers: number[];
  merchants: number;
  /** Contacts' zones, picked uniformly; null = no zone of their own (the workspace's applies). */
  zones: (string | null)[];
  workspaceZone: string;
  /** Length of a campaign period in days (1: one campaign per day and offer). */
  campaignPeriodDays: number;
  /** Mean number of merchant visits per contact over the whole history. */
  visitsMean: number;
  favouriteConcentration: number;
  otherConcentration: number;
  /** Every offer more than one grid step from the optimum earns at least this share less. */
  offerMargin: number;
  /** Passed on to generatePopulation (seed, contacts, segments and days come from above). */
  population: Partial<SyntheticOptions>;
  /** externalId prefix and tag of the world's contacts. */
  tag: string;
}

export const DEFAULT_WORLD_OPTIONS: WorldOptions = {
  seed: 20261201,
  contacts: 5000,
  segments: 8,
  days: 90,
  startDate: '2026-01-01',
  offers: [0, 5, 10, 15, 20],
  merchants: 20,
  zones: ['America/New_York', 'America/Los_Angeles', 'Europe/Lisbon', 'Asia/Kolkata', 'Australia/Sydney', null],
  workspaceZone: 'Europe/Berlin',
  campaignPeriodDays: 1,
  visitsMean: 4,
  favouriteConcentration: 8,
  otherConcentration: 0.3,
  offerMargin: 0.2,
  population: {},
  tag: 'world',
};

export interface WorldSegment {
  id: string;
  /** Offer elasticity: c(o) = σ(alpha + beta·o), the share of engaged messages that convert. */
  alpha: number;
  beta: number;
  /** Mean order value of a conversion. */
  orderValue: number;
  /** c(o)·(V − o) per grid offer: expected profit per engaged message. */
  profitPerEngaged: number[];
  /** Index into the grid of the true profit optimum. */
  optimalOfferIndex: number;
}

export interface WorldContact {
  externalId: string;
  segment: string;
  /** Null: the workspace's zone applies. */
  timezone: string | null;
  /** True engagement probability per local hour (from the population). */
  trueRates: number[];
  /** True merchant preferences (sum 1), in `merchants` order. */
  merchantPreferences: number[];
  /** Index of the true favourite merchant. */
  favouriteMerchant: number;
  messages: number;
}

export interface WorldMerchant {
  id: string;
  name: string;
  popularity: number;
}

export interface WorldCampaign {
  name: string;
  period: number;
  offerIndex: number;
  wave: number;
}

export interface WorldMessage {
  contact: number;
  campaign: number;
  offerIndex: number;
  day: number;
  /** Intended local hour (the population's). */
  hour: number;
  sentAt: number;
  engaged: boolean;
  /** Set when engaged. */
  clickedAt: number | null;
  clickMerchant: number | null;
  converted: boolean;
  convertedAt: number | null;
  value: number | null;
  convertMerchant: number | null;
  /** The true conversion probability r_c(h)·c_s(o) (for the oracle AUC). */
  conversionProbability: number;
}

export interface WorldVisit {
  contact: number;
  at: number;
  merchant: number;
}

export interface World {
  options: WorldOptions;
  population: SyntheticPopulation;
  segments: WorldSegment[];
  contacts: WorldContact[];
  merchants: WorldMerchant[];
  campaigns: WorldCampaign[];
  messages: WorldMessage[];
  visits: WorldVisit[];
  /** Messages whose intended local hour fell in a DST gap (their instant is an hour earlier). */
  dstShiftedMessages: number;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

export const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const uniform = (rng: Rng, lo: number, hi: number) => lo + (hi - lo) * rng();

function argmax(xs: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! > xs[best]!) best = i;
  return best;
}

function pick(rng: Rng, weights: readonly number[]): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let u = rng() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i]!;
    if (u < 0) return i;
  }
  return weights.length - 1;
}

/** Poisson draw by Knuth's multiplication method (TAOCP vol. 2, §3.4.1): fine for small means. */
function poisson(rng: Rng, mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng();
  while (p > limit) {
    k++;
    p *= rng();
  }
  return k;
}

/** Exponential delay in whole minutes, clamped to [1, max]. */
function delayMinutes(rng: Rng, mean: number, max: number): number {
  return Math.min(max, Math.max(1, Math.round(-mean * Math.log(1 - rng()))));
}

// ── time zones ───────────────────────────────────────────────────────────────

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(zone, f);
  }
  return f;
}

/** Wall-clock fields of an instant in a zone. */
export function localParts(zone: string, utcMs: number): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(utcMs))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! };
}

/** The zone's offset from UTC at an instant, in ms (local − UTC). */
function offsetMs(zone: string, utcMs: number): number {
  const whole = Math.floor(utcMs / 1000) * 1000;
  const p = localParts(zone, whole);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - whole;
}

/**
 * The UTC instant of a wall-clock time in a zone (two fixed-point steps on the offset, which
 * settle everywhere but in a DST gap, where the wall clock of the result is one hour earlier).
 */
export function zonedToUtc(zone: string, year: number, month: number, day: number, hour: number, minute: number): number {
  const naive = Date.UTC(year, month - 1, day, hour, minute);
  const first = naive - offsetMs(zone, naive);
  return naive - offsetMs(zone, first);
}

// ── offers ───────────────────────────────────────────────────────────────────

function drawElasticity(rng: Rng, offers: readonly number[], target: number, margin: number): Pick<WorldSegment, 'alpha' | 'beta' | 'orderValue' | 'profitPerEngaged'> {
  for (let tries = 0; tries < 1_000_000; tries++) {
    const alpha = uniform(rng, -2.5, 0);
    const beta = uniform(rng, 0, 0.3);
    const orderValue = uniform(rng, 25, 90);
    const profitPerEngaged = offers.map((o) => sigmoid(alpha + beta * o) * (orderValue - o));
    const best = argmax(profitPerEngaged);
    if (best !== target) continue;
    if (profitPerEngaged.every((p, i) => Math.abs(i - best) <= 1 || p <= (1 - margin) * profitPerEngaged[best]!)) {
      return { alpha, beta, orderValue, profitPerEngaged };
    }
  }
  throw new Error(`no elasticity with its optimum at grid index ${target} and margin ${margin}`);
}

// ── the world ────────────────────────────────────────────────────────────────

export function generateWorld(options: Partial<WorldOptions> = {}): World {
  const o: WorldOptions = { ...DEFAULT_WORLD_OPTIONS, ...options };
  if (!/^\d{4}-\d{2}-\d{2}$/.test(o.startDate)) throw new Error(`startDate must be YYYY-MM-DD, got ${o.startDate}`);
  const population = generatePopulation({ ...o.population, seed: o.seed, contacts: o.contacts, segments: o.segments, days: o.days });
  // Independent streams, so that changing one part (say, merchants) leaves the others as they were.
  const offerRng = mulberry32(o.seed ^ 0x0ff3);
  const merchantRng = mulberry32(o.seed ^ 0x3e7c);
  const contactRng = mulberry32(o.seed ^ 0x7a11);
  const messageRng = mulberry32(o.seed ^ 0x5e4d);

  // Segments: optima cycle through a shuffled grid, so they differ between segments.
  const order = o.offers.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(offerRng() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const segments: WorldSegment[] = population.segments.map((s, k) => {
    const target = order[k % order.length]!;
    return { id: s.id, ...drawElasticity(offerRng, o.offers, target, o.offerMargin), optimalOfferIndex: target };
  });
  const segmentIndex = new Map(segments.map((s, i) => [s.id, i]));

  const popularity = Array.from({ length: o.merchants }, (_, k) => 1 / Math.pow(k + 1, 0.8));
  const popTotal = popularity.reduce((a, b) => a + b, 0);
  const merchants: WorldMerchant[] = popularity.map((p, k) => ({ id: `m-${k}`, name: `Merchant ${k}`, popularity: p / popTotal }));

  const contacts: WorldContact[] = population.contacts.map((c, i) => {
    const timezone = o.zones[Math.floor(contactRng() * o.zones.length)]!;
    const favourite = pick(merchantRng, popularity);
    const raw = merchants.map((_, k) => gammaSample(k === favourite ? o.favouriteConcentration : o.otherConcentration, merchantRng));
    const total = raw.reduce((a, b) => a + b, 0);
    const merchantPreferences = raw.map((x) => x / total);
    return {
      externalId: `${o.tag}-${i}`,
      segment: c.segment,
      timezone,
      trueRates: c.trueRates,
      merchantPreferences,
      favouriteMerchant: argmax(merchantPreferences),
      messages: 0,
    };
  });

  const [y0, m0, d0] = o.startDate.split('-').map(Number) as [number, number, number];
  const day0 = Date.UTC(y0, m0 - 1, d0);
  const instant = (contact: WorldContact, day: number, hour: number, minute: number) => {
    const date = new Date(day0 + day * DAY);
    return zonedToUtc(contact.timezone ?? o.workspaceZone, date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), hour, minute);
  };

  const campaigns: WorldCampaign[] = [];
  const campaignIndex = new Map<string, number>();
  const used = new Set<string>(); // contact|campaign: one message per recipient per campaign
  const rounds = new Map<string, number[]>(); // contact|period → offers not yet dealt in the current round
  const messages: WorldMessage[] = [];
  let dstShiftedMessages = 0;
  // Chronological per contact, so waves fill in time order.
  const history = [...population.history].sort((a, b) => a.contact - b.contact || a.day - b.day || a.hour - b.hour);
  for (const h of history) {
    const contact = contacts[h.contact]!;
    const segment = segments[segmentIndex.get(contact.segment)!]!;
    const period = Math.floor(h.day / o.campaignPeriodDays);
    // Offers are dealt to a contact's messages of a period without replacement, round after round:
    // uniform for every message and independent of its hour, and a contact needs a second wave of
    // campaigns only after it got every offer once in the period (fewer, fuller campaigns).
    const roundKey = `${h.contact}|${period}`;
    let round = rounds.get(roundKey);
    if (!round || round.length === 0) {
      round = o.offers.map((_, i) => i);
      rounds.set(roundKey, round);
    }
    const offerIndex = round.splice(Math.floor(messageRng() * round.length), 1)[0]!;
    let wave = 0;
    let campaign: number;
    for (;;) {
      const key = `${period}|${offerIndex}|${wave}`;
      let c = campaignIndex.get(key);
      if (c === undefined) {
        c = campaigns.length;
        campaigns.push({ name: `${o.tag} p${period} offer ${o.offers[offerIndex]} w${wave}`, period, offerIndex, wave });
        campaignIndex.set(key, c);
      }
      if (!used.has(`${h.contact}|${c}`)) {
        used.add(`${h.contact}|${c}`);
        campaign = c;
        break;
      }
      wave++;
    }
    const minute = Math.floor(messageRng() * 60);
    const sentAt = instant(contact, h.day, h.hour, minute);
    if (localParts(contact.timezone ?? o.workspaceZone, sentAt).hour !== h.hour) dstShiftedMessages++;
    const c = sigmoid(segment.alpha + segment.beta * o.offers[offerIndex]!);
    // Drawn for every message (engaged or not) so that one message's outcome never shifts the next one's draws.
    const clickDelay = delayMinutes(messageRng, 45, 360);
    const clickMerchant = pick(messageRng, contact.merchantPreferences);
    const convertDraw = messageRng();
    const convertDelay = delayMinutes(messageRng, 180, 1440);
    const convertMerchant = pick(messageRng, contact.merchantPreferences);
    // Order values: lognormal around V_s (σ = 0.25, mean kept at V_s), in cents.
    const value = Math.round(100 * segment.orderValue * Math.exp(0.25 * normalSample(messageRng) - 0.25 ** 2 / 2)) / 100;
    const converted = h.engaged && convertDraw < c;
    const clickedAt = h.engaged ? sentAt + clickDelay * MINUTE : null;
    messages.push({
      contact: h.contact,
      campaign,
      offerIndex,
      day: h.day,
      hour: h.hour,
      sentAt,
      engaged: h.engaged,
      clickedAt,
      clickMerchant: h.engaged ? clickMerchant : null,
      converted,
      convertedAt: converted ? clickedAt! + convertDelay * MINUTE : null,
      value: converted ? value : null,
      convertMerchant: converted ? convertMerchant : null,
      conversionProbability: contact.trueRates[h.hour]! * c,
    });
    contact.messages++;
  }

  const visits: WorldVisit[] = [];
  contacts.forEach((contact, i) => {
    const n = poisson(contactRng, o.visitsMean);
    for (let k = 0; k < n; k++) {
      const day = Math.floor(contactRng() * o.days);
      const hour = 8 + Math.floor(contactRng() * 14);
      const minute = Math.floor(contactRng() * 60);
      visits.push({ contact: i, at: instant(contact, day, hour, minute), merchant: pick(contactRng, contact.merchantPreferences) });
    }
  });

  return { options: o, population, segments, contacts, merchants, campaigns, messages, visits, dstShiftedMessages };
}

/** Merchant interactions per contact (engagement clicks, conversions, visits), in `merchants` order. */
export function interactionCounts(world: World): number[][] {
  const counts = world.contacts.map(() => new Array<number>(world.merchants.length).fill(0));
  for (const m of world.messages) {
    if (m.clickMerchant !== null) counts[m.contact]![m.clickMerchant]!++;
    if (m.convertMerchant !== null) counts[m.contact]![m.convertMerchant]!++;
  }
  for (const v of world.visits) counts[v.contact]![v.merchant]!++;
  return counts;
}

/** The calendar date `days` days before `now` (UTC), as YYYY-MM-DD: a start that ends the history before today. */
export function startDateEndingBefore(now: Date, days: number, marginDays = 2): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - (days + marginDays) * DAY).toISOString().slice(0, 10);
}
