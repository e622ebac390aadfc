/**
 * Bayesian comparison of two conversion rates with uniform Beta(1, 1) priors, so the posterior of
 * an arm with s successes in n trials is Beta(1 + s, 1 + n − s). Closed forms with integer
 * parameters, deterministic (no Monte Carlo). Pure.
 */
import betaln = require('@stdlib/math-base-special-betaln');
import { checkBinomial } from './checks';

export interface BinomialCounts {
  successes: number;
  trials: number;
}

/**
 * P(X > Y) for independent X ~ Beta(a, b), Y ~ Beta(c, d), a integer: Evan Miller's sum
 * (“Formulas for Bayesian A/B testing”, 2015)
 *   P = Σ_{i=0}^{a−1} B(c + i, b + d) / ((b + i)·B(1 + i, b)·B(c, d)),
 * evaluated by the term ratio t_{i+1}/t_i = (c + i)(b + i) / ((c + b + d + i)(1 + i)) from
 * t_0 = B(c, b + d)/B(c, d), in a scaled form that neither overflows nor underflows. All terms are
 * positive (no cancellation). Once the ratio drops below 1 it stays below 1, so the loop stops when
 * the remaining terms are bounded below 1e-17 of the sum.
 */
function millerSum(a: number, b: number, c: number, d: number): number {
  let logScale = betaln(c, b + d) - betaln(c, d);
  let term = 1;
  let sum = 1;
  for (let i = 0; i < a - 1; i++) {
    const ratio = ((c + i) * (b + i)) / ((c + b + d + i) * (1 + i));
    term *= ratio;
    sum += term;
    if (sum > 1e200) {
      term *= 1e-200;
      sum *= 1e-200;
      logScale += 200 * Math.LN10;
    } else if (ratio < 1 && term * (a - 2 - i) < sum * 1e-17) {
      break;
    }
  }
  return Math.exp(Math.log(sum) + logScale);
}

/**
 * P(X > Y) for X ~ Beta(a, b), Y ~ Beta(c, d) with positive integer parameters. Four equivalent
 * sums exist (the reflection θ → 1 − θ swaps the roles of the parameters, and P(X > Y) =
 * 1 − P(Y > X) as ties have probability 0); the one with the fewest terms is used, so a call costs
 * O(min(a, b, c, d)) operations.
 */
export function betaProbabilityGreater(a: number, b: number, c: number, d: number): number {
  const smallest = Math.min(a, b, c, d);
  let p: number;
  if (a === smallest) p = millerSum(a, b, c, d);
  else if (d === smallest) p = millerSum(d, c, b, a); // P(1 − Y > 1 − X)
  else if (c === smallest) p = 1 - millerSum(c, d, a, b); // 1 − P(Y > X)
  else p = 1 - millerSum(b, a, d, c); // 1 − P(1 − X > 1 − Y)
  return Math.min(1, Math.max(0, p));
}

function posterior(name: string, counts: BinomialCounts): [number, number] {
  checkBinomial(name, counts.successes, counts.trials);
  return [1 + counts.successes, 1 + counts.trials - counts.successes];
}

/**
 * P(θ_v > θ_c) under independent Beta(1 + s, 1 + n − s) posteriors (exact, by Evan Miller's closed
 * form; accurate to ~1e-13 absolute). The prior makes every input well defined: with no data at all
 * the answer is 0.5 by symmetry.
 */
export function probabilityToBeatControl(control: BinomialCounts, variant: BinomialCounts): number {
  const [ac, bc] = posterior('control', control);
  const [av, bv] = posterior('variant', variant);
  return betaProbabilityGreater(av, bv, ac, bc);
}

/**
 * Expected loss of choosing the variant, E[max(θ_c − θ_v, 0)], in conversion-rate units. With the
 * identity E[θ·1{θ > y}] = (a/(a + b))·P(θ' > y), θ ~ Beta(a, b), θ' ~ Beta(a + 1, b), the loss is
 *   (a_c/(a_c + b_c))·P(Beta(a_c + 1, b_c) > θ_v) − (a_v/(a_v + b_v))·P(θ_c > Beta(a_v + 1, b_v)),
 * two closed-form probabilities (Chris Stucchio, “Bayesian A/B Testing at VWO”, 2015). Never negative;
 * 1/6 with no data in either arm.
 */
export function expectedLoss(control: BinomialCounts, variant: BinomialCounts): number {
  const [ac, bc] = posterior('control', control);
  const [av, bv] = posterior('variant', variant);
  const loss = (ac / (ac + bc)) * betaProbabilityGreater(ac + 1, bc, av, bv) - (av / (av + bv)) * betaProbabilityGreater(ac, bc, av + 1, bv);
  return Math.max(0, loss);
}
