/** Recommendations grouped by type, one-click apply, and refreshing a campaign's recommendations. */
import { useEffect, useRef, useState } from 'react';
import { useClient, useMutation } from 'urql';
import {
  DashApplyRecommendationDocument,
  DashGenerateRecommendationsDocument,
  DashOptimisableCampaignDocument,
  type DashOptimisableCampaignFragment,
} from '../generated/graphql';
import { describeError, humanize } from '../ui/format';
import { ApiError } from '../ui/ApiError';
import { describeChanges, formatConfidence, formatImpact, rowState, type RecommendationGroup, type RecommendationRow } from './model';

interface GroupsProps {
  groups: RecommendationGroup[];
  campaigns: readonly DashOptimisableCampaignFragment[];
  writer: boolean;
  onApplied(): void;
}

export function RecommendationGroups({ groups, campaigns, writer, onApplied }: GroupsProps) {
  const byId = new Map(campaigns.map((c) => [c.id, c]));
  return (
    <>
      {groups.map((g) => (
        <section key={g.type} aria-labelledby={`recs-${g.type}`} className="rec-group">
          <h3 id={`recs-${g.type}`}>
            {g.heading} <span className="count">({g.rows.length})</span>
          </h3>
          <p className="hint">{g.applies}</p>
          <ul className="recs">
            {g.rows.map((r) => (
              <RecommendationCard key={r.id} r={r} campaign={byId.get(r.campaignId ?? '')} writer={writer} onApplied={onApplied} />
            ))}
          </ul>
        </section>
      ))}
    </>
  );
}

interface CardProps {
  r: RecommendationRow;
  campaign: DashOptimisableCampaignFragment | undefined;
  writer: boolean;
  onApplied(): void;
}

