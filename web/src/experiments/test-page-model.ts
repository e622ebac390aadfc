/**
 * Pure view logic of the test page (/tests/:id): live messages applied to the page's campaign,
 * the funnel, the time-series chart's data, the lift-interval plot's geometry, the sample still
 * needed, the actions a status allows and the plain-language next steps. No I/O, no DOM.
 */
import type {
  CampaignStatus,
  DashTestAnalysisFragment,
  DashTestCampaignFragment,
  DashTestWinnerFragment,
  DashVariantStatsFragment,
  Interval,
} from '../generated/graphql';
import { applyStatsUpdate, variantLabel } from './model';

export type TestCampaign = DashTestCampaignFragment;
export type TestAnalysis = DashTestAnalysisFragment;
export type TestWinner = DashTestWinnerFragment;

export interface StatsMessage {
  at: string;
  variants: readonly DashVariantStatsFragment[];
  analysis?: TestAnalysis | null;
}

/** Each variant's stats replaced by the message's (matched on variantId), and its analysis: the list's merge. */
export function applyStats(c: TestCampaign, m: StatsMessage | undefined): TestCampaign {
  return applyStatsUpdate(c, m);
}

export interface StatusChange {
  status: CampaignStatus;
  startedAt?: string | null;
  completedAt?: string | null;
  testEndedAt?: string | null;
}

export function applyStatus(c: TestCampaign, s: StatusChange | undefined): TestCampaign {
  if (!s) return c;
  return {
    ...c,
    status: s.status,
    startedAt: s.startedAt !== undefined ? s.startedAt : c.startedAt,
    completedAt: s.completedAt !== undefined ? s.completedAt : c.completedAt,
    testEndedAt: s.testEndedAt !== undefined ? s.testEndedAt : c.testEndedAt,
  };
}

/**
 * A new declaration: it becomes the current winner and heads the history; the earlier current one
 * is marked superseded at the new one's decision time (as the API records it), once only. One the
 * page already knows (the mutation's answer and its live echo) changes nothing; one older than the
 * current winner (the declaring click's answer arriving after a later declaration's live message)
 * joins the history superseded by the next newer one, and does not become current.
 */
export function applyWinner(c: TestCampaign, w: TestWinner | undefined): TestCampaign {
  if (!w || c.winnerHistory.some((h) => h.id === w.id)) return c;
  if (!c.winner || Date.parse(w.decidedAt) >= Date.parse(c.winner.decidedAt)) {
    return {
      ...c,
      winner: w,
      winnerHistory: [w, ...c.winnerHistory.map((h) => (h.supersededAt ? h : { ...h, supersededAt: w.decidedAt }))],
    };
  }
  const history = [...c.winnerHistory, w].sort((x, y) => Date.parse(y.decidedAt) - Date.parse(x.decidedAt));
  const i = history.indexOf(w);
  const next = history[i - 1] ?? c.winner;
  const previous = history[i + 1];
  return {
    ...c,
    winnerHistory: history.map((h) =>
      h === w
        ? { ...w, supersededAt: w.supersededAt ?? next.decidedAt }
        : h === previous && h.supersededAt && Date.parse(h.supersededAt) > Date.parse(w.decidedAt)
          ? { ...h, supersededAt: w.decidedAt } // the late one replaced it
          : h,
    ),
  };
}

// ---------- Funnel: sent → delivered → clicked → converted, from the live per-variant stats.

export interface FunnelStepView {
  step: 'Sent' | 'Delivered' | 'Clicked' | 'Converted';
  count: number;
  /** count / sent; null when nothing was sent */
  ofSent: number | null;
  /** count / the previous step; null when the previous step is 0 (1 for Sent when sent > 0) */
  ofPrevious: number | null;
}

