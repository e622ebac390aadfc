/** One test (/tests/:id): live per-variant numbers and where the test stands. */
import { useQuery } from 'urql';
import { DashCampaignDocument, type DashCampaignFragment } from '../generated/graphql';
import { useLiveCampaign } from './live';
import { Link } from '../shell/navigation';
import { describeError, humanize, percent } from '../ui/format';
import { standing, variantLabel } from './model';

export function CampaignPage({ id }: { id: string }) {
  const [{ data, error, fetching }] = useQuery({ query: DashCampaignDocument, variables: { id } });
  return (
    <section aria-labelledby="campaign-title">
      <p>
        <Link href="/tests">← All A/B tests</Link>
      </p>
      {error && (
        <>
          <h1 id="campaign-title">Test</h1>
          <p role="alert" className="error">
            {describeError(error)}
          </p>
        </>
      )}
      {!data && fetching && <h1 id="campaign-title">Loading the test…</h1>}
      {data && !data.campaign && <h1 id="campaign-title">No such test in this workspace</h1>}
      {data?.campaign && <CampaignDetail campaign={data.campaign} />}
    </section>
  );
}

function CampaignDetail(props: { campaign: DashCampaignFragment }) {
  const { campaign: c, updatedAt } = useLiveCampaign(props.campaign);
  const lead = standing(c);
  return (
    <>
      <h1 id="campaign-title">{c.name}</h1>
      <dl className="facts">
        <div><dt>Status</dt><dd>{humanize(c.status)}</dd></div>
        <div><dt>Type</dt><dd>{humanize(c.type)}</dd></div>
        <div><dt>Channel</dt><dd>{c.channel === 'SMS' ? 'SMS' : humanize(c.channel)}</dd></div>
        <div><dt>{lead?.kind === 'winner' ? 'Winner' : 'Leading'}</dt><dd>{lead ? `${lead.label}${lead.manual ? ' (manual)' : ''}` : '—'}</dd></div>
        {c.analysis?.pValue != null && <div><dt>p-value</dt><dd>{c.analysis.pValue.toPrecision(3)}</dd></div>}
      </dl>
      <div className="table-wrap">
        <table className="variants">
          <caption>Per-variant numbers{updatedAt ? `, updated live at ${new Date(updatedAt).toLocaleTimeString()}` : ''}</caption>
          <thead>
            <tr>
              <th scope="col">Variant</th>
              <th scope="col">Assigned</th>
              <th scope="col">Sent</th>
              <th scope="col">Delivered</th>
              <th scope="col">Clicked</th>
              <th scope="col">Converted</th>
              <th scope="col">Conversion rate</th>
              <th scope="col">Revenue</th>
            </tr>
          </thead>
          <tbody>
            {c.variants.map((v) => (
              <tr key={v.id} data-variant-key={v.key}>
                <th scope="row" data-label="Variant">{variantLabel(v)}{v.isControl ? ' (control)' : ''}</th>
                <td data-label="Assigned">{v.stats.assigned}</td>
                <td data-label="Sent">{v.stats.sent}</td>
                <td data-label="Delivered">{v.stats.delivered}</td>
                <td data-label="Clicked">{v.stats.clicked}</td>
                <td data-label="Converted" className="converted">{v.stats.converted}</td>
                <td data-label="Conversion rate">{percent(v.stats.conversionRate)}</td>
                <td data-label="Revenue">{v.stats.revenue.toFixed(2)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
