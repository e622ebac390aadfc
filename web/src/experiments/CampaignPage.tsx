/**
 * One test (/tests/:id): live per-variant numbers, the analysis as the API gives it (omnibus test,
 * pairwise comparisons with Holm-adjusted p-values, lift intervals drawn, P(beat control), expected
 * loss, power, SRM), next steps, the funnel, the time series, the winner and its history, and the
 * actions. Live over graphql-ws (stats + analysis, status, winner declarations); no polling.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useQuery, useSubscription } from 'urql';
import {
  DashTestPageDocument,
  DashTestStatsDocument,
  DashTestStatusDocument,
  DashTestTimeSeriesDocument,
  DashTestWinnerDeclaredDocument,
  type Interval,
} from '../generated/graphql';
import { Link } from '../shell/navigation';
import { Chart } from '../ui/Chart';
import { channelName, hourLabel, humanize, percent } from '../ui/format';
import { ApiError } from '../ui/ApiError';
import { isLive, variantLabel } from './model';
import { TestActions } from './test-page-actions';
import { IntervalPlot } from './test-page-interval';
import {
  INTERVALS,
  applyStats,
  applyStatus,
  applyWinner,
  decisionSample,
  loss,
  funnelSteps,
  humanMetric,
  nextSteps,
  overallPLabel,
  pValue,
  lift,
  sampleStillNeeded,
  seriesByVariant,
  srmWarning,
  type SeriesMetric,
  type TestCampaign,
} from './test-page-model';
import './test-page.css';

export function CampaignPage({ id }: { id: string }) {
  const [{ data, error, fetching }] = useQuery({ query: DashTestPageDocument, variables: { id }, requestPolicy: 'cache-and-network' });
  return (
    <section aria-labelledby="campaign-title" className="test-page">
      <p>
        <Link href="/tests">← All A/B tests</Link>
      </p>
      {error && (
        <>
          <h1 id="campaign-title">Test</h1>
          <ApiError error={error} />
        </>
      )}
      {!data && fetching && <h1 id="campaign-title">Loading the test…</h1>}
      {data && !data.campaign && <h1 id="campaign-title">No such test in this workspace</h1>}
      {data?.campaign && <TestDetail key={data.campaign.id} initial={data.campaign} />}
    </section>
  );
}

const fmtTime = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '—');

function TestDetail({ initial }: { initial: TestCampaign }) {
  const [c, setC] = useState(initial);
  const [updatedAt, setUpdatedAt] = useState<string>();
  // A refetch (e.g. after the cache was invalidated) replaces the live-merged copy.
  useEffect(() => setC(initial), [initial]);

  useSubscription({ query: DashTestStatsDocument, variables: { campaignId: c.id }, pause: !isLive(c.status) }, (_p, m) => {
    setC((prev) => applyStats(prev, m.variantStatsUpdated));
    setUpdatedAt(m.variantStatsUpdated.at);
    return m;
  });
  useSubscription({ query: DashTestStatusDocument, variables: { campaignId: c.id } }, (_p, m) => {
    setC((prev) => applyStatus(prev, m.campaignStatusChanged));
    return m;
  });
  useSubscription({ query: DashTestWinnerDeclaredDocument, variables: { campaignId: c.id } }, (_p, m) => {
    setC((prev) => applyWinner(prev, m.winnerDeclared.winner));
    return m;
  });

  const a = c.analysis;
  const decideAt = a ? decisionSample(a.method, a.requiredSampleSizePerVariant, c.experiment?.minSampleSize) : null;
  const need = sampleStillNeeded(decideAt, c.variants);
  const forPower = sampleStillNeeded(a?.requiredSampleSizePerVariant, c.variants);
  const steps = nextSteps(c);

  return (
    <>
      <h1 id="campaign-title">{c.name}</h1>
      <dl className="facts">
        <div><dt>Status</dt><dd className="test-status">{humanize(c.status)}{c.testEndedAt ? ' (test ended)' : ''}</dd></div>
        <div><dt>Type</dt><dd>{humanize(c.type)}</dd></div>
        <div><dt>Channel</dt><dd>{channelName(c.channel)}</dd></div>
        <div><dt>Started</dt><dd>{fmtTime(c.startedAt)}</dd></div>
        {a && <div><dt>Method</dt><dd>{humanize(a.method)}</dd></div>}
        {a && <div><dt>Metric</dt><dd>{humanize(a.metric)}</dd></div>}
      </dl>

      <WinnerBanner campaign={c} />
      <TestActions campaign={c} onStatus={(s) => setC((p) => applyStatus(p, s))} onWinner={(w) => setC((p) => applyWinner(p, w))} />

      <section aria-labelledby="next-title">
        <h2 id="next-title">Next steps</h2>
        <ul className="next-steps">
          {steps.map((s) => (
            <li key={s.text} className={`step-${s.tone}`}>
              {s.tone === 'warning' ? <strong>Warning: </strong> : null}
              {s.text}
            </li>
          ))}
        </ul>
      </section>

      <div className="table-wrap">
        <table className="variants">
          <caption>Per-variant numbers{updatedAt ? `, updated live at ${new Date(updatedAt).toLocaleTimeString()}` : ''}</caption>
          <thead>
            <tr>
              <th scope="col">Variant</th>
              <th scope="col">Assigned</th>
              <th scope="col">Sent</th>
              <th scope="col">Delivered</th>
              <th scope="col">Clicked</th>
              <th scope="col">Converted</th>
              <th scope="col">Conversion rate</th>
              <th scope="col">Revenue</th>
            </tr>
          </thead>
          <tbody>
            {c.variants.map((v) => (
              <tr key={v.id} data-variant-key={v.key}>
                <th scope="row" data-label="Variant">{variantLabel(v)}{v.isControl ? ' (control)' : ''}</th>
                <td data-label="Assigned">{v.stats.assigned}</td>
                <td data-label="Sent">{v.stats.sent}</td>
                <td data-label="Delivered">{v.stats.delivered}</td>
                <td data-label="Clicked">{v.stats.clicked}</td>
                <td data-label="Converted" className="converted">{v.stats.converted}</td>
                <td data-label="Conversion rate">{percent(v.stats.conversionRate)}</td>
                <td data-label="Revenue">{v.stats.revenue.toFixed(2)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      {a && (
        <section aria-labelledby="analysis-title" className="analysis">
          <h2 id="analysis-title">Analysis</h2>
          {a.sampleRatioMismatch.detected && (
            <div className="srm-warning">
              <p role="alert">{srmWarning(a.sampleRatioMismatch).alert}</p>
              <p>{srmWarning(a.sampleRatioMismatch).details}</p>
            </div>
          )}
          <dl className="facts analysis-facts">
            <div><dt>Test status</dt><dd className="analysis-status">{humanize(a.status)}</dd></div>
            <div><dt>{overallPLabel(a.metric)}</dt><dd className="omnibus-p">{pValue(a.pValue)}</dd></div>
            {a.chiSquare != null && <div><dt>Chi-square</dt><dd>{a.chiSquare.toFixed(2)}{a.degreesOfFreedom != null ? ` (df ${a.degreesOfFreedom})` : ''}</dd></div>}
            <div><dt>Significant</dt><dd>{a.significant ? 'Yes' : 'No'}</dd></div>
            {a.noWinnerReason && <div><dt>No winner because</dt><dd>{humanize(a.noWinnerReason)}</dd></div>}
            <div><dt>Achieved power</dt><dd>{a.power == null ? '—' : percent(a.power)}</dd></div>
            <div><dt>Sample per variant before a decision</dt><dd>{need.target ?? '—'}</dd></div>
            <div><dt>Still needed before a decision</dt><dd className="sample-needed">{need.target == null ? '—' : need.total}</dd></div>
            <div><dt>Sample per variant for full power</dt><dd>{forPower.target ?? '—'}</dd></div>
            <div><dt>Still needed for full power</dt><dd>{forPower.target == null ? '—' : forPower.total}</dd></div>
            <div><dt>SRM check p-value</dt><dd>{pValue(a.sampleRatioMismatch.pValue)}</dd></div>
            <div><dt>Computed</dt><dd>{fmtTime(a.computedAt)}</dd></div>
          </dl>
          {a.comparisons.length > 0 && (
            <>
              <div className="table-wrap">
                <table className="comparisons">
                  <caption>Each variant against the control ({humanMetric(a.metric)}); p-values Holm-adjusted across comparisons</caption>
                  <thead>
                    <tr>
                      <th scope="col">Variant</th>
                      <th scope="col">Rate</th>
                      <th scope="col">Control rate</th>
                      <th scope="col">Lift</th>
                      <th scope="col">Interval</th>
                      <th scope="col">Relative lift</th>
                      <th scope="col">p-value</th>
                      <th scope="col">Adjusted p</th>
                      <th scope="col">P(beat control)</th>
                      <th scope="col">Expected loss</th>
                      <th scope="col">Significant</th>
                    </tr>
                  </thead>
                  <tbody>
                    {a.comparisons.map((k) => (
                      <tr key={k.variant.id} data-variant-key={k.variant.key}>
                        <th scope="row" data-label="Variant">{variantLabel(k.variant)}</th>
                        <td data-label="Rate" className="rate">{a.metric === 'REVENUE' ? k.rate.toFixed(2) : percent(k.rate)}</td>
                        <td data-label="Control rate">{a.metric === 'REVENUE' ? k.controlRate.toFixed(2) : percent(k.controlRate)}</td>
                        <td data-label="Lift" className="lift">{lift(a.metric, k.absoluteLift)}</td>
                        <td data-label="Interval">{lift(a.metric, k.liftLower)} to {lift(a.metric, k.liftUpper)}</td>
                        <td data-label="Relative lift">{k.relativeLift == null ? '—' : `${k.relativeLift.toFixed(1)} %`}</td>
                        <td data-label="p-value">{pValue(k.pValue)}</td>
                        <td data-label="Adjusted p" className="adjusted-p">{pValue(k.adjustedPValue)}</td>
                        <td data-label="P(beat control)" className="p-beat">{percent(k.probabilityToBeatControl)}</td>
                        <td data-label="Expected loss">{a.metric === 'REVENUE' ? k.expectedLoss.toFixed(2) : loss(k.expectedLoss)}</td>
                        <td data-label="Significant">{k.significant ? 'Yes' : 'No'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <IntervalPlot
                id="lift"
                method={a.method}
                format={(v) => lift(a.metric, v)}
                unit={a.metric === 'REVENUE' ? 'revenue per recipient' : 'percentage points'}
                rows={a.comparisons.map((k) => ({ label: variantLabel(k.variant), estimate: k.absoluteLift, lower: k.liftLower, upper: k.liftUpper, significant: k.significant }))}
              />
            </>
          )}
          {a.recommendations.length > 0 && (
            <>
              <h3>The analysis' own recommendations</h3>
              <ul>
                {a.recommendations.map((r) => (
                  <li key={r}>{r}</li>
                ))}
              </ul>
            </>
          )}
        </section>
      )}

      <Funnel campaign={c} />
      <TimeSeries campaign={c} liveAt={updatedAt} />
      <WinnerHistory campaign={c} />
    </>
  );
}

function WinnerBanner({ campaign: c }: { campaign: TestCampaign }) {
  return (
    <div role="status" className="winner-banner-holder">
      {c.winner && (
        <p className="winner-banner">
          <strong>Winner: {variantLabel(c.winner.variant)}</strong> ({c.winner.source === 'MANUAL' ? 'declared manually' : 'declared automatically'} on{' '}
          {fmtTime(c.winner.decidedAt)}
          {c.winner.confidenceLevel != null ? `, confidence ${percent(c.winner.confidenceLevel)}` : ''}){c.winner.reason ? `: “${c.winner.reason}”` : ''}
        </p>
      )}
    </div>
  );
}

function WinnerHistory({ campaign: c }: { campaign: TestCampaign }) {
  if (c.winnerHistory.length === 0) return null;
  return (
    <div className="table-wrap">
      <table className="winner-history">
        <caption>Winner declarations, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Variant</th>
            <th scope="col">Source</th>
            <th scope="col">Reason</th>
            <th scope="col">Decided</th>
            <th scope="col">Confidence</th>
            <th scope="col">Superseded</th>
          </tr>
        </thead>
        <tbody>
          {c.winnerHistory.map((w) => (
            <tr key={w.id}>
              <th scope="row" data-label="Variant">{variantLabel(w.variant)}</th>
              <td data-label="Source">{humanize(w.source)}</td>
              <td data-label="Reason">{w.reason ?? '—'}</td>
              <td data-label="Decided">{fmtTime(w.decidedAt)}</td>
              <td data-label="Confidence">{w.confidenceLevel == null ? '—' : percent(w.confidenceLevel)}</td>
              <td data-label="Superseded">{w.supersededAt ? fmtTime(w.supersededAt) : 'Current'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Funnel({ campaign: c }: { campaign: TestCampaign }) {
  return (
    <section aria-labelledby="funnel-title">
      <h2 id="funnel-title">Funnel</h2>
      <div className="table-wrap">
        <table className="funnel">
          <caption>Recipients at each step per variant: count, share of sent, and share of the previous step (live)</caption>
          <thead>
            <tr>
              <th scope="col">Variant</th>
              <th scope="col">Sent</th>
              <th scope="col">Delivered</th>
              <th scope="col">Clicked</th>
              <th scope="col">Converted</th>
            </tr>
          </thead>
          <tbody>
            {c.variants.map((v) => (
              <tr key={v.id} data-variant-key={v.key}>
                <th scope="row" data-label="Variant">{variantLabel(v)}</th>
                {funnelSteps(v.stats).map((s) => (
                  <td key={s.step} data-label={s.step} className={`funnel-${s.step.toLowerCase()}`}>
                    <span className="count">{s.count}</span>
                    {s.step !== 'Sent' && (
                      <span className="rates">
                        {s.ofSent == null ? '' : ` ${percent(s.ofSent)} of sent`}
                        {s.ofPrevious == null ? '' : `, ${percent(s.ofPrevious)} of previous`}
                      </span>
                    )}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

const METRICS: { value: SeriesMetric; label: string }[] = [
  { value: 'converted', label: 'Converted' },
  { value: 'clicked', label: 'Clicked' },
  { value: 'delivered', label: 'Delivered' },
  { value: 'sent', label: 'Sent' },
];


function TimeSeries({ campaign: c, liveAt }: { campaign: TestCampaign; liveAt?: string }) {
  const [interval, setInterval_] = useState<Interval>('HOUR');
  const [metric, setMetric] = useState<SeriesMetric>('converted');
  const [{ data, error }, reexecute] = useQuery({ query: DashTestTimeSeriesDocument, variables: { id: c.id, interval } });
  // Reloads after live updates (not on a timer), at most once per 5 s: messages arrive every 250 ms under load.
  const last = useRef(0);
  useEffect(() => {
    if (!liveAt) return;
    const wait = Math.max(0, last.current + 5000 - Date.now());
    const timer = setTimeout(() => {
      last.current = Date.now();
      reexecute({ requestPolicy: 'network-only' });
    }, wait);
    return () => clearTimeout(timer);
  }, [liveAt, reexecute]);
  // Memoised: a new chart (uPlot rebuilt) only when the buckets, the metric or the variants change, not on every live message.
  const variantKey = c.variants.map((v) => `${v.id}:${v.key}:${v.name}`).join('|');
  const chart = useMemo(
    () => (data?.campaign ? seriesByVariant(data.campaign.timeSeries, c.variants, metric) : undefined),
    // c.variants changes identity with each live message; variantKey holds what the chart uses.
    [data, metric, variantKey],
  );
  const label = METRICS.find((m) => m.value === metric)!.label;
  const hourly = interval === 'HOUR';

  return (
    <section aria-labelledby="series-title">
      <h2 id="series-title">Over time</h2>
      <div className="series-controls">
        <label htmlFor="series-interval">Interval</label>
        <select id="series-interval" value={interval} onChange={(e) => setInterval_(e.target.value as Interval)}>
          {INTERVALS.map((i) => (
            <option key={i.value} value={i.value}>{i.label}</option>
          ))}
        </select>
        <label htmlFor="series-metric">Count</label>
        <select id="series-metric" value={metric} onChange={(e) => setMetric(e.target.value as SeriesMetric)}>
          {METRICS.map((m) => (
            <option key={m.value} value={m.value}>{m.label}</option>
          ))}
        </select>
      </div>
      <ApiError error={error} />
      {chart && (
        <Chart
          title={`${label} per ${interval.toLowerCase()} and variant`}
          x={chart.x}
          series={chart.series}
          kind="bars"
          xLabel={hourly ? 'Hour starting' : 'Period starting'}
          xFormat={hourly ? hourLabel : undefined}
        />
      )}
    </section>
  );
}
