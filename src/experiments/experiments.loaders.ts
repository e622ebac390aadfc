/** The experiments feature's request-scoped dataloaders: current winner and history, per campaign. */
import DataLoader from 'dataloader';
import type { RequestScope } from '../graphql/context';
import { Winner } from './winner.entity';

export function experimentsLoaders({ em, workspaceId }: RequestScope) {
  return {
    winnerByCampaignId: new DataLoader<string, Winner | undefined>(async (campaignIds) => {
      const rows = await em.find(Winner, { campaignId: { $in: [...campaignIds] }, workspaceId, supersededAt: null });
      const byCampaign = new Map(rows.map((w) => [w.campaignId, w]));
      return campaignIds.map((id) => byCampaign.get(id));
    }),
    winnerHistoryByCampaignId: new DataLoader<string, Winner[]>(async (campaignIds) => {
      const rows = await em.find(Winner, { campaignId: { $in: [...campaignIds] }, workspaceId }, { orderBy: { decidedAt: 'desc', id: 'desc' } });
      return campaignIds.map((id) => rows.filter((w) => w.campaignId === id));
    }),
  };
}
