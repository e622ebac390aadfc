/** The send-time preview: reachable contacts per recommended local hour on a channel (sendTimePreview). */
import { useMemo, useState } from 'react';
import { useQuery } from 'urql';
import { DashSendTimePreviewDocument, type Channel } from '../generated/graphql';
import { Chart } from '../ui/Chart';
import { channelName, percent } from '../ui/format';
import { ApiError } from '../ui/ApiError';
import { hourLabel, previewBars } from './model';

const CHANNELS: readonly Channel[] = ['SMS', 'WHATSAPP', 'EMAIL'];

export function SendTimePreviewPanel() {
  const [channel, setChannel] = useState<Channel>('SMS');
  const [{ data, error, fetching }] = useQuery({ query: DashSendTimePreviewDocument, variables: { channel } });
  const preview = data?.sendTimePreview;
  const bars = useMemo(() => (preview ? previewBars(preview) : undefined), [preview]);
  // Stable series identity: the chart rebuilds only when the numbers change.
  const series = useMemo(() => (bars ? [{ label: 'Contacts', values: bars.contacts }] : []), [bars]);
  const channelLabel = channelName(channel);

  return (
    <section aria-labelledby="send-time-title" className="send-time">
      <h2 id="send-time-title">Send-time preview</h2>
      <p className="hint">
        Every contact reachable on the channel (consent, not opted out) at its recommended local hour, learned from its history shrunk
        toward its segment's and the workspace's.
      </p>
      <div className="field">
        <label htmlFor="send-time-channel">Channel</label>
        <select id="send-time-channel" value={channel} onChange={(e) => setChannel(e.target.value as Channel)}>
          {CHANNELS.map((c) => (
            <option key={c} value={c}>
              {channelName(c)}
            </option>
          ))}
        </select>
      </div>
      <ApiError error={error} />
      {!preview && fetching && <p>Loading the preview…</p>}
      {preview && bars && (
        <>
          <dl className="facts">
            <div>
              <dt>Reachable contacts</dt>
              <dd className="preview-total">{preview.total.toLocaleString('en-US')}</dd>
            </div>
            <div>
              <dt>From their own history</dt>
              <dd className="preview-own">
                {preview.withOwnHistory.toLocaleString('en-US')}
                {bars.ownHistoryShare !== null && ` (${percent(bars.ownHistoryShare)})`}
              </dd>
            </div>
            <div>
              <dt>Busiest hour</dt>
              <dd>{bars.busiestHour === null ? '—' : hourLabel(bars.busiestHour)}</dd>
            </div>
          </dl>
          {preview.total === 0 ? (
            <p className="empty">
              No contact is reachable on {channelLabel}: import contacts with consent on it (upsertContacts or importContactsCsv); their
              hours are learned once messages and events arrive.
            </p>
          ) : (
            <>
              {preview.withOwnHistory === 0 && (
                <p className="hint">
                  No contact has enough history of its own yet (10 messages): these hours come from segment and workspace patterns, or the
                  10:00 default without any history.
                </p>
              )}
              <Chart
                title={`${channelLabel}: reachable contacts per recommended local hour`}
                x={bars.x}
                series={series}
                kind="bars"
                time={false}
                xLabel="Local hour"
                xFormat={hourLabel}
              />
            </>
          )}
        </>
      )}
    </section>
  );
}
