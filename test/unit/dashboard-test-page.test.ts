/** The test page's pure logic (web/src/experiments/test-page-model.ts): live merges, funnel, series, interval geometry, sample needed, actions, next steps. */
import {
  allowedActions,
  decisionSample,
  endTestOutcome,
  lift,
  loss,
  applyStats,
  applyStatus,
  applyWinner,
  funnelSteps,
  intervalGeometry,
  intervalKind,
  nextSteps,
  overallPLabel,
  points,
  pValue,
  reasonProblem,
  sampleStillNeeded,
  seriesByVariant,
  srmWarning,
  type TestAnalysis,
  type TestCampaign,
  type TestWinner,
} from '../../web/src/experiments/test-page-model';
import type { DashVariantStatsFragment } from '../../web/src/generated/graphql';

const stats = (variantId: string, sent: number, converted: number, extra: Partial<DashVariantStatsFragment> = {}): DashVariantStatsFragment => ({
  id: variantId,
  variantId,
  assigned: sent,
  sent,
  delivered: sent,
  clicked: converted,
  converted,
  conversionRate: sent ? converted / sent : 0,
  revenue: 0,
  ...extra,
});
const A = { id: 'va', key: 'A', name: 'Variant A' };
const B = { id: 'vb', key: 'B', name: 'Variant B' };

function analysis(over: Partial<TestAnalysis> = {}): TestAnalysis {
  return {
    id: 'c1',
    status: 'COLLECTING',
    method: 'SEQUENTIAL',
    metric: 'CONVERSION',
    significant: false,
    pValue: 0.5,
    chiSquare: 0.45,
    degreesOfFreedom: 1,
    insufficientSampleSize: false,
    noWinnerReason: 'INSUFFICIENT_CONFIDENCE',
    power: 0.2,
    requiredSampleSizePerVariant: 400,
    recommendations: [],
    computedAt: '2026-11-30T10:00:00Z',
    leader: B,
    winner: null,
    sampleRatioMismatch: { detected: false, pValue: 0.8, observed: [100, 100], expectedShares: [0.5, 0.5] },
    comparisons: [
      {
        variant: B,
        control: A,
        rate: 0.12,
        controlRate: 0.1,
        absoluteLift: 0.02,
        relativeLift: 20,
        liftLower: -0.03,
        liftUpper: 0.07,
        pValue: 0.5,
        adjustedPValue: 0.5,
        significant: false,
        probabilityToBeatControl: 0.7,
        expectedLoss: 0.004,
      },
    ],
    ...over,
  };
}

function campaign(over: Partial<TestCampaign> = {}): TestCampaign {
  return {
    id: 'c1',
    name: 'Spring',
    status: 'RUNNING',
    type: 'AB_TEST',
    channel: 'SMS',
    startedAt: '2026-11-30T09:00:00Z',
    completedAt: null,
    testEndedAt: null,
    experiment: { method: 'SEQUENTIAL', primaryMetric: 'CONVERSION', confidenceLevel: 0.95, minSampleSize: 100, testAudiencePercent: 100, autoSelectWinner: false },
    variants: [
      { ...A, isControl: true, stats: stats('va', 100, 10) },
      { ...B, isControl: false, stats: stats('vb', 100, 12) },
    ],
    analysis: analysis(),
    winner: null,
    winnerHistory: [],
    ...over,
  };
}

const winner = (id: string, v: typeof A, decidedAt: string, reason = 'because'): TestWinner => ({
  id,
  source: 'MANUAL',
  reason,
  confidenceLevel: null,
  decidedAt,
  supersededAt: null,
  variant: v,
});

