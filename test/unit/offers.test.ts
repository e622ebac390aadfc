import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeOffers, offerGrid, quantile, syntheticOfferHistory, trueProfit, type OfferCell, type SegmentValueStats } from '../../src/optimization/offers';

interface RefEstimate { offer: number; alpha: number; beta: number; rate: number; profit: number; lower: number; upper: number; probabilityBest: number }
interface Reference {
  cells: OfferCell[];
  values: SegmentValueStats[];
  segments: string[];
  currentOffer: number;
  workspaceRate: number;
  segmentStrength: number;
  cellStrength: number;
  workspaceValue: number;
  results: { segment: string; segmentRate: number; value: number; valueSe: number; estimates: RefEstimate[]; bestOffer: number; gain: { mean: number; lower: number; upper: number } }[];
}
const ref = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', 'optimization', 'offer_reference.json'), 'utf8')) as Reference;

describe('offers: against the numpy/scipy reference (make_offer_reference.py)', () => {
  const a = analyzeOffers(ref.cells, ref.values, ref.segments, ref.currentOffer);

  it('estimates the prior strengths and the shrunk rates and values exactly', () => {
    expect(a.grid).toEqual([0, 5, 10]);
    expect(a.workspaceRate).toBeCloseTo(ref.workspaceRate, 12);
    expect(a.segmentStrength).toBeCloseTo(ref.segmentStrength, 9);
    expect(a.cellStrength).toBeCloseTo(ref.cellStrength, 9);
    expect(a.workspaceValue).toBeCloseTo(ref.workspaceValue, 12);
    for (const r of ref.results) {
      const s = a.segments.find((x) => x.segment === r.segment)!;
      expect(s.segmentRate).toBeCloseTo(r.segmentRate, 12);
      expect(s.value).toBeCloseTo(r.value, 10);
      expect(s.valueSe).toBeCloseTo(r.valueSe, 10);
      r.estimates.forEach((e, i) => {
        const x = s.estimates[i]!;
        expect(x.offer).toBe(e.offer);
        expect(x.alpha).toBeCloseTo(e.alpha, 9);
        expect(x.beta).toBeCloseTo(e.beta, 9);
        expect(x.profit).toBeCloseTo(e.profit, 10);
      });
      expect(s.best.offer).toBe(r.bestOffer);
      expect(s.gain!.mean).toBeCloseTo(r.gain.mean, 10);
    }
  });

  it('matches P(best) and the 90 % intervals within Monte Carlo error (4,000 draws against 2,000,000)', () => {
    for (const r of ref.results) {
      const s = a.segments.find((x) => x.segment === r.segment)!;
      r.estimates.forEach((e, i) => {
        const x = s.estimates[i]!;
        // SE of a share from 4,000 draws ≤ 0.008: 4 SE.
        expect(Math.abs(x.probabilityBest - e.probabilityBest)).toBeLessThan(0.032);
        const width = e.upper - e.lower;
        expect(Math.abs(x.profitInterval.lower - e.lower)).toBeLessThan(0.06 * width);
        expect(Math.abs(x.profitInterval.upper - e.upper)).toBeLessThan(0.06 * width);
      });
      const w = r.gain.upper - r.gain.lower;
      expect(Math.abs(s.gain!.lower - r.gain.lower)).toBeLessThan(0.06 * w);
      expect(Math.abs(s.gain!.upper - r.gain.upper)).toBeLessThan(0.06 * w);
    }
  });

  it('says when the data cannot tell: too few messages at enough offers, or P(best) below ½', () => {
    const by = new Map(a.segments.map((s) => [s.segment, s]));
    expect(by.get('gold')!.notEnoughData).toBeNull(); // P(best) ≈ 0.74 at 10
    expect(by.get('silver')!.offersTried).toBe(2); // offer 10 has 40 < 50 messages
    expect(by.get('silver')!.notEnoughData).toBeNull(); // P(best) ≈ 0.57 at 0
    expect(by.get('bronze')!.messages).toBe(0);
    expect(by.get('bronze')!.notEnoughData).toBe('TOO_FEW_MESSAGES');
    const strict = analyzeOffers(ref.cells, ref.values, ['silver'], 5, { minProbabilityBest: 0.6 });
    expect(strict.segments[0]!.notEnoughData).toBe('UNCERTAIN');
    const fewer = analyzeOffers(ref.cells, ref.values, ['silver'], 5, { minMessagesPerOffer: 255 });
    expect(fewer.segments[0]!.notEnoughData).toBe('TOO_FEW_MESSAGES');
  });

  it('is deterministic per seed and independent of the other segments analysed', () => {
    const again = analyzeOffers(ref.cells, ref.values, ['silver'], ref.currentOffer);
    expect(again.segments[0]).toEqual(a.segments.find((s) => s.segment === 'silver'));
    const other = analyzeOffers(ref.cells, ref.values, ['silver'], ref.currentOffer, { seed: 2 });
    expect(other.segments[0]!.best.probabilityBest).not.toBe(again.segments[0]!.best.probabilityBest);
  });

  it('evaluates a current offer outside the grid without making it a candidate', () => {
    const x = analyzeOffers(ref.cells, ref.values, ['gold'], 7.5).segments[0]!;
    expect(x.estimates.map((e) => e.offer)).toEqual([0, 5, 7.5, 10]);
    expect(x.current!.offer).toBe(7.5);
    expect(x.current!.messages).toBe(0);
    expect(x.current!.probabilityBest).toBe(0);
    expect(x.estimates.reduce((s, e) => s + e.probabilityBest, 0)).toBeCloseTo(1, 12);
  });

  it('has small helpers that do what they say', () => {
    expect(offerGrid([5, 0, 5.001, 10, 0])).toEqual([0, 5, 10]);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 0)).toBe(1);
    expect(quantile([1, 2, 3, 4], 1)).toBe(4);
  });
});

