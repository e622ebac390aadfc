/**
 * The contacts' value segments (lifetime spend bands, as a chart and its table) and the weekly
 * cohorts (conversion in each week after the first message): workspace-wide, independent of the
 * period and channel switches (the API computes both over all contacts).
 */
import { useMemo } from 'react';
import { useQuery } from 'urql';
import { DashAnalyticsSegmentsDocument } from '../generated/graphql';
import { ApiError } from '../ui/ApiError';
import { Chart } from '../ui/Chart';
import { cohortGrid, formatCount, formatMoney } from './model';

const COHORT_WEEKS = 8;

export function Segments() {
  const [{ data, error, fetching }] = useQuery({ query: DashAnalyticsSegmentsDocument, variables: { weeks: COHORT_WEEKS } });
  const segments = data?.valueSegments ?? [];
  // The bands in order, as 0, 1, 2… on the x axis; their labels name them.
  const x = useMemo(() => segments.map((_, i) => i), [segments]);
  const series = useMemo(() => [{ label: 'Contacts', values: segments.map((s) => s.contacts), format: formatCount }], [segments]);
  const xFormat = useMemo(() => (i: number) => segments[i]?.label ?? '', [segments]);
  const grid = useMemo(() => cohortGrid(data?.cohorts ?? []), [data]);
  const anyContacts = segments.some((s) => s.contacts > 0);

  return (
    <section aria-labelledby="segments-title" className="analytics-panel">
      <h2 id="segments-title">Segments</h2>
      <p className="analytics-scope">Every contact of the workspace, whatever the period and channel above.</p>
      <ApiError error={error} />
      {fetching && <p role="status">Loading the segments…</p>}
      <h3>Contacts by lifetime value</h3>
      {data && !anyContacts && <p className="empty">No contacts yet: import some (upsertContacts) and their spend bands appear here.</p>}
      {data && anyContacts && (
        <>
          <Chart title="Contacts per lifetime-spend band" x={x} series={series} kind="bars" time={false} xLabel="Band" xFormat={xFormat} height={200} />
          <div className="table-wrap">
            <table className="value-segments">
              <caption>Lifetime-value bands: contacts, their orders and spend</caption>
              <thead>
                <tr>
                  <th scope="col">Band</th>
                  <th scope="col">Contacts</th>
                  <th scope="col">Orders</th>
                  <th scope="col">Total spend</th>
                  <th scope="col">Average spend</th>
                </tr>
              </thead>
              <tbody>
                {segments.map((s) => (
                  <tr key={s.label}>
                    <th scope="row" data-label="Band">{s.label}</th>
                    <td data-label="Contacts">{formatCount(s.contacts)}</td>
                    <td data-label="Orders">{formatCount(s.orders)}</td>
                    <td data-label="Total spend">{formatMoney(s.totalSpend)}</td>
                    <td data-label="Average spend">{s.averageSpend === null ? '—' : formatMoney(s.averageSpend)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      <h3>Weekly cohorts</h3>
      {data && grid.rows.length === 0 && <p className="empty">No contact received a first campaign message in the last {COHORT_WEEKS} weeks.</p>}
      {grid.rows.length > 0 && (
        <div className="table-wrap">
          <table className="cohorts">
            <caption>Contacts by the week of their first message: share converting (and how many) in each week after</caption>
            <thead>
              <tr>
                <th scope="col">Cohort week</th>
                <th scope="col">Contacts</th>
                {Array.from({ length: grid.columns }, (_, w) => (
                  <th scope="col" key={w}>
                    Week {w}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {grid.rows.map((r) => (
                <tr key={r.weekStart}>
                  <th scope="row" data-label="Cohort week">{new Date(r.weekStart).toLocaleDateString()}</th>
                  <td data-label="Contacts">{formatCount(r.contacts)}</td>
                  {r.cells.map((c, w) => (
                    <td key={w} data-label={`Week ${w}`}>
                      {c ?? ''}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
