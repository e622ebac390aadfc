/**
 * Seeded pseudo-random numbers for tests and simulations only (never for assignment, which is
 * hashed; see ../assignment.ts). Pure: the generator's state lives in the returned closure.
 */

// Bound once: a global lookup per draw is needlessly slow in sandboxed contexts such as Jest's.
const imul = Math.imul;
const { log, sqrt, cos, pow, PI } = Math;

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

/** One standard normal draw (Box & Muller 1958, cosine branch; 1 − u keeps the logarithm's argument in (0, 1]). */
export function normalSample(rng: Rng): number {
  return sqrt(-2 * log(1 - rng())) * cos(2 * PI * rng());
}

/**
 * One Gamma(shape, 1) draw. Shape ≥ 1: Marsaglia & Tsang, "A simple method for generating gamma
 * variables", ACM Transactions on Mathematical Software 26(3) (2000) 363–372 — with d = shape − 1/3
 * and c = 1/√(9d), propose d·(1 + c·x)³ for a standard normal x and accept by the squeeze
 * u < 1 − 0.0331·x⁴ or, failing that, ln u < x²/2 + d·(1 − v + ln v). Shape < 1: the same paper's
 * boost, Gamma(a) = Gamma(a + 1)·U^(1/a).
 */
export function gammaSample(shape: number, rng: Rng): number {
  if (!(shape > 0) || !Number.isFinite(shape)) throw new RangeError(`shape must be a positive number, got ${shape}`);
  if (shape < 1) return gammaSample(shape + 1, rng) * pow(1 - rng(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normalSample(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng();
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2) return d * v;
    if (log(u) < 0.5 * x2 + d * (1 - v + log(v))) return d * v;
  }
}

/** One Beta(a, b) draw as X/(X + Y) with X ~ Gamma(a, 1), Y ~ Gamma(b, 1) (Devroye, Non-Uniform Random Variate Generation, 1986, §IX.4). */
export function betaSample(a: number, b: number, rng: Rng): number {
  const x = gammaSample(a, rng);
  return x / (x + gammaSample(b, rng));
}
