/**
 * The engine's results, remembered per input. `analyze` is pure and deterministic apart from
 * `computedAt` (= `now`), so the key is the input itself: the experiment settings, the declared
 * winner and every variant's counters. When a counter moves, the key changes and the analysis is
 * computed afresh; nothing needs invalidating, and instances never disagree. A dashboard reads the
 * same counters many times between two events, and the statistics (confidence sequences, Holm,
 * Bayesian integrals) were a fifth of its request's CPU time (BENCHMARKS.md, "Dashboard profile").
 */
import { LRUCache } from 'lru-cache';
import { analyze, type EngineInput, type EngineResult } from './engine';

/** Campaigns a process keeps analyses for (each entry is a few KiB at most). */
export const ANALYSIS_CACHE_SIZE = 5000;

/** Everything `analyze` reads except `now`, as a string. Pure. */
export function analysisKey(input: EngineInput): string {
  const parts: unknown[] = [input.metric, input.method, input.confidenceLevel, input.minSampleSize, input.minimumDetectableEffect ?? null, input.declaredWinnerId ?? null];
  for (const v of input.variants) parts.push(v.variantId, v.key, v.isControl, v.weight, v.sent, v.successes, v.revenue, v.revenueSumOfSquares);
  return JSON.stringify(parts);
}

const cache = new LRUCache<string, EngineResult>({ max: ANALYSIS_CACHE_SIZE });

/**
 * `analyze(input)`, from the cache when the same input was analysed before. The result is shared
 * between callers: frozen, so that a caller that tried to change it would fail loudly.
 */
export function cachedAnalyze(input: EngineInput): EngineResult {
  const key = analysisKey(input);
  const hit = cache.get(key);
  if (hit) return { ...hit, computedAt: input.now };
  const result = deepFreeze(analyze(input));
  cache.set(key, result);
  return { ...result, computedAt: input.now };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value) && !(value instanceof Date)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
