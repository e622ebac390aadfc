/**
 * Offer amounts per segment, from history: which of the offers the workspace has tried maximises
 * the expected profit of a message, p × (value − offer), and how sure the data lets us be. Pure
 * (no I/O): per-(segment, offer) counts in, per-segment choices out.
 *
 * Method (empirical Bayes, then Monte Carlo over the posteriors):
 *  - Segment rates are shrunk toward the workspace's (beta-binomial, strength M_seg by the method
 *    of moments, Kleinman 1973, via send-time.ts's betaBinomialMoments).
 *  - The conversion rate of a (segment, offer) cell gets the prior Beta(M·m_s, M·(1 − m_s)), m_s the
 *    segment's shrunk rate, M estimated from all cells by Kleinman's known-mean moment estimator
 *    (knownMeanStrength); its posterior is Beta(k + M·m_s, n − k + M·(1 − m_s)) — the
 *    hierarchical beta-binomial of Gelman et al., Bayesian Data Analysis, 3rd ed., §5.3, with the
 *    hyperparameters fixed at their moment estimates (Efron & Morris 1975). An offer a segment has
 *    never seen gets the segment's rate, with the prior's (wide) uncertainty.
 *  - Value = revenue per conversion, assumed not to depend on the offer (the offer is a cost:
 *    Campaign.roi charges offerAmount per conversion). The segment's mean is shrunk toward the
 *    workspace's with `valueStrength` pseudo-conversions: v_s = (R_s + K·v_W)/(c_s + K); its
 *    uncertainty is normal with variance σ²_W/(c_s + K), σ²_W the workspace's per-conversion
 *    variance (a normal approximation to the mean's posterior).
 *  - Each draw takes p for every offer and one v for the segment; profit per message p·(v − o).
 *    The recommendation is the offer with the highest posterior mean profit; its confidence is the
 *    share of draws in which it is the best offer (P(best)); intervals are the central
 *    `credibleMass` of the draws. Draws are seeded (mulberry32), so results are reproducible.
 *  - "Not enough data": fewer than `minOffers` offers with at least `minMessagesPerOffer` messages
 *    in the segment (TOO_FEW_MESSAGES), or P(best) < `minProbabilityBest` (UNCERTAIN). Then no
 *    change is recommended.
 * The cost per message is the same whatever the offer, so it cannot change the choice and is left out.
 */
import { betaSample, gammaSample as gammaDraw, mulberry32, normalSample, type Rng } from '../experiments/stats/random';
import { betaBinomialMoments, knownMeanStrength } from './send-time';
import { fnv1a32 } from '../campaigns/assignment';

export interface OfferCell {
  /** Contact segment ('' for contacts without one). */
  segment: string;
  offer: number;
  /** Messages (recipients sent) in the segment at this offer. */
  messages: number;
  conversions: number;
}

export interface SegmentValueStats {
  segment: string;
  /** Converted recipients, their revenue and the sum of squares of their revenue. */
  conversions: number;
  revenue: number;
  revenueSq: number;
}

export interface OfferOptions {
  /** Monte Carlo draws per segment (4000). */
  draws: number;
  seed: number;
  /** Messages an offer needs in a segment to count as tried there (50). */
  minMessagesPerOffer: number;
  /** Offers that must have been tried in the segment (2). */
  minOffers: number;
  /** Below this P(best), no change is recommended (0.5). */
  minProbabilityBest: number;
  /** Pseudo-conversions pulling a segment's value toward the workspace's (10). */
  valueStrength: number;
  /** Clamp of the estimated prior strengths, in pseudo-messages ([2, 200]): at most 200 keeps a tried offer's own data visible. */
  strengthBounds: { min: number; max: number };
  /** Mass of the reported intervals (0.9). */
  credibleMass: number;
}

export const DEFAULT_OFFER_OPTIONS: OfferOptions = {
  draws: 4000,
  seed: 1,
  minMessagesPerOffer: 50,
  minOffers: 2,
  minProbabilityBest: 0.5,
  valueStrength: 10,
  strengthBounds: { min: 2, max: 200 },
  credibleMass: 0.9,
};

