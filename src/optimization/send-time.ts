/**
 * Send time per contact, learned from each contact's history: for every local hour 0–23, how many
 * messages it was sent at that hour (n[h]) and how many of them were followed by engagement (a
 * click, reply or conversion: k[h]). Pure (no I/O): counts in, recommendations out.
 *
 * Method: an empirical-Bayes hierarchical beta-binomial. At every level a rate gets a Beta prior
 * with mean m taken from the level above and strength M = α + β (a number of pseudo-messages), so
 * its posterior mean is (k + M·m)/(n + M):
 *
 *   workspace hour h   ← the workspace's overall rate p_W
 *   segment level L_s  ← p_W;             segment hour h ← L_s · shape_W[h]
 *   contact level L_c  ← L_s (its segment); contact hour h ← L_c · shape_s[h]
 *
 * where shape_X[h] = r_X[h]/L_X is the level above's hour curve divided by its own level. Hours are
 * shrunk toward the level above's *shape* rescaled to the unit's own level (not toward its absolute
 * rates): a contact who engages half as often as its segment would otherwise see its well-sampled
 * hours pulled down more than its rarely-sampled ones, which biases the optimum toward hours with
 * little data. Levels and hours are estimated by the same beta-binomial update, one after the other.
 *
 * Each strength M is estimated from the data by the method of moments for the beta-binomial
 * (Kleinman 1973, “Proportions with extraneous variance: single and independent samples”, JASA 68;
 * the empirical-Bayes reading is Efron & Morris 1975): Var(k) = n·m(1 − m)·(1 + (n − 1)ρ) with the
 * intra-class correlation ρ = 1/(M + 1). The estimate is clamped to [strengthBounds.min, .max]: no
 * measurable extra variance (ρ̂ ≤ 0) means pool fully (the maximum), and a tiny strength would let a
 * single message decide.
 *
 * Hours are sparse (ten messages over 24 hours), and true preferences are smooth in time, so every
 * level's hourly *counts* (sent and engaged) are smoothed by the circular kernel (w, 1 − 2w, w) over
 * neighbouring hours before the update (w = options.smoothing; 0 turns it off): local pooling of
 * evidence, in the spirit of kernel (Nadaraya–Watson) estimation. Smoothing the posterior rates
 * instead (the first version) let hours without data lend their prior mean to their neighbours,
 * which favoured isolated well-engaged hours next to empty ones over hours next to measured zeros.
 *
 * Individual shifts (fitSendTimeModel): a contact's prior curve is its parent's curve shifted by a
 * few hours, averaged over the posterior of the shift given the contact's own counts, with the
 * spread of shifts chosen by marginal likelihood. It is what lets contacts with rich histories go
 * beyond their segment's peak (see test/unit/send-time-validation.test.ts for the figures).
 *
 * Deconvolution (fitSendTimeModel, options.deconvolutionRounds): a segment's pooled counts mix its
 * members' curves at their different shifts, so the pooled curve is the segment's own curve blurred
 * by the shift distribution: flatter than the truth, and the shift spread measured against it comes
 * out too small. The segment curves and the spread are therefore re-estimated by EM for the mixture
 * over shifts (Dempster, Laird & Rubin 1977, “Maximum likelihood from incomplete data via the EM
 * algorithm”, JRSS B 39): each contact's shift posterior (E-step), then each segment's curve from its
 * members' counts realigned by those posteriors (M-step, shrunk toward the workspace's shape as
 * before), then σ again by marginal likelihood. Against the Bayes-oracle bound
 * (test/unit/send-time-bound.test.ts) it narrows the gap on the default population from 3.7–5.8 to
 * 1.6–3.6 points (contacts with ≥ 10 messages, three seeds).
 *
 * Confidence: P(θ_opt > mean_h θ_h) for the recommended curve's own per-hour posteriors (see
 * SendTimeRecommendation.confidence and normalConfidence).
 *
 * Known weaknesses: a level's own data also shape the prior from the level above (a workspace with
 * one segment counts its data twice); prior means are level × shape clamped below 1, which a very
 * peaked curve can hit; the strengths are moment estimates, noisy with few contacts; the
 * deconvolution re-uses the members' data to sharpen the curve they are then aligned to, so on a
 * small segment with weak shrinkage (a few dozen contacts, strength ≤ 10) it can turn noise into
 * peaks and pick a spread where there is none (the marginal likelihood is then optimistic). On the
 * synthetic populations of 3000 contacts without shifts it still picks σ = 0.
 */
import { betaCdf } from '../experiments/stats/distributions';
import { fnv1a32 } from '../campaigns/assignment';
import { betaSample, mulberry32 } from '../experiments/stats/random';

export const HOURS = 24;

