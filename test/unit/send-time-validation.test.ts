/**
 * Send-time learning on synthetic populations with known truth (src/optimization/synthetic.ts).
 * Uplift over random hours, per contact: true rate at the chosen hour − mean true rate over the 24
 * hours; the oracle chooses the true best hour; the *segment ceiling* recommends each contact its
 * segment's true best hour (knowing every segment's true curve exactly, nothing individual).
 * Fixed seeds; printed figures.
 *
 * Targets of the issue: ≥ 80 % of the oracle's uplift for contacts with ≥ 10 past messages, ≥ 50 %
 * over everyone. Populations:
 *  - default: smooth individual curves (segment curve shifted by N(0, 1.5²) h, amplitude scaled), no
 *    per-hour white noise (not learnable; see synthetic.ts), sparse histories (35 % under 10
 *    messages, the others 10 + Geometric(20) in 90 days, base rates 4–12 %: ~2–3 engagements each).
 *    ≥ 50 % holds and is asserted; ≥ 80 % does NOT hold (69.0 / 71.7 / 69.1 % on the three seeds, with
 *    a segment ceiling of 66–70 % and a Bayes-oracle bound of 72–73 %, test/unit/send-time-bound.test.ts):
 *    two or three engagements cannot locate an individual shift of ±1.5 h. Beating the segment
 *    ceiling by ≥ 1 point is asserted (it comes from the deconvolved segment curves, send-time.ts).
 *    Printed.
 *  - richer histories (10 + Geometric(80) messages, base rates 8–20 %): the per-contact shift
 *    estimate (send-time.ts) goes well beyond the segment ceiling (asserted: ≥ 8 points) and reaches
 *    80.4 / 80.9 / 78.6 % (printed).
 *  - harder: the previous default with per-hour white noise 0.15 (printed; 62.2 / 63.5 / 61.9 %, segment
 *    ceiling 58–62 %).
 */
import { fitSendTimeModel, recommendSendTimes } from '../../src/optimization/send-time';
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

const report = (title: string, rows: Row[]) => {
  const experienced = figures(rows.filter((r) => r.messages >= 10));
  const newcomers = figures(rows.filter((r) => r.messages < 10));
  const all = figures(rows);
  console.log(
    [`${title} (target ≥ 80 % with ≥ 10 messages: ${experienced.captured >= 0.8 ? 'met' : 'NOT met'}; ≥ 50 % overall: ${all.captured >= 0.5 ? 'met' : 'NOT met'})`,
      show('≥ 10 messages', experienced), show('< 10 messages', newcomers), show('everyone', all)].join('\n'),
  );
  return { experienced, newcomers, all };
};

const RICHER: Partial<SyntheticOptions> = { extraMessagesMean: 80, baseRateRange: [0.08, 0.2] };

describe('send-time learning on a synthetic population with known truth', () => {
  it.each([20240601, 7, 99])('default population (seed %i): ≥ 50 %% of the oracle overall, beyond the segment ceiling from data alone', (seed) => {
    const { experienced, newcomers, all } = report(`default population, seed ${seed}`, evaluate({ seed }));
    expect(experienced.contacts).toBeGreaterThan(1500);
    expect(newcomers.contacts).toBeGreaterThan(800);
    expect(all.captured).toBeGreaterThanOrEqual(0.5);
    expect(experienced.captured).toBeGreaterThanOrEqual(experienced.ceiling + 0.01);
    expect(newcomers.captured).toBeGreaterThanOrEqual(0.95 * newcomers.ceiling);
  });

  it.each([20240601, 7, 99])('richer histories (seed %i): the individual shift takes contacts with ≥ 10 messages well beyond the segment ceiling', (seed) => {
    const rows = evaluate({ seed, ...RICHER });
    const { experienced, all } = report(`richer population (10 + Geometric(80) messages, base rates 8–20 %), seed ${seed}`, rows);
    const heavy = figures(rows.filter((r) => r.messages >= 50));
    console.log(show('≥ 50 messages', heavy));
    expect(heavy.contacts).toBeGreaterThan(1000);
    expect(experienced.captured).toBeGreaterThanOrEqual(experienced.ceiling + 0.08);
    expect(heavy.captured).toBeGreaterThanOrEqual(heavy.ceiling + 0.1);
    expect(all.captured).toBeGreaterThanOrEqual(0.5);
  });

  it.each([20240601, 7, 99])('harder population with per-hour white noise 0.15 (seed %i): printed, ≥ 50 %% overall', (seed) => {
    const { all } = report(`harder population (hourNoise 0.15), seed ${seed}`, evaluate({ seed, hourNoise: 0.15 }));
    expect(all.captured).toBeGreaterThanOrEqual(0.5);
  });

  it('estimates the spread of individual shifts: none without them, about the truth with rich histories', () => {
    const fit = (options: Partial<SyntheticOptions>) => {
      const population = generatePopulation({ contacts: 3000, ...options });
      const counts = hourlyCounts(population);
      return fitSendTimeModel(population.contacts.map((c, i) => ({ id: c.id, segment: c.segment, counts: counts[i]! })), { confidenceMethod: 'off' }).strengths.shiftSd;
    };
    expect(fit({ individualShiftHours: 0, ...RICHER })).toBe(0);
    const sd = fit({ individualShiftHours: 1.5, ...RICHER });
    expect(sd).toBeGreaterThanOrEqual(1);
    expect(sd).toBeLessThanOrEqual(2);
  });
});
