/**
 * Seeded draws from the distributions the learning features simulate with: normal, gamma, beta.
 * Built on the uniform generator of ../experiments/stats/random.ts (tests and simulations only).
 * Pure: every draw takes its Rng.
 */
import type { Rng } from '../experiments/stats/random';

/** One standard normal draw by the Box–Muller transform (Box & Muller 1958), cosine branch only. */
export function normal(rng: Rng): number {
  // 1 − u is in (0, 1]: the logarithm stays finite.
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * One Gamma(shape, 1) draw by Marsaglia & Tsang (2000), “A simple method for generating gamma
 * variables”, ACM TOMS 26(3): squeeze-accepted (1 + x/√(9d))³·d with d = shape − 1/3. A shape below
 * 1 uses their boost: Gamma(shape) = Gamma(shape + 1)·U^{1/shape}.
 */
export function gamma(shape: number, rng: Rng): number {
  if (!(shape > 0) || !Number.isFinite(shape)) throw new RangeError(`shape must be positive and finite, got ${shape}`);
  if (shape < 1) return gamma(shape + 1, rng) * Math.pow(1 - rng(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng();
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2) return d * v;
    if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** One Beta(a, b) draw as X/(X + Y), X ~ Gamma(a), Y ~ Gamma(b) (the standard construction). */
export function beta(a: number, b: number, rng: Rng): number {
  const x = gamma(a, rng);
  const y = gamma(b, rng);
  return x / (x + y);
}