export interface Interval {
  lower: number;
  upper: number;
}

export interface OfferEstimate {
  offer: number;
  messages: number;
  conversions: number;
  /** Posterior Beta(alpha, beta) of the conversion rate, and its mean. */
  alpha: number;
  beta: number;
  rate: number;
  /** Posterior mean of the profit per message, and its interval. */
  profit: number;
  profitInterval: Interval;
  /** Share of draws in which this offer is the best of the grid. */
  probabilityBest: number;
}

export type NotEnoughData = 'TOO_FEW_MESSAGES' | 'UNCERTAIN';

export interface SegmentOfferResult {
  segment: string;
  messages: number;
  /** Offers with at least minMessagesPerOffer messages in the segment. */
  offersTried: number;
  /** Shrunk segment rate (the cells' prior mean). */
  segmentRate: number;
  /** Shrunk revenue per conversion and its standard error. */
  value: number;
  valueSe: number;
  estimates: OfferEstimate[];
  /** Highest posterior mean profit. */
  best: OfferEstimate;
  /** The current offer's estimate (null when the campaign has none). */
  current: OfferEstimate | null;
  /** best − current, per message: mean and interval from the same draws (null without a current offer). */
  gain: ({ mean: number } & Interval) | null;
  /** Null when the data supports recommending `best`. */
  notEnoughData: NotEnoughData | null;
}

export interface OfferAnalysis {
  workspaceRate: number;
  workspaceValue: number;
  /** Prior strengths: segments toward the workspace, cells toward their segment. */
  segmentStrength: number;
  cellStrength: number;
  grid: number[];
  segments: SegmentOfferResult[];
}

/** Distinct offers, ascending (offers compared to the cent). */
export function offerGrid(offers: Iterable<number>): number[] {
  return [...new Set([...offers].map((o) => Math.round(o * 100) / 100))].sort((a, b) => a - b);
}

/** The q-quantile of sorted values (linear interpolation, numpy's default). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Seed per segment: results do not depend on which other segments are analysed. */
function segmentSeed(seed: number, segment: string): number {
  return fnv1a32(segment, (0x811c9dc5 ^ seed) >>> 0);
}

/**
 * Expected profit per message of each offer of `grid` (plus the current offer) in each of
 * `segments`, from the history `cells` (every segment's, so that the priors see the whole workspace)
 * and the segments' revenue per conversion.
 */
