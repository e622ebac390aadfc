/** The campaigns feature's request-scoped dataloaders (one query per list, workspace-scoped). */
import DataLoader from 'dataloader';
import type { RequestScope } from '../graphql/context';
import { Variant } from './variant.entity';

export function campaignsLoaders({ em, workspaceId }: RequestScope) {
  return {
    variantsByCampaignId: new DataLoader<string, Variant[]>(async (campaignIds) => {
      const rows = await em.find(Variant, { campaignId: { $in: [...campaignIds] }, workspaceId }, { orderBy: { position: 'asc' } });
      const grouped = new Map<string, Variant[]>(campaignIds.map((id) => [id, []]));
      for (const v of rows) grouped.get(v.campaignId)?.push(v);
      return campaignIds.map((id) => grouped.get(id)!);
    }),
  };
}
