/**
 * Merchant affinity per contact: how much of a contact's attention goes to each merchant, as a
 * number in [0, 1]. Pure (no I/O): interaction evidence in, scores out. This is the reference:
 * the workspace refresh in merchant-affinity.service.ts computes the same thing in one SQL
 * statement (generated from the constants below), and the integration test checks the stored
 * scores against these functions on a generated population (to 1e-9).
 *
 * Evidence. Every event carrying a merchantId is an interaction of its contact with that merchant,
 * weighted by what the contact did (INTERACTION_WEIGHTS: a purchase says more about a preference
 * than a visit, a visit more than a read) and discounted by its age with a half-life
 * (HALF_LIFE_DAYS: tastes drift; exponentially time-decayed counts as in Koren, "Collaborative
 * filtering with temporal dynamics", KDD 2009, §4): x_cm = Σ w(type) · 2^(−age / half-life).
 *
 * Score. The contact's shares of attention θ_c over the workspace's merchants get a Dirichlet
 * prior centred on the workspace's merchant popularity p (Dirichlet(s·p)); the decayed weights act
 * as (fractional) multinomial counts, and the score is the posterior mean share
 *
 *     score_cm = (x_cm + s·p_m) / (X_c + s),     X_c = Σ_m x_cm
 *
 * (conjugate Dirichlet-multinomial update: Gelman et al., Bayesian Data Analysis, 3rd ed., §3.4;
 * the prior as s pseudo-counts spread by p: Minka, "Estimating a Dirichlet distribution", 2000).
 * The strength s = PRIOR_STRENGTH is in the units of x (one fresh click = 1): a contact with a
 * single fresh click at a merchant of popularity 5 % scores (1 + 0.05)/2 ≈ 0.53 there, not 1; ten
 * fresh clicks score (10 + 0.05)/11 ≈ 0.91. Scores of one contact over all merchants sum to 1.
 *
 * The constants were chosen on the known-truth populations of merchant-synthetic.ts (static and
 * drifting tastes, types uninformative or purchases sharper, 5 seeds): `npm run bench:affinity --
 * constants` prints the sweep, test/unit/affinity-known-truth.test.ts asserts what holds. In short:
 * fast decay and strong type weights throw information away (the earlier 30 d / 3-1-0.5-0.25 lost
 * 5–9 points to plain counting on static tastes); 120 d with near-flat weights ties counting on
 * static tastes and gains 1–2 points when tastes drift. Ranking hardly depends on s; s = 1 gives
 * the scores closest to the true shares (RMSE).
 *
 * Popularity p_m is the mean over the workspace's interacting contacts of their own share x_cm/X_c
 * (each contact counts once, so one heavy buyer cannot make a merchant "popular"), with Laplace
 * (add-one) smoothing over merchants so that no merchant has a zero prior:
 *     p_m = (Σ_c x_cm/X_c + 1) / (C + M),  C contacts with evidence, M merchants seen.
 */

export type InteractionType = 'CONVERTED' | 'CLICKED' | 'REPLIED' | 'OPENED';

/**
 * Weight of one fresh interaction, by event type: CONVERTED (a purchase) 1.25, CLICKED (a visit) 1,
 * REPLIED 0.9, OPENED 0.8 — the order a purchase > a visit > a read, kept mild: on the known-truth
 * populations every step away from flat weights costs accuracy unless purchases really follow
 * preference more closely (then 1.25–1.5 for CONVERTED gains ~0.5 point; 3 loses 1–6 points).
 * Delivery facts (SENT, DELIVERED, FAILED) are the business's acts, not the contact's, and
 * opt-outs are no sign of liking: those carry no weight and are not counted.
 */
export const INTERACTION_WEIGHTS: Readonly<Record<InteractionType, number>> = { CONVERTED: 1.25, CLICKED: 1, REPLIED: 0.9, OPENED: 0.8 };

/**
 * Half-life of an interaction's weight, in days (120): a visit 90 days old counts 0.59 of today's.
 * Shorter (30–60 d) loses 1–4 points on static tastes; longer (≥ 365 d) loses the drift gain.
 */
export const HALF_LIFE_DAYS = 120;

/** Interactions older than this are ignored (365 days, where the weight is down to 0.12): a bounded window to read. */
export const HORIZON_DAYS = 365;

/** Dirichlet prior strength s, in fresh-click units (1: the smallest score RMSE on static tastes, within 0.003 of the best under drift). */
export const PRIOR_STRENGTH = 1;

const DAY_MS = 86_400_000;

/** The tunable constants together (the known-truth test and the constants sweep vary them). */
export interface AffinityParams {
  weights: Readonly<Record<InteractionType, number>>;
  halfLifeDays: number;
  horizonDays: number;
  priorStrength: number;
}