export function analyzeOffers(
  cells: readonly OfferCell[],
  values: readonly SegmentValueStats[],
  segments: readonly string[],
  currentOffer: number | null,
  options: Partial<OfferOptions> = {},
  grid: readonly number[] = offerGrid([0, ...cells.map((c) => c.offer)]),
): OfferAnalysis {
  const o = { ...DEFAULT_OFFER_OPTIONS, ...options };
  const key = (s: string, offer: number) => `${s}\u0000${Math.round(offer * 100)}`;
  const byCell = new Map<string, { messages: number; conversions: number }>();
  const bySegment = new Map<string, { trials: number; successes: number }>();
  for (const c of cells) {
    const k = key(c.segment, c.offer);
    const cell = byCell.get(k) ?? { messages: 0, conversions: 0 };
    cell.messages += c.messages;
    cell.conversions += c.conversions;
    byCell.set(k, cell);
    const s = bySegment.get(c.segment) ?? { trials: 0, successes: 0 };
    s.trials += c.messages;
    s.successes += c.conversions;
    bySegment.set(c.segment, s);
  }

  // Segments toward the workspace.
  const seg = betaBinomialMoments([...bySegment.values()], o.strengthBounds);
  const workspaceRate = Number.isFinite(seg.mean) ? seg.mean : 0;
  const segmentRate = (s: string) => {
    const u = bySegment.get(s) ?? { trials: 0, successes: 0 };
    return (u.successes + seg.strength * workspaceRate) / (u.trials + seg.strength);
  };
  // Cells toward their segment.
  const cellUnits = [...byCell.entries()].map(([k, c]) => ({ trials: c.messages, successes: c.conversions, mean: segmentRate(k.split('\u0000')[0]!) }));
  const cellStrength = knownMeanStrength(cellUnits, o.strengthBounds).strength;

  // Values toward the workspace's.
  const total = values.reduce((a, v) => ({ c: a.c + v.conversions, r: a.r + v.revenue, q: a.q + v.revenueSq }), { c: 0, r: 0, q: 0 });
  const workspaceValue = total.c > 0 ? total.r / total.c : 0;
  const workspaceVariance = total.c > 1 ? Math.max((total.q - total.c * workspaceValue * workspaceValue) / (total.c - 1), 0) : workspaceValue * workspaceValue;
  const valueOf = new Map(values.map((v) => [v.segment, v]));

  const candidates = offerGrid(currentOffer === null ? grid : [...grid, currentOffer]);
  const currentIndex = currentOffer === null ? -1 : candidates.indexOf(Math.round(currentOffer * 100) / 100);
  const inGrid = candidates.map((c) => grid.some((g) => Math.round(g * 100) === Math.round(c * 100)));
  const lo = (1 - o.credibleMass) / 2;

  const results = segments.map((s): SegmentOfferResult => {
    const m = segmentRate(s);
    const v = valueOf.get(s) ?? { segment: s, conversions: 0, revenue: 0, revenueSq: 0 };
    const value = (v.revenue + o.valueStrength * workspaceValue) / (v.conversions + o.valueStrength);
    const valueSe = Math.sqrt(workspaceVariance / (v.conversions + o.valueStrength));
    const posts = candidates.map((offer) => {
      const c = byCell.get(key(s, offer)) ?? { messages: 0, conversions: 0 };
      // A rate exactly 0 or 1 cannot be a Beta parameter: keep the prior proper.
      const mm = Math.min(Math.max(m, 1e-6), 1 - 1e-6);
      return { offer, ...c, alpha: c.conversions + cellStrength * mm, beta: c.messages - c.conversions + cellStrength * (1 - mm) };
    });

    const rng: Rng = mulberry32(segmentSeed(o.seed, s));
    const profits = posts.map(() => new Float64Array(o.draws));
    const wins = new Array<number>(posts.length).fill(0);
    for (let d = 0; d < o.draws; d++) {
      const val = value + valueSe * normalSample(rng);
      let bestI = -1;
      let bestP = -Infinity;
      for (let i = 0; i < posts.length; i++) {
        const p = betaSample(posts[i]!.alpha, posts[i]!.beta, rng);
        const profit = p * (val - posts[i]!.offer);
        profits[i]![d] = profit;
        if (inGrid[i] && profit > bestP) {
          bestP = profit;
          bestI = i;
        }
      }
      if (bestI >= 0) wins[bestI]!++;
    }

    const estimates = posts.map((p, i): OfferEstimate => {
      const rate = p.alpha / (p.alpha + p.beta);
      const sorted = Float64Array.from(profits[i]!).sort();
      return {
        offer: p.offer,
        messages: p.messages,
        conversions: p.conversions,
        alpha: p.alpha,
        beta: p.beta,
        rate,
        // E[p(v − o)] = E[p]·(E[v] − o): p and v are independent.
        profit: rate * (value - p.offer),
        profitInterval: { lower: quantile(sorted, lo), upper: quantile(sorted, 1 - lo) },
        probabilityBest: inGrid[i] ? wins[i]! / o.draws : 0,
      };
    });
    let bestIndex = -1;
    estimates.forEach((e, i) => {
      if (inGrid[i] && (bestIndex < 0 || e.profit > estimates[bestIndex]!.profit)) bestIndex = i;
    });
    const best = estimates[bestIndex]!;
    let gain: SegmentOfferResult['gain'] = null;
    if (currentIndex >= 0) {
      const diff = Float64Array.from(profits[bestIndex]!, (x, d) => x - profits[currentIndex]![d]!).sort();
      gain = { mean: best.profit - estimates[currentIndex]!.profit, lower: quantile(diff, lo), upper: quantile(diff, 1 - lo) };
    }
    const offersTried = posts.filter((p, i) => inGrid[i] && p.messages >= o.minMessagesPerOffer).length;
    const notEnoughData: NotEnoughData | null = offersTried < o.minOffers ? 'TOO_FEW_MESSAGES' : best.probabilityBest < o.minProbabilityBest ? 'UNCERTAIN' : null;
    return {
      segment: s,
      messages: bySegment.get(s)?.trials ?? 0,
      offersTried,
      segmentRate: m,
      value,
      valueSe,
      estimates,
      best,
      current: currentIndex >= 0 ? estimates[currentIndex]! : null,
      gain,
      notEnoughData,
    };
  });

  return { workspaceRate, workspaceValue, segmentStrength: seg.strength, cellStrength, grid: [...grid], segments: results };
}

