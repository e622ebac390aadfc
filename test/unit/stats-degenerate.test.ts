/** Every function returns finite numbers (never NaN or ±Infinity) on every small valid input. */
import {
  achievedPower,
  chiSquareTest,
  expectedLoss,
  holmAdjust,
  minimumDetectableEffect,
  newcombeDifference,
  probabilityToBeatControl,
  requiredSampleSize,
  sequentialDifferenceTest,
  srmTest,
  twoProportionZTest,
  welchTTest,
  wilsonInterval,
} from '../../src/experiments/stats';

function finite(value: unknown, where: string): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`${where}: ${value}`);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => finite(v, `${where}[${i}]`));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) finite(v, `${where}.${k}`);
  }
}

const small: [number, number][] = [];
for (let n = 0; n <= 4; n++) for (let s = 0; s <= n; s++) small.push([s, n]);
small.push([0, 1000], [1000, 1000], [1, 1000], [999, 1000]);

describe('no NaN or Infinity on valid input', () => {
  it('two-arm functions over all small tables', () => {
    let calls = 0;
    for (const [cs, cn] of small) {
      for (const [vs, vn] of small) {
        const where = `${cs}/${cn} vs ${vs}/${vn}`;
        finite(chiSquareTest([cs, vs], [cn, vn]), `chi ${where}`);
        finite(twoProportionZTest(cs, cn, vs, vn), `z ${where}`);
        finite(newcombeDifference(cs, cn, vs, vn, 0.95), `newcombe ${where}`);
        finite(sequentialDifferenceTest(cs, cn, vs, vn, 0.05), `sequential ${where}`);
        finite(probabilityToBeatControl({ successes: cs, trials: cn }, { successes: vs, trials: vn }), `P ${where}`);
        finite(expectedLoss({ successes: cs, trials: cn }, { successes: vs, trials: vn }), `loss ${where}`);
        finite(welchTTest({ n: cn, sum: cs, sumSq: cs }, { n: vn, sum: vs, sumSq: vs }), `welch ${where}`);
        finite(srmTest([cn, vn], [0.5, 0.5]), `srm ${where}`);
        finite(wilsonInterval(cs, cn, 0.95), `wilson ${where}`);
        finite(achievedPower({ p1: cn ? cs / cn : 0, p2: vn ? vs / vn : 0, n1: cn, n2: vn, alpha: 0.05 }), `power ${where}`);
        calls++;
      }
    }
    expect(calls).toBe(small.length ** 2);
  });

  it('k-variant, Holm, sample-size and MDE edges', () => {
    finite(chiSquareTest([0, 0, 0, 0], [0, 0, 0, 0]), 'chi empty');
    finite(holmAdjust([0, 0, 1, 1]), 'holm');
    for (const baseline of [1e-9, 0.001, 0.5, 0.999, 1 - 1e-9]) {
      for (const relativeEffect of [-0.999, -0.01, 1e-6, 0.01, 3]) {
        const n = requiredSampleSize({ baseline, relativeEffect, alpha: 0.05 });
        if (n !== null) finite(n, `n(${baseline}, ${relativeEffect})`);
      }
      for (const n of [1, 10, 1e6]) {
        const mde = minimumDetectableEffect({ baseline, n, alpha: 0.05 });
        if (mde !== null) finite(mde, `mde(${baseline}, ${n})`);
      }
    }
  });
});