describe('offers: known truth (logistic elasticity per segment)', () => {
  it('chooses an offer within one grid step of the true optimum for ≥ 80 % of segments', () => {
    // 100 segments, offers 0, 2.5, …, 20, 400 messages per (segment, offer): see syntheticOfferHistory.
    const { truth, cells, values } = syntheticOfferHistory({ seed: 7, segments: 100 });
    const a = analyzeOffers(cells, values, truth.map((t) => t.segment), null);
    const step = 2.5;
    let within = 0;
    let exact = 0;
    let confident = 0;
    let confidentWithin = 0;
    let captured = 0;
    a.segments.forEach((r, i) => {
      const t = truth[i]!;
      const ok = Math.abs(r.best.offer - t.bestOffer) <= step + 1e-9;
      if (ok) within++;
      if (r.best.offer === t.bestOffer) exact++;
      if (!r.notEnoughData) {
        confident++;
        if (ok) confidentWithin++;
      }
      captured += trueProfit(t, r.best.offer) / trueProfit(t, t.bestOffer);
    });
    const n = truth.length;
    console.log(
      `offers known truth (seed 7, ${n} segments, 9 offers × 400 messages): within one step ${within}/${n}, exact ${exact}/${n}, ` +
        `recommended (P(best) ≥ 0.5) ${confident}/${n} of which within one step ${confidentWithin}, mean share of the true optimum's profit ${(captured / n).toFixed(3)}`,
    );
    expect(within / n).toBeGreaterThanOrEqual(0.8);
    expect(captured / n).toBeGreaterThan(0.9);
  });

  it('does not recommend a change when the history is thin', () => {
    const { truth, cells, values } = syntheticOfferHistory({ seed: 3, segments: 20, messagesPerOffer: 20 });
    const a = analyzeOffers(cells, values, truth.map((t) => t.segment), 5);
    expect(a.segments.every((s) => s.notEnoughData === 'TOO_FEW_MESSAGES')).toBe(true);
  });
});