export function funnelSteps(s: { sent: number; delivered: number; clicked: number; converted: number }): FunnelStepView[] {
  const steps: [FunnelStepView['step'], number][] = [
    ['Sent', s.sent],
    ['Delivered', s.delivered],
    ['Clicked', s.clicked],
    ['Converted', s.converted],
  ];
  return steps.map(([step, count], i) => {
    const previous = i === 0 ? s.sent : steps[i - 1]![1];
    return {
      step,
      count,
      ofSent: s.sent > 0 ? count / s.sent : null,
      ofPrevious: previous > 0 ? count / previous : null,
    };
  });
}

// ---------- Time series: one chart series per variant for the chosen count.

export type SeriesMetric = 'sent' | 'delivered' | 'clicked' | 'converted';

export interface Bucket {
  variantId: string | null;
  start: string;
  sent: number;
  delivered: number;
  clicked: number;
  converted: number;
}

/** x: the distinct bucket starts in unix seconds, ascending; one series per variant (0 where a bucket lacks it). */
export function seriesByVariant(
  buckets: readonly Bucket[],
  variants: readonly { id: string; key: string; name: string }[],
  metric: SeriesMetric,
): { x: number[]; series: { label: string; values: number[] }[] } {
  const x = [...new Set(buckets.map((b) => Date.parse(b.start) / 1000))].sort((a, b) => a - b);
  const index = new Map(x.map((t, i) => [t, i]));
  const series = variants.map((v) => {
    const values = x.map(() => 0);
    for (const b of buckets) if (b.variantId === v.id) values[index.get(Date.parse(b.start) / 1000)!] += b[metric];
    return { label: variantLabel(v), values };
  });
  return { x, series };
}

export const INTERVALS: { value: Interval; label: string }[] = [
  { value: 'HOUR', label: 'Hourly (last 48 hours)' },
  { value: 'DAY', label: 'Daily (last 30 days)' },
  { value: 'WEEK', label: 'Weekly (last 12 weeks)' },
  { value: 'MONTH', label: 'Monthly (last 12 months)' },
];

// ---------- The lift interval plot.

export interface IntervalRow {
  label: string;
  estimate: number;
  lower: number;
  upper: number;
  significant: boolean;
}

export interface IntervalGeometry {
  min: number;
  max: number;
  /** maps a lift to an x in [left, left + width] */
  at(v: number): number;
  /** 0 and a few round ticks inside [min, max] */
  ticks: number[];
}

/** A domain holding every interval and 0 (no lift), padded 10 %, with round ticks. */
export function intervalGeometry(rows: readonly IntervalRow[], left: number, width: number): IntervalGeometry {
  const lows = rows.map((r) => Math.min(r.lower, r.estimate));
  const highs = rows.map((r) => Math.max(r.upper, r.estimate));
  let min = Math.min(0, ...lows);
  let max = Math.max(0, ...highs);
  if (max - min < 1e-9) {
    min -= 0.01;
    max += 0.01;
  }
  const pad = (max - min) * 0.1;
  min -= pad;
  max += pad;
  const step = niceStep((max - min) / 4);
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + 1e-12; t += step) ticks.push(Math.abs(t) < step / 1e6 ? 0 : Number(t.toPrecision(12)));
  return { min, max, at: (v) => left + ((v - min) / (max - min)) * width, ticks };
}

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

/** A lift in percentage points, signed: +2.5 pp. */
export function points(v: number): string {
  const pp = v * 100;
  const s = Math.abs(pp) < 0.05 ? '0.0' : pp.toFixed(1);
  return `${pp > 0 && s !== '0.0' ? '+' : ''}${s} pp`;
}

/** A lift as the metric counts it: percentage points for rates, a signed amount per recipient for REVENUE. */
export function lift(metric: string, v: number): string {
  if (metric !== 'REVENUE') return points(v);
  const s = v.toFixed(2);
  return v > 0 && s !== '0.00' ? `+${s}` : s === '-0.00' ? '0.00' : s;
}

/**
 * The kind of the API's lift interval: always-valid for SEQUENTIAL; otherwise a confidence interval
 * (Newcombe for rates, Welch for REVENUE) — for BAYESIAN too: the engine computes no credible interval.
 */
export function intervalKind(method: string): string {
  return method === 'SEQUENTIAL' ? 'always-valid' : 'confidence';
}

