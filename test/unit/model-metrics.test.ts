import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { baselineMetrics, brierScore, calibration, classifierMetrics, logLoss, rocAuc } from '../../src/optimization/model-metrics';

interface Case {
  name: string;
  labels: number[];
  scores: number[];
  auc: number;
  logLoss: number;
  brier: number;
  calibration: { observed: number[]; predicted: number[]; counts: number[]; ece: number };
}
const reference = JSON.parse(
  readFileSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', 'optimization', 'model_metrics_reference.json'), 'utf8'),
) as { cases: Case[] };

describe('model metrics against scikit-learn (test/fixtures/optimization/make_model_metrics_reference.py)', () => {
  it('has the committed cases', () => {
    expect(reference.cases.length).toBeGreaterThanOrEqual(6);
  });

  for (const c of reference.cases) {
    describe(c.name, () => {
      it('ROC AUC (Mann–Whitney with ties)', () => {
        expect(rocAuc(c.labels, c.scores)).toBeCloseTo(c.auc, 12);
      });
      it('log loss (clipped)', () => {
        expect(logLoss(c.labels, c.scores)).toBeCloseTo(c.logLoss, 10);
      });
      it('Brier score', () => {
        expect(brierScore(c.labels, c.scores)).toBeCloseTo(c.brier, 12);
      });
      it('calibration bins and ECE', () => {
        const cal = calibration(c.labels, c.scores, 10);
        expect(cal.bins.map((b) => b.count)).toEqual(c.calibration.counts);
        cal.bins.forEach((b, i) => {
          expect(b.observedRate).toBeCloseTo(c.calibration.observed[i]!, 12);
          expect(b.meanPredicted).toBeCloseTo(c.calibration.predicted[i]!, 12);
        });
        expect(cal.ece).toBeCloseTo(c.calibration.ece, 12);
      });
    });
  }
});

describe('model metrics by hand', () => {
  it('AUC counts a tie as one half and is NaN with one class', () => {
    // positives 0.8, 0.5; negatives 0.5, 0.2: pairs (0.8>0.5) 1, (0.8>0.2) 1, (0.5=0.5) ½, (0.5>0.2) 1 → 3.5/4
    expect(rocAuc([1, 1, 0, 0], [0.8, 0.5, 0.5, 0.2])).toBeCloseTo(0.875, 15);
    expect(rocAuc([1, 1], [0.2, 0.3])).toBeNaN();
  });

  it('the base-rate baseline has AUC 0.5 and the constant predictor’s log loss', () => {
    const labels = [1, 0, 0, 0];
    const b = baselineMetrics(labels, 0.25);
    expect(b.auc).toBe(0.5);
    expect(b.logLoss).toBeCloseTo(-(Math.log(0.25) + 3 * Math.log(0.75)) / 4, 15);
    expect(b.brier).toBeCloseTo((0.75 ** 2 + 3 * 0.25 ** 2) / 4, 15);
  });

  it('summarises a prediction set', () => {
    const m = classifierMetrics([1, 0, 1, 0], [0.9, 0.1, 0.6, 0.4]);
    expect(m).toMatchObject({ n: 4, positives: 2, auc: 1 });
    expect(m.calibration.bins.reduce((a, b) => a + b.count, 0)).toBe(4);
  });
});