function RecommendationCard({ r, campaign, writer, onApplied }: CardProps) {
  const client = useClient();
  const [, apply] = useMutation(DashApplyRecommendationDocument);
  const [local, setLocal] = useState<'applying' | 'failed' | 'applied' | undefined>();
  // The mutation's appliedAt: shown until the reloaded list carries it.
  const [appliedAt, setAppliedAt] = useState<string | null>(null);
  const [message, setMessage] = useState<string>();
  const [changes, setChanges] = useState<string[]>();
  const state = rowState(r, local);
  const appliedRef = useRef<HTMLParagraphElement>(null);
  const focusApplied = useRef(false);

  // The Apply button that had focus is gone once applied: focus goes to the text that replaced it.
  useEffect(() => {
    if (state === 'applied' && focusApplied.current) {
      focusApplied.current = false;
      appliedRef.current?.focus();
    }
  }, [state]);

  const onApply = async () => {
    const before = campaign;
    setLocal('applying');
    setMessage(undefined);
    const result = await apply({ id: r.id });
    if (result.error) {
      setLocal('failed');
      setMessage(describeError(result.error));
      return;
    }
    setAppliedAt(result.data?.applyRecommendation.appliedAt ?? null);
    focusApplied.current = true;
    setLocal('applied');
    // What applying changed, read back from the API rather than assumed from the recommendation.
    const after = await client.query(DashOptimisableCampaignDocument, { id: r.campaignId ?? '' }, { requestPolicy: 'network-only' }).toPromise();
    if (after.error) setMessage(`Applied, but the campaign could not be read back: ${describeError(after.error)}`);
    else if (before && after.data?.campaign) setChanges(describeChanges(before, after.data.campaign));
    onApplied();
  };

  const titleId = `rec-${r.id}`;
  return (
    <li className={`rec card rec-${state}`} data-recommendation-id={r.id}>
      <p id={titleId} className="rec-title">
        {r.title}
      </p>
      <dl className="rec-facts">
        <div>
          <dt>Campaign</dt>
          <dd>
            {r.campaignName} <span className="muted">({humanize(r.campaignStatus)})</span>
          </dd>
        </div>
        <div>
          <dt>Current</dt>
          <dd>{r.currentValue ?? '—'}</dd>
        </div>
        <div>
          <dt>Recommended</dt>
          <dd>{r.recommendedValue}</dd>
        </div>
        {r.segment && (
          <div>
            <dt>Segment</dt>
            <dd>{r.segment}</dd>
          </div>
        )}
        <div>
          <dt>Expected impact</dt>
          <dd className="rec-impact">{formatImpact(r.type, r.expectedImpact)}</dd>
        </div>
        <div>
          <dt>Confidence</dt>
          <dd className="rec-confidence">{formatConfidence(r.confidence)}</dd>
        </div>
      </dl>
      <p className="rec-basis">
        <span className="label">Based on:</span> {r.basis}
      </p>
      <div className="rec-actions">
        {state === 'applied' ? (
          <p role="status" className="applied" ref={appliedRef} tabIndex={-1}>
            Applied{r.appliedAt ?? appliedAt ? ` ${new Date((r.appliedAt ?? appliedAt)!).toLocaleString()}` : ''}
          </p>
        ) : writer ? (
          <button type="button" onClick={onApply} disabled={state === 'applying'} aria-describedby={titleId}>
            {state === 'applying' ? 'Applying…' : 'Apply'}
          </button>
        ) : null}
        {state === 'applying' && (
          <p role="status" className="muted">
            Applying the recommendation…
          </p>
        )}
        {state === 'failed' && message && (
          <p role="alert" className="error">
            {message}
          </p>
        )}
        {state === 'applied' && message && (
          <p role="alert" className="error">
            {message}
          </p>
        )}
      </div>
      {changes && (
        <div role="status" className="rec-changes">
          {changes.length === 0 ? (
            <p>Nothing on the campaign changed: this recommendation is advice, and applying it recorded that it was read.</p>
          ) : (
            <>
              <p>What applying changed on {r.campaignName}:</p>
              <ul>
                {changes.map((c) => (
                  <li key={c}>{c}</li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
    </li>
  );
}

interface RefreshProps {
  campaigns: readonly DashOptimisableCampaignFragment[];
  total: number;
  onRefreshed(): void;
}

/** One button per campaign: generateRecommendations replaces its unapplied recommendations now. */
export function RefreshList({ campaigns, total, onRefreshed }: RefreshProps) {
  return (
    <section aria-labelledby="refresh-title" className="refresh">
      <h3 id="refresh-title">Refresh a campaign's recommendations</h3>
      <p className="hint">
        Computes them now from the latest history; unapplied earlier ones are replaced, applied ones stay.
        {total > campaigns.length ? ` The ${campaigns.length} newest of ${total} campaigns are listed.` : ''}
      </p>
      <ul className="refresh-list">
        {campaigns.map((c) => (
          <RefreshItem key={c.id} campaign={c} onRefreshed={onRefreshed} />
        ))}
      </ul>
    </section>
  );
}

function RefreshItem({ campaign, onRefreshed }: { campaign: DashOptimisableCampaignFragment; onRefreshed(): void }) {
  const [{ fetching, error, data }, generate] = useMutation(DashGenerateRecommendationsDocument);
  const current = campaign.recommendations.filter((r) => !r.supersededAt).length;
  const onClick = async () => {
    const r = await generate({ campaignId: campaign.id });
    if (!r.error) onRefreshed();
  };
  return (
    <li data-campaign-id={campaign.id}>
      <span className="refresh-name">
        {campaign.name} <span className="muted">({humanize(campaign.status)}, {current} current)</span>
      </span>
      <button type="button" onClick={onClick} disabled={fetching} aria-label={`Refresh recommendations for ${campaign.name}`}>
        {fetching ? 'Refreshing…' : 'Refresh recommendations'}
      </button>
      {fetching && (
        <span role="status" className="muted">
          Computing…
        </span>
      )}
      {!fetching && data && (
        <span role="status" className="muted">
          {data.generateRecommendations.length === 0 ? 'Nothing to recommend for it now.' : `${data.generateRecommendations.length} computed.`}
        </span>
      )}
      <ApiError error={error} inline />
    </li>
  );
}
