/**
 * Distribution functions with accurate tails. Upper tails are computed directly as survival
 * functions (erfc, the upper regularized incomplete gamma, the incomplete beta), never as 1 − cdf,
 * so p-values far below 1e-12 keep their relative precision. Pure functions, no I/O.
 */
import betainc = require('@stdlib/math-base-special-betainc');
import erfc = require('@stdlib/math-base-special-erfc');
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

// Acklam's rational approximation of the normal quantile (relative error < 1.15e-9).
const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239] as const;
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1] as const;
const C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783] as const;
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416] as const;
const SQRT_2PI = Math.sqrt(2 * Math.PI);

/** Φ⁻¹(p) for p ≤ 0.5, where Φ(x) = erfc(−x/√2)/2 is evaluated without cancellation. */
function lowerQuantile(p: number): number {
  let x: number;
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
  } else {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q) / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
  }
  // One Halley step on Φ(x) − p brings the 1e-9 approximation to full double precision.
  const e = normalCdf(x) - p;
  const u = e * SQRT_2PI * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/**
 * Φ⁻¹(p), the standard normal quantile, for 0 < p < 1: Acklam's algorithm refined by one Halley
 * step (full double precision). p ≥ 0.5 uses the symmetry Φ⁻¹(p) = −Φ⁻¹(1 − p), where 1 − p is exact.
 */
export function normalQuantile(p: number): number {
  checkOpenUnit('p', p);
  return p > 0.5 ? -lowerQuantile(1 - p) : lowerQuantile(p);
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
