/**
 * Input checks shared by the statistics functions (internal, not re-exported). Invalid input is a
 * programming error in the caller, so it throws a RangeError instead of returning a number that
 * could be mistaken for a result.
 */

/** A count: a finite, non-negative integer. */
export function checkCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
}

/** A binomial count pair: successes and trials are counts and successes ≤ trials. */
export function checkBinomial(name: string, successes: number, trials: number): void {
  checkCount(`${name} successes`, successes);
  checkCount(`${name} trials`, trials);
  if (successes > trials) throw new RangeError(`${name} successes (${successes}) exceed trials (${trials})`);
}

/** A probability strictly between 0 and 1 (significance levels, confidence levels, quantile levels). */
export function checkOpenUnit(name: string, value: number): void {
  if (!(value > 0 && value < 1)) throw new RangeError(`${name} must be in (0, 1), got ${value}`);
}

/** Any finite number. */
export function checkFinite(name: string, value: number): void {
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be a finite number, got ${value}`);
}