/** What analysis.pValue is: the omnibus chi-square for rate metrics; for REVENUE (no omnibus) the leading comparison's Holm-adjusted p. */
export function overallPLabel(metric: string): string {
  return metric === 'REVENUE' ? 'Holm-adjusted p of the leading comparison' : 'Omnibus p-value (chi-square)';
}

export function pValue(p: number | null | undefined): string {
  if (p == null) return '—';
  return p < 0.0001 ? '< 0.0001' : p.toPrecision(2);
}

// ---------- Sample still needed and actions.

/**
 * The per-variant sample the analysis waits for before it may decide: the minimum sample, and for
 * a fixed-horizon test also the planned (power) sample — sequential and Bayesian tests may decide
 * once the minimum is reached (as the API's engine does).
 */
export function decisionSample(method: string, required: number | null | undefined, minSampleSize: number | null | undefined): number | null {
  const target = method === 'FIXED_HORIZON' ? Math.max(required ?? 0, minSampleSize ?? 0) : minSampleSize ?? 0;
  return target > 0 ? target : null;
}

/** Per variant, recipients still to send to reach `target` (nothing when there is no target). */
export function sampleStillNeeded(
  target: number | null | undefined,
  variants: readonly { key: string; name: string; stats: { sent: number } }[],
): { target: number | null; perVariant: { label: string; needed: number }[]; total: number } {
  const t = target && target > 0 ? target : null;
  const perVariant = variants.map((v) => ({ label: variantLabel(v), needed: t == null ? 0 : Math.max(0, t - v.stats.sent) }));
  return { target: t, perVariant, total: perVariant.reduce((a, v) => a + v.needed, 0) };
}

/**
 * The sample ratio mismatch warning in two parts: `alert`, for the role="alert" live region, says
 * the same words whatever the numbers (each live message, up to four a second, would otherwise be
 * announced again); `details` carries the numbers, outside the live region.
 */
export function srmWarning(srm: TestAnalysis['sampleRatioMismatch']): { alert: string; details: string } {
  return {
    alert: 'Sample ratio mismatch detected: the variants did not receive the shares they were given.',
    details: `p = ${pValue(srm.pValue)}: sent ${srm.observed.join(' / ')} against expected shares ${srm.expectedShares.map(pct).join(' / ')}.`,
  };
}

/**
 * Expected loss is a size, not a direction: percentage points without a sign, to 0.01 pp — the
 * Bayesian rule's threshold is 0.1 pp (engine BAYESIAN_LOSS_THRESHOLD), so one decimal would show
 * every loss that passes it as "0.0 pp".
 */
export function loss(v: number): string {
  return `${(Math.abs(v) * 100).toFixed(2)} pp`;
}

export interface Actions {
  launch: boolean;
  pause: boolean;
  resume: boolean;
  endTest: boolean;
  declareWinner: boolean;
}

/** What the status allows (launchCampaign: DRAFT/SCHEDULED; pause: RUNNING; resume: PAUSED; endTest while the test is open). */
export function allowedActions(c: Pick<TestCampaign, 'status' | 'testEndedAt' | 'type'>): Actions {
  const open = !c.testEndedAt && (c.status === 'RUNNING' || c.status === 'PAUSED');
  return {
    launch: c.status === 'DRAFT' || c.status === 'SCHEDULED',
    pause: c.status === 'RUNNING',
    resume: c.status === 'PAUSED',
    endTest: open,
    declareWinner: c.type !== 'STANDARD' && (open || c.status === 'COMPLETED'),
  };
}

/**
 * What ending the test keeps, as endTest decides it: the declared winner; else the winner the
 * method allows now (analysis.winner; recorded as an automatic declaration); else the control.
 */