describe('live merges', () => {
  it('replaces stats by variantId and the analysis; keeps a variant the message lacks', () => {
    const c = campaign();
    const next = applyStats(c, { at: 'now', variants: [stats('vb', 120, 30)], analysis: analysis({ pValue: 0.01 }) });
    expect(next.variants[0]!.stats).toBe(c.variants[0]!.stats);
    expect(next.variants[1]!.stats.converted).toBe(30);
    expect(next.analysis?.pValue).toBe(0.01);
    expect(applyStats(c, { at: 'now', variants: [] }).analysis).toBe(c.analysis);
    expect(applyStats(c, undefined)).toBe(c);
  });

  it('applies a status change, keeping fields the message does not carry', () => {
    const next = applyStatus(campaign(), { status: 'PAUSED' });
    expect(next.status).toBe('PAUSED');
    expect(next.startedAt).toBe('2026-11-30T09:00:00Z');
    expect(applyStatus(campaign(), { status: 'COMPLETED', testEndedAt: '2026-11-30T11:00:00Z' }).testEndedAt).toBe('2026-11-30T11:00:00Z');
  });

  it('a new winner heads the history and supersedes the current one once; a repeat of the same declaration changes nothing', () => {
    const w1 = winner('w1', A, '2026-11-30T10:00:00Z');
    const w2 = winner('w2', B, '2026-11-30T11:00:00Z');
    const c1 = applyWinner(campaign(), w1);
    expect(c1.winner).toBe(w1);
    expect(c1.winnerHistory).toEqual([w1]);
    const c2 = applyWinner(c1, w2);
    expect(c2.winner?.id).toBe('w2');
    expect(c2.winnerHistory.map((h) => [h.id, h.supersededAt])).toEqual([
      ['w2', null],
      ['w1', '2026-11-30T11:00:00Z'],
    ]);
    // The mutation's answer and the subscription's message carry the same declaration.
    expect(applyWinner(c2, w2)).toBe(c2);
    expect(applyWinner(c2, w1)).toBe(c2);
  });

  it('a declaration older than the current winner (a late mutation answer) joins the history superseded, and does not become current', () => {
    const w1 = winner('w1', A, '2026-11-30T10:00:00Z');
    const w2 = winner('w2', B, '2026-11-30T11:00:00Z');
    const w3 = winner('w3', A, '2026-11-30T12:00:00Z');
    // w1 and w3 came live; the answer to the click that declared w2 arrives last.
    const c = applyWinner(applyWinner(applyWinner(campaign(), w1), w3), w2);
    expect(c.winner?.id).toBe('w3');
    expect(c.winnerHistory.map((h) => [h.id, h.supersededAt])).toEqual([
      ['w3', null],
      ['w2', '2026-11-30T12:00:00Z'],
      ['w1', '2026-11-30T11:00:00Z'],
    ]);
  });
});

describe('funnel', () => {
  it('counts each step with its share of sent and of the previous step', () => {
    expect(funnelSteps({ sent: 200, delivered: 180, clicked: 45, converted: 9 })).toEqual([
      { step: 'Sent', count: 200, ofSent: 1, ofPrevious: 1 },
      { step: 'Delivered', count: 180, ofSent: 0.9, ofPrevious: 0.9 },
      { step: 'Clicked', count: 45, ofSent: 0.225, ofPrevious: 0.25 },
      { step: 'Converted', count: 9, ofSent: 0.045, ofPrevious: 0.2 },
    ]);
  });

  it('has no rates before anything was sent, and none after an empty step', () => {
    const s = funnelSteps({ sent: 0, delivered: 0, clicked: 0, converted: 0 });
    expect(s.map((x) => [x.ofSent, x.ofPrevious])).toEqual([
      [null, null],
      [null, null],
      [null, null],
      [null, null],
    ]);
    expect(funnelSteps({ sent: 10, delivered: 0, clicked: 0, converted: 0 })[2]).toEqual({ step: 'Clicked', count: 0, ofSent: 0, ofPrevious: null });
  });
});

describe('time series', () => {
  it('one series per variant over the sorted distinct bucket starts, zero where a variant lacks a bucket; the campaign-wide row is left out', () => {
    const buckets = [
      { variantId: 'vb', start: '2026-11-30T10:00:00Z', sent: 5, delivered: 5, clicked: 1, converted: 2 },
      { variantId: 'va', start: '2026-11-30T09:00:00Z', sent: 4, delivered: 4, clicked: 0, converted: 1 },
      { variantId: 'va', start: '2026-11-30T10:00:00Z', sent: 3, delivered: 3, clicked: 0, converted: 0 },
      { variantId: null, start: '2026-11-30T10:00:00Z', sent: 8, delivered: 8, clicked: 1, converted: 2 },
    ];
    const r = seriesByVariant(buckets, [A, B], 'converted');
    expect(r.x).toEqual([1796029200, 1796032800]); // 2026-11-30 09:00 and 10:00 UTC in unix seconds
    expect(r.series).toEqual([
      { label: 'A · Variant A', values: [1, 0] },
      { label: 'B · Variant B', values: [0, 2] },
    ]);
    expect(seriesByVariant(buckets, [A], 'sent').series[0]!.values).toEqual([4, 3]);
  });
});

