/**
 * The webhook retry queue, dead letters first: filter by status, page through with the API's
 * keyset cursors, replay one row (requeueWebhookRetry) or every dead letter (requeueDeadWebhooks).
 * Both are ADMIN: a READ or WRITE key gets the API's FORBIDDEN, shown as it says it.
 */
import { useState } from 'react';
import { useMutation, useQuery, type CombinedError } from 'urql';
import {
  DashRequeueDeadWebhooksDocument,
  DashRequeueWebhookRetryDocument,
  DashWebhookRetriesDocument,
  type DashWebhookRetryFragment,
  type RetryStatus,
} from '../generated/graphql';
import { describeError } from '../ui/format';
import { ApiError } from '../ui/ApiError';
import { FIRST_PAGE, currentCursor, isForbidden, nextPage, pageNumber, payloadText, previousPage, requeueAllOutcome, requeueOutcome, when, type CursorStack } from './model';

const PAGE_SIZE = 20;
const STATUSES: { value: RetryStatus; label: string }[] = [
  { value: 'DEAD', label: 'Dead letters' },
  { value: 'PENDING', label: 'Waiting for a retry' },
  { value: 'DONE', label: 'Processed' },
];

/** A result line for one row or for "requeue all": the API's outcome or its error. */
type Outcome = ({ ok: true; text: string } | { ok: false; error: CombinedError }) & { about?: string };

export function DeadLetters({ onChanged }: { onChanged(): void }) {
  const [status, setStatus] = useState<RetryStatus>('DEAD');
  const [pages, setPages] = useState<CursorStack>(FIRST_PAGE);
  const [{ data, error, fetching }, reexecute] = useQuery({
    query: DashWebhookRetriesDocument,
    variables: { status, first: PAGE_SIZE, after: currentCursor(pages) },
  });
  const [rowOutcome, setRowOutcome] = useState<Record<string, Outcome>>({});
  const [allOutcome, setAllOutcome] = useState<Outcome | undefined>();
  const [one, requeueOne] = useMutation(DashRequeueWebhookRetryDocument);
  const [all, requeueAll] = useMutation(DashRequeueDeadWebhooksDocument);
  const reload = () => {
    reexecute({ requestPolicy: 'network-only' });
    onChanged();
  };

  const onRequeue = async (row: DashWebhookRetryFragment) => {
    const r = await requeueOne({ id: row.id });
    const about = `${row.provider}: ${payloadText(row.summary)}`;
    setRowOutcome((o) => ({ ...o, [row.id]: r.error ? { ok: false, error: r.error, about } : { ok: true, text: requeueOutcome(r.data!.requeueWebhookRetry), about } }));
    if (!r.error) reload();
  };
  const onRequeueAll = async () => {
    const r = await requeueAll({});
    setAllOutcome(r.error ? { ok: false, error: r.error } : { ok: true, text: requeueAllOutcome(r.data!.requeueDeadWebhooks) });
    if (!r.error) reload();
  };

  const rows = data?.webhookRetries.nodes ?? [];
  // Rows requeued from this list may have left the filter (DEAD → DONE): their outcome stays visible.
  const gone = Object.entries(rowOutcome).filter(([id]) => !rows.some((r) => r.id === id));

  return (
    <section aria-labelledby="ops-dead-title" className="ops-block">
      <h2 id="ops-dead-title">Dead letters and the webhook retry queue</h2>
      <p className="ops-help">
        Callbacks that could not be processed wait here and are retried with backoff; after their last attempt they are dead letters. Requeueing (an ADMIN key) replays them through the
        same pipeline; an event already recorded counts once.
      </p>
      <div className="ops-toolbar">
        <label htmlFor="ops-retry-status">Show</label>
        <select
          id="ops-retry-status"
          value={status}
          onChange={(e) => {
            setStatus(e.target.value as RetryStatus);
            setPages(FIRST_PAGE);
          }}
        >
          {STATUSES.map((s) => (
            <option key={s.value} value={s.value}>
              {s.label}
            </option>
          ))}
        </select>
        <button type="button" onClick={onRequeueAll} disabled={all.fetching}>
          {all.fetching ? 'Requeueing…' : 'Requeue all dead letters'}
        </button>
        <button type="button" onClick={() => reexecute({ requestPolicy: 'network-only' })} disabled={fetching}>
          Refresh list
        </button>
      </div>
      {allOutcome && <OutcomeLine outcome={allOutcome} testId="requeue-all-outcome" />}
      <ApiError error={error} />
      {gone.map(([id, o]) => (
        <OutcomeLine key={id} outcome={o} testId={`requeue-outcome-${id}`} withSubject />
      ))}
      {!data && fetching && <p role="status">Loading the queue…</p>}
      {data && rows.length === 0 && <p>{pageNumber(pages) === 1 ? `Nothing here: no ${STATUSES.find((s) => s.value === status)!.label.toLowerCase()}.` : 'No more rows.'}</p>}
      {rows.length > 0 && (
        <div className="table-wrap">
          <table className="ops-retries">
            <caption>
              {STATUSES.find((s) => s.value === status)!.label}, newest first: page {pageNumber(pages)}, {rows.length} row{rows.length === 1 ? '' : 's'}.
            </caption>
            <thead>
              <tr>
                <th scope="col">Received</th>
                <th scope="col">Provider</th>
                <th scope="col">Payload</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last error</th>
                <th scope="col">Next attempt</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id} data-retry-id={r.id}>
                  <th scope="row" data-label="Received">
                    {when(r.receivedAt)}
                  </th>
                  <td data-label="Provider">{r.provider}</td>
                  <td data-label="Payload">{payloadText(r.summary)}</td>
                  <td data-label="Status">{r.status}</td>
                  <td data-label="Attempts">{r.attempts}</td>
                  <td data-label="Last error">{r.lastError ?? '—'}</td>
                  <td data-label="Next attempt">{when(r.nextAttemptAt)}</td>
                  <td data-label="Action">
                    <button type="button" onClick={() => onRequeue(r)} disabled={one.fetching} aria-label={`Requeue the ${r.provider} callback ${r.summary.providerMessageId ?? r.id}`}>
                      Requeue
                    </button>
                    {rowOutcome[r.id] && <OutcomeLine outcome={rowOutcome[r.id]!} testId={`requeue-outcome-${r.id}`} />}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav className="ops-pager" aria-label="Retry queue pages">
        <button type="button" onClick={() => setPages(previousPage)} disabled={pageNumber(pages) === 1 || fetching}>
          Previous page
        </button>
        <button type="button" onClick={() => setPages((p) => nextPage(p, data?.webhookRetries.pageInfo.endCursor))} disabled={!data?.webhookRetries.pageInfo.hasNextPage || fetching}>
          Next page
        </button>
      </nav>
    </section>
  );
}

/** `withSubject`: the row is no longer listed (it left the filter), so the line says which it was. */
function OutcomeLine({ outcome, testId, withSubject }: { outcome: Outcome; testId: string; withSubject?: boolean }) {
  const subject = withSubject && outcome.about ? <span className="ops-subject">{outcome.about} </span> : null;
  if (outcome.ok)
    return (
      <p role="status" className="ops-outcome" data-testid={testId}>
        {subject}
        {outcome.text}
      </p>
    );
  return (
    <p role="alert" className="error" data-testid={testId}>
      {subject}
      {describeError(outcome.error)}
      {isForbidden(outcome.error) && <span className="ops-hint">Replaying dead letters needs an API key with the ADMIN scope: add one with “Add a key”.</span>}
    </p>
  );
}
