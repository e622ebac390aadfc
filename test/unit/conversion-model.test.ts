import { RandomForestRegression } from 'ml-random-forest';
import {
  applyBins,
  fitBins,
  isHoldoutContact,
  loadModel,
  scoreMessages,
  trainConversionModel,
  type SerializedModel,
  type TrainingResult,
} from '../../src/optimization/conversion-model';
import { buildFeatures } from '../../src/optimization/features';
import { rocAuc } from '../../src/optimization/model-metrics';
import { DEFAULT_SYNTHETIC_MODEL_OPTIONS, syntheticMessages } from '../../src/optimization/model.synthetic';
import { claimTraining } from '../../src/optimization/model.service';

const asOf = DEFAULT_SYNTHETIC_MODEL_OPTIONS.asOf;

describe('conversion model on a known logistic truth (~5,000 messages)', () => {
  const { rows, truth } = syntheticMessages({ contacts: 1000, seed: 11 });
  let result: TrainingResult;

  beforeAll(() => {
    result = trainConversionModel(rows, asOf, { nEstimators: 30 });
  });

  it('beats the base-rate baseline by ≥ 0.10 AUC on held-out contacts', () => {
    expect(rows.length).toBeGreaterThan(4000);
    const m = result.metrics;
    expect(m.holdoutContacts).toBeGreaterThan(100);
    expect(m.auc).toBeGreaterThanOrEqual(m.baselineAuc + 0.1);
    expect(m.logLoss).toBeLessThan(m.baselineLogLoss);
    expect(m.brier).toBeLessThan(m.baselineBrier);
    // Not better than the truth itself on the same held-out messages.
    const held = rows.map((r, i) => ({ r, i })).filter(({ r }) => isHoldoutContact(r.contactId, 20) && r.sentAt + 7 * 86_400_000 <= asOf);
    const oracle = rocAuc(
      held.map(({ r }) => (r.convertedAt !== null ? 1 : 0)),
      held.map(({ i }) => truth[i]!),
    );
    expect(m.auc).toBeLessThanOrEqual(oracle + 0.02);
    expect(m.expectedCalibrationError).toBeLessThan(0.05);
  });

  it('ranks the true strong feature (the offer) first by permutation importance', () => {
    expect(result.featureImportance[0]!.feature).toBe('offerAmount');
    expect(result.featureImportance[0]!.aucDrop).toBeGreaterThan(0.05);
  });

  it('holds out whole contacts', () => {
    const contacts = new Set(rows.map((r) => r.contactId));
    const held = [...contacts].filter((c) => isHoldoutContact(c, 20)).length / contacts.size;
    expect(held).toBeGreaterThan(0.15);
    expect(held).toBeLessThan(0.25);
  });

  it('serialises, loads and predicts the same, also through ml-random-forest’s own load and predict', () => {
    const stored = JSON.parse(JSON.stringify(result.model)) as SerializedModel;
    const fresh = loadModel(stored);
    const again = loadModel(result.model);
    const sample = rows.slice(0, 500);
    const a = scoreMessages(fresh, sample, rows);
    const b = scoreMessages(again, sample, rows);
    expect(a).toEqual(b);
    const Xb = applyBins(buildFeatures(sample, rows, stored.encoding), stored.bins);
    const library = RandomForestRegression.load(stored.forest as never).predict(Xb);
    library.forEach((p, i) => expect(a[i]).toBeCloseTo(p, 12));
    expect(a.every((p) => p >= 0 && p <= 1)).toBe(true);
  });

  it('is deterministic for a seed', () => {
    const small = rows.slice(0, 1500);
    const x = trainConversionModel(small, asOf, { nEstimators: 5 });
    const y = trainConversionModel(small, asOf, { nEstimators: 5 });
    expect(JSON.stringify(x.model)).toBe(JSON.stringify(y.model));
  });

  it('refuses too little data with NOT_ENOUGH_DATA and the counts', () => {
    expect(() => trainConversionModel(rows.slice(0, 20), asOf)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT', reason: 'NOT_ENOUGH_DATA' }));
    const noPositives = rows.slice(0, 500).map((r) => ({ ...r, convertedAt: null }));
    expect(() => trainConversionModel(noPositives, asOf)).toThrow(/and 0 conversions/);
  });
});

describe('binning', () => {
  it('keeps columns with few values and cuts others at quantiles', () => {
    const X = Array.from({ length: 100 }, (_, i) => [i % 3, i]);
    const bins = fitBins(X, 4);
    expect(bins[0]).toBeNull();
    expect(bins[1]).toEqual([25, 50, 75]);
    expect(applyBins([[2, 0], [2, 24], [2, 25], [2, 99]], bins)).toEqual([[2, 0], [2, 0], [2, 1], [2, 3]]);
  });
});

describe('one training per workspace at a time', () => {
  it('refuses a second claim with TRAINING_IN_PROGRESS until the first is released; other workspaces are free', () => {
    const release = claimTraining('ws-1');
    expect(() => claimTraining('ws-1')).toThrow(expect.objectContaining({ reason: 'TRAINING_IN_PROGRESS', code: 'BAD_USER_INPUT' }));
    const other = claimTraining('ws-2');
    release();
    claimTraining('ws-1')();
    other();
  });
});
