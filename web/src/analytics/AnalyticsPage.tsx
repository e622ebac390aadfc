/**
 * The Analytics section: the workspace's campaigns over the last 7 / 30 / 90 days (optionally one
 * channel): KPIs, trends by day / week / month, the best campaigns by a chosen metric, a
 * per-channel breakdown, and the contacts' value segments and cohorts. Loaded on open and on each
 * switch (the API has no subscription for workspace totals, and the house forbids polling).
 */
import { useMemo, useState } from 'react';
import { useQuery } from 'urql';
import { DashAnalyticsPortfolioDocument, DashAnalyticsTrendDocument, DashTopCampaignsDocument, type Channel, type Interval, type RankMetric } from '../generated/graphql';
import { Link } from '../shell/navigation';
import { testPath } from '../shell/routes';
import { Chart } from '../ui/Chart';
import { channelName, humanize, percent } from '../ui/format';
import { ApiError } from '../ui/ApiError';
import {
  answeredVariables,
  bucketLabel,
  campaignsLine,
  CHANNELS,
  channelRows,
  formatCount,
  formatMoney,
  formatRankValue,
  formatRoas,
  hasTestPage,
  INTERVALS,
  isEmptyPortfolio,
  kpis,
  METRICS,
  PERIODS,
  scopeText,
  trend,
  type Period,
} from './model';
import { Segments } from './Segments';
import './analytics.css';

export function AnalyticsPage({ workspaceName }: { workspaceName: string }) {
  const [days, setDays] = useState<Period>(30);
  const [channel, setChannel] = useState<Channel | null>(null);

  return (
    <section aria-labelledby="section-title" className="analytics">
      <h1 id="section-title">Analytics</h1>
      <p className="analytics-scope">
        {workspaceName}: campaigns created or active in {scopeText(days, channel)}.
      </p>
      <div className="analytics-controls">
        <div role="group" aria-label="Period" className="segmented">
          {PERIODS.map((p) => (
            <button key={p} type="button" aria-pressed={days === p} onClick={() => setDays(p)}>
              {p} days
            </button>
          ))}
        </div>
        <label htmlFor="analytics-channel">Channel</label>
        <select id="analytics-channel" value={channel ?? ''} onChange={(e) => setChannel((e.target.value || null) as Channel | null)}>
            <option value="">All channels</option>
            {CHANNELS.map((c) => (
              <option key={c.channel} value={c.channel}>
                {c.label}
              </option>
            ))}
        </select>
      </div>
      <PortfolioPanel days={days} channel={channel} />
      <TrendPanel days={days} channel={channel} />
      <TopCampaignsPanel days={days} channel={channel} />
      <Segments />
    </section>
  );
}

