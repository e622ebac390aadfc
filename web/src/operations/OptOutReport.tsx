/**
 * The opt-out report for a period: total, by channel, source and keyword, the opt-outs with their
 * contacts page by page, and the same opt-outs as CSV. GET /v1/opt-outs.csv needs the Bearer key,
 * which must never enter a URL: the file is fetched with the Authorization header and saved from a
 * blob: URL (the page's CSP allows both: fetch is connect-src 'self', a download is no fetch).
 * The key is the shell's signed-in key, passed down: the shell alone reads the session.
 */
import { useEffect, useState } from 'react';
import { useQuery } from 'urql';
import { DashOptOutReportDocument } from '../generated/graphql';
import { ApiError } from '../ui/ApiError';
import {
  FIRST_PAGE,
  PERIODS,
  breakdownKey,
  contactLabel,
  currentCursor,
  nextPage,
  optOutCsvFileName,
  optOutCsvPath,
  pageNumber,
  periodLabel,
  previousPage,
  restErrorText,
  share,
  when,
  type CursorStack,
} from './model';

const PAGE_SIZE = 25;

export function OptOutReport({ apiKey }: { apiKey: string }) {
  const [days, setDays] = useState<number>(30);
  const [pages, setPages] = useState<CursorStack>(FIRST_PAGE);
  const [{ data, error, fetching }] = useQuery({ query: DashOptOutReportDocument, variables: { days, first: PAGE_SIZE, after: currentCursor(pages) } });
  const report = data?.optOutReport;

  return (
    <section aria-labelledby="ops-optout-title" className="ops-block">
      <h2 id="ops-optout-title">Opt-out report</h2>
      <div className="ops-toolbar">
        <label htmlFor="ops-optout-period">Period</label>
        <select
          id="ops-optout-period"
          value={days}
          onChange={(e) => {
            setDays(Number(e.target.value));
            setPages(FIRST_PAGE);
          }}
        >
          {PERIODS.map((d) => (
            <option key={d} value={d}>
              {periodLabel(d)}
            </option>
          ))}
        </select>
        <CsvDownload days={days} apiKey={apiKey} />
      </div>
      <ApiError error={error} />
      {!data && fetching && <p role="status">Loading the opt-out report…</p>}
      {report && (
        <>
          <p className="ops-total">
            <span data-testid="optout-total">{report.total}</span> opt-out{report.total === 1 ? '' : 's'} in the {periodLabel(days).toLowerCase()}.
          </p>
          <div className="ops-breakdowns">
            <Breakdown title="By channel" dimension="channel" rows={report.byChannel} total={report.total} />
            <Breakdown title="By source" dimension="source" rows={report.bySource} total={report.total} />
            <Breakdown title="By keyword" dimension="keyword" rows={report.byKeyword} total={report.total} />
          </div>
          {report.contacts.nodes.length > 0 && (
            <div className="table-wrap">
              <table className="ops-optouts">
                <caption>
                  Opt-outs, newest first: page {pageNumber(pages)}, {report.contacts.nodes.length} row{report.contacts.nodes.length === 1 ? '' : 's'}.
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Contact</th>
                    <th scope="col">When</th>
                    <th scope="col">Channel</th>
                    <th scope="col">Source</th>
                    <th scope="col">Keyword</th>
                  </tr>
                </thead>
                <tbody>
                  {report.contacts.nodes.map((n) => (
                    <tr key={`${n.contact.id}:${n.at}:${n.channel ?? 'ALL'}`} data-contact-id={n.contact.id}>
                      <th scope="row" data-label="Contact">
                        {contactLabel(n.contact)}
                      </th>
                      <td data-label="When">{when(n.at)}</td>
                      <td data-label="Channel">{breakdownKey('channel', n.channel ?? 'ALL')}</td>
                      <td data-label="Source">{n.source ?? '—'}</td>
                      <td data-label="Keyword">{breakdownKey('keyword', n.keyword ?? '(none)')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <nav className="ops-pager" aria-label="Opt-out pages">
            <button type="button" onClick={() => setPages(previousPage)} disabled={pageNumber(pages) === 1 || fetching}>
              Previous page
            </button>
            <button type="button" onClick={() => setPages((p) => nextPage(p, report.contacts.pageInfo.endCursor))} disabled={!report.contacts.pageInfo.hasNextPage || fetching}>
              Next page
            </button>
          </nav>
        </>
      )}
    </section>
  );
}

function Breakdown(props: { title: string; dimension: 'channel' | 'source' | 'keyword'; rows: readonly { key: string; count: number }[]; total: number }) {
  return (
    <table className="ops-breakdown" data-dimension={props.dimension}>
      <caption>{props.title}</caption>
      <thead>
        <tr>
          <th scope="col">{props.dimension.charAt(0).toUpperCase() + props.dimension.slice(1)}</th>
          <th scope="col">Opt-outs</th>
          <th scope="col">Share</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.length === 0 && (
          <tr>
            <td colSpan={3}>None</td>
          </tr>
        )}
        {props.rows.map((r) => (
          <tr key={r.key} data-key={r.key}>
            <th scope="row" data-label={props.dimension}>
              {breakdownKey(props.dimension, r.key)}
            </th>
            <td data-label="Opt-outs">{r.count}</td>
            <td data-label="Share">{share(r.count, props.total)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function CsvDownload({ days, apiKey }: { days: number; apiKey: string }) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();
  const [done, setDone] = useState<string | undefined>();

  // The last download's outcome was about the previous period: not shown beside the new one.
  useEffect(() => {
    setProblem(undefined);
    setDone(undefined);
  }, [days]);

  const download = async () => {
    setBusy(true);
    setProblem(undefined);
    setDone(undefined);
    try {
      const res = await fetch(optOutCsvPath(days), { headers: { authorization: `Bearer ${apiKey}` } });
      if (!res.ok) {
        setProblem(restErrorText(res.status, await res.json().catch(() => null)));
        return;
      }
      const url = URL.createObjectURL(await res.blob());
      const name = optOutCsvFileName(days, new Date());
      const a = document.createElement('a');
      a.href = url;
      a.download = name;
      document.body.append(a);
      a.click();
      a.remove();
      // The browser has taken the file once the click is handled; free the blob a second later.
      setTimeout(() => URL.revokeObjectURL(url), 1000);
      // Handed to the browser, which may still ask where to save it or refuse: not "saved".
      setDone(`Download started: ${name}`);
    } catch (e) {
      setProblem(`The server could not be reached: ${(e as Error).message}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <button type="button" onClick={download} disabled={busy}>
        {busy ? 'Preparing the CSV…' : 'Download as CSV'}
      </button>
      {problem && (
        <p role="alert" className="error">
          {problem}
        </p>
      )}
      {done && <p role="status">{done}</p>}
    </>
  );
}