describe('lift interval plot', () => {
  it('holds every interval and zero, padded by 10 %, mapped linearly', () => {
    const g = intervalGeometry([{ label: 'B', estimate: 0.02, lower: -0.03, upper: 0.07, significant: false }], 100, 500);
    // raw [-0.03, 0.07], span 0.1, padded by 0.01 each side
    expect(g.min).toBeCloseTo(-0.04, 12);
    expect(g.max).toBeCloseTo(0.08, 12);
    expect(g.at(-0.04)).toBeCloseTo(100, 9);
    expect(g.at(0.08)).toBeCloseTo(600, 9);
    expect(g.at(0)).toBeCloseTo(100 + (0.04 / 0.12) * 500, 9);
    // step: 0.12 / 4 = 0.03 → rounded up to 0.05
    expect(g.ticks).toEqual([0, 0.05]);
  });

  it('an interval wholly above zero still shows zero', () => {
    const g = intervalGeometry([{ label: 'B', estimate: 0.3, lower: 0.2, upper: 0.4, significant: true }], 0, 100);
    expect(g.min).toBeLessThan(0);
    expect(g.ticks).toContain(0);
    expect(g.at(0)).toBeGreaterThan(0);
  });

  it('names the interval and the overall p-value as the engine computes them', () => {
    // Only SEQUENTIAL intervals are always-valid; BAYESIAN comparisons carry Newcombe/Welch confidence intervals, not credible ones.
    expect([intervalKind('SEQUENTIAL'), intervalKind('FIXED_HORIZON'), intervalKind('BAYESIAN')]).toEqual(['always-valid', 'confidence', 'confidence']);
    // REVENUE has no omnibus test: analysis.pValue is the leading comparison's Holm-adjusted p.
    expect(overallPLabel('CONVERSION')).toBe('Omnibus p-value (chi-square)');
    expect(overallPLabel('REVENUE')).toBe('Holm-adjusted p of the leading comparison');
  });

  it('the SRM alert says the same words whatever the numbers (a live region re-announces any change); the numbers go beside it', () => {
    const one = srmWarning({ detected: true, pValue: 0.00002, observed: [300, 100], expectedShares: [0.5, 0.5] });
    const next = srmWarning({ detected: true, pValue: 0.0005, observed: [310, 104], expectedShares: [0.5, 0.5] });
    expect(one.alert).toBe(next.alert);
    expect(one.alert).not.toMatch(/\d/);
    expect(one.details).toBe('p = < 0.0001: sent 300 / 100 against expected shares 50.0 % / 50.0 %.');
    expect(next.details).toBe('p = 0.00050: sent 310 / 104 against expected shares 50.0 % / 50.0 %.');
  });

  it('formats percentage points and p-values', () => {
    expect(points(0.025)).toBe('+2.5 pp');
    expect(points(-0.031)).toBe('-3.1 pp');
    expect(points(0.0001)).toBe('0.0 pp');
    expect(pValue(0.04321)).toBe('0.043');
    expect(pValue(0.00001)).toBe('< 0.0001');
    expect(pValue(null)).toBe('—');
  });
});

