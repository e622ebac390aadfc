/**
 * `npm run bench:learning`: the conversion model on messages with a known logistic truth
 * (src/optimization/model.synthetic.ts, seeded). Prints, per size: seconds to train (features,
 * binning, forest, holdout metrics and permutation importance included), holdout AUC beside the
 * truth-oracle AUC (the true probabilities as scores on the same held-out messages) and the
 * base-rate baseline, log loss; then the trade-off of trees / depth / rows per tree at 50k, the
 * classifier-vs-regression comparison, ml-random-forest as it is (for the record), scoring 100k
 * contacts, and the main thread's event-loop delay while a worker trains.
 *
 *   npm run bench:learning             # everything (~10 min on 2 cores)
 *   npm run bench:learning -- --quick  # 50k and scoring only
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { RandomForestRegression } from 'ml-random-forest';
import { DEFAULT_TRAINING_OPTIONS, isHoldoutContact, loadModel, scoreMessages, trainConversionModel, type TrainingOptions } from '../src/optimization/conversion-model';
import { DAY_MS, type MessageRow } from '../src/optimization/features';
import { rocAuc } from '../src/optimization/model-metrics';
import { DEFAULT_SYNTHETIC_MODEL_OPTIONS, syntheticMessages } from '../src/optimization/model.synthetic';
import { trainInWorker } from '../src/optimization/model.service';
import { runIfMain } from './entry';
import { section } from './report';

const asOf = DEFAULT_SYNTHETIC_MODEL_OPTIONS.asOf;
/** `npm run bench` runs the quick form (50k and scoring); `--quick` alone does too. */
let quick = process.argv.includes('--quick');
const f3 = (x: number) => x.toFixed(3);

function oracleAuc(rows: MessageRow[], truth: number[], labelDays = 7): number {
  const labels: number[] = [];
  const scores: number[] = [];
  rows.forEach((r, i) => {
    if (r.sentAt < asOf - 90 * DAY_MS || r.sentAt + labelDays * DAY_MS > asOf || !isHoldoutContact(r.contactId, 20)) return;
    labels.push(r.convertedAt !== null && r.convertedAt - r.sentAt <= labelDays * DAY_MS ? 1 : 0);
    scores.push(truth[i]!);
  });
  return rocAuc(labels, scores);
}

function run(label: string, contacts: number, options: Partial<TrainingOptions> = {}, seed = 1) {
  const { rows, truth } = syntheticMessages({ contacts, seed });
  const t0 = performance.now();
  const result = trainConversionModel(rows, asOf, options);
  const seconds = (performance.now() - t0) / 1000;
  const m = result.metrics;
  const oracle = oracleAuc(rows, truth);
  console.log(
    `${label.padEnd(34)} messages ${String(rows.length).padStart(7)}  train ${seconds.toFixed(1).padStart(5)} s  AUC ${f3(m.auc)}  oracle ${f3(oracle)}  baseline ${f3(m.baselineAuc)}  ` +
      `logloss ${f3(m.logLoss)} (baseline ${f3(m.baselineLogLoss)})  ECE ${f3(m.expectedCalibrationError)}  top ${result.featureImportance[0]!.feature}`,
  );
  return { result, seconds, rows, oracle };
}

export async function main(options: { quick?: boolean } = {}): Promise<void> {
  if (options.quick) quick = true;
  const s = section('conversion model (random forest) on messages with a known logistic truth', `npm run bench:learning${quick ? ' -- --quick' : ''}`);
  s.log(`defaults ${JSON.stringify({ ...DEFAULT_TRAINING_OPTIONS, encoding: undefined })}`);
  const base = run('50k messages, defaults', 10_000);
  const m = base.result.metrics;
  s.figure({
    name: `training on ${base.rows.length.toLocaleString('en-US')} messages (features, binning, forest, holdout metrics, importance)`,
    measured: `${base.seconds.toFixed(1)} s; holdout AUC ${f3(m.auc)} (oracle ${f3(base.oracle)}, base rate ${f3(m.baselineAuc)})`,
    target: '< 60 s',
    met: base.seconds < 60,
  });
  if (!quick) {
    run('500k messages, defaults', 100_000);
    console.log('\ntrade-off at 50k (nEstimators / maxDepth / samplesPerTree):');
    for (const [nEstimators, maxDepth, samplesPerTree] of [
      [30, 8, 8000],
      [60, 6, 8000],
      [60, 10, 8000],
      [60, 8, 4000],
      [60, 8, 16000],
      [100, 8, 8000],
    ] as const) {
      run(`  ${nEstimators} trees, depth ${maxDepth}, ${samplesPerTree} rows`, 10_000, { nEstimators, maxDepth, samplesPerTree });
    }
    console.log('\nprobabilities: regression on 0/1 vs the classifier’s votes (10k messages, 30 trees):');
    run('  regression (mean of leaf rates)', 2_000, { nEstimators: 30 });
    run('  classifier (share of trees voting 1)', 2_000, { nEstimators: 30, forest: 'classifier' });

    // ml-random-forest as it is: its own bagging and split search on unbinned features.
    const { rows } = syntheticMessages({ contacts: 1000, seed: 3 });
    const X = rows.map((r) => [r.localHour, r.offerAmount ?? 0, r.sentAt / DAY_MS, Math.random(), r.template?.length ?? 0]);
    const y = rows.map((r) => (r.convertedAt !== null ? 1 : 0));
    const t0 = performance.now();
    new RandomForestRegression({ nEstimators: 1, seed: 1, noOOB: true, treeOptions: { maxDepth: 8, minNumSamples: 40 } }).train(X, y);
    console.log(`\nml-random-forest unchanged: 1 tree on ${rows.length} rows × 5 unbinned features: ${((performance.now() - t0) / 1000).toFixed(1)} s (split search is quadratic in rows)`);
  }

  // Scoring: one prospective message for each of 100k contacts, with their history.
  const population = syntheticMessages({ contacts: 100_000, seed: 99, meanMessages: 3 });
  const next: MessageRow[] = [];
  const seen = new Set<string>();
  for (const r of population.rows) {
    if (seen.has(r.contactId)) continue;
    seen.add(r.contactId);
    next.push({ ...r, sentAt: asOf, engagedAt: null, convertedAt: null, offerAmount: 10 });
  }
  const model = loadModel(JSON.parse(JSON.stringify(base.result.model)));
  const t1 = performance.now();
  const scores = scoreMessages(model, next, population.rows);
  s.log(`scoring ${scores.length} contacts (history of ${population.rows.length} messages): ${((performance.now() - t1) / 1000).toFixed(2)} s`);

  // The event loop while a worker trains on 50k messages (what /healthz latency is bounded by).
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const t2 = performance.now();
  await trainInWorker(base.rows, asOf);
  h.disable();
  s.log(
    `worker training on 50k: ${((performance.now() - t2) / 1000).toFixed(1)} s; main-thread event-loop delay p50 ${(h.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms, max ${(h.max / 1e6).toFixed(1)} ms (in-thread training would block it for the whole ${base.seconds.toFixed(0)} s)`,
  );
}

runIfMain(module, main);