export const AFFINITY_PARAMS: Readonly<AffinityParams> = { weights: INTERACTION_WEIGHTS, halfLifeDays: HALF_LIFE_DAYS, horizonDays: HORIZON_DAYS, priorStrength: PRIOR_STRENGTH };

/** w(type), 0 for event types that carry no preference. */
export function interactionWeight(type: string, weights: Readonly<Record<InteractionType, number>> = INTERACTION_WEIGHTS): number {
  return Object.prototype.hasOwnProperty.call(weights, type) ? weights[type as InteractionType] : 0;
}

/** 2^(−age/half-life); an event stamped up to a few minutes ahead (allowed by ingestion) counts as fresh. */
export function decay(ageMs: number, halfLifeDays = HALF_LIFE_DAYS): number {
  return Math.pow(0.5, Math.max(0, ageMs) / (halfLifeDays * DAY_MS));
}

export interface Interaction {
  merchantId: string;
  type: string;
  occurredAt: Date;
}

/** One contact's evidence for one merchant: decayed weight x_cm and the number of interactions behind it. */
export interface MerchantEvidence {
  merchantId: string;
  weight: number;
  interactions: number;
}

/**
 * Decayed evidence per merchant from raw interactions (the reference the SQL aggregate mirrors):
 * weightless types and interactions beyond the horizon are left out.
 */
export function evidenceFrom(interactions: readonly Interaction[], now: Date, params: Partial<AffinityParams> = {}): MerchantEvidence[] {
  const weights = params.weights ?? INTERACTION_WEIGHTS;
  const halfLifeDays = params.halfLifeDays ?? HALF_LIFE_DAYS;
  const horizonDays = params.horizonDays ?? HORIZON_DAYS;
  const byMerchant = new Map<string, MerchantEvidence>();
  for (const i of interactions) {
    const w = interactionWeight(i.type, weights);
    const age = now.getTime() - i.occurredAt.getTime();
    if (w === 0 || age > horizonDays * DAY_MS) continue;
    const e = byMerchant.get(i.merchantId) ?? { merchantId: i.merchantId, weight: 0, interactions: 0 };
    e.weight += w * decay(age, halfLifeDays);
    e.interactions++;
    byMerchant.set(i.merchantId, e);
  }
  return [...byMerchant.values()];
}

/** Merchant popularity p (sums to 1 over the merchants seen), from every contact's evidence. */
export function merchantPopularity(contacts: Iterable<readonly MerchantEvidence[]>): Map<string, number> {
  const shareSum = new Map<string, number>();
  let c = 0;
  for (const evidence of contacts) {
    const total = evidence.reduce((s, e) => s + e.weight, 0);
    for (const e of evidence) if (!shareSum.has(e.merchantId)) shareSum.set(e.merchantId, 0);
    // A contact whose only interactions have decayed to nothing still names the merchants it saw.
    if (!(total > 0)) continue;
    c++;
    for (const e of evidence) shareSum.set(e.merchantId, shareSum.get(e.merchantId)! + e.weight / total);
  }
  const denominator = c + shareSum.size;
  return new Map([...shareSum].map(([m, s]) => [m, (s + 1) / denominator]));
}

export interface AffinityScore {
  merchantId: string;
  /** Posterior mean share of the contact's attention, in [0, 1]. */
  score: number;
  interactions: number;
}

/**
 * The contact's scores for the merchants it interacted with, best first (ties: merchant id).
 * `popularity(m)` is p_m; a merchant missing from the workspace's popularity gets `fallback`.
 */
export function affinityScores(evidence: readonly MerchantEvidence[], popularity: ReadonlyMap<string, number>, fallback: number, strength = PRIOR_STRENGTH): AffinityScore[] {
  const total = evidence.reduce((s, e) => s + e.weight, 0);
  return evidence
    .map((e) => ({ merchantId: e.merchantId, score: clamp01((e.weight + strength * (popularity.get(e.merchantId) ?? fallback)) / (total + strength)), interactions: e.interactions }))
    .sort((a, b) => b.score - a.score || (a.merchantId < b.merchantId ? -1 : a.merchantId > b.merchantId ? 1 : 0));
}

/**
 * The prior share of a merchant the popularity does not know (new since it was computed): the
 * Laplace floor 1/(C + M), approximated by the smallest known share (a merchant that no contact
 * favours has about that). With no popularity at all, a uniform prior over the contact's own
 * merchants and one more: 1/(merchants + 1).
 */
export function popularityFallback(popularity: ReadonlyMap<string, number>, contactMerchants: number): number {
  let min = Infinity;
  for (const p of popularity.values()) if (p < min) min = p;
  return Number.isFinite(min) ? min : 1 / (contactMerchants + 1);
}

/** Floating error must not push a score past the table's check (0 ≤ score ≤ 1). */
function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}
