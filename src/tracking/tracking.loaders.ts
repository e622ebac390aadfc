/** The tracking feature's request-scoped dataloaders: per-variant counters, one query per list. */
import DataLoader from 'dataloader';
import type { RequestScope } from '../graphql/context';
import { loadCounters, type CounterRow } from './variant-stats';

export function trackingLoaders({ em, workspaceId }: RequestScope) {
  return {
    /** variant_counters rows (undefined: nothing counted yet). */
    countersByVariantId: new DataLoader<string, CounterRow | undefined>(async (variantIds) => {
      const rows = await loadCounters(em, variantIds);
      return variantIds.map((id) => (rows.get(id)?.workspace_id === workspaceId ? rows.get(id) : undefined));
    }),
  };
}
