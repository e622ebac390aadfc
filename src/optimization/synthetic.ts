/**
 * A synthetic population with known truth, for validating send-time learning: segments with their
 * own hour-preference curves, contacts whose preferences are their segment's curve shifted and
 * perturbed, a base engagement rate per contact, and 90 days of message history drawn from the true
 * rates. Deterministic per seed (mulberry32). Pure.
 *
 * Model (all choices below are the generator's, stated so the truth is reproducible):
 *  - a segment's log-preference is A·Σ_j w_j·exp(κ_j(cos(2π(h − μ_j)/24) − 1)): one or two circular
 *    (von Mises-shaped) bumps, the first centred in 07:00–21:00, a second (probability ½, weight
 *    0.3–0.8) anywhere; κ ∈ [2, 6], amplitude A ∈ [0.8, 1.6];
 *  - a contact shifts every bump by δ ~ N(0, individualShiftHours²) hours, scales A by
 *    exp(N(0, 0.2²)) and, only when hourNoise > 0, adds independent N(0, hourNoise²) noise per hour to
 *    the log-preference. The default is 0: white noise per hour is not a preference anyone could learn
 *    (no estimator finds it from any finite history: it is independent of every neighbouring hour and
 *    of every other contact) and it inflates the oracle's uplift, so a share of the oracle measured
 *    with it mostly measures the noise. Smooth individual curves (a shifted, rescaled segment curve)
 *    are what "per-contact hour preferences with segment-level structure" means here; the old
 *    population (hourNoise 0.15) is kept as the harder one in the validation test;
 *  - its multiplier curve g(h) = exp(log-preference) is normalised to mean 1 over the 24 hours;
 *  - its base rate is the segment's (uniform in baseRateRange, [0.04, 0.12]) times exp(N(0, 0.4²)),
 *    and its true rate at hour h is min(0.9, base·g(h));
 *  - it gets a message count of 0–9 uniformly (probability smallShare) or 10 + Geometric(mean
 *    extraMessagesMean = 20, capped at 10× that); each message a day 0–89 and a local hour (70 %:
 *    08:00–20:59 uniformly, else any hour), engaged with the true rate at that hour.
 */
import { mulberry32, normalSample as normal, type Rng } from '../experiments/stats/random';
import { HOURS, type HourlyCounts } from './send-time';

export interface SyntheticOptions {
  seed: number;
  segments: number;
  contacts: number;
  days: number;
  /** Standard deviation of a contact's shift from its segment's bumps, in hours (1.5). */
  individualShiftHours: number;
  /** Standard deviation of a contact's per-hour log-preference white noise (0: see the header; 0.15 is the harder population). */
  hourNoise: number;
  /** Share of contacts with fewer than 10 messages (0.35). */
  smallShare: number;
  /** Mean of the geometric number of messages beyond 10 for the others (20). */
  extraMessagesMean: number;
  /** Range of the segments' base rates ([0.04, 0.12]). */
  baseRateRange: [number, number];
}

export const DEFAULT_SYNTHETIC_OPTIONS: SyntheticOptions = {
  seed: 20240601,
  segments: 4,
  contacts: 3000,
  days: 90,
  individualShiftHours: 1.5,
  hourNoise: 0,
  smallShare: 0.35,
  extraMessagesMean: 20,
  baseRateRange: [0.04, 0.12],
};

export interface SyntheticSegment {
  id: string;
  baseRate: number;
  /** Preference multiplier per hour, mean 1. */
  curve: number[];
}

export interface SyntheticContact {
  id: string;
  segment: string;
  baseRate: number;
  /** The truth: engagement probability per local hour 0–23. */
  trueRates: number[];
}

export interface SyntheticMessage {
  /** Index into `contacts`. */
  contact: number;
  day: number;
  hour: number;
  engaged: boolean;
}

export interface SyntheticPopulation {
  segments: SyntheticSegment[];
  contacts: SyntheticContact[];
  history: SyntheticMessage[];
}

interface Bump {
  centre: number;
  kappa: number;
  weight: number;
}

const uniform = (rng: Rng, lo: number, hi: number) => lo + (hi - lo) * rng();

function logPreference(bumps: readonly Bump[], amplitude: number, shift: number, h: number): number {
  let s = 0;
  for (const b of bumps) s += b.weight * Math.exp(b.kappa * (Math.cos((2 * Math.PI * (h - b.centre - shift)) / HOURS) - 1));
  return amplitude * s;
}

