/**
 * Known truth: generated populations where every contact has true shares of attention over 30
 * merchants with a dominant favourite (src/optimization/merchant-synthetic.ts), 90 days of
 * interactions drawn from them; does the affinity put the true favourite first, and how does it
 * compare with plain counting (the merchant with most interactions, every type alike, no decay)?
 * Four seeds × 5,000 contacts per scenario. The wider grid behind the constants:
 * `npm run bench:affinity -- constants`.
 */
import { AFFINITY_PARAMS, type AffinityParams } from '../../src/optimization/affinity';
import { evaluateRanking, generateMerchantPopulation, type MerchantPopulation, type MerchantPopulationOptions, type RankingBucket } from '../../src/optimization/merchant-synthetic';

const SEEDS = [20261201, 1, 2, 3];
const SCENARIOS: Record<'static' | 'drift' | 'driftOnly', Partial<MerchantPopulationOptions>> = {
  // Tastes fixed over the window; event types carry no information about the preference.
  static: {},
  // 30 % of contacts changed favourite at a uniform moment of the window; purchases drawn from θ².
  drift: { driftShare: 0.3, purchaseSharpness: 2 },
  // Drift alone, types uninformative (what decay can do without help from the type weights).
  driftOnly: { driftShare: 0.3 },
};
const populations = Object.fromEntries(Object.entries(SCENARIOS).map(([k, o]) => [k, SEEDS.map((seed) => generateMerchantPopulation({ ...o, seed }))])) as Record<keyof typeof SCENARIOS, MerchantPopulation[]>;

const at3 = (rows: RankingBucket[]) => rows.find((x) => x.label === '>=3')!;
const share = (rows: RankingBucket[], label: string, k: 'affinity' | 'rawCount' | 'popularityOnly' = 'affinity') => {
  const r = rows.find((x) => x.label === label)!;
  return r[k] / r.contacts;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
/** Mean over the seeds of the ≥ 3 share ranked first by affinity with `params`, and by counting. */
function summary(pops: MerchantPopulation[], params: Partial<AffinityParams> = {}): { affinity: number; counting: number } {
  const rows = pops.map((p) => evaluateRanking(p, params));
  return { affinity: mean(rows.map((r) => share(r, '>=3'))), counting: mean(rows.map((r) => share(r, '>=3', 'rawCount'))) };
}

const results = Object.fromEntries(Object.entries(populations).map(([k, pops]) => [k, pops.map((p) => evaluateRanking(p))])) as Record<keyof typeof SCENARIOS, RankingBucket[][]>;

function report(name: keyof typeof SCENARIOS): string {
  const first = results[name][0]!;
  const table = first.map((r) => `  ${r.label.padEnd(5)} ${String(r.contacts).padStart(5)} contacts  affinity ${pct(r.affinity / r.contacts).padStart(7)}  counting ${pct(r.rawCount / r.contacts).padStart(7)}  most popular ${pct(r.popularityOnly / r.contacts).padStart(7)}`);
  const seeds = results[name].map((rows, i) => `seed ${SEEDS[i]}: ${pct(share(rows, '>=3'))} vs ${pct(share(rows, '>=3', 'rawCount'))}`);
  const pops = populations[name];
  const row = (label: string, params: Partial<AffinityParams>) => {
    const s = summary(pops, params);
    return `${label} ${pct(s.affinity)} (${s.affinity >= s.counting ? '+' : ''}${(100 * (s.affinity - s.counting)).toFixed(1)})`;
  };
  const halfLives = [30, 60, 120, 180, 365, Infinity].map((h) => row(h === Infinity ? '∞:' : `${h} d:`, { halfLifeDays: h }));
  const strengths = [0.25, 0.5, 1, 2, 4].map((s) => row(`s=${s}:`, { priorStrength: s }));
  const weights = (
    [
      ['flat', { CONVERTED: 1, CLICKED: 1, REPLIED: 1, OPENED: 1 }],
      ['1.25/1/0.9/0.8', AFFINITY_PARAMS.weights],
      ['1.5/1/1/1', { CONVERTED: 1.5, CLICKED: 1, REPLIED: 1, OPENED: 1 }],
      ['3/1/0.5/0.25', { CONVERTED: 3, CLICKED: 1, REPLIED: 0.5, OPENED: 0.25 }],
    ] as const
  ).map(([l, w]) => row(`${l}:`, { weights: w }));
  return [
    `${name}: true favourite ranked first, by interactions per contact (seed ${SEEDS[0]})`,
    ...table,
    `≥ 3 interactions, affinity vs counting: ${seeds.join('; ')}`,
    `sensitivity, ≥ 3 interactions, mean of ${SEEDS.length} seeds (gap to counting ${pct(summary(pops).counting)} in points), one constant varied, the others as chosen:`,
    `  half-life  ${halfLives.join('  ')}`,
    `  strength   ${strengths.join('  ')}`,
    `  weights    ${weights.join('  ')}`,
  ].join('\n');
}

describe('merchant affinity on populations with known favourites', () => {
  it('prints the figures and the sensitivity of the constants', () => {
    console.log(`constants: ${JSON.stringify(AFFINITY_PARAMS)}\n\n${report('static')}\n\n${report('drift')}\n\n${report('driftOnly')}`);
    expect(results.static[0]![0]!.contacts).toBe(5000);
  });

  it('ranks the true favourite first for at least 70 % of contacts with 3 or more interactions, on every seed, static or drifting', () => {
    for (const rows of [...results.static, ...results.drift]) expect(share(rows, '>=3')).toBeGreaterThanOrEqual(0.7);
    // Drift with uninformative types is harder for everyone (counting 68–71 %): 69–72 % there, not asserted at 70 %.
    for (const rows of results.driftOnly) expect(share(rows, '>=3')).toBeGreaterThanOrEqual(0.68);
  });

  it('on static tastes, is not worse than plain counting by more than 2 points on any seed, nor 1 point on average', () => {
    for (const rows of results.static) expect(share(rows, '>=3')).toBeGreaterThanOrEqual(share(rows, '>=3', 'rawCount') - 0.02);
    expect(mean(results.static.map((r) => share(r, '>=3') - share(r, '>=3', 'rawCount')))).toBeGreaterThanOrEqual(-0.01);
  });

  it('when tastes drift, is better than plain counting on every seed (by a point or more on average)', () => {
    for (const scenario of [results.drift, results.driftOnly]) {
      for (const rows of scenario) expect(at3(rows).affinity).toBeGreaterThan(at3(rows).rawCount);
      expect(mean(scenario.map((r) => share(r, '>=3') - share(r, '>=3', 'rawCount')))).toBeGreaterThanOrEqual(0.01);
    }
  });

  it('decaying fast or weighting purchases heavily throws information away on static tastes', () => {
    const chosen = summary(populations.static);
    expect(summary(populations.static, { halfLifeDays: 30 }).affinity).toBeLessThan(chosen.affinity - 0.02);
    expect(summary(populations.static, { weights: { CONVERTED: 3, CLICKED: 1, REPLIED: 0.5, OPENED: 0.25 } }).affinity).toBeLessThan(chosen.affinity - 0.02);
  });

  it('beats guessing the most popular merchant by far, and gets better with more interactions', () => {
    for (const rows of [...results.static, ...results.drift]) {
      expect(share(rows, '>=3')).toBeGreaterThan(share(rows, '>=3', 'popularityOnly') + 0.3);
      expect(share(rows, '10+')).toBeGreaterThan(share(rows, '3-4'));
      expect(share(rows, '3-4')).toBeGreaterThan(share(rows, '1'));
    }
  });
});
