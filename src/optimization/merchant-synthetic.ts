/**
 * A synthetic population with known merchant preferences, for validating merchant affinity
 * (affinity.ts): every contact has true shares of attention over the merchants, with one dominant
 * favourite, and a history of interactions drawn from them. Deterministic per seed (mulberry32).
 * Pure.
 *
 * Model (the generator's choices, stated so the truth is reproducible):
 *  - merchant m has a base popularity b_m ∝ 1/(m + 1)^zipf (Zipf, exponent 1 by default);
 *  - a contact's nominal favourite f is drawn from b (popular merchants are favoured more often);
 *  - its true shares θ ~ Dirichlet(α) with α_f = dominance and α_m = spread·M·b_m otherwise (so the
 *    favourite's expected share is about dominance/(dominance + spread·M)); the true favourite is
 *    argmax θ (usually f; the draw may put another merchant first);
 *  - its number of interactions is 0–2 uniformly (probability fewShare) or 3 + Geometric(mean
 *    extraInteractionsMean); each at a uniform time in the last `days` days, at merchant ~ θ, of
 *    type CONVERTED / CLICKED / REPLIED / OPENED with probabilities typeShares (independent of the
 *    merchant by default: the type then carries no information about the preference);
 *  - optional realism, off by default: with probability driftShare the contact's taste changed at
 *    a uniform moment of the window (before it, interactions come from an independent earlier θ'
 *    with its own favourite; the truth is the current θ), and purchases concentrate on what the
 *    contact prefers most: a CONVERTED merchant is drawn from θ^purchaseSharpness (normalised).
 */
import { gammaSample, mulberry32, type Rng } from '../experiments/stats/random';
import { affinityScores, evidenceFrom, merchantPopularity, popularityFallback, type AffinityParams, type Interaction, type InteractionType } from './affinity';

export interface MerchantPopulationOptions {
  seed: number;
  contacts: number;
  merchants: number;
  days: number;
  /** Zipf exponent of the base popularity (1). */
  zipf: number;
  /** Dirichlet parameter of the nominal favourite (4). */
  dominance: number;
  /** Dirichlet parameter per merchant for the rest, times M·b_m (0.1: α_m = 0.1·M·b_m; they sum to 0.1·M). */
  spread: number;
  /** Share of contacts with 0–2 interactions (0.3). */
  fewShare: number;
  /** Mean of the geometric number of interactions beyond 3 for the others (5). */
  extraInteractionsMean: number;
  typeShares: Readonly<Record<InteractionType, number>>;
  /** Share of contacts whose taste changed during the window (0). */
  driftShare: number;
  /** Exponent applied to θ for purchases (1: purchases drawn like any interaction). */
  purchaseSharpness: number;
  /** The end of the history window (the moment the affinity is computed at). */
  now: Date;
}

export const DEFAULT_MERCHANT_POPULATION: MerchantPopulationOptions = {
  seed: 20261201,
  contacts: 5000,
  merchants: 30,
  days: 90,
  zipf: 1,
  dominance: 4,
  spread: 0.1,
  fewShare: 0.3,
  extraInteractionsMean: 5,
  typeShares: { CONVERTED: 0.15, CLICKED: 0.55, REPLIED: 0.1, OPENED: 0.2 },
  driftShare: 0,
  purchaseSharpness: 1,
  now: new Date('2026-12-01T00:00:00Z'),
};

export interface SyntheticShopper {
  id: string;
  /** True shares θ over `merchants` (sums to 1). */
  preferences: number[];
  /** argmax θ. */
  favourite: string;
  interactions: Interaction[];
}

export interface MerchantPopulation {
  merchants: string[];
  /** Base popularity b (sums to 1). */
  basePopularity: number[];
  contacts: SyntheticShopper[];
  now: Date;
}

const DAY_MS = 86_400_000;

/** An index drawn with probabilities proportional to `weights`. */
export function categorical(weights: readonly number[], rng: Rng): number {
  const total = weights.reduce((s, w) => s + w, 0);
  let u = rng() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i]!;
    if (u < 0) return i;
  }
  return weights.length - 1;
}

/** One Dirichlet(α) draw as normalised Gamma(α_i, 1) draws (Devroye 1986, §XI.4). */
export function dirichletSample(alpha: readonly number[], rng: Rng): number[] {
  const g = alpha.map((a) => gammaSample(a, rng));
  const total = g.reduce((s, x) => s + x, 0);
  return g.map((x) => x / total);
}