function PortfolioPanel({ days, channel }: { days: number; channel: Channel | null }) {
  const [{ data, error, fetching, operation }] = useQuery({ query: DashAnalyticsPortfolioDocument, variables: { days, channel } });
  // The previous period's totals stay on screen while the next load: word them by their own period.
  const shown = answeredVariables(operation, { days, channel });
  const scope = scopeText(shown.days, shown.channel ?? null);
  const rows = useMemo(() => (data ? channelRows(data) : []), [data]);
  return (
    <>
      <section aria-labelledby="kpi-title" className="analytics-panel">
        <h2 id="kpi-title">Portfolio</h2>
        <ApiError error={error} />
        {fetching && <p role="status">Loading the totals…</p>}
        {data && isEmptyPortfolio(data.portfolio) && (
          <p className="empty">No campaigns were created or active in {scope}: create and launch a campaign with the API, and its results appear here.</p>
        )}
        {data && !isEmptyPortfolio(data.portfolio) && (
          <>
            <p>{campaignsLine(data.portfolio)}</p>
            <dl className="kpis">
              {kpis(data.portfolio).map((k) => (
                <div key={k.id} className="kpi" data-kpi={k.id}>
                  <dt>{k.label}</dt>
                  <dd>
                    <span className="kpi-value">{k.value}</span>
                    <span className="kpi-hint">{k.hint}</span>
                  </dd>
                </div>
              ))}
            </dl>
          </>
        )}
      </section>
      <section aria-labelledby="channels-title" className="analytics-panel">
        <h2 id="channels-title">Channels</h2>
        {data && rows.length === 0 && <p className="empty">No campaign on any channel in the last {shown.days} days.</p>}
        {rows.length > 0 && (
          <div className="table-wrap">
            <table className="channels">
              <caption>Per channel over the last {shown.days} days (every channel, whatever the filter above)</caption>
              <thead>
                <tr>
                  <th scope="col">Channel</th>
                  <th scope="col">Campaigns</th>
                  <th scope="col">Sent</th>
                  <th scope="col">Conversions</th>
                  <th scope="col">Conversion rate</th>
                  <th scope="col">Revenue</th>
                  <th scope="col">Cost</th>
                  <th scope="col">ROAS</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.channel} data-channel={r.channel}>
                    <th scope="row" data-label="Channel">{r.label}</th>
                    <td data-label="Campaigns">{r.campaigns}</td>
                    <td data-label="Sent">{formatCount(r.sent)}</td>
                    <td data-label="Conversions">{formatCount(r.converted)}</td>
                    <td data-label="Conversion rate">{percent(r.conversionRate)}</td>
                    <td data-label="Revenue">{formatMoney(r.revenue)}</td>
                    <td data-label="Cost">{formatMoney(r.cost)}</td>
                    <td data-label="ROAS">{formatRoas(r.roas)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

function TrendPanel({ days, channel }: { days: number; channel: Channel | null }) {
  const [interval, setBucketInterval] = useState<Interval>('DAY');
  const [{ data, error, fetching, operation }] = useQuery({ query: DashAnalyticsTrendDocument, variables: { days, interval, channel } });
  // urql keeps the previous result while the next loads: label the buckets by the interval they have,
  // and the empty message by the period it covers.
  const answered = answeredVariables(operation, { days, interval, channel });
  const shown = answered.interval;
  const timeZone = data?.viewer.workspace.timezone;
  const series = useMemo(() => trend(data?.portfolioTimeSeries ?? []), [data]);
  const xFormat = useMemo(() => (x: number) => bucketLabel(x, shown, timeZone), [shown, timeZone]);
  const counts = useMemo(
    () => [
      { label: 'Sent', values: series.sent, format: formatCount },
      { label: 'Conversions', values: series.converted, format: formatCount },
    ],
    [series],
  );
  // Separate charts: one y axis each, so amounts, counts and rates never share a scale.
  const money = useMemo(() => [{ label: 'Revenue', values: series.revenue, format: formatMoney }], [series]);
  const rates = useMemo(
    () => [{ label: 'Conversion rate (%)', values: series.conversionRate.map((r) => (r === null ? null : r * 100)), format: (v: number) => `${v.toFixed(1)} %` }],
    [series],
  );
  const xLabel = INTERVALS.find((i) => i.interval === shown)!.label;
  const unit = xLabel.toLowerCase();
  return (
    <section aria-labelledby="trend-title" className="analytics-panel">
      <h2 id="trend-title">Trends</h2>
      <div role="group" aria-label="Trend interval" className="segmented">
        {INTERVALS.map((i) => (
          <button key={i.interval} type="button" aria-pressed={interval === i.interval} onClick={() => setBucketInterval(i.interval)}>
            By {i.label.toLowerCase()}
          </button>
        ))}
      </div>
      <ApiError error={error} />
      {fetching && <p role="status">Loading the trend…</p>}
      {data && !series.active && <p className="empty">Nothing was sent or converted in the last {answered.days} days.</p>}
      {data && series.active && (
        <div className="trend-charts" data-interval={shown}>
          <Chart title={`Sent and conversions per ${unit}`} x={series.x} series={counts} xLabel={xLabel} xFormat={xFormat} />
          <Chart title={`Revenue per ${unit}`} x={series.x} series={money} kind="bars" xLabel={xLabel} xFormat={xFormat} />
          <Chart title={`Conversion rate per ${unit} (conversions / sent; empty without sends)`} x={series.x} series={rates} xLabel={xLabel} xFormat={xFormat} />
        </div>
      )}
    </section>
  );
}

function TopCampaignsPanel({ days, channel }: { days: number; channel: Channel | null }) {
  const [metric, setMetric] = useState<RankMetric>('REVENUE');
  const [{ data, error, fetching, operation }] = useQuery({ query: DashTopCampaignsDocument, variables: { days, channel, metric } });
  // urql keeps the previous ranking while the next loads: read and label its values by the metric
  // and period they were ranked by (a revenue of 37.50 is not a conversion rate of 3,750 %).
  const answered = answeredVariables(operation, { days, channel, metric });
  const shown = answered.metric;
  const shownDays = answered.days;
  const label = METRICS.find((m) => m.metric === shown)!.label;
  return (
    <section aria-labelledby="top-title" className="analytics-panel">
      <h2 id="top-title">Top campaigns</h2>
      <label>
        Rank by{' '}
        <select value={metric} onChange={(e) => setMetric(e.target.value as RankMetric)}>
          {METRICS.map((m) => (
            <option key={m.metric} value={m.metric}>
              {m.label}
            </option>
          ))}
        </select>
      </label>
      <ApiError error={error} />
      {fetching && <p role="status">Loading the ranking…</p>}
      {data && data.topCampaigns.length === 0 && <p className="empty">No campaign has a {label.toLowerCase()} in the last {shownDays} days (it needs sends, or a cost for ROAS and ROI).</p>}
      {data && data.topCampaigns.length > 0 && (
        <div className="table-wrap">
          <table className="top-campaigns">
            <caption>
              Best {data.topCampaigns.length} by {label.toLowerCase()} over the last {shownDays} days
            </caption>
            <thead>
              <tr>
                <th scope="col">Rank</th>
                <th scope="col">Campaign</th>
                <th scope="col">Type</th>
                <th scope="col">Channel</th>
                <th scope="col">Status</th>
                <th scope="col">{label}</th>
              </tr>
            </thead>
            <tbody>
              {data.topCampaigns.map((r, i) => (
                <tr key={r.campaign.id} data-campaign-id={r.campaign.id}>
                  <td data-label="Rank">{i + 1}</td>
                  <th scope="row" data-label="Campaign">
                    {hasTestPage(r.campaign.type) ? <Link href={testPath(r.campaign.id)}>{r.campaign.name}</Link> : r.campaign.name}
                  </th>
                  <td data-label="Type">{humanize(r.campaign.type)}</td>
                  <td data-label="Channel">{channelName(r.campaign.channel)}</td>
                  <td data-label="Status">{humanize(r.campaign.status)}</td>
                  <td data-label={label} className="rank-value">
                    {formatRankValue(shown, r.value)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
