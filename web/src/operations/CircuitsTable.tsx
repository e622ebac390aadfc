/** Provider circuits: per channel the workspace sends on, its provider account and circuit breaker. */
import { channelName } from '../ui/format';
import { circuitText, sortCircuits, when, type ProviderHealthEntry } from './model';

export function CircuitsTable({ circuits }: { circuits: readonly ProviderHealthEntry[] }) {
  const rows = sortCircuits(circuits);
  return (
    <section aria-labelledby="ops-circuits-title" className="ops-block">
      <h2 id="ops-circuits-title">Provider circuits</h2>
      {rows.length === 0 ? (
        <p>No channel configured to send on.</p>
      ) : (
        <div className="table-wrap">
          <table className="ops-circuits">
            <caption>Each channel's provider account and its circuit breaker; open circuits first.</caption>
            <thead>
              <tr>
                <th scope="col">Channel</th>
                <th scope="col">Provider</th>
                <th scope="col">Account</th>
                <th scope="col">Circuit</th>
                <th scope="col">Recent failures</th>
                <th scope="col">Last error</th>
                <th scope="col">Open since</th>
                <th scope="col">Next probe</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((p) => (
                <tr key={`${p.channel}:${p.account}`} data-channel={p.channel}>
                  <th scope="row" data-label="Channel">
                    {channelName(p.channel)}
                  </th>
                  <td data-label="Provider">{p.provider}</td>
                  <td data-label="Account" className="ops-mono">
                    {p.account}
                  </td>
                  <td data-label="Circuit">
                    <span className={`badge circuit-${p.circuit.toLowerCase()}`}>{circuitText(p)}</span>
                  </td>
                  <td data-label="Recent failures">{p.recentFailures}</td>
                  <td data-label="Last error">{p.lastError ?? '—'}</td>
                  <td data-label="Open since">{when(p.openedAt)}</td>
                  <td data-label="Next probe">{when(p.retryAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
