/** The workspace's alerts (one per condition until it clears), open ones or all, newest first. */
import { useState } from 'react';
import { useQuery } from 'urql';
import { DashAlertsDocument } from '../generated/graphql';
import { humanize } from '../ui/format';
import { ApiError } from '../ui/ApiError';
import { when } from './model';

export function AlertsPanel() {
  const [openOnly, setOpenOnly] = useState(true);
  const [{ data, error, fetching }, reexecute] = useQuery({ query: DashAlertsDocument, variables: { open: openOnly ? true : null } });
  const alerts = data?.alerts ?? [];
  return (
    <section aria-labelledby="ops-alerts-title" className="ops-block">
      <h2 id="ops-alerts-title">Alerts</h2>
      <div className="ops-toolbar">
        <input id="ops-alerts-open" type="checkbox" checked={openOnly} onChange={(e) => setOpenOnly(e.target.checked)} />
        <label htmlFor="ops-alerts-open">Only alerts not cleared yet</label>
        <button type="button" onClick={() => reexecute({ requestPolicy: 'network-only' })} disabled={fetching}>
          Refresh alerts
        </button>
      </div>
      <ApiError error={error} />
      {!data && fetching && <p role="status">Loading alerts…</p>}
      {data && alerts.length === 0 && <p>{openOnly ? 'No open alert.' : 'No alert raised yet.'}</p>}
      {alerts.length > 0 && (
        <div className="table-wrap">
          <table className="ops-alerts">
            <caption>{openOnly ? 'Open alerts' : 'Alerts'}, newest first, with their notifications.</caption>
            <thead>
              <tr>
                <th scope="col">Alert</th>
                <th scope="col">Kind</th>
                <th scope="col">State</th>
                <th scope="col">Raised</th>
                <th scope="col">Cleared</th>
                <th scope="col">Notifications</th>
              </tr>
            </thead>
            <tbody>
              {alerts.map((a) => (
                <tr key={a.id}>
                  <th scope="row" data-label="Alert">
                    {a.summary}
                  </th>
                  <td data-label="Kind">{humanize(a.kind)}</td>
                  <td data-label="State">
                    <span className={`badge alert-${a.state.toLowerCase()}`}>{a.state === 'RAISED' ? 'Raised' : 'Cleared'}</span>
                  </td>
                  <td data-label="Raised">{when(a.raisedAt)}</td>
                  <td data-label="Cleared">{when(a.clearedAt)}</td>
                  <td data-label="Notifications">
                    {a.deliveries.length === 0
                      ? 'None (no alert destination set)'
                      : a.deliveries.map((d) => `${d.channel} ${d.state.toLowerCase()}: ${d.status.toLowerCase()} after ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}${d.lastError ? ` (${d.lastError})` : ''}`).join('; ')}
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