function normalised(values: number[]): number[] {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return values.map((v) => v / mean);
}

/** Generates the population and its history. */
export function generatePopulation(options: Partial<SyntheticOptions> = {}): SyntheticPopulation {
  const o: SyntheticOptions = { ...DEFAULT_SYNTHETIC_OPTIONS, ...options };
  const rng = mulberry32(o.seed);

  const segmentBumps: { bumps: Bump[]; amplitude: number }[] = [];
  const segments: SyntheticSegment[] = [];
  for (let s = 0; s < o.segments; s++) {
    const bumps: Bump[] = [{ centre: uniform(rng, 7, 21), kappa: uniform(rng, 2, 6), weight: 1 }];
    if (rng() < 0.5) bumps.push({ centre: uniform(rng, 0, 24), kappa: uniform(rng, 2, 6), weight: uniform(rng, 0.3, 0.8) });
    const amplitude = uniform(rng, 0.8, 1.6);
    segmentBumps.push({ bumps, amplitude });
    segments.push({
      id: `segment-${s}`,
      baseRate: uniform(rng, o.baseRateRange[0], o.baseRateRange[1]),
      curve: normalised(Array.from({ length: HOURS }, (_, h) => Math.exp(logPreference(bumps, amplitude, 0, h)))),
    });
  }

  const contacts: SyntheticContact[] = [];
  const history: SyntheticMessage[] = [];
  for (let c = 0; c < o.contacts; c++) {
    const s = Math.floor(rng() * o.segments);
    const { bumps, amplitude } = segmentBumps[s]!;
    const shift = o.individualShiftHours * normal(rng);
    const a = amplitude * Math.exp(0.2 * normal(rng));
    const g = normalised(Array.from({ length: HOURS }, (_, h) => Math.exp(logPreference(bumps, a, shift, h) + o.hourNoise * normal(rng))));
    const baseRate = segments[s]!.baseRate * Math.exp(0.4 * normal(rng));
    const trueRates = g.map((x) => Math.min(0.9, baseRate * x));
    contacts.push({ id: `contact-${c}`, segment: segments[s]!.id, baseRate, trueRates });

    const messages = drawMessageCount(rng, o);
    for (let m = 0; m < messages; m++) {
      const day = Math.floor(rng() * o.days);
      const hour = rng() < 0.7 ? 8 + Math.floor(rng() * 13) : Math.floor(rng() * HOURS);
      history.push({ contact: c, day, hour, engaged: rng() < trueRates[hour]! });
    }
  }
  return { segments, contacts, history };
}

/** Each contact's history as hourly counts (in `contacts` order). */
/**
 * A contact's number of past messages: fewer than 10 with probability `smallShare`, else 10 plus a
 * geometric number of extra messages with mean μ = extraMessagesMean (P(stop) = 1/(μ + 1) per step).
 */
export function drawMessageCount(rng: Rng, o: Pick<SyntheticOptions, 'smallShare' | 'extraMessagesMean'>): number {
  if (rng() < o.smallShare) return Math.floor(rng() * 10);
  let extra = 0;
  while (extra < 10 * o.extraMessagesMean && rng() >= 1 / (o.extraMessagesMean + 1)) extra++;
  return 10 + extra;
}

export function hourlyCounts(population: SyntheticPopulation): HourlyCounts[] {
  const out = population.contacts.map(() => ({ sent: new Array<number>(HOURS).fill(0), engaged: new Array<number>(HOURS).fill(0) }));
  for (const m of population.history) {
    out[m.contact]!.sent[m.hour]!++;
    if (m.engaged) out[m.contact]!.engaged[m.hour]!++;
  }
  return out;
}

/** Uplift of sending at `hour` over a uniformly random hour: trueRates[hour] − mean(trueRates). */
export function upliftOverRandom(trueRates: readonly number[], hour: number): number {
  return trueRates[hour]! - trueRates.reduce((a, b) => a + b, 0) / trueRates.length;
}

/** The oracle's hour: the true best (the first on ties). */
export function oracleHour(trueRates: readonly number[]): number {
  let best = 0;
  for (let h = 1; h < trueRates.length; h++) if (trueRates[h]! > trueRates[best]!) best = h;
  return best;
}
