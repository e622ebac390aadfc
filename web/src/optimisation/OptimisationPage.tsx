/**
 * The Optimisation section: the recommendations of every campaign that can still change, grouped by
 * type with their basis and confidence, applied in one click; the send-time preview chart; the
 * conversion models with their holdout metrics. Loaded on open and on the user's actions (the API
 * has no subscription for these).
 */
import { useQuery } from 'urql';
import { DashOptimisationDocument } from '../generated/graphql';
import { ApiError } from '../ui/ApiError';
import { canWrite, groupRecommendations } from './model';
import { RecommendationGroups, RefreshList } from './Recommendations';
import { SendTimePreviewPanel } from './SendTimePreview';
import { ModelsPanel } from './Models';
import './optimisation.css';

const CAMPAIGNS = 100;

export function OptimisationPage({ workspaceName }: { workspaceName: string }) {
  const [{ data, error, fetching }, reexecute] = useQuery({ query: DashOptimisationDocument, variables: { first: CAMPAIGNS } });
  const writer = canWrite(data?.viewer.scopes ?? []);
  const campaigns = data?.campaigns.nodes ?? [];
  const groups = groupRecommendations(campaigns);
  const reload = () => reexecute({ requestPolicy: 'network-only' });

  return (
    <section aria-labelledby="section-title" className="optimisation">
      <h1 id="section-title">Optimisation</h1>

      <section aria-labelledby="recs-title">
        <h2 id="recs-title">Recommendations</h2>
        <p className="hint">
          Learned from {workspaceName}'s own history for draft, scheduled, running and paused campaigns. Each says what it rests on and how
          sure it is; a new generation is computed daily at 05:00 UTC.
          {!data || writer ? '' : ' This key can read only: applying and refreshing need a WRITE key.'}
        </p>
        <ApiError error={error} />
        {!data && fetching && <p role="status">Loading the recommendations…</p>}
        {data && campaigns.length === 0 && (
          <p className="empty">No draft, scheduled or running campaign in {workspaceName}: create one (createCampaign) and its recommendations appear here.</p>
        )}
        {data && campaigns.length > 0 && groups.length === 0 && (
          <p className="empty">
            No recommendations yet for these campaigns.{' '}
            {writer ? 'Compute them now with "Refresh recommendations" below.' : 'A WRITE key can compute them now; otherwise they come with the daily job.'}
          </p>
        )}
        {groups.length > 0 && <RecommendationGroups groups={groups} campaigns={campaigns} writer={writer} onApplied={reload} />}
        {writer && campaigns.length > 0 && (
          <RefreshList campaigns={campaigns} total={data!.campaigns.totalCount} onRefreshed={reload} />
        )}
      </section>

      <SendTimePreviewPanel />
      <ModelsPanel writer={writer} />
    </section>
  );
}
