/**
 * The conversion model: P(converted within N days | message, contact history), a random forest of
 * ml-random-forest regression trees on 0/1 labels. Pure computation (no I/O): the service loads
 * the rows, runs this in a worker thread and stores the result (src/optimization/model.service.ts).
 *
 * Why regression on 0/1 and not the classifier: a regression tree's leaf holds the leaf's share of
 * positives, so the forest's mean is a probability estimate (the same one scikit-learn's
 * classifier averages; for 0/1 labels the MSE criterion is the Gini criterion up to a factor 2,
 * Breiman et al. 1984, CART §4.2). ml-random-forest's classifier returns the share of trees that
 * *vote* for a class, and with rare conversions almost every leaf votes 0: its probabilities are
 * coarse and mostly 0 (measured in `npm run bench:learning`).
 *
 * How it is trained fast enough with ml-random-forest 2.1.0 (ml-cart 2.1.1): its tree evaluates
 * every candidate split with a full pass over the node's rows, and its candidates are the places
 * where the label changes along the sorted feature — for a continuous feature and 0/1 labels that
 * is O(rows) candidates, so a split costs O(rows²): one tree on 10,000 rows takes ~10 s here, and
 * on 50,000 several minutes. Three changes to its input (not to the library) make it tractable:
 *  1. features are binned to at most `maxBins` quantile bins (histogram trees, as LightGBM, Ke et
 *     al. 2017, and scikit-learn's HistGradientBoosting): bin edges are kept in the model and
 *     applied at scoring;
 *  2. each tree's rows are given negatives first, then positives: the library's sort is stable,
 *     so within equal feature values labels stay grouped and a feature has at most ~2 candidates
 *     per distinct value instead of one per label change;
 *  3. each tree is grown on a stratified bootstrap of `samplesPerTree` rows (scikit-learn's
 *     `max_samples`), keeping the base rate, so that time grows with trees × samplesPerTree, not with
 *     the number of messages.
 * Trees are trained one by one as single-tree forests (feature subsets drawn by the library from
 * its seed) and assembled into one `RandomForestRegression` JSON, which `RandomForestRegression.load`
 * reads back. Scoring walks the same trees from flat arrays (`compileForest`); a test checks that it
 * equals the library's `predict` on the loaded model.
 *
 * Holdout: contacts, not messages, are split (FNV-1a hash of the contact id, 20 % held out), so the
 * metrics are for contacts the model never saw. Feature importance is permutation importance on
 * the holdout: the AUC lost when one feature's column is shuffled (Breiman 2001, Machine Learning
 * 45; Fisher, Rudin & Dominici 2019, JMLR 20 — model reliance).
 */
import { RandomForestClassifier, RandomForestRegression } from 'ml-random-forest';
import { badInput } from '../errors';
import { fnv1a32 } from '../campaigns/assignment';
import { mulberry32, type Rng } from '../experiments/stats/random';
import {
  DAY_MS,
  DEFAULT_ENCODING_OPTIONS,
  buildFeatures,
  conversionLabel,
  fitEncoding,
  indexHistory,
  type EncodingOptions,
  type FeatureEncoding,
  type HistoryRow,
  type MessageRow,
} from './features';
import { baselineMetrics, classifierMetrics, rocAuc, type CalibrationBin } from './model-metrics';

export const MODEL_KIND = 'conversion';
export const MODEL_FORMAT = 'splitcast-rf-1';

export interface TrainingOptions {
  /** Days after the send within which a conversion counts (7). */
  labelDays: number;
  /** Messages sent in the last `windowDays` before `asOf` are examples (90); older rows are only history. */
  windowDays: number;
  nEstimators: number;
  /** Tree depth limit (ml-cart `maxDepth`). */
  maxDepth: number;
  /** A node with at most this many rows is a leaf (ml-cart `minNumSamples`). */
  minNumSamples: number;
  /** Share of the features each tree may use (ml-random-forest `maxFeatures`, per tree). */
  maxFeatures: number;
  /** Rows of each tree's stratified bootstrap. */
  samplesPerTree: number;
  /** Quantile bins per feature. */
  maxBins: number;
  /** Share of contacts held out, in percent. */
  holdoutPercent: number;
  /** Labelled messages needed to train at all. */
  minMessages: number;
  /** Conversions needed to train at all. */
  minPositives: number;
  /** Holdout rows used for permutation importance (a stratified subsample above it). */
  importanceRows: number;
  seed: number;
  /** 'regression' (the default, see above) or ml-random-forest's classifier, for comparison. */
  forest: 'regression' | 'classifier';
  encoding: EncodingOptions;
}

