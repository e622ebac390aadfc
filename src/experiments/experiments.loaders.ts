/** The experiments feature's request-scoped dataloaders: current winner and history, per campaign (plain read-only rows). */
import DataLoader from 'dataloader';
import type { RequestScope } from '../graphql/context';
import { selectPlain, uuidArray } from '../graphql/plain-rows';
import { Winner } from './winner.entity';

export function experimentsLoaders({ em, workspaceId }: RequestScope) {
  return {
    winnerByCampaignId: new DataLoader<string, Winner | undefined>(async (campaignIds) => {
      const rows = await selectPlain(em, Winner, 'where workspace_id = ? and campaign_id = any(?::uuid[]) and superseded_at is null', [workspaceId, uuidArray(campaignIds)]);
      const byCampaign = new Map(rows.map((w) => [w.campaignId, w]));
      return campaignIds.map((id) => byCampaign.get(id));
    }),
    winnerHistoryByCampaignId: new DataLoader<string, Winner[]>(async (campaignIds) => {
      const rows = await selectPlain(em, Winner, 'where workspace_id = ? and campaign_id = any(?::uuid[]) order by decided_at desc, id desc', [workspaceId, uuidArray(campaignIds)]);
      return campaignIds.map((id) => rows.filter((w) => w.campaignId === id));
    }),
  };
}
