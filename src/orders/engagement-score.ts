/**
 * The engagement score (0–100) of a contact, pure. Signals over the last HORIZON_DAYS, each decayed
 * by recency with a HALF_LIFE_DAYS half-life:
 *
 *   S = Σ weight × 2^(−age_days / 30)      (campaign facts: opened 1, clicked 3, replied 5,
 *                                           converted 8, opted out −10; each order 4)
 *   score = 100 × (1 − e^(−max(S, 0) / 10)), rounded to one decimal
 *
 * Campaign facts come from assignments (the first time of each fact per campaign and contact), so a
 * fact counts once per campaign however often it repeats. The job and the mutation let SQL gather S
 * per contact with these constants as parameters (engagement.service.ts), and map S to the score here.
 */

/** Weight of each signal in S. */
export const ENGAGEMENT_WEIGHTS = {
  opened: 1,
  clicked: 3,
  replied: 5,
  converted: 8,
  optedOut: -10,
  order: 4,
} as const;
export type EngagementSignalKind = keyof typeof ENGAGEMENT_WEIGHTS;

/** A signal's weight halves every HALF_LIFE_DAYS. */
export const ENGAGEMENT_HALF_LIFE_DAYS = 30;
/** Signals older than this many days are left out (a signal exactly this old still counts). */
export const ENGAGEMENT_HORIZON_DAYS = 180;
/** S at which the score reaches 1 − 1/e ≈ 63.2. */
export const ENGAGEMENT_SCALE = 10;

const DAY_MS = 86_400_000;

export interface EngagementSignal {
  kind: EngagementSignalKind;
  at: Date;
}

/** One signal's decayed contribution at `now`: 0 beyond the horizon; a future time counts as now. */
export function decayedWeight(kind: EngagementSignalKind, at: Date, now: Date): number {
  const ageDays = Math.max(0, (now.getTime() - at.getTime()) / DAY_MS);
  if (ageDays > ENGAGEMENT_HORIZON_DAYS) return 0;
  return ENGAGEMENT_WEIGHTS[kind] * 2 ** (-ageDays / ENGAGEMENT_HALF_LIFE_DAYS);
}

/** S: the sum of the signals' decayed weights at `now`. */
export function decayedSum(signals: readonly EngagementSignal[], now: Date): number {
  return signals.reduce((s, x) => s + decayedWeight(x.kind, x.at, now), 0);
}

/** The score (0–100, one decimal) of a decayed sum S; a negative S (opt-outs outweigh the rest) scores 0. */
export function scoreOfSum(s: number): number {
  if (!Number.isFinite(s)) return s === Infinity ? 100 : 0;
  const score = 100 * (1 - Math.exp(-Math.max(s, 0) / ENGAGEMENT_SCALE));
  return Math.min(100, Math.round(score * 10) / 10);
}

/** The engagement score of a contact's signals at `now`. */
export function engagementScore(signals: readonly EngagementSignal[], now: Date): number {
  return scoreOfSum(decayedSum(signals, now));
}
