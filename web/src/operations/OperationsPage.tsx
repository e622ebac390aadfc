/**
 * The Operations section: is delivery working? Webhook health per provider and the provider
 * circuits, the webhook dead letters (requeue one or all: ADMIN), the workspace's alerts and the
 * opt-out report with its CSV. Loaded on open and on the user's "Refresh" (the API has no
 * subscription for these), never polled.
 */
import { useQuery } from 'urql';
import { DashOperationsHealthDocument } from '../generated/graphql';
import { ApiError } from '../ui/ApiError';
import { AlertsPanel } from './AlertsPanel';
import { CircuitsTable } from './CircuitsTable';
import { DeadLetters } from './DeadLetters';
import { OptOutReport } from './OptOutReport';
import { WebhookHealthPanel } from './WebhookHealthPanel';
import './operations.css';

export function OperationsPage({ workspaceName, apiKey }: { workspaceName: string; apiKey: string }) {
  const [{ data, error, fetching }, reexecute] = useQuery({ query: DashOperationsHealthDocument });
  const refreshHealth = () => reexecute({ requestPolicy: 'network-only' });

  return (
    <section aria-labelledby="section-title" className="operations">
      <h1 id="section-title">Operations</h1>
      <p className="ops-intro">
        Delivery in {workspaceName}: webhook callbacks, dead letters, provider circuits, alerts and opt-outs.{' '}
        <button type="button" onClick={refreshHealth} disabled={fetching}>
          {fetching ? 'Refreshing…' : 'Refresh health and circuits'}
        </button>
      </p>
      <ApiError error={error} />
      {!data && fetching && <p role="status">Loading webhook health…</p>}
      {data && <WebhookHealthPanel health={data.webhookHealth} />}
      {data && <CircuitsTable circuits={data.providerHealth} />}
      <DeadLetters onChanged={refreshHealth} />
      <AlertsPanel />
      <OptOutReport apiKey={apiKey} />
    </section>
  );
}