describe('sample still needed and actions', () => {
  it('a fixed-horizon test decides at the larger of the power sample and the minimum; sequential and Bayesian ones at the minimum', () => {
    expect(decisionSample('FIXED_HORIZON', 400, 100)).toBe(400);
    expect(decisionSample('FIXED_HORIZON', 50, 100)).toBe(100);
    expect(decisionSample('FIXED_HORIZON', null, 100)).toBe(100);
    expect(decisionSample('SEQUENTIAL', 400, 100)).toBe(100);
    expect(decisionSample('BAYESIAN', 400, 30)).toBe(30);
    expect(decisionSample('SEQUENTIAL', 400, 0)).toBeNull();
  });

  it('each variant still needs the target less what it has sent, never below zero', () => {
    const c = campaign({ variants: [{ ...A, isControl: true, stats: stats('va', 150, 1) }, { ...B, isControl: false, stats: stats('vb', 420, 1) }] });
    expect(sampleStillNeeded(400, c.variants)).toEqual({ target: 400, perVariant: [{ label: 'A · Variant A', needed: 250 }, { label: 'B · Variant B', needed: 0 }], total: 250 });
    expect(sampleStillNeeded(200, c.variants).total).toBe(50);
    expect(sampleStillNeeded(null, c.variants)).toEqual({ target: null, perVariant: [{ label: 'A · Variant A', needed: 0 }, { label: 'B · Variant B', needed: 0 }], total: 0 });
  });

  it('formats a lift per metric and an expected loss without a sign', () => {
    expect(lift('CONVERSION', 0.012)).toBe('+1.2 pp');
    expect(lift('REVENUE', 1.5)).toBe('+1.50');
    expect(lift('REVENUE', -0.004)).toBe('0.00');
    expect(lift('REVENUE', -2.25)).toBe('-2.25');
    expect(loss(0.0042)).toBe('0.42 pp');
    expect(loss(-0.208)).toBe('20.80 pp');
    // Either side of the Bayesian threshold (0.001 = 0.1 pp) reads differently.
    expect([loss(0.0004), loss(0.0009), loss(0.0011)]).toEqual(['0.04 pp', '0.09 pp', '0.11 pp']);
  });

  it('offers what the status allows', () => {
    expect(allowedActions({ status: 'DRAFT', testEndedAt: null, type: 'AB_TEST' })).toEqual({ launch: true, pause: false, resume: false, endTest: false, declareWinner: false });
    expect(allowedActions({ status: 'RUNNING', testEndedAt: null, type: 'AB_TEST' })).toEqual({ launch: false, pause: true, resume: false, endTest: true, declareWinner: true });
    expect(allowedActions({ status: 'PAUSED', testEndedAt: null, type: 'AB_TEST' })).toEqual({ launch: false, pause: false, resume: true, endTest: true, declareWinner: true });
    expect(allowedActions({ status: 'RUNNING', testEndedAt: '2026-11-30T11:00:00Z', type: 'AB_TEST' }).endTest).toBe(false);
    expect(allowedActions({ status: 'CANCELED', testEndedAt: null, type: 'AB_TEST' })).toEqual({ launch: false, pause: false, resume: false, endTest: false, declareWinner: false });
  });

  it('says what ending the test keeps, as endTest decides: the declared winner, else the significant one, else the control', () => {
    const c = campaign();
    expect(endTestOutcome({ ...c, winner: winner('w1', B, '2026-11-30T10:00:00Z') })).toBe('The declared winner is B · Variant B.');
    // Not declared but significant: endTest records it (automatically), the control is not kept.
    expect(endTestOutcome({ ...c, analysis: analysis({ winner: B, significant: true, status: 'SIGNIFICANT', noWinnerReason: null }) })).toBe(
      'No winner is declared: B · Variant B, significant now, is recorded as the winner.',
    );
    expect(endTestOutcome(c)).toBe('No winner is declared and none is significant: the control A · Variant A is kept.');
  });

  it('requires a reason that is not blank', () => {
    expect(reasonProblem('  ')).toMatch(/reason/);
    expect(reasonProblem('brand fit')).toBeUndefined();
  });
});

