/**
 * Analysis benchmark: the experiment engine on counters (pure, O(variants)) for 8 variants with
 * realistic counts, for each method, beside the same analysis for 2 variants in the same run.
 * Target: < 1 ms per analysis.
 * Run: npm run compile && node dist/bench/analysis.js   (or `npm run bench`)
 */
import { analyze, type EngineInput, type VariantInput } from '../src/experiments/engine';
import { Metric, TestMethod } from '../src/campaigns/experiment-enums';
import { section } from './report';
import { runIfMain } from './entry';

const COMMAND = 'node dist/bench/analysis.js';

function input(k: number, method: TestMethod, metric = Metric.CONVERSION): EngineInput {
  const variants: VariantInput[] = Array.from({ length: k }, (_, i) => {
    const sent = 12_000 + i * 37;
    const rate = 0.1 + i * 0.002;
    const successes = Math.round(sent * rate);
    return { variantId: `v${i}`, key: String.fromCharCode(65 + i), isControl: i === 0, weight: 100 / k, sent, successes, revenue: successes * 42.5, revenueSumOfSquares: successes * 42.5 * 42.5 * 1.3 };
  });
  return { metric, method, confidenceLevel: 0.95, minSampleSize: 100, minimumDetectableEffect: 0.05, variants, now: new Date() };
}

function timePerCall(make: () => EngineInput, iterations: number): number {
  const inputs = Array.from({ length: 16 }, make);
  for (let i = 0; i < 200; i++) analyze(inputs[i % inputs.length]!); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) analyze(inputs[i % inputs.length]!);
  return Number(process.hrtime.bigint() - start) / 1e3 / iterations; // µs
}

export async function main(): Promise<void> {
  const s = section('experiment analysis from counters (pure; 12,000 recipients per variant)', COMMAND);
  for (const [method, metric] of [
    [TestMethod.SEQUENTIAL, Metric.CONVERSION],
    [TestMethod.FIXED_HORIZON, Metric.CONVERSION],
    [TestMethod.BAYESIAN, Metric.CONVERSION],
    [TestMethod.FIXED_HORIZON, Metric.REVENUE],
  ] as const) {
    const eight = timePerCall(() => input(8, method, metric), 2000);
    const two = timePerCall(() => input(2, method, metric), 2000);
    s.figure({
      name: `${method} ${metric}, 8 variants (ratio: 8 / 2 variants)`,
      measured: `${eight.toFixed(1)} µs per analysis`,
      baseline: `2 variants: ${two.toFixed(1)} µs`,
      ratio: eight / two,
      target: '< 1,000 µs',
      met: eight < 1000,
    });
  }
}

runIfMain(module, main);
