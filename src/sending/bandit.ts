/**
 * Thompson sampling for BANDIT campaigns: between send waves each variant's weight is the
 * posterior probability that it has the best rate on the primary metric (Thompson 1933; the
 * "randomized probability matching" of Scott, "A modern Bayesian look at the multi-armed bandit",
 * Applied Stochastic Models in Business and Industry 26 (2010) 639–658, which computes these
 * weights by Monte Carlo as here). Uniform Beta(1, 1) priors, so an arm with s successes out of
 * n sent has posterior Beta(1 + s, 1 + n − s), as in ../experiments/stats/bayes.ts.
 * Pure: the random numbers come from a seeded generator, so a given seed gives given weights.
 */
import { checkBinomial } from '../experiments/stats/checks';
import { betaSample, mulberry32, type Rng } from '../experiments/stats/random';

export interface ArmStats {
  variantId: string;
  /** Messages sent so far. */
  sent: number;
  /** Of those, how many reached the primary metric. */
  successes: number;
}

export interface ThompsonOptions {
  /** Minimum share of every arm, as a fraction (default 0.01, i.e. 1 %). */
  floor?: number;
  /** No update until every arm has at least this many sends (default 100). */
  minPerArm?: number;
  /** Monte Carlo draws from the posteriors (default 10,000). */
  draws?: number;
  /** Seed of the generator (default DEFAULT_SEED). */
  seed?: number;
}

export const DEFAULT_SEED = 0x5eed_ca57;

/**
 * P(arm i has the highest rate) under the Beta(1 + s, 1 + n − s) posteriors, estimated as the
 * share of `draws` joint posterior draws in which arm i's draw is the largest (ties, which have
 * probability 0, go to the first arm).
 */
export function probabilityBest(arms: readonly ArmStats[], draws: number, rng: Rng): number[] {
  const wins = new Array<number>(arms.length).fill(0);
  for (let d = 0; d < draws; d++) {
    let best = 0;
    let bestValue = -1;
    for (let i = 0; i < arms.length; i++) {
      const arm = arms[i]!;
      const value = betaSample(1 + arm.successes, 1 + arm.sent - arm.successes, rng);
      if (value > bestValue) {
        best = i;
        bestValue = value;
      }
    }
    wins[best]! += 1;
  }
  return wins.map((w) => w / draws);
}

/**
 * Raises every share below `floor` to `floor` and scales the others down in proportion so the
 * total stays 1, repeating while the scaling pushes another share below the floor. Needs
 * shares.length × floor ≤ 1.
 */
export function applyFloor(shares: readonly number[], floor: number): number[] {
  const floored = new Array<boolean>(shares.length).fill(false);
  for (;;) {
    const free = shares.reduce((sum, s, i) => (floored[i] ? sum : sum + s), 0);
    const room = 1 - floor * floored.filter(Boolean).length;
    const scaled = shares.map((s, i) => (floored[i] ? floor : free > 0 ? (s * room) / free : room / (shares.length - floored.filter(Boolean).length)));
    const newlyFloored = scaled.map((s, i) => !floored[i] && s < floor);
    if (!newlyFloored.includes(true)) return scaled;
    newlyFloored.forEach((f, i) => {
      if (f) floored[i] = true;
    });
  }
}

/**
 * Percentages with two decimals summing to exactly 100.00 (largest-remainder rounding in
 * hundredths of a percent; equal remainders go to the earlier arm), none below `minUnits`
 * hundredths (taken from the largest).
 */
export function roundPercent(shares: readonly number[], minUnits = 0): number[] {
  const exact = shares.map((s) => s * 10000);
  const units = exact.map(Math.floor);
  let left = 10000 - units.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) units[order[k]![1]]! += 1;
  for (let i = 0; i < units.length; i++) {
    while (units[i]! < minUnits) {
      const largest = units.indexOf(Math.max(...units));
      units[largest]! -= 1;
      units[i]! += 1;
    }
  }
  return units.map((u) => u / 100);
}

/**
 * The next wave's variant weights in percent (two decimals, summing to 100), in arm order.
 * Equal weights while any arm has fewer than `minPerArm` sends; otherwise each arm's probability of
 * being best (`probabilityBest`, `draws` draws from a generator seeded with `seed`), with every arm
 * raised to at least `floor` of the traffic (`applyFloor`) so no variant is starved by early noise.
 * Throws RangeError for invalid counts or options.
 */
export function thompsonWeights(arms: readonly ArmStats[], options: ThompsonOptions = {}): number[] {
  const { floor = 0.01, minPerArm = 100, draws = 10_000, seed = DEFAULT_SEED } = options;
  arms.forEach((arm, i) => checkBinomial(`arm ${i} (${arm.variantId})`, arm.successes, arm.sent));
  if (!(floor >= 0) || floor * arms.length > 1) throw new RangeError(`floor must be in [0, 1/${arms.length}], got ${floor}`);
  if (!Number.isInteger(minPerArm) || minPerArm < 0) throw new RangeError(`minPerArm must be a non-negative integer, got ${minPerArm}`);
  if (!Number.isInteger(draws) || draws < 1) throw new RangeError(`draws must be a positive integer, got ${draws}`);
  if (arms.length === 0) return [];
  if (arms.some((arm) => arm.sent < minPerArm)) return roundPercent(arms.map(() => 1 / arms.length));
  const shares = applyFloor(probabilityBest(arms, draws, mulberry32(seed)), floor);
  return roundPercent(shares, Math.min(Math.ceil(floor * 10000 - 1e-9), Math.floor(10000 / arms.length)));
}