describe('next steps', () => {
  const texts = (c: TestCampaign) => nextSteps(c).map((s) => `${s.tone}: ${s.text}`);

  it('not started: launch it', () => {
    expect(texts(campaign({ status: 'DRAFT' }))).toEqual(['info: The test has not started: launch it to start collecting data.']);
  });

  it('not enough data: how many more recipients, per variant', () => {
    const c = campaign({
      variants: [{ ...A, isControl: true, stats: stats('va', 30, 1) }, { ...B, isControl: false, stats: stats('vb', 50, 2) }],
      analysis: analysis({ insufficientSampleSize: true, noWinnerReason: 'INSUFFICIENT_SAMPLE', requiredSampleSizePerVariant: 80 }),
    });
    const t = texts(c);
    // target max(80, 100) = 100: A needs 70, B needs 50
    expect(t[0]).toBe('info: Not enough data yet: about 120 more recipients (A · Variant A: 70, B · Variant B: 50) before a decision. Keep the test running.');
    expect(t[1]).toMatch(/^info: Sequential test/);
    // Ended short of the sample: no advice to keep it running, nor the method's rule on looking.
    expect(texts({ ...c, status: 'COMPLETED', testEndedAt: '2026-11-30T11:00:00Z' })).toEqual([
      'info: The test ended before it had the sample it needed (about 120 recipients short): read its numbers as indicative only; keep the control or run a new test.',
    ]);
  });

  it('SRM comes first and blocks a winner recommendation even when the comparison is significant', () => {
    const k = analysis().comparisons[0]!;
    const c = campaign({
      analysis: analysis({
        significant: true,
        status: 'INCONCLUSIVE',
        noWinnerReason: 'SAMPLE_RATIO_MISMATCH',
        sampleRatioMismatch: { detected: true, pValue: 0.00002, observed: [300, 100], expectedShares: [0.5, 0.5] },
        comparisons: [{ ...k, significant: true, adjustedPValue: 0.001, liftLower: 0.01 }],
      }),
    });
    const steps = nextSteps(c);
    expect(steps[0]!.tone).toBe('warning');
    expect(steps[0]!.text).toBe(
      'Sample ratio mismatch (p = < 0.0001): the variants did not receive the shares they were given (sent 300 / 100, expected shares 50.0 % / 50.0 %). Find out why (sending failures, channel limits) before trusting any result; do not declare a winner from these numbers.',
    );
    expect(steps.some((s) => s.text.includes('declare it the winner'))).toBe(false);
  });

  it('a significant winner: declare it and end the test, with the numbers', () => {
    const k = analysis().comparisons[0]!;
    const c = campaign({
      analysis: analysis({
        significant: true,
        status: 'SIGNIFICANT',
        noWinnerReason: null,
        winner: B,
        comparisons: [{ ...k, significant: true, adjustedPValue: 0.012, absoluteLift: 0.05, rate: 0.15, controlRate: 0.1, probabilityToBeatControl: 0.993 }],
      }),
    });
    expect(texts(c)[0]).toBe(
      'success: B · Variant B beats the control A · Variant A by +5.0 pp (10.0 % → 15.0 %, Holm-adjusted p = 0.012, 99.3 % chance to beat it): declare it the winner and end the test.',
    );
  });

  it('the control significantly better than every variant: keep it (not silence)', () => {
    const k = analysis().comparisons[0]!;
    const worse = { ...k, significant: true, adjustedPValue: 0.01, rate: 0.06, controlRate: 0.1, absoluteLift: -0.04 };
    const c = campaign({ analysis: analysis({ significant: true, status: 'SIGNIFICANT', noWinnerReason: null, leader: A, winner: A, comparisons: [worse] }) });
    expect(texts(c).slice(0, 2)).toEqual([
      'success: The control A · Variant A beats every variant: keep it and end the test (ending records it as the winner).',
      'warning: B · Variant B does significantly worse than the control (-4.0 pp): do not roll it out.',
    ]);
  });

  it('a Bayesian winner is argued with its probability and expected loss, not a p-value it did not decide on', () => {
    const k = analysis().comparisons[0]!;
    const up = { ...k, significant: true, adjustedPValue: 0.08, rate: 0.12, controlRate: 0.1, absoluteLift: 0.02, probabilityToBeatControl: 0.97, expectedLoss: 0.0004 };
    const c = campaign({ analysis: analysis({ method: 'BAYESIAN', significant: true, status: 'SIGNIFICANT', noWinnerReason: null, winner: B, comparisons: [up] }) });
    expect(texts(c)[0]).toBe(
      'success: B · Variant B beats the control A · Variant A by +2.0 pp (10.0 % → 12.0 %, 97.0 % chance to beat it, expected loss 0.04 pp): declare it the winner and end the test.',
    );
  });

  it('no difference: keep the control', () => {
    const c = campaign({ analysis: analysis({ status: 'INCONCLUSIVE', noWinnerReason: 'TIED_RESULTS', power: 0.8, method: 'FIXED_HORIZON' }) });
    const t = texts(c);
    expect(t[0]).toBe('info: No difference detected (power to see the observed effect: 80.0 %): keep the control and end the test, or choose on other grounds (cost, brand) with a recorded reason.');
    expect(t[1]).toMatch(/^info: Fixed-horizon test: decide only once the planned sample is reached/);
  });

  it('not yet significant with enough sample: power and the way forward', () => {
    const c = campaign({ variants: [{ ...A, isControl: true, stats: stats('va', 300, 30) }, { ...B, isControl: false, stats: stats('vb', 300, 36) }] });
    // target 400: 100 more each
    expect(texts(c)[0]).toBe(
      'info: No significant difference yet (power 20.0 %): about 200 more recipients would reach the planned sample for full power. Keep it running, or end it and keep the control if the difference would not matter.',
    );
  });

  it('a declared winner: end the test (and send it to the remainder of a partial test); a declared winner doing significantly worse is flagged', () => {
    const k = analysis().comparisons[0]!;
    const worse = { ...k, significant: true, absoluteLift: -0.04 };
    const c = campaign({
      experiment: { ...campaign().experiment!, testAudiencePercent: 20 },
      winner: winner('w1', A, '2026-11-30T10:00:00Z'),
      analysis: analysis({ status: 'WINNER_DECLARED', noWinnerReason: null, comparisons: [worse] }),
    });
    // The control won; B being worse needs no warning.
    expect(texts(c)).toEqual(['success: A · Variant A is the declared winner: end the test to stop it and send the winner to the rest of the audience.']);
    expect(texts({ ...c, winner: winner('w2', B, '2026-11-30T10:00:00Z') })).toEqual([
      'success: B · Variant B is the declared winner: end the test to stop it and send the winner to the rest of the audience.',
      'warning: B · Variant B does significantly worse than the control (-4.0 pp): do not roll it out.',
    ]);
    expect(texts({ ...c, testEndedAt: '2026-11-30T11:00:00Z', status: 'COMPLETED' })).toEqual(['success: A · Variant A was declared the winner and the test has ended.']);
  });

  it('opt-outs: fewer is better, so a variant with significantly more opt-outs is flagged, never recommended', () => {
    const k = analysis().comparisons[0]!;
    // B: 6 % opt-outs against the control's 2 % (lift +4 pp), significant: B is worse.
    const more = { ...k, significant: true, adjustedPValue: 0.01, rate: 0.06, controlRate: 0.02, absoluteLift: 0.04, probabilityToBeatControl: 0.01 };
    const c = campaign({ analysis: analysis({ metric: 'OPT_OUT', significant: true, status: 'SIGNIFICANT', noWinnerReason: null, winner: A, comparisons: [more] }) });
    const t = texts(c);
    expect(t.some((x) => x.includes('declare it the winner'))).toBe(false);
    expect(t).toContain('warning: B · Variant B does significantly worse than the control (+4.0 pp): do not roll it out.');
    // B: 1 % against 2 % (lift -1 pp): B is better.
    const fewer = { ...k, significant: true, adjustedPValue: 0.01, rate: 0.01, controlRate: 0.02, absoluteLift: -0.01, probabilityToBeatControl: 0.99 };
    const d = campaign({ analysis: analysis({ metric: 'OPT_OUT', significant: true, status: 'SIGNIFICANT', noWinnerReason: null, winner: B, comparisons: [fewer] }) });
    expect(texts(d)[0]).toBe(
      'success: B · Variant B beats the control A · Variant A by -1.0 pp (2.0 % → 1.0 %, Holm-adjusted p = 0.010, 99.0 % chance to beat it): declare it the winner and end the test.',
    );
    expect(texts(d).some((x) => x.startsWith('warning'))).toBe(false);
  });

  it('revenue: the lift and the rates are amounts per recipient, not percentages', () => {
    const k = analysis().comparisons[0]!;
    const up = { ...k, significant: true, adjustedPValue: 0.02, rate: 3.5, controlRate: 2.25, absoluteLift: 1.25, probabilityToBeatControl: 0.99 };
    const c = campaign({ analysis: analysis({ metric: 'REVENUE', significant: true, status: 'SIGNIFICANT', noWinnerReason: null, winner: B, comparisons: [up] }) });
    expect(texts(c)[0]).toBe(
      'success: B · Variant B beats the control A · Variant A by +1.25 (2.25 per recipient → 3.50 per recipient, Holm-adjusted p = 0.020, 99.0 % chance to beat it): declare it the winner and end the test.',
    );
  });

  it('no responses yet', () => {
    expect(texts(campaign({ analysis: analysis({ noWinnerReason: 'NO_RESPONSES', status: 'COLLECTING' }) }))[0]).toBe(
      'info: No conversions in any variant yet: wait for responses before reading anything into the numbers.',
    );
  });
});
