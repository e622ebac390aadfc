/**
 * The A/B tests list: every AB_TEST and BANDIT campaign with its status, type, channel, leader or
 * winner and per-variant progress, live over graphql-ws (per-campaign stats, workspace-wide status
 * changes and winner declarations).
 */
import { useRef, useState } from 'react';
import { useQuery, useSubscription } from 'urql';
import {
  DashCampaignStatusChangedDocument,
  DashExperimentsDocument,
  DashWinnerDeclaredDocument,
  type DashCampaignFragment,
  type DashWinnerDeclaredSubscription,
} from '../generated/graphql';
import { useLiveCampaign } from './live';
import { Link } from '../shell/navigation';
import { channelName, humanize, percent } from '../ui/format';
import { ApiError } from '../ui/ApiError';
import { testPath } from '../shell/routes';
import { MAX_LIST_SIZE, listReloadNeeded, nextListSize, standing, totals, variantLabel } from './model';

const PAGE_SIZE = 50;
type Winner = DashWinnerDeclaredSubscription['winnerDeclared']['winner'];

export function ExperimentsPage({ workspaceName }: { workspaceName: string }) {
  const [first, setFirst] = useState(PAGE_SIZE);
  const [{ data, error, fetching }, reexecute] = useQuery({ query: DashExperimentsDocument, variables: { first } });
  const [statuses, setStatuses] = useState<Record<string, { status: DashCampaignFragment['status']; startedAt?: string | null }>>({});
  const [winners, setWinners] = useState<Record<string, Winner>>({});
  // Read by the subscription handler, which may outlive the render it was created in.
  const shown = useRef(new Set<string>());
  shown.current = new Set(data?.campaigns.nodes.map((c) => c.id));

  // Workspace-wide events: a test the list does not show yet (created elsewhere) reloads it.
  useSubscription({ query: DashCampaignStatusChangedDocument }, (_prev, event) => {
    const c = event.campaignStatusChanged;
    setStatuses((s) => ({ ...s, [c.id]: { status: c.status, startedAt: c.startedAt } }));
    if (listReloadNeeded(c, shown.current)) reexecute({ requestPolicy: 'network-only' });
    return event;
  });
  useSubscription({ query: DashWinnerDeclaredDocument }, (_prev, event) => {
    setWinners((w) => ({ ...w, [event.winnerDeclared.campaignId]: event.winnerDeclared.winner }));
    return event;
  });

  const more = nextListSize(first, PAGE_SIZE);
  const campaigns = (data?.campaigns.nodes ?? []).map((c) => ({
    ...c,
    ...(statuses[c.id] ?? {}),
    winner: winners[c.id] ?? c.winner,
  }));

  return (
    <section aria-labelledby="tests-title">
      <h1 id="tests-title">A/B tests</h1>
      <p>
        <Link href="/tests/new">New A/B test</Link>
      </p>
      <ApiError error={error} />
      {!data && fetching && <p>Loading the tests…</p>}
      {data && campaigns.length === 0 && <p>No A/B tests or bandits in {workspaceName} yet: <Link href="/tests/new">create one</Link>.</p>}
      {campaigns.length > 0 && (
        <div className="table-wrap">
          <table className="tests">
            <caption>
              A/B tests and bandits in {workspaceName}: {campaigns.length} of {data!.campaigns.totalCount}, newest first. Progress updates live.
            </caption>
            <thead>
              <tr>
                <th scope="col">Campaign</th>
                <th scope="col">Status</th>
                <th scope="col">Type</th>
                <th scope="col">Channel</th>
                <th scope="col">Leader / winner</th>
                <th scope="col">Progress (sent · converted per variant)</th>
              </tr>
            </thead>
            <tbody>
              {campaigns.map((c) => (
                <CampaignRow key={c.id} campaign={c} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data?.campaigns.pageInfo.hasNextPage && more !== undefined && (
        <button type="button" onClick={() => setFirst(more)} disabled={fetching}>
          Show {more - first} more
        </button>
      )}
      {data?.campaigns.pageInfo.hasNextPage && more === undefined && <p>The list shows the newest {MAX_LIST_SIZE} tests, the most the API returns at once.</p>}
    </section>
  );
}

function CampaignRow(props: { campaign: DashCampaignFragment }) {
  const { campaign: c } = useLiveCampaign(props.campaign);
  const lead = standing(c);
  const sum = totals(c);
  return (
    <tr data-campaign-id={c.id}>
      <th scope="row" data-label="Campaign">
        <Link href={testPath(c.id)}>{c.name}</Link>
      </th>
      <td data-label="Status">
        <span className={`status status-${c.status.toLowerCase()}`}>{humanize(c.status)}</span>
      </td>
      <td data-label="Type">{humanize(c.type)}</td>
      <td data-label="Channel">{channelName(c.channel)}</td>
      <td data-label="Leader / winner">{lead ? `${lead.kind === 'winner' ? 'Winner' : 'Leading'}: ${lead.label}${lead.manual ? ' (manual)' : ''}` : '—'}</td>
      <td data-label="Progress">
        <ul className="progress" aria-label={`${c.name}: ${sum.sent} sent, ${sum.converted} converted`}>
          {c.variants.map((v) => (
            <li key={v.id} data-variant-key={v.key}>
              <span className="variant">{variantLabel(v)}</span>{' '}
              <span className="sent">{v.stats.sent}</span> sent ·{' '}
              <span className="converted">{v.stats.converted}</span> converted ({percent(v.stats.conversionRate)})
            </li>
          ))}
        </ul>
      </td>
    </tr>
  );
}