export function endTestOutcome(c: Pick<TestCampaign, 'winner' | 'analysis' | 'variants'>): string {
  if (c.winner) return `The declared winner is ${variantLabel(c.winner.variant)}.`;
  if (c.analysis?.winner) return `No winner is declared: ${variantLabel(c.analysis.winner)}, significant now, is recorded as the winner.`;
  const control = c.variants.find((v) => v.isControl);
  return `No winner is declared and none is significant: the control${control ? ` ${variantLabel(control)}` : ''} is kept.`;
}

/** The reason field of the declare-winner form: required, said in words. */
export function reasonProblem(reason: string): string | undefined {
  return reason.trim() ? undefined : 'Give a reason: it is recorded with the declaration.';
}

// ---------- Next steps in plain language.

export interface NextStep {
  tone: 'warning' | 'success' | 'info';
  text: string;
}

const pct = (v: number) => `${(v * 100).toFixed(1)} %`;

/**
 * What to do now, derived from the status and the analysis: SRM first (it voids the numbers),
 * then a declared winner, a significant result, not enough data, no difference; the method's
 * rule on looking at results last.
 */
export function nextSteps(c: TestCampaign): NextStep[] {
  const a = c.analysis;
  if (c.status === 'DRAFT' || c.status === 'SCHEDULED') return [{ tone: 'info', text: 'The test has not started: launch it to start collecting data.' }];
  if (!a) return [{ tone: 'info', text: 'This campaign has no experiment to analyse.' }];
  const steps: NextStep[] = [];
  const ended = Boolean(c.testEndedAt) || c.status === 'COMPLETED' || c.status === 'CANCELED' || c.status === 'ARCHIVED';

  if (a.sampleRatioMismatch.detected) {
    steps.push({
      tone: 'warning',
      text: `Sample ratio mismatch (p = ${pValue(a.sampleRatioMismatch.pValue)}): the variants did not receive the shares they were given (sent ${a.sampleRatioMismatch.observed.join(' / ')}, expected shares ${a.sampleRatioMismatch.expectedShares.map(pct).join(' / ')}). Find out why (sending failures, channel limits) before trusting any result; do not declare a winner from these numbers.`,
    });
  }

  // For OPT_OUT fewer is better (as the engine ranks it): a lift below 0 is the gain.
  const gain = (k: TestAnalysis['comparisons'][number]) => (a.metric === 'OPT_OUT' ? -k.absoluteLift : k.absoluteLift);
  const best = [...a.comparisons].filter((k) => k.significant && gain(k) > 0).sort((x, y) => gain(y) - gain(x))[0];
  const worse = a.comparisons.filter((k) => k.significant && gain(k) < 0);
  const rate = (v: number) => (a.metric === 'REVENUE' ? `${v.toFixed(2)} per recipient` : pct(v));
  // What the method decided on: a Bayesian test on the probability and the expected loss (its p-value may not be significant).
  const evidence = (k: TestAnalysis['comparisons'][number]) =>
    a.method === 'BAYESIAN'
      ? `${pct(k.probabilityToBeatControl)} chance to beat it, expected loss ${a.metric === 'REVENUE' ? k.expectedLoss.toFixed(2) : loss(k.expectedLoss)}`
      : `Holm-adjusted p = ${pValue(k.adjustedPValue)}, ${pct(k.probabilityToBeatControl)} chance to beat it`;
  if (c.winner) {
    steps.push({
      tone: 'success',
      text: ended
        ? `${variantLabel(c.winner.variant)} was declared the winner and the test has ended.`
        : `${variantLabel(c.winner.variant)} is the declared winner: end the test to stop it${(c.experiment?.testAudiencePercent ?? 100) < 100 ? ' and send the winner to the rest of the audience' : ''}.`,
    });
  } else if (a.significant && best && !a.sampleRatioMismatch.detected) {
    steps.push({
      tone: 'success',
      text: `${variantLabel(best.variant)} beats the control ${variantLabel(best.control)} by ${lift(a.metric, best.absoluteLift)} (${rate(best.controlRate)} → ${rate(best.rate)}, ${evidence(best)}): declare it the winner${ended ? '' : ' and end the test'}.`,
    });
  } else if (a.significant && !a.sampleRatioMismatch.detected && a.winner && c.variants.some((v) => v.isControl && v.id === a.winner!.id)) {
    // The control leads and every variant is significantly worse (the engine's rule): no variant to declare.
    steps.push({ tone: 'success', text: `The control ${variantLabel(a.winner)} beats every variant: keep it${ended ? '' : ' and end the test (ending records it as the winner)'}.` });
  } else if (a.noWinnerReason === 'NOT_STARTED') {
    steps.push({ tone: 'info', text: 'Nothing has been sent yet: results appear once messages go out.' });
  } else if (a.noWinnerReason === 'NO_RESPONSES') {
    steps.push({ tone: 'info', text: `No ${humanMetric(a.metric)} in any variant yet: wait for responses before reading anything into the numbers.` });
  } else if (a.insufficientSampleSize || a.noWinnerReason === 'INSUFFICIENT_SAMPLE') {
    const need = sampleStillNeeded(decisionSample(a.method, a.requiredSampleSizePerVariant, c.experiment?.minSampleSize), c.variants);
    steps.push({
      tone: 'info',
      text: ended
        ? `The test ended before it had the sample it needed${need.total > 0 ? ` (about ${need.total} recipients short)` : ''}: read its numbers as indicative only; keep the control or run a new test.`
        : need.total > 0
          ? `Not enough data yet: about ${need.total} more recipients (${need.perVariant.filter((v) => v.needed > 0).map((v) => `${v.label}: ${v.needed}`).join(', ')}) before a decision. Keep the test running${c.status === 'PAUSED' ? ' (resume it)' : ''}.`
          : 'Not enough data yet: keep the test running.',
    });
  } else if (a.noWinnerReason === 'TIED_RESULTS' || (a.status === 'INCONCLUSIVE' && !a.sampleRatioMismatch.detected)) {
    steps.push({
      tone: 'info',
      text: `No difference detected${a.power != null ? ` (power to see the observed effect: ${pct(a.power)})` : ''}: keep the control${ended ? '' : ' and end the test'}, or choose on other grounds (cost, brand) with a recorded reason.`,
    });
  } else if (a.noWinnerReason === 'INSUFFICIENT_CONFIDENCE') {
    // The planned sample is the one with enough power for the minimum detectable effect.
    const need = sampleStillNeeded(a.requiredSampleSizePerVariant, c.variants);
    steps.push({
      tone: 'info',
      text: `No significant difference yet${a.power != null ? ` (power ${pct(a.power)})` : ''}${need.total > 0 ? `: about ${need.total} more recipients would reach the planned sample for full power` : ''}. ${ended ? 'The test has ended: keep the control.' : 'Keep it running, or end it and keep the control if the difference would not matter.'}`,
    });
  }
  for (const k of worse) {
    if (!c.winner || c.winner.variant.id === k.variant.id) {
      steps.push({ tone: 'warning', text: `${variantLabel(k.variant)} does significantly worse than the control (${lift(a.metric, k.absoluteLift)}): do not roll it out.` });
    }
  }
  if (!ended && !c.winner) {
    steps.push({
      tone: 'info',
      text:
        a.method === 'SEQUENTIAL'
          ? 'Sequential test: the intervals stay valid however often you look, so you can stop as soon as it decides.'
          : a.method === 'FIXED_HORIZON'
            ? 'Fixed-horizon test: decide only once the planned sample is reached; stopping early on a good-looking day inflates false positives.'
            : 'Bayesian test: it decides when a variant is likely enough to beat the control and its expected loss is small.',
    });
  }
  return steps;
}

export function humanMetric(m: string): string {
  switch (m) {
    case 'CONVERSION': return 'conversions';
    case 'CLICK': return 'clicks';
    case 'REPLY': return 'replies';
    case 'POSITIVE_REPLY': return 'positive replies';
    case 'DELIVERY': return 'deliveries';
    case 'OPEN': return 'opens';
    case 'OPT_OUT': return 'opt-outs';
    case 'REVENUE': return 'revenue';
    default: return m.toLowerCase();
  }
}