/** Messages sent (n[h]) and engaged (k[h]) per local hour 0–23 (arrays of length 24, k ≤ n). */
export interface HourlyCounts {
  sent: readonly number[];
  engaged: readonly number[];
}

/** Which level the recommendation rests on (the lowest with enough data). */
export type SendTimeBasis = 'CONTACT' | 'SEGMENT' | 'WORKSPACE' | 'DEFAULT';

export interface SendTimeOptions {
  /** Own messages needed for basis CONTACT (10). */
  minContactMessages: number;
  /** Messages in the contact's segment needed for basis SEGMENT (100). */
  minSegmentMessages: number;
  /** Messages in the workspace needed for basis WORKSPACE (1): below, DEFAULT. */
  minWorkspaceMessages: number;
  /** Rate assumed with no data at all (0.05). */
  defaultRate: number;
  /** Hour recommended with no data at all (10, i.e. 10:00 local). */
  defaultHour: number;
  /** Weight w of each neighbouring hour in the smoothing kernel (w, 1 − 2w, w); 0 ≤ w < 1/3 (0.2). */
  smoothing: number;
  /** Largest individual shift of the parent's curve considered, in hours (3; 0 turns shifts off). */
  maxShiftHours: number;
  /** Candidate spreads σ of individual shifts (hours), chosen by marginal likelihood ([0, 0.5, 1, 1.5, 2, 3]). */
  shiftSdGrid: readonly number[];
  /** Rounds of deconvolving the segment curves from the individual shifts (3; 0 turns it off; see fitSendTimeModel). */
  deconvolutionRounds: number;
  /** Clamp for every estimated prior strength, in pseudo-messages ([2, 1000]): below 2 one message could decide; above 1000 a prior would outweigh any one contact's history anyway, and claim more certainty about the level above than its own data supports. */
  strengthBounds: { min: number; max: number };
  /** Windows of 3 h are preferred to 2 h when their mean rate is within this fraction of the best 2 h window's (0.1). */
  windowTolerance: number;
  /**
   * How `confidence` is computed: 'normal' (default; exact Beta at the optimum against a normal
   * approximation of the other hours' mean, 12-node quadrature, O(24) per contact), 'monteCarlo' (confidenceDraws seeded draws: ~0.3 ms per contact per
   * 50 draws, i.e. minutes for 100k contacts at 400, which is why it is not the default), 'off' (null).
   */
  confidenceMethod: 'normal' | 'monteCarlo' | 'off';
  /** Monte Carlo draws for `confidence` with confidenceMethod 'monteCarlo' (400). */
  confidenceDraws: number;
  /** Seed of the Monte Carlo draws (combined with the contact id, so results do not depend on order). */
  seed: number;
}

export const DEFAULT_SEND_TIME_OPTIONS: SendTimeOptions = {
  minContactMessages: 10,
  minSegmentMessages: 100,
  minWorkspaceMessages: 1,
  defaultRate: 0.05,
  defaultHour: 10,
  smoothing: 0.2,
  maxShiftHours: 3,
  shiftSdGrid: [0, 0.5, 1, 1.5, 2, 3],
  deconvolutionRounds: 3,
  strengthBounds: { min: 2, max: 1000 },
  windowTolerance: 0.1,
  confidenceMethod: 'normal',
  confidenceDraws: 400,
  seed: 1,
};

export interface ContactHistory {
  id: string;
  /** The contact's segment, or null: a contact without one is shrunk toward the workspace directly. */
  segment: string | null;
  counts: HourlyCounts;
}

export interface SendTimeWindow {
  /** First hour of the window (0–23). */
  start: number;
  /** 2 or 3. */
  hours: number;
  /** "09:00–11:00" (end exclusive; circular: "23:00–01:00"). */
  label: string;
}

export interface SendTimeRecommendation {
  contactId: string;
  optimalHour: number;
  window: SendTimeWindow;
  /** Posterior mean engagement rate at the optimal hour (rates[optimalHour]). */
  expectedRate: number;
  /**
   * Posterior probability that the optimal hour's rate beats the contact's average rate over the 24
   * hours, for the recommended curve itself: rates[h] is the posterior mean of θ_h ~ Beta(a_h, b_h)
   * (from smoothed counts; the kernel is not applied again to θ), and this is P(θ_opt > mean_h θ_h)
   * under those independent posteriors: by an exact Beta for the optimum against a normal
   * approximation of the other hours' mean (default, normalConfidence) or by seeded Monte Carlo
   * (options.confidenceMethod). An empirical-Bayes plug-in: the segment and workspace curves, the
   * shift spread and the strengths are treated as known, so it is overconfident. Null with basis
   * DEFAULT (no data: nothing to be confident about) or with confidenceMethod 'off'.
   */
  confidence: number | null;
  basis: SendTimeBasis;
  /** The contact's own messages. */
  messages: number;
  /** Posterior mean rate per hour 0–23 (from the smoothed counts). */
  rates: number[];
}

