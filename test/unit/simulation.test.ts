/**
 * Validation of the decision rules by simulation (deterministic: seeded mulberry32, per-recipient
 * Bernoulli draws accumulated look by look). Uses only the pure functions of
 * src/experiments/stats.
 *   (a) A/A, 10 % baseline, a look every 50 recipients per arm up to 5,000 (100 looks):
 *       the sequential test declares a false winner in ≤ 5 % of 2,000 experiments.
 *   (b) The same experiments with a fixed-horizon z-test at every look: the false-positive rate
 *       inflates far above 5 % (the peeking problem).
 *   (c) A/B, 10 % vs 12 %, evaluated once at requiredSampleSize per arm with the fixed z-test:
 *       power 0.8 ± 0.03.
 *   (d) The same A/B monitored sequentially (a look every 50 per arm, at most 2 × the fixed
 *       sample size per arm): power and the average sample per arm at stopping.
 */
import { binomial, mulberry32, requiredSampleSize, sequentialDifferenceTest, twoProportionZTest, wilsonInterval, type Rng } from '../../src/experiments/stats';

const EXPERIMENTS = 2000;
const LOOK_EVERY = 50;
const ALPHA = 0.05;

function rate(count: number, total: number): string {
  const ci = wilsonInterval(count, total, 0.95);
  return `${((100 * count) / total).toFixed(2)} % (${count}/${total}; 95 % Wilson CI ${(100 * ci.lower).toFixed(2)}–${(100 * ci.upper).toFixed(2)} %)`;
}

describe('A/A: 2,000 experiments at 10 %, 100 looks of 50 recipients per arm', () => {
  const rng: Rng = mulberry32(20240611);
  const looks = 5000 / LOOK_EVERY;
  let sequentialFalse = 0;
  let naiveFalse = 0;
  for (let e = 0; e < EXPERIMENTS; e++) {
    let c = 0;
    let v = 0;
    let seq = false;
    let naive = false;
    for (let look = 1; look <= looks && !(seq && naive); look++) {
      c += binomial(LOOK_EVERY, 0.1, rng);
      v += binomial(LOOK_EVERY, 0.1, rng);
      const n = look * LOOK_EVERY;
      if (!seq && sequentialDifferenceTest(c, n, v, n, ALPHA).significant) seq = true;
      if (!naive && twoProportionZTest(c, n, v, n).pValue < ALPHA) naive = true;
    }
    if (seq) sequentialFalse++;
    if (naive) naiveFalse++;
  }

  it('(a) sequential test: false-winner rate ≤ 5 %', () => {
    console.log(
      [
        '(a) A/A, sequential (GrowthBook asymptotic CS, α 0.05, N = 5000), 100 looks up to 5,000 per arm:',
        `    false winner declared in ${rate(sequentialFalse, EXPERIMENTS)}`,
      ].join('\n'),
    );
    expect(sequentialFalse / EXPERIMENTS).toBeLessThanOrEqual(0.05);
  });

  it('(b) naive fixed z-test at every look: inflated false-positive rate > 15 %', () => {
    console.log(['(b) A/A, fixed z-test p < 0.05 checked at each of the 100 looks:', `    false winner declared in ${rate(naiveFalse, EXPERIMENTS)}`].join('\n'));
    expect(naiveFalse / EXPERIMENTS).toBeGreaterThan(0.15);
  });
});

describe('A/B: 10 % vs 12 % (relative effect 20 %)', () => {
  const n = requiredSampleSize({ baseline: 0.1, relativeEffect: 0.2, alpha: ALPHA, power: 0.8 })!;
  const max = 2 * n;
  const rng: Rng = mulberry32(20240612);
  let fixedWins = 0;
  let sequentialWins = 0;
  let sequentialWrong = 0;
  let stopped = 0;
  let stoppedSampleSum = 0;
  for (let e = 0; e < EXPERIMENTS; e++) {
    let c = 0;
    let v = 0;
    let m = 0; // recipients per arm so far
    let done = false; // sequential decision made
    while (m < max && !(done && m >= n)) {
      // next evaluation point: the next look, the fixed horizon n, or the maximum
      let next = (Math.floor(m / LOOK_EVERY) + 1) * LOOK_EVERY;
      if (m < n && n < next) next = n;
      if (next > max) next = max;
      c += binomial(next - m, 0.1, rng);
      v += binomial(next - m, 0.12, rng);
      m = next;
      if (m === n && twoProportionZTest(c, m, v, m).pValue < ALPHA) fixedWins++;
      if (!done && (m % LOOK_EVERY === 0 || m === max)) {
        const r = sequentialDifferenceTest(c, m, v, m, ALPHA);
        if (r.significant) {
          done = true;
          stopped++;
          stoppedSampleSum += m;
          if (r.lower > 0) sequentialWins++;
          else sequentialWrong++;
        }
      }
    }
  }

  it('(c) fixed z-test at the required sample size: power 0.8 ± 0.03', () => {
    expect(n).toBe(3841);
    console.log(['(c) A/B 10 % vs 12 %, fixed z-test once at n = requiredSampleSize = ' + n + ' per arm:', `    power ${rate(fixedWins, EXPERIMENTS)}`].join('\n'));
    expect(Math.abs(fixedWins / EXPERIMENTS - 0.8)).toBeLessThanOrEqual(0.03);
  });

  it('(d) sequential monitoring up to 2n per arm: power and sample at stopping', () => {
    const average = stopped > 0 ? stoppedSampleSum / stopped : 0;
    console.log(
      [
        `(d) A/B 10 % vs 12 %, sequential (α 0.05, N = 5000), a look every ${LOOK_EVERY} per arm up to 2n = ${max} per arm:`,
        `    power (variant declared winner) ${rate(sequentialWins, EXPERIMENTS)}`,
        `    wrong-direction winners ${sequentialWrong}; stopped early or at the maximum: ${stopped}/${EXPERIMENTS}`,
        `    average sample per arm at stopping (stopped experiments) ${average.toFixed(0)} (${((100 * average) / n).toFixed(1)} % of the fixed n = ${n})`,
      ].join('\n'),
    );
    expect(sequentialWins / EXPERIMENTS).toBeGreaterThan(0.5);
  });
});