// ---------------------------------------------------------------------------------------------
// Known truth, for validation: segments whose conversion follows a logistic elasticity in the offer.
// ---------------------------------------------------------------------------------------------

export interface OfferTruthOptions {
  seed: number;
  segments: number;
  /** Candidate offers the history is drawn on (0, 2.5, …, 20). */
  grid: number[];
  /** Messages per (segment, offer) in the history (400). */
  messagesPerOffer: number;
}

export interface OfferTruthSegment {
  segment: string;
  /** logit p(o) = intercept + slope·o. */
  intercept: number;
  slope: number;
  /** Mean revenue per conversion. */
  value: number;
  /** The grid offer with the highest true profit per message. */
  bestOffer: number;
}

export const DEFAULT_OFFER_TRUTH: OfferTruthOptions = { seed: 7, segments: 20, grid: [0, 2.5, 5, 7.5, 10, 12.5, 15, 17.5, 20], messagesPerOffer: 400 };

export const trueRate = (s: OfferTruthSegment, offer: number) => 1 / (1 + Math.exp(-(s.intercept + s.slope * offer)));
export const trueProfit = (s: OfferTruthSegment, offer: number) => trueRate(s, offer) * (s.value - offer);

/**
 * A seeded population (mulberry32): per segment, a base rate at offer 0 uniform in [2 %, 8 %]
 * (the intercept is its logit), a slope uniform in [0.08, 0.2] per currency unit, and a value per
 * conversion uniform in [15, 30]; so the true optimum p′(o)(v − o) = p(o), i.e. (1 − p)·b·(v − o) = 1,
 * lies mostly inside the grid. History: messagesPerOffer messages per (segment, offer), each
 * converting with the true rate; each conversion's revenue is the value times a Gamma(4, 1/4)
 * draw (mean 1, coefficient of variation 0.5).
 */
export function syntheticOfferHistory(options: Partial<OfferTruthOptions> = {}): { truth: OfferTruthSegment[]; cells: OfferCell[]; values: SegmentValueStats[] } {
  const o = { ...DEFAULT_OFFER_TRUTH, ...options };
  const rng = mulberry32(o.seed);
  const uniform = (a: number, b: number) => a + (b - a) * rng();
  const truth: OfferTruthSegment[] = [];
  const cells: OfferCell[] = [];
  const values: SegmentValueStats[] = [];
  for (let i = 0; i < o.segments; i++) {
    const base = uniform(0.02, 0.08);
    const s: OfferTruthSegment = { segment: `s${i}`, intercept: Math.log(base / (1 - base)), slope: uniform(0.08, 0.2), value: uniform(15, 30), bestOffer: 0 };
    s.bestOffer = o.grid.reduce((best, g) => (trueProfit(s, g) > trueProfit(s, best) ? g : best), o.grid[0]!);
    truth.push(s);
    const v: SegmentValueStats = { segment: s.segment, conversions: 0, revenue: 0, revenueSq: 0 };
    for (const offer of o.grid) {
      let conversions = 0;
      for (let m = 0; m < o.messagesPerOffer; m++) {
        if (rng() < trueRate(s, offer)) {
          conversions++;
          const r = s.value * gammaDraw(4, rng) / 4;
          v.conversions++;
          v.revenue += r;
          v.revenueSq += r * r;
        }
      }
      cells.push({ segment: s.segment, offer, messages: o.messagesPerOffer, conversions });
    }
    values.push(v);
  }
  return { truth, cells, values };
}
