/**
 * Holdout metrics for a probabilistic binary classifier. Pure (no I/O); checked against
 * scikit-learn on committed cases (test/fixtures/optimization/make_model_metrics_reference.py).
 */

/**
 * ROC AUC as the Mann–Whitney U statistic: the probability that a random positive scores above a
 * random negative, ties counting one half (Hanley & McNeil 1982, Radiology 143). Computed from mid
 * ranks in O(n log n). NaN when one class is missing (undefined, as in sklearn, which raises).
 */
export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const n = labels.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let rankSum = 0; // sum of the positives' mid ranks (1-based)
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const midRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k]!] === 1) {
        positives++;
        rankSum += midRank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Predictions are clipped to [eps, 1 − eps] before the log, with eps the float64 machine epsilon, as sklearn's log_loss (≥ 1.5). */
export const LOG_LOSS_EPS = Number.EPSILON;

/** Mean negative log-likelihood (cross-entropy), natural log. */
export function logLoss(labels: ArrayLike<number>, probabilities: ArrayLike<number>, eps = LOG_LOSS_EPS): number {
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(1 - eps, Math.max(eps, probabilities[i]!));
    sum -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return sum / labels.length;
}

/** Brier score: mean squared difference between the probability and the 0/1 outcome (Brier 1950). */
export function brierScore(labels: ArrayLike<number>, probabilities: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < labels.length; i++) sum += (probabilities[i]! - labels[i]!) ** 2;
  return sum / labels.length;
}

export interface CalibrationBin {
  /** Exclusive lower and inclusive upper edge of predicted probability (the first bin includes 0). */
  lower: number;
  upper: number;
  count: number;
  meanPredicted: number;
  observedRate: number;
}

export interface Calibration {
  bins: CalibrationBin[];
  /** Expected calibration error: Σ (count/n)·|observed − mean predicted| over non-empty bins (Naeini et al. 2015, AAAI). */
  ece: number;
}

/**
 * Reliability table over `binCount` equal-width bins of predicted probability (deciles by default),
 * the binning of sklearn's `calibration_curve(strategy='uniform')`: a prediction p goes to the bin
 * whose number is how many interior edges i·(1/binCount) are < p (numpy's searchsorted, side
 * left, on linspace's edges), so a bin is (lower, upper], the first one [0, upper]. Empty bins are
 * left out.
 */
export function calibration(labels: ArrayLike<number>, probabilities: ArrayLike<number>, binCount = 10): Calibration {
  const count = new Array<number>(binCount).fill(0);
  const predicted = new Array<number>(binCount).fill(0);
  const observed = new Array<number>(binCount).fill(0);
  const n = labels.length;
  const step = 1 / binCount;
  const edges = Array.from({ length: binCount - 1 }, (_, i) => (i + 1) * step);
  for (let i = 0; i < n; i++) {
    const p = probabilities[i]!;
    let b = Math.min(binCount - 1, Math.max(0, Math.floor(p * binCount)));
    // Floating point: settle the neighbours the product may have missed.
    while (b > 0 && p <= edges[b - 1]!) b--;
    while (b < binCount - 1 && p > edges[b]!) b++;
    count[b]!++;
    predicted[b]! += p;
    observed[b]! += labels[i]!;
  }
  const bins: CalibrationBin[] = [];
  let ece = 0;
  for (let b = 0; b < binCount; b++) {
    if (count[b] === 0) continue;
    const meanPredicted = predicted[b]! / count[b]!;
    const observedRate = observed[b]! / count[b]!;
    bins.push({ lower: b * step, upper: (b + 1) * step, count: count[b]!, meanPredicted, observedRate });
    ece += (count[b]! / n) * Math.abs(observedRate - meanPredicted);
  }
  return { bins, ece };
}

export interface ClassifierMetrics {
  n: number;
  positives: number;
  auc: number;
  logLoss: number;
  brier: number;
  calibration: Calibration;
}

export function classifierMetrics(labels: ArrayLike<number>, probabilities: ArrayLike<number>): ClassifierMetrics {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i]!;
  return {
    n: labels.length,
    positives,
    auc: rocAuc(labels, probabilities),
    logLoss: logLoss(labels, probabilities),
    brier: brierScore(labels, probabilities),
    calibration: calibration(labels, probabilities),
  };
}

export interface BaselineMetrics {
  /** The constant predictor's probability: the training base rate. */
  rate: number;
  /** 0.5 by construction: a constant ranks nobody above anybody. */
  auc: number;
  logLoss: number;
  brier: number;
}

/** The base-rate baseline: predict the training set's conversion rate for everyone. */
export function baselineMetrics(labels: ArrayLike<number>, trainingRate: number): BaselineMetrics {
  const constant = Array.from({ length: labels.length }, () => trainingRate);
  return { rate: trainingRate, auc: 0.5, logLoss: logLoss(labels, constant), brier: brierScore(labels, constant) };
}