// ---------------------------------------------------------------------------------------------
// Small pieces
// ---------------------------------------------------------------------------------------------

export interface BinomialUnit {
  trials: number;
  successes: number;
}

export interface MomentEstimate {
  /** Pooled rate Σk/Σn (NaN without trials). */
  mean: number;
  /** Raw intra-class correlation estimate before clamping (null when it cannot be estimated). */
  rho: number | null;
  /** Prior strength M = 1/ρ − 1, clamped to the bounds (the maximum when ρ is not estimable or ≤ 0). */
  strength: number;
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

function strengthFromRho(rho: number | null, bounds: { min: number; max: number }): number {
  if (rho === null || !Number.isFinite(rho) || rho <= 0) return bounds.max;
  if (rho >= 1) return bounds.min;
  return clamp(1 / rho - 1, bounds.min, bounds.max);
}

/**
 * Method-of-moments estimate of a beta-binomial's strength for units sharing one unknown mean
 * (Kleinman 1973): with the pooled rate p = Σk/Σn, N = Σn, I units (those with n > 0) and
 * S = Σ n_i(k_i/n_i − p)², the expectation is
 *   E[S] = p(1 − p)·((I − 1) + ρ·(N − Σn_i²/N − (I − 1)))
 * (exact when p is the true mean; it follows from Var(k_i) = n_i p(1 − p)(1 + (n_i − 1)ρ)), so
 *   ρ̂ = (S/(p(1 − p)) − (I − 1)) / (N − Σn_i²/N − (I − 1)).
 * Not estimable (strength = bounds.max) with fewer than 2 units, p ∈ {0, 1}, or every n_i = 1.
 */
export function betaBinomialMoments(units: readonly BinomialUnit[], bounds = DEFAULT_SEND_TIME_OPTIONS.strengthBounds): MomentEstimate {
  let count = 0;
  let n = 0;
  let k = 0;
  let n2 = 0;
  for (const u of units) {
    if (u.trials <= 0) continue;
    count++;
    n += u.trials;
    k += u.successes;
    n2 += u.trials * u.trials;
  }
  if (n === 0) return { mean: NaN, rho: null, strength: bounds.max };
  const p = k / n;
  const denominator = n - n2 / n - (count - 1);
  if (count < 2 || p === 0 || p === 1 || denominator <= 0) return { mean: p, rho: null, strength: bounds.max };
  let s = 0;
  for (const u of units) if (u.trials > 0) s += u.trials * (u.successes / u.trials - p) ** 2;
  const rho = (s / (p * (1 - p)) - (count - 1)) / denominator;
  return { mean: p, rho, strength: strengthFromRho(rho, bounds) };
}

/**
 * Method-of-moments strength for units whose prior means m_i are given (taken from the level
 * above): from E[(k_i − n_i m_i)²] = n_i m_i(1 − m_i)(1 + (n_i − 1)ρ),
 *   ρ̂ = (Σ (k_i − n_i m_i)²/(m_i(1 − m_i)) − Σ n_i) / Σ n_i(n_i − 1)
 * (Kleinman 1973's estimator with known proportions). The means here are themselves estimates,
 * which biases ρ̂ down, i.e. toward more pooling: the conservative side. Units with n = 0 or m ∉ (0, 1)
 * carry no information; not estimable (bounds.max) when Σ n_i(n_i − 1) = 0.
 */
export function knownMeanStrength(units: readonly (BinomialUnit & { mean: number })[], bounds = DEFAULT_SEND_TIME_OPTIONS.strengthBounds): MomentEstimate {
  let q = 0;
  let n = 0;
  let k = 0;
  let pairs = 0;
  for (const u of units) {
    if (u.trials <= 0 || !(u.mean > 0 && u.mean < 1)) continue;
    q += (u.successes - u.trials * u.mean) ** 2 / (u.mean * (1 - u.mean));
    n += u.trials;
    k += u.successes;
    pairs += u.trials * (u.trials - 1);
  }
  const mean = n > 0 ? k / n : NaN;
  if (pairs === 0) return { mean, rho: null, strength: bounds.max };
  const rho = (q - n) / pairs;
  return { mean, rho, strength: strengthFromRho(rho, bounds) };
}

/** Beta-binomial posterior mean (k + M·m)/(n + M). */
export function shrink(successes: number, trials: number, priorMean: number, strength: number): number {
  return (successes + strength * priorMean) / (trials + strength);
}

/** Circular smoothing by the kernel (w, 1 − 2w, w): hour 0's neighbours are 23 and 1. Keeps the mean. */
export function smoothCircular(values: readonly number[], w: number): number[] {
  const len = values.length;
  if (w === 0) return [...values];
  return values.map((v, h) => w * values[(h + len - 1) % len]! + (1 - 2 * w) * v + w * values[(h + 1) % len]!);
}

/** Index of the largest value (the first on ties). */
export function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

const pad = (h: number) => String(h).padStart(2, '0');

/** "09:00–11:00" (end exclusive; circular: "23:00–01:00"). */
export const windowLabel = (start: number, hours: number) => `${pad(start)}:00–${pad((start + hours) % HOURS)}:00`;

/**
 * The window around the optimum: the best 2 h window containing it (by mean rate), widened to the
 * best 3 h window containing it when that one's mean rate is within `tolerance` (relative) of the
 * 2 h one's. Circular over midnight.
 */
export function sendWindow(rates: readonly number[], optimalHour: number, tolerance: number): SendTimeWindow {
  const mean = (start: number, len: number) => {
    let s = 0;
    for (let i = 0; i < len; i++) s += rates[(start + i) % HOURS]!;
    return s / len;
  };
  const best = (len: number) => {
    let start = optimalHour;
    let value = -Infinity;
    // Starts that keep the optimum inside; on ties the window centred on the optimum (3 h) or
    // starting at it (2 h) wins, so a flat curve gives 09:00–12:00 around 10:00.
    const offsets = len === 3 ? [1, 0, 2] : [0, 1];
    for (const off of offsets) {
      const s = (optimalHour - off + HOURS) % HOURS;
      const m = mean(s, len);
      if (m > value) {
        value = m;
        start = s;
      }
    }
    return { start, value };
  };
  const two = best(2);
  const three = best(3);
  const chosen = three.value >= (1 - tolerance) * two.value ? { ...three, hours: 3 } : { ...two, hours: 2 };
  return { start: chosen.start, hours: chosen.hours, label: windowLabel(chosen.start, chosen.hours) };
}

function total(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

function checkCounts(name: string, counts: HourlyCounts): void {
  if (counts.sent.length !== HOURS || counts.engaged.length !== HOURS) throw new RangeError(`${name}: counts need ${HOURS} hours`);
  for (let h = 0; h < HOURS; h++) {
    const n = counts.sent[h]!;
    const k = counts.engaged[h]!;
    if (!(Number.isInteger(n) && Number.isInteger(k) && n >= 0 && k >= 0 && k <= n)) {
      throw new RangeError(`${name}: hour ${h} has engaged ${k} of sent ${n}`);
    }
  }
}

/** Sum of hourly counts (e.g. a segment's from its contacts'). */
export function sumCounts(list: readonly HourlyCounts[]): HourlyCounts {
  const sent = new Array<number>(HOURS).fill(0);
  const engaged = new Array<number>(HOURS).fill(0);
  for (const c of list) {
    for (let h = 0; h < HOURS; h++) {
      sent[h]! += c.sent[h]!;
      engaged[h]! += c.engaged[h]!;
    }
  }
  return { sent, engaged };
}

/** Keeps a prior mean strictly inside (0, 1), where the Beta prior is proper. */
const inside = (m: number) => clamp(m, 1e-6, 1 - 1e-6);

// ---------------------------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------------------------

/** A fitted level: its overall rate (posterior) and its posterior hour curve (from smoothed counts; a segment's from its members' counts aligned by their shifts). */
export interface LevelCurve {
  messages: number;
  level: number;
  rates: number[];
}

export interface SendTimeModel {
  options: SendTimeOptions;
  workspace: LevelCurve;
  segments: Map<string, LevelCurve>;
  /** Estimated prior strengths, in pseudo-messages, and the spread of individual shifts (hours). */
  strengths: { workspaceHour: number; segmentLevel: number; segmentHour: number; contactLevel: number; contactHour: number; shiftSd: number };
}

/** The fitted curves and strengths as plain JSON (stored per workspace; options come from the code). */
export interface SendTimeModelJson {
  workspace: LevelCurve;
  segments: [string, LevelCurve][];
  strengths: SendTimeModel['strengths'];
}

export function modelToJson(model: SendTimeModel): SendTimeModelJson {
  return { workspace: model.workspace, segments: [...model.segments], strengths: model.strengths };
}

export function modelFromJson(json: SendTimeModelJson, options: Partial<SendTimeOptions> = {}): SendTimeModel {
  return { options: { ...DEFAULT_SEND_TIME_OPTIONS, ...options }, workspace: json.workspace, segments: new Map(json.segments), strengths: { ...json.strengths, shiftSd: json.strengths.shiftSd ?? 0 } };
}

/** Hourly counts smoothed by the circular kernel: an hour borrows its neighbours' evidence (an hour without messages lends none). */
export function smoothCounts(c: HourlyCounts, w: number): HourlyCounts {
  return { sent: smoothCircular(c.sent, w), engaged: smoothCircular(c.engaged, w) };
}

/** Beta posterior per hour from (smoothed) counts and per-hour prior means. */
function hourCurve(counts: HourlyCounts, means: readonly number[], strength: number): { a: number[]; b: number[]; rates: number[] } {
  const a: number[] = [];
  const b: number[] = [];
  const rates: number[] = [];
  for (let h = 0; h < HOURS; h++) {
    const m = inside(means[h]!);
    const n = counts.sent[h]!;
    const k = counts.engaged[h]!;
    a.push(k + strength * m);
    b.push(n - k + strength * (1 - m));
    rates.push(shrink(k, n, m, strength));
  }
  return { a, b, rates };
}

/** The parent's curve rescaled to `level`, shifted later by `shift` hours (circular). */
function shiftedMeans(parent: LevelCurve, level: number, shift: number): number[] {
  return Array.from({ length: HOURS }, (_, h) => inside((level * parent.rates[(h - shift + 2 * HOURS) % HOURS]!) / parent.level));
}

/** Log-likelihood of the contact's own counts for each shift −S…S of its parent's curve (the rates of shiftedMeans, inlined: this runs for every contact in every deconvolution round). */
function shiftLogLikelihoods(counts: HourlyCounts, parent: LevelCurve, level: number, maxShift: number): number[] {
  const out = new Array<number>(2 * maxShift + 1).fill(0);
  const scale = level / parent.level;
  for (let h = 0; h < HOURS; h++) {
    const n = counts.sent[h]!;
    if (n === 0) continue;
    const k = counts.engaged[h]!;
    for (let i = 0; i <= 2 * maxShift; i++) {
      const r = inside(scale * parent.rates[(h - (i - maxShift) + 2 * HOURS) % HOURS]!);
      out[i]! += k * Math.log(r) + (n - k) * Math.log(1 - r);
    }
  }
  return out;
}

/** Discretised N(0, sd²) over the shifts −S…S (sd 0: all mass on no shift). */
function shiftPrior(sd: number, maxShift: number): number[] {
  const w = Array.from({ length: 2 * maxShift + 1 }, (_, i) => (sd === 0 ? (i === maxShift ? 1 : 0) : Math.exp(-((i - maxShift) ** 2) / (2 * sd * sd))));
  const z = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / z);
}

/** Posterior over the shifts (Bayes' rule on the grid), and the log marginal likelihood. */
function shiftPosterior(logLik: readonly number[], prior: readonly number[]): { posterior: number[]; logMarginal: number } {
  const top = Math.max(...logLik);
  const joint = logLik.map((ll, i) => prior[i]! * Math.exp(ll - top));
  const z = joint.reduce((a, b) => a + b, 0);
  return { posterior: joint.map((x) => x / z), logMarginal: top + Math.log(z) };
}

/** The contact's prior means per hour: its level times the parent's shape, averaged over the shift posterior. */
function mixtureMeans(parent: LevelCurve, level: number, posterior: readonly number[], maxShift: number): number[] {
  const out = new Array<number>(HOURS).fill(0);
  posterior.forEach((p, i) => {
    if (p === 0) return;
    const shifted = shiftedMeans(parent, level, i - maxShift);
    for (let h = 0; h < HOURS; h++) out[h]! += p * shifted[h]!;
  });
  return out;
}

/**
 * Fits the workspace and segment curves, the prior strengths and the spread of individual shifts
 * from every contact's history (the workspace's and segments' aggregates are the sums of their
 * contacts').
 *
 * Individual shifts: a contact's preference is modelled as its parent's curve shifted by d hours,
 * d ∈ {−S…S} with a discretised N(0, σ²) prior; σ is chosen on a grid by maximising the marginal
 * likelihood over all contacts (type-II maximum likelihood, the empirical-Bayes choice; Efron &
 * Morris 1975 in spirit, Carlin & Louis "Bayesian Methods for Data Analysis" §5 for the recipe), so a
 * population without individual shifts gets σ = 0 and the contact's prior is its parent's curve.
 * Each contact's prior curve is the posterior mixture of shifted parent curves; its hours are then
 * shrunk toward it as before. Before that, the segment curves and σ are re-estimated by
 * options.deconvolutionRounds rounds of EM over the shifts (see the comment in the body).
 */
export function fitSendTimeModel(contacts: readonly ContactHistory[], options: Partial<SendTimeOptions> = {}): SendTimeModel {
  const o: SendTimeOptions = { ...DEFAULT_SEND_TIME_OPTIONS, ...options };
  if (!(o.smoothing >= 0 && o.smoothing < 1 / 3)) throw new RangeError(`smoothing must be in [0, 1/3), got ${o.smoothing}`);
  if (!(Number.isInteger(o.maxShiftHours) && o.maxShiftHours >= 0 && o.maxShiftHours <= 11)) throw new RangeError(`maxShiftHours must be a whole number 0–11, got ${o.maxShiftHours}`);
  for (const c of contacts) checkCounts(`contact ${c.id}`, c.counts);
  const bounds = o.strengthBounds;

  // Workspace: hours shrunk toward the overall rate.
  const ws = sumCounts(contacts.map((c) => c.counts));
  const wsMessages = total(ws.sent);
  const wsRate = wsMessages > 0 ? total(ws.engaged) / wsMessages : o.defaultRate;
  const wsLevel = inside(wsRate);
  const workspaceHour = betaBinomialMoments(ws.sent.map((n, h) => ({ trials: n, successes: ws.engaged[h]! })), bounds).strength;
  const workspace: LevelCurve = {
    messages: wsMessages,
    level: wsLevel,
    rates: hourCurve(smoothCounts(ws, o.smoothing), new Array<number>(HOURS).fill(wsLevel), workspaceHour).rates,
  };

  // Segments: level toward the workspace's, hours toward the workspace's shape at that level.
  const bySegment = new Map<string, HourlyCounts[]>();
  for (const c of contacts) if (c.segment !== null) (bySegment.get(c.segment) ?? bySegment.set(c.segment, []).get(c.segment)!).push(c.counts);
  const segmentCounts = new Map([...bySegment].map(([id, list]) => [id, sumCounts(list)] as const));
  const segmentLevel = knownMeanStrength(
    [...segmentCounts.values()].map((c) => ({ trials: total(c.sent), successes: total(c.engaged), mean: wsLevel })),
    bounds,
  ).strength;
  const segmentLevels = new Map([...segmentCounts].map(([id, c]) => [id, inside(shrink(total(c.engaged), total(c.sent), wsLevel, segmentLevel))] as const));
  const segmentHour = knownMeanStrength(
    [...segmentCounts].flatMap(([id, c]) => {
      const means = shiftedMeans(workspace, segmentLevels.get(id)!, 0);
      return c.sent.map((n, h) => ({ trials: n, successes: c.engaged[h]!, mean: means[h]! }));
    }),
    bounds,
  ).strength;
  const segments = new Map<string, LevelCurve>();
  for (const [id, c] of segmentCounts) {
    const level = segmentLevels.get(id)!;
    segments.set(id, { messages: total(c.sent), level, rates: hourCurve(smoothCounts(c, o.smoothing), shiftedMeans(workspace, level, 0), segmentHour).rates });
  }

  // Contacts: level toward their segment's (or the workspace's without one), then the shift spread, then hours.
  const parentOf = (c: ContactHistory) => (c.segment !== null ? segments.get(c.segment)! : workspace);
  const contactLevel = knownMeanStrength(
    contacts.map((c) => ({ trials: total(c.counts.sent), successes: total(c.counts.engaged), mean: parentOf(c).level })),
    bounds,
  ).strength;
  const levels = contacts.map((c) => inside(shrink(total(c.counts.engaged), total(c.counts.sent), parentOf(c).level, contactLevel)));
  const S = o.maxShiftHours;
  // Only contacts with messages carry information about σ (the others' likelihood is flat).
  let logLiks: (number[] | null)[] = [];
  const chooseShiftSd = () => {
    logLiks = contacts.map((c, i) => (S > 0 && total(c.counts.sent) > 0 ? shiftLogLikelihoods(c.counts, parentOf(c), levels[i]!, S) : null));
    let chosen = 0;
    if (S > 0) {
      let best = -Infinity;
      for (const sd of o.shiftSdGrid) {
        const prior = shiftPrior(sd, S);
        let lm = 0;
        for (const ll of logLiks) if (ll) lm += shiftPosterior(ll, prior).logMarginal;
        // Ties (no information) keep the smaller σ: no individual shift unless the data show one.
        if (lm > best + 1e-9) {
          best = lm;
          chosen = sd;
        }
      }
    }
    return chosen;
  };
  let shiftSd = chooseShiftSd();

  // Deconvolution: a segment's pooled curve is its members' curves averaged over their shifts, i.e.
  // the segment's own curve blurred by the shift distribution, and shifting a blurred curve gives
  // every contact a flatter prior than the truth. EM for the mixture over shifts (Dempster, Laird &
  // Rubin 1977): E-step, each contact's shift posterior; M-step, the segment curve re-estimated from
  // its members' counts aligned by those posteriors — hour h of a contact shifted by d counts for
  // the segment's hour h − d, with exposure n·(contact level) so that levels do not mix into the
  // shape — shrunk toward the workspace's shape with the segment-hour strength as before; then σ is
  // re-chosen by marginal likelihood. The aligned counts are smoothed like the first pass's: without
  // it (the first version) a fixture of 12 contacts whose final σ was 0 still got a sharper, unsmoothed
  // segment curve fitted to its members' raw counts, the contact-hour strength then measured no
  // individual deviation from it (maximum pooling) and a contact with a clear own best hour lost it.
  // σ = 0 is a fixed point of this alternation (nothing to align), so the first E-step uses
  // the widest σ of the grid; the marginal likelihood then settles σ. Contacts without a segment keep
  // the workspace's curve (it is also every segment's shrinkage target).
  const segmentIds = [...segments.keys()];
  const gridMax = Math.max(0, ...o.shiftSdGrid);
  for (let round = 0; S > 0 && gridMax > 0 && segmentIds.length > 0 && round < o.deconvolutionRounds; round++) {
    const prior = shiftPrior(round === 0 ? gridMax : shiftSd, S);
    const exposure = new Map(segmentIds.map((id) => [id, new Array<number>(HOURS).fill(0)] as const));
    const engaged = new Map(segmentIds.map((id) => [id, new Array<number>(HOURS).fill(0)] as const));
    contacts.forEach((c, i) => {
      const ll = logLiks[i];
      if (c.segment === null || !ll) return;
      const posterior = shiftPosterior(ll, prior).posterior;
      const e = exposure.get(c.segment)!;
      const k = engaged.get(c.segment)!;
      for (let j = 0; j <= 2 * S; j++) {
        const w = posterior[j]!;
        if (w < 1e-9) continue;
        const d = j - S;
        for (let h = 0; h < HOURS; h++) {
          const n = c.counts.sent[h]!;
          if (n === 0) continue;
          const base = (h - d + 2 * HOURS) % HOURS;
          e[base]! += w * n * levels[i]!;
          k[base]! += w * c.counts.engaged[h]!;
        }
      }
    });
    for (const id of segmentIds) {
      const seg = segments.get(id)!;
      // The aligned counts are smoothed like every level's counts: at σ = 0 (nothing to align) this
      // step then gives back the segment's first-pass curve, and only what the shifts explain changes.
      const e = smoothCircular(exposure.get(id)!, o.smoothing);
      const k = smoothCircular(engaged.get(id)!, o.smoothing);
      // Relative rate per hour (engagements over expected engagements at level 1), shrunk toward the
      // workspace's shape with segmentHour pseudo-messages (in expected-engagement units: × level).
      const m = segmentHour * seg.level;
      seg.rates = Array.from({ length: HOURS }, (_, h) => inside((seg.level * (k[h]! + (m * workspace.rates[h]!) / workspace.level)) / (e[h]! + m)));
    }
    shiftSd = chooseShiftSd();
  }
  const prior = shiftPrior(shiftSd, S);
  const contactHour = knownMeanStrength(
    contacts.flatMap((c, i) => {
      const ll = logLiks[i];
      const means = ll ? mixtureMeans(parentOf(c), levels[i]!, shiftPosterior(ll, prior).posterior, S) : shiftedMeans(parentOf(c), levels[i]!, 0);
      return c.counts.sent.map((n, h) => ({ trials: n, successes: c.counts.engaged[h]!, mean: inside(means[h]!) }));
    }),
    bounds,
  ).strength;

  return { options: o, workspace, segments, strengths: { workspaceHour, segmentLevel, segmentHour, contactLevel, contactHour, shiftSd } };
}

/**
 * P(θ_opt > mean_h θ_h) under the independent per-hour Beta(a_h, b_h) posteriors, by `draws` seeded
 * Monte Carlo draws (standard error ≤ 0.5/√draws). θ_h are the hours of the recommended curve itself
 * (its rates are their posterior means), so no kernel is applied to the draws.
 */
function confidenceOf(a: readonly number[], b: readonly number[], optimalHour: number, draws: number, seed: number): number {
  const rng = mulberry32(seed);
  let wins = 0;
  for (let d = 0; d < draws; d++) {
    let sum = 0;
    let atOptimum = 0;
    for (let h = 0; h < HOURS; h++) {
      const theta = betaSample(a[h]!, b[h]!, rng);
      sum += theta;
      if (h === optimalHour) atOptimum = theta;
    }
    if (atOptimum > sum / HOURS) wins++;
  }
  return wins / draws;
}

/**
 * Gauss–Hermite rule for E[f(Z)], Z ~ N(0, 1), 12 nodes (the positive half; the rule is symmetric):
 * numpy.polynomial.hermite_e.hermegauss(12), weights divided by √(2π). Exact for polynomials of
 * degree ≤ 23 (Abramowitz & Stegun 25.4.46).
 */
const GH_NODES = [0.444403001944139, 1.34037519715162, 2.2594644510008, 3.2237098287701, 4.27182584793228, 5.50090170446775];
const GH_WEIGHTS = [0.32166436151283, 0.14696704804533, 0.0291166879123642, 0.0022033806875332, 4.83718492259064e-5, 1.49992716763716e-7];

/**
 * P(θ_opt > mean_h θ_h) with independent θ_h ~ Beta(a_h, b_h), i.e. P(θ_opt > M) with M the mean of
 * the other 23 hours (θ_opt·23/24 > Σ_{h≠opt} θ_h/24). M, an average of 23 independent bounded terms,
 * is approximated by a normal with its exact moments (the CLT); θ_opt, a single and often skewed Beta
 * (a contact with three messages has a ≈ 2), keeps its exact distribution:
 *   P = E_M[1 − I_M(a_opt, b_opt)], the expectation by Gauss–Hermite quadrature over M.
 * A plain normal approximation of the whole contrast (the first version) was off by up to 0.05 for
 * such contacts, because the contrast is dominated by the one skewed term. Checked against seeded
 * Monte Carlo in test/unit/send-time.test.ts.
 */
export function normalConfidence(a: readonly number[], b: readonly number[], optimalHour: number): number {
  let mean = 0;
  let variance = 0;
  for (let h = 0; h < HOURS; h++) {
    if (h === optimalHour) continue;
    const s = a[h]! + b[h]!;
    mean += a[h]! / s;
    variance += (a[h]! * b[h]!) / (s * s * (s + 1));
  }
  const others = HOURS - 1;
  mean /= others;
  const sd = Math.sqrt(variance) / others;
  const beats = (m: number) => 1 - betaCdf(m, a[optimalHour]!, b[optimalHour]!);
  let p = 0;
  for (let i = 0; i < GH_NODES.length; i++) p += GH_WEIGHTS[i]! * (beats(mean - sd * GH_NODES[i]!) + beats(mean + sd * GH_NODES[i]!));
  return clamp(p, 0, 1);
}

/** The recommendation for one contact under a fitted model. */
export function recommendSendTime(model: SendTimeModel, contact: ContactHistory): SendTimeRecommendation {
  const o = model.options;
  checkCounts(`contact ${contact.id}`, contact.counts);
  const messages = total(contact.counts.sent);
  const segment = contact.segment !== null ? model.segments.get(contact.segment) : undefined;
  const parent = segment ?? model.workspace;

  const basis: SendTimeBasis =
    messages >= o.minContactMessages
      ? 'CONTACT'
      : segment !== undefined && segment.messages >= o.minSegmentMessages
        ? 'SEGMENT'
        : model.workspace.messages >= o.minWorkspaceMessages
          ? 'WORKSPACE'
          : 'DEFAULT';
  if (basis === 'DEFAULT') {
    const rates = new Array<number>(HOURS).fill(o.defaultRate);
    return {
      contactId: contact.id,
      optimalHour: o.defaultHour,
      window: sendWindow(rates, o.defaultHour, o.windowTolerance),
      expectedRate: o.defaultRate,
      confidence: null,
      basis,
      messages,
      rates,
    };
  }

  const level = inside(shrink(total(contact.counts.engaged), messages, parent.level, model.strengths.contactLevel));
  const S = o.maxShiftHours;
  const means =
    S > 0 && messages > 0 && model.strengths.shiftSd > 0
      ? mixtureMeans(parent, level, shiftPosterior(shiftLogLikelihoods(contact.counts, parent, level, S), shiftPrior(model.strengths.shiftSd, S)).posterior, S)
      : shiftedMeans(parent, level, 0);
  const curve = hourCurve(smoothCounts(contact.counts, o.smoothing), means, model.strengths.contactHour);
  const rates = curve.rates;
  const optimalHour = argmax(rates);
  return {
    contactId: contact.id,
    optimalHour,
    window: sendWindow(rates, optimalHour, o.windowTolerance),
    expectedRate: rates[optimalHour]!,
    confidence:
      o.confidenceMethod === 'normal'
        ? normalConfidence(curve.a, curve.b, optimalHour)
        : o.confidenceMethod === 'monteCarlo'
          ? confidenceOf(curve.a, curve.b, optimalHour, o.confidenceDraws, (o.seed ^ fnv1a32(contact.id)) >>> 0 /* per contact: independent of the contacts' order */)
          : null,
    basis,
    messages,
    rates,
  };
}

/** Fits on every contact's history, then recommends for each (in input order). */
export function recommendSendTimes(contacts: readonly ContactHistory[], options: Partial<SendTimeOptions> = {}): SendTimeRecommendation[] {
  const model = fitSendTimeModel(contacts, options);
  return contacts.map((c) => recommendSendTime(model, c));
}