export function generateMerchantPopulation(options: Partial<MerchantPopulationOptions> = {}): MerchantPopulation {
  const o = { ...DEFAULT_MERCHANT_POPULATION, ...options };
  const rng = mulberry32(o.seed);
  const M = o.merchants;
  const merchants = Array.from({ length: M }, (_, m) => `m${String(m).padStart(3, '0')}`);
  const raw = merchants.map((_, m) => 1 / Math.pow(m + 1, o.zipf));
  const rawTotal = raw.reduce((s, x) => s + x, 0);
  const basePopularity = raw.map((x) => x / rawTotal);
  const types = Object.keys(o.typeShares) as InteractionType[];
  const typeWeights = types.map((t) => o.typeShares[t]);
  const start = o.now.getTime() - o.days * DAY_MS;

  const drawShares = () => {
    const f = categorical(basePopularity, rng);
    return dirichletSample(
      basePopularity.map((b, m) => (m === f ? o.dominance : o.spread * M * b)),
      rng,
    );
  };
  const sharpen = (theta: number[]) => theta.map((x) => Math.pow(x, o.purchaseSharpness));

  const contacts: SyntheticShopper[] = [];
  for (let c = 0; c < o.contacts; c++) {
    const preferences = drawShares();
    let best = 0;
    for (let m = 1; m < M; m++) if (preferences[m]! > preferences[best]!) best = m;
    let n: number;
    if (rng() < o.fewShare) n = Math.floor(rng() * 3);
    else {
      // Geometric on {0, 1, …} with mean μ: success probability 1/(μ + 1).
      const q = 1 / (o.extraInteractionsMean + 1);
      n = 3 + Math.floor(Math.log(1 - rng()) / Math.log(1 - q));
    }
    // Drift is drawn only when enabled, so the default population is the same as without the option.
    const changedAt = o.driftShare > 0 && rng() < o.driftShare ? start + rng() * o.days * DAY_MS : -Infinity;
    const earlier = changedAt > -Infinity ? drawShares() : preferences;
    const interactions: Interaction[] = [];
    for (let i = 0; i < n; i++) {
      const at = start + Math.floor(rng() * o.days * DAY_MS);
      const type = types[categorical(typeWeights, rng)]!;
      const theta = at < changedAt ? earlier : preferences;
      const m = categorical(type === 'CONVERTED' && o.purchaseSharpness !== 1 ? sharpen(theta) : theta, rng);
      interactions.push({ merchantId: merchants[m]!, type, occurredAt: new Date(at) });
    }
    contacts.push({ id: `c${c}`, preferences, favourite: merchants[best]!, interactions });
  }
  return { merchants, basePopularity, contacts, now: o.now };
}

/** How often a ranking puts the true favourite first, among the contacts of one interaction-count bucket. */
export interface RankingBucket {
  label: string;
  contacts: number;
  /** First by affinity (affinity.ts with the given constants). */
  affinity: number;
  /** First by plain counting: most interactions of any type, undecayed (ties: first seen). */
  rawCount: number;
  /** The workspace's most popular merchant for everyone. */
  popularityOnly: number;
}

export const RANKING_BUCKETS: readonly [string, (n: number) => boolean][] = [
  ['all', () => true],
  ['0', (n) => n === 0],
  ['1', (n) => n === 1],
  ['2', (n) => n === 2],
  ['3-4', (n) => n >= 3 && n <= 4],
  ['5-9', (n) => n >= 5 && n <= 9],
  ['10+', (n) => n >= 10],
  ['>=3', (n) => n >= 3],
];

/** Counts, per bucket of interactions per contact, the contacts whose true favourite each method ranks first. */
export function evaluateRanking(pop: MerchantPopulation, params: Partial<AffinityParams> = {}): RankingBucket[] {
  const evidence = pop.contacts.map((c) => evidenceFrom(c.interactions, pop.now, params));
  const p = merchantPopularity(evidence);
  const fallback = popularityFallback(p, 0);
  // The most popular merchant overall: the guess for a contact with no evidence.
  const top = [...p].sort((a, b) => b[1] - a[1])[0]![0];
  const rows = RANKING_BUCKETS.map(([label]) => ({ label, contacts: 0, affinity: 0, rawCount: 0, popularityOnly: 0 }));
  pop.contacts.forEach((c, i) => {
    const e = evidence[i]!;
    const n = c.interactions.length;
    const first = e.length ? affinityScores(e, p, fallback, params.priorStrength)[0]!.merchantId : top;
    const counts = new Map<string, number>();
    for (const x of c.interactions) counts.set(x.merchantId, (counts.get(x.merchantId) ?? 0) + 1);
    let raw = top;
    let best = 0;
    for (const [m, k] of counts) if (k > best) [raw, best] = [m, k];
    RANKING_BUCKETS.forEach(([, inBucket], b) => {
      if (!inBucket(n)) return;
      const r = rows[b]!;
      r.contacts++;
      if (first === c.favourite) r.affinity++;
      if (raw === c.favourite) r.rawCount++;
      if (top === c.favourite) r.popularityOnly++;
    });
  });
  return rows;
}

/**
 * Calibration of the scores: root mean squared difference between a contact's score for a merchant
 * and its true share θ of that merchant, over every stored (contact, merchant) pair. Ranking hardly
 * depends on the prior strength; this is what the strength is for (a single click is not θ = 1).
 */
export function scoreRmse(pop: MerchantPopulation, params: Partial<AffinityParams> = {}): number {
  const index = new Map(pop.merchants.map((m, i) => [m, i]));
  const evidence = pop.contacts.map((c) => evidenceFrom(c.interactions, pop.now, params));
  const p = merchantPopularity(evidence);
  const fallback = popularityFallback(p, 0);
  let sum = 0;
  let n = 0;
  pop.contacts.forEach((c, i) => {
    for (const s of affinityScores(evidence[i]!, p, fallback, params.priorStrength)) {
      sum += (s.score - c.preferences[index.get(s.merchantId)!]!) ** 2;
      n++;
    }
  });
  return Math.sqrt(sum / n);
}