/** Tuned with `npm run bench:learning`: depth 6 scored as well as 8 and 10 at 50k messages in less time (README: the trade-off). */
export const DEFAULT_TRAINING_OPTIONS: TrainingOptions = {
  labelDays: 7,
  windowDays: 90,
  nEstimators: 60,
  maxDepth: 6,
  minNumSamples: 40,
  maxFeatures: 0.6,
  samplesPerTree: 8000,
  maxBins: 32,
  holdoutPercent: 20,
  minMessages: 100,
  minPositives: 10,
  importanceRows: 20_000,
  seed: 20261201,
  forest: 'regression',
  encoding: DEFAULT_ENCODING_OPTIONS,
};

/** What is stored in `models.model` (JSON): everything scoring needs. */
export interface SerializedModel {
  format: typeof MODEL_FORMAT;
  forestKind: 'regression' | 'classifier';
  /** `RandomForestRegression#toJSON()` (or the classifier's), of trees over binned features. */
  forest: unknown;
  encoding: FeatureEncoding;
  /** Per feature: ascending bin edges (a value's bin is how many edges are ≤ it), or null when the raw values are few enough to use as they are. */
  bins: (number[] | null)[];
  labelDays: number;
}

export interface ModelMetrics {
  auc: number;
  baselineAuc: number;
  logLoss: number;
  baselineLogLoss: number;
  brier: number;
  baselineBrier: number;
  expectedCalibrationError: number;
  calibration: CalibrationBin[];
  /** Training base rate: the baseline's constant prediction. */
  baseRate: number;
  samples: number;
  positives: number;
  trainSamples: number;
  holdoutSamples: number;
  holdoutPositives: number;
  holdoutContacts: number;
  labelDays: number;
  trainSeconds: number;
  options: { nEstimators: number; maxDepth: number; minNumSamples: number; maxFeatures: number; samplesPerTree: number; maxBins: number };
}

export interface FeatureImportance {
  feature: string;
  /** Holdout AUC minus the AUC with this feature shuffled. */
  aucDrop: number;
}

export interface TrainingResult {
  model: SerializedModel;
  metrics: ModelMetrics;
  featureImportance: FeatureImportance[];
  samples: number;
}

/** True when the contact is in the holdout (FNV-1a of a salted id: stable across runs, independent of assignment hashing). */
export function isHoldoutContact(contactId: string, holdoutPercent: number): boolean {
  return fnv1a32(`conversion-holdout:${contactId}`) % 100 < holdoutPercent;
}

/** Quantile bin edges per column, from the training matrix; null for columns with ≤ maxBins distinct values. */
export function fitBins(X: readonly number[][], maxBins: number): (number[] | null)[] {
  const columns = X[0]?.length ?? 0;
  const bins: (number[] | null)[] = [];
  for (let j = 0; j < columns; j++) {
    const values = X.map((r) => r[j]!).sort((a, b) => a - b);
    const distinct = new Set(values);
    if (distinct.size <= maxBins) {
      bins.push(null);
      continue;
    }
    const edges: number[] = [];
    for (let b = 1; b < maxBins; b++) {
      const v = values[Math.floor((b * values.length) / maxBins)]!;
      // An edge at the column's minimum would leave bin 0 empty.
      if (v > values[0]! && (edges.length === 0 || v > edges[edges.length - 1]!)) edges.push(v);
    }
    bins.push(edges);
  }
  return bins;
}

