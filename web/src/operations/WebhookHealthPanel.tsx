/** Webhook health: one card per provider with activity in the last 24 hours, its status and numbers. */
import { useMemo } from 'react';
import { Chart, type ChartSeries } from '../ui/Chart';
import { hourLabel } from '../ui/format';
import { duration, healthReading, historySeries, overallReading, rejectedLastHour, when, type WebhookHealthEntry } from './model';

export function WebhookHealthPanel({ health }: { health: readonly WebhookHealthEntry[] }) {
  const overall = overallReading(health);
  return (
    <section aria-labelledby="ops-health-title" className="ops-block">
      <h2 id="ops-health-title">Webhook health</h2>
      <p role="status" className={`ops-reading level-${overall.level}`} data-testid="health-overall">
        {overall.text}
      </p>
      <div className="ops-cards">
        {health.map((h) => (
          <ProviderCard key={h.provider} h={h} />
        ))}
      </div>
    </section>
  );
}

function ProviderCard({ h }: { h: WebhookHealthEntry }) {
  const reading = healthReading(h);
  // Memoised: the chart redraws only when the snapshots change, not on every render of the page.
  const series = useMemo(() => historySeries(h.history, new Date()), [h.history]);
  const lines = useMemo<ChartSeries[]>(
    () => [
      { label: 'Received', values: series.received },
      { label: 'Rejected', values: series.rejected },
      { label: 'Dead letters', values: series.dead },
    ],
    [series],
  );
  const id = `ops-health-${h.provider}`;
  return (
    <article className="card ops-card" aria-labelledby={id} data-provider={h.provider}>
      <h3 id={id}>
        {h.provider} <span className={`badge level-${reading.level}`}>{h.status === 'HEALTHY' ? 'Healthy' : h.status === 'SILENT' ? 'Silent' : 'Degraded'}</span>
      </h3>
      {reading.level !== 'healthy' && h.reasons.length > 0 && (
        <ul className="ops-reasons" aria-label={`Why ${h.provider} is not healthy`}>
          {h.reasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      )}
      <dl className="facts">
        <div>
          <dt>Callbacks (last hour)</dt>
          <dd>{h.receivedLastHour}</dd>
        </div>
        <div>
          <dt>Accepted</dt>
          <dd>{h.acceptedLastHour}</dd>
        </div>
        <div>
          <dt>Duplicates</dt>
          <dd>{h.duplicateLastHour}</dd>
        </div>
        <div>
          <dt>Signature rejections</dt>
          <dd>{h.badSignatureLastHour}</dd>
        </div>
        <div>
          <dt>Malformed</dt>
          <dd>{h.malformedLastHour}</dd>
        </div>
        <div>
          <dt>Rate limited</dt>
          <dd>{h.rateLimitedLastHour}</dd>
        </div>
        <div>
          <dt>Parked for retry</dt>
          <dd>{h.retriedLastHour}</dd>
        </div>
        <div>
          <dt>Retrying now</dt>
          <dd>{h.retrying}</dd>
        </div>
        <div>
          <dt>Dead letters now</dt>
          <dd data-field="dead">{h.dead}</dd>
        </div>
        <div>
          <dt>Sent (last hour)</dt>
          <dd>{h.sentLastHour}</dd>
        </div>
        <div>
          <dt>Awaiting a callback</dt>
          <dd>{h.awaitingCallback}</dd>
        </div>
        <div>
          <dt>Lag p50 / p95</dt>
          <dd>
            {duration(h.lagP50Seconds)} / {duration(h.lagP95Seconds)}
          </dd>
        </div>
        <div>
          <dt>Last signed callback</dt>
          <dd>{when(h.lastReceivedAt)}</dd>
        </div>
      </dl>
      {h.history.length > 0 && (
        <Chart
          title={`${h.provider}: callbacks per hour, last 24 hours (${rejectedLastHour(h)} rejected in the last hour)`}
          x={series.x}
          xLabel="Hour"
          xFormat={hourLabel}
          series={lines}
          height={180}
        />
      )}
    </article>
  );
}

