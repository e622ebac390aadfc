/**
 * Seeded pseudo-random numbers for tests and simulations only (never for assignment, which is
 * hashed; see ../assignment.ts). Pure: the generator's state lives in the returned closure.
 */

// Bound once: a global lookup per draw is needlessly slow in sandboxed contexts such as Jest's.
const imul = Math.imul;

/** A source of uniform numbers in [0, 1). */
export type Rng = () => number;

/**
 * mulberry32 (Tommy Ettinger, 2017): a 32-bit state, period 2³², uniform doubles k/2³² in [0, 1).
 * Small and fast; statistically adequate for simulations of a few million draws.
 */
export function mulberry32(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One Bernoulli(p) draw: 1 with probability p. */
export function bernoulli(p: number, rng: Rng): 0 | 1 {
  return rng() < p ? 1 : 0;
}

/**
 * A Binomial(n, p) draw as the sum of n Bernoulli draws (one per recipient, O(n); meant for the
 * small batches of a simulation, e.g. n ≤ 50 per look).
 */
export function binomial(n: number, p: number, rng: Rng): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`p must be in [0, 1], got ${p}`);
  let k = 0;
  for (let i = 0; i < n; i++) if (rng() < p) k++;
  return k;
}