/** The number of edges ≤ x (binary search). */
function binOf(edges: readonly number[], x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function applyBins(X: readonly number[][], bins: readonly (number[] | null)[]): number[][] {
  return X.map((row) => row.map((x, j) => (bins[j] ? binOf(bins[j]!, x) : x)));
}

interface RawTree {
  estimator: unknown;
  indexes: number[];
}

/** Draws `k` indexes from `from` with replacement. */
function drawWithReplacement(from: readonly number[], k: number, rng: Rng, out: number[]): void {
  for (let i = 0; i < k; i++) out.push(from[Math.floor(rng() * from.length)]!);
}

/** Trains the forest (see the file comment for why tree by tree). Returns the library's JSON. */
export function trainForest(X: readonly number[][], y: readonly number[], options: Pick<TrainingOptions, 'nEstimators' | 'maxDepth' | 'minNumSamples' | 'maxFeatures' | 'samplesPerTree' | 'seed' | 'forest'>): unknown {
  const rng = mulberry32(options.seed);
  const positives: number[] = [];
  const negatives: number[] = [];
  y.forEach((v, i) => (v === 1 ? positives : negatives).push(i));
  const size = Math.min(options.samplesPerTree, y.length);
  const k1 = positives.length === 0 ? 0 : Math.max(1, Math.round((size * positives.length) / y.length));
  const k0 = negatives.length === 0 ? 0 : size - k1;
  const treeOptions = { maxDepth: options.maxDepth, minNumSamples: options.minNumSamples };
  const trees: RawTree[] = [];
  for (let t = 0; t < options.nEstimators; t++) {
    const rows: number[] = [];
    drawWithReplacement(negatives, k0, rng, rows); // negatives first, then positives: see the file comment
    drawWithReplacement(positives, k1, rng, rows);
    const Xt = rows.map((i) => X[i]!);
    const yt = rows.map((i) => y[i]!);
    const common = { nEstimators: 1, maxFeatures: options.maxFeatures, replacement: false, useSampleBagging: false, noOOB: true, seed: Math.floor(rng() * 2 ** 31), treeOptions };
    const single = options.forest === 'classifier' ? new RandomForestClassifier(common) : new RandomForestRegression({ ...common, selectionMethod: 'mean' });
    single.train(Xt, yt);
    const json = JSON.parse(JSON.stringify(single.toJSON())) as { baseModel: { estimators: unknown[]; indexes: number[][]; n: number } };
    trees.push({ estimator: json.baseModel.estimators[0], indexes: json.baseModel.indexes[0]! });
  }
  const n = trees[0]?.indexes.length ?? 0;
  const baseModel = {
    indexes: trees.map((t) => t.indexes),
    n,
    replacement: false,
    maxFeatures: options.maxFeatures,
    nEstimators: options.nEstimators,
    treeOptions,
    isClassifier: options.forest === 'classifier',
    seed: options.seed,
    estimators: trees.map((t) => t.estimator),
    useSampleBagging: true,
  };
  return options.forest === 'classifier' ? { baseModel, name: 'RFClassifier' } : { baseModel, selectionMethod: 'mean', name: 'RFRegression' };
}

/** A forest as flat arrays: fast, allocation-free scoring of the same trees. */
export interface CompiledForest {
  trees: { feature: Int32Array; threshold: Float64Array; left: Int32Array; right: Int32Array; value: Float64Array }[];
}

interface TreeNodeJson {
  splitColumn?: number;
  splitValue?: number;
  left?: TreeNodeJson;
  right?: TreeNodeJson;
  distribution?: number;
}

/** Compiles the library's regression forest JSON (internal nodes have both children, as ml-cart's `classify` decides). */
export function compileForest(forest: unknown): CompiledForest {
  const base = (forest as { baseModel: { estimators: { root: TreeNodeJson }[]; indexes: number[][] } }).baseModel;
  return {
    trees: base.estimators.map((est, t) => {
      const feature: number[] = [];
      const threshold: number[] = [];
      const left: number[] = [];
      const right: number[] = [];
      const value: number[] = [];
      const visit = (node: TreeNodeJson): number => {
        const id = feature.length;
        feature.push(-1);
        threshold.push(0);
        left.push(-1);
        right.push(-1);
        value.push(0);
        if (node.left && node.right && node.distribution === undefined) {
          feature[id] = base.indexes[t]![node.splitColumn!]!;
          threshold[id] = node.splitValue!;
          left[id] = visit(node.left);
          right[id] = visit(node.right);
        } else {
          value[id] = node.distribution as number;
        }
        return id;
      };
      visit(est.root);
      return { feature: Int32Array.from(feature), threshold: Float64Array.from(threshold), left: Int32Array.from(left), right: Int32Array.from(right), value: Float64Array.from(value) };
    }),
  };
}

/** Mean over trees of the leaf value (binned rows). */
export function predictCompiled(forest: CompiledForest, X: readonly (readonly number[])[]): number[] {
  const out = new Array<number>(X.length);
  const count = forest.trees.length;
  for (let i = 0; i < X.length; i++) {
    const row = X[i]!;
    let sum = 0;
    for (let t = 0; t < count; t++) {
      const tree = forest.trees[t]!;
      let node = 0;
      while (tree.feature[node]! >= 0) node = row[tree.feature[node]!]! < tree.threshold[node]! ? tree.left[node]! : tree.right[node]!;
      sum += tree.value[node]!;
    }
    out[i] = sum / count;
  }
  return out;
}

/** A stored model ready to score. */
export interface LoadedModel {
  serialized: SerializedModel;
  predictBinned(X: readonly (readonly number[])[]): number[];
}

export function loadModel(serialized: SerializedModel): LoadedModel {
  if (serialized.format !== MODEL_FORMAT) throw new Error(`unknown model format ${String(serialized.format)}`);
  if (serialized.forestKind === 'classifier') {
    const rf = RandomForestClassifier.load(serialized.forest as never);
    return { serialized, predictBinned: (X) => rf.predictProbability(X as number[][], 1) };
  }
  const compiled = compileForest(serialized.forest);
  return { serialized, predictBinned: (X) => predictCompiled(compiled, X) };
}

/**
 * Conversion probabilities for `rows` (messages sent or to be sent), each with the history in
 * `history` before its own send (default: the rows themselves).
 */
export function scoreMessages(model: LoadedModel, rows: readonly MessageRow[], history: readonly HistoryRow[] = rows): number[] {
  const X = buildFeatures(rows, history, model.serialized.encoding);
  return model.predictBinned(applyBins(X, model.serialized.bins));
}

/** Fisher–Yates with a seeded generator. */
function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** Permutation importance: AUC drop per feature when its column is shuffled (one seeded permutation each). */
export function permutationImportance(predict: (X: number[][]) => number[], X: number[][], y: readonly number[], names: readonly string[], seed: number): FeatureImportance[] {
  const base = rocAuc(y, predict(X));
  const rng = mulberry32(seed);
  const result: FeatureImportance[] = [];
  for (let j = 0; j < names.length; j++) {
    const original = X.map((r) => r[j]!);
    const permuted = shuffle(original.slice(), rng);
    X.forEach((r, i) => (r[j] = permuted[i]!));
    const auc = rocAuc(y, predict(X));
    X.forEach((r, i) => (r[j] = original[i]!));
    result.push({ feature: names[j]!, aucDrop: base - auc });
  }
  return result.sort((a, b) => b.aucDrop - a.aucDrop || (a.feature < b.feature ? -1 : 1));
}

/** A stratified subsample of at most `max` indexes (every row when there are fewer). */
function stratifiedSubsample(y: readonly number[], max: number, rng: Rng): number[] {
  const all = y.map((_, i) => i);
  if (y.length <= max) return all;
  const pos = shuffle(all.filter((i) => y[i] === 1), rng);
  const neg = shuffle(all.filter((i) => y[i] !== 1), rng);
  const kp = Math.round((max * pos.length) / y.length);
  return [...neg.slice(0, max - kp), ...pos.slice(0, kp)];
}

const notEnough = (message: string) => badInput('NOT_ENOUGH_DATA', message);

/**
 * Trains on every message of `rows` whose label window closed by `asOf` (ms). `rows` is also the
 * history the features read (messages still in their window count as history, not as examples).
 * Throws BAD_USER_INPUT / NOT_ENOUGH_DATA, with the counts, when the data cannot support a model.
 */
export function trainConversionModel(rows: readonly MessageRow[], asOf: number, overrides: Partial<TrainingOptions> = {}): TrainingResult {
  const options = { ...DEFAULT_TRAINING_OPTIONS, ...overrides };
  const started = performance.now();
  const labelled: MessageRow[] = [];
  const labels: number[] = [];
  const from = asOf - options.windowDays * DAY_MS;
  for (const r of rows) {
    if (r.sentAt < from) continue;
    const label = conversionLabel(r, options.labelDays, asOf);
    if (label !== null) {
      labelled.push(r);
      labels.push(label);
    }
  }
  const positives = labels.reduce((a, b) => a + b, 0);
  if (labelled.length < options.minMessages || positives < options.minPositives) {
    throw notEnough(
      `Not enough data to train a conversion model: ${labelled.length} messages with a closed ${options.labelDays}-day window (${rows.length} in all) and ${positives} conversions; at least ${options.minMessages} messages and ${options.minPositives} conversions are needed`,
    );
  }
  const holdout = labelled.map((r) => isHoldoutContact(r.contactId, options.holdoutPercent));
  const trainIdx: number[] = [];
  const testIdx: number[] = [];
  holdout.forEach((h, i) => (h ? testIdx : trainIdx).push(i));
  const trainPositives = trainIdx.reduce((a, i) => a + labels[i]!, 0);
  const testPositives = testIdx.reduce((a, i) => a + labels[i]!, 0);
  if (trainPositives === 0 || testPositives === 0 || testPositives === testIdx.length || trainPositives === trainIdx.length) {
    throw notEnough(
      `Not enough data to train a conversion model: the held-out contacts (${options.holdoutPercent} %) have ${testIdx.length} messages with ${testPositives} conversions and the others ${trainIdx.length} with ${trainPositives}; both need conversions and non-conversions`,
    );
  }

  const encoding = fitEncoding(
    trainIdx.map((i) => labelled[i]!),
    options.encoding,
  );
  const X = buildFeatures(labelled, indexHistory(rows), encoding);
  const Xtrain = trainIdx.map((i) => X[i]!);
  const ytrain = trainIdx.map((i) => labels[i]!);
  const bins = fitBins(Xtrain, options.maxBins);
  const XtrainB = applyBins(Xtrain, bins);
  const forest = trainForest(XtrainB, ytrain, options);
  const serialized: SerializedModel = { format: MODEL_FORMAT, forestKind: options.forest, forest, encoding, bins, labelDays: options.labelDays };
  const model = loadModel(serialized);

  const XtestB = applyBins(
    testIdx.map((i) => X[i]!),
    bins,
  );
  const ytest = testIdx.map((i) => labels[i]!);
  const predicted = model.predictBinned(XtestB);
  const m = classifierMetrics(ytest, predicted);
  const baseRate = trainPositives / trainIdx.length;
  const baseline = baselineMetrics(ytest, baseRate);
  const sub = stratifiedSubsample(ytest, options.importanceRows, mulberry32(options.seed ^ 0x5bd1e995));
  const importance = permutationImportance(
    (Xs) => model.predictBinned(Xs),
    sub.map((i) => XtestB[i]!.slice()),
    sub.map((i) => ytest[i]!),
    encoding.names,
    options.seed + 1,
  );
  const trainSeconds = (performance.now() - started) / 1000;
  return {
    model: serialized,
    samples: labelled.length,
    featureImportance: importance,
    metrics: {
      auc: m.auc,
      baselineAuc: baseline.auc,
      logLoss: m.logLoss,
      baselineLogLoss: baseline.logLoss,
      brier: m.brier,
      baselineBrier: baseline.brier,
      expectedCalibrationError: m.calibration.ece,
      calibration: m.calibration.bins,
      baseRate,
      samples: labelled.length,
      positives,
      trainSamples: trainIdx.length,
      holdoutSamples: testIdx.length,
      holdoutPositives: testPositives,
      holdoutContacts: new Set(testIdx.map((i) => labelled[i]!.contactId)).size,
      labelDays: options.labelDays,
      trainSeconds,
      options: {
        nEstimators: options.nEstimators,
        maxDepth: options.maxDepth,
        minNumSamples: options.minNumSamples,
        maxFeatures: options.maxFeatures,
        samplesPerTree: options.samplesPerTree,
        maxBins: options.maxBins,
      },
    },
  };
}
