/**
 * Distribution functions with accurate tails. Upper tails are computed directly as survival
 * functions (erfc, the upper regularized incomplete gamma, the incomplete beta), never as 1 − cdf,
 * so p-values far below 1e-12 keep their relative precision. Pure functions, no I/O.
 */
import betainc = require('@stdlib/math-base-special-betainc');
import erfc = require('@stdlib/math-base-special-erfc');
import erfcinv = require('@stdlib/math-base-special-erfcinv');
import gammainc = require('@stdlib/math-base-special-gammainc');
import { checkOpenUnit } from './checks';

/** P(Z > z) for a standard normal Z: erfc(z/√2)/2. NaN input is rejected. */
export function normalSf(z: number): number {
  if (Number.isNaN(z)) throw new RangeError('z must be a number, got NaN');
  return 0.5 * erfc(z / Math.SQRT2);
}

/** P(Z ≤ z) for a standard normal Z: erfc(−z/√2)/2 (accurate in the lower tail too). */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) throw new RangeError('z must be a number, got NaN');
  return 0.5 * erfc(-z / Math.SQRT2);
}

/**
 * Φ⁻¹(p), the standard normal quantile, for 0 < p < 1: −√2 · erfc⁻¹(2p) (stdlib erfcinv, Blair et
 * al. rational approximations). For p ≤ 0.5, 2p is exact and erfcinv keeps full relative precision
 * in the lower tail (unlike erf⁻¹(2p − 1), which cancels); p ≥ 0.5 uses Φ⁻¹(p) = −Φ⁻¹(1 − p), where
 * 1 − p is exact.
 */
export function normalQuantile(p: number): number {
  checkOpenUnit('p', p);
  return p >= 0.5 ? Math.SQRT2 * erfcinv(2 * (1 - p)) : -Math.SQRT2 * erfcinv(2 * p);
}

function checkDf(df: number): void {
  if (!(df > 0)) throw new RangeError(`degrees of freedom must be positive, got ${df}`);
}

/**
 * P(X > x) for X ~ χ²(df): the upper regularized incomplete gamma Q(df/2, x/2) (stdlib gammainc,
 * upper = true). x ≤ 0 gives 1.
 */
export function chiSquareSf(x: number, df: number): number {
  checkDf(df);
  if (Number.isNaN(x)) throw new RangeError('x must be a number, got NaN');
  if (x <= 0) return 1;
  if (x === Infinity) return 0;
  return gammainc(x / 2, df / 2, true, true);
}

/**
 * Two-sided p-value P(|T| ≥ |t|) for Student's t with df degrees of freedom:
 * I_{df/(df+t²)}(df/2, 1/2), or for small |t| its complement written as the upper tail
 * I^c_{t²/(df+t²)}(1/2, df/2), so neither tail suffers cancellation. df = Infinity is the normal.
 */
export function studentTTwoSidedP(t: number, df: number): number {
  checkDf(df);
  if (Number.isNaN(t)) throw new RangeError('t must be a number, got NaN');
  const a = Math.abs(t);
  if (a === 0) return 1;
  if (a === Infinity) return 0;
  if (df === Infinity) return 2 * normalSf(a);
  const t2 = a * a;
  if (df > 2 * t2) return betainc(t2 / (df + t2), 0.5, df / 2, true, true);
  return betainc(df / (df + t2), df / 2, 0.5, true, false);
}

/** P(X ≤ x) for X ~ Beta(a, b): the regularized incomplete beta I_x(a, b); 0 below 0, 1 above 1. */
export function betaCdf(x: number, a: number, b: number): number {
  if (!(a > 0) || !(b > 0) || !Number.isFinite(a) || !Number.isFinite(b)) throw new RangeError(`beta parameters must be positive and finite, got ${a}, ${b}`);
  if (Number.isNaN(x)) throw new RangeError('x must be a number, got NaN');
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  return betainc(x, a, b, true, false);
}
