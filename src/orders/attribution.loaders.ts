/** Request-scoped dataloaders: a page of campaigns costs one statement per field and arguments, not one per campaign. */
import DataLoader from 'dataloader';
import type { RequestScope } from '../graphql/context';
import type { AttributionModel } from './attribution';
import { AttributionService } from './attribution.service';
import type { TimeToConversionValue } from './time-to-conversion';

export function attributionLoaders({ em, app, workspaceId }: RequestScope) {
  const service = new AttributionService(em, app.sql, workspaceId);
  const revenue = new Map<string, DataLoader<string, number>>();
  const timing = new Map<number, DataLoader<string, TimeToConversionValue>>();
  return {
    /** Campaign.attributedRevenue: one loader per (model, windowDays). */
    attributedRevenue(model: AttributionModel, windowDays: number): DataLoader<string, number> {
      const key = `${model}/${windowDays}`;
      let loader = revenue.get(key);
      if (!loader) {
        loader = new DataLoader(async (ids) => {
          const byCampaign = await service.attributedRevenue(ids, model, windowDays);
          return ids.map((id) => byCampaign.get(id) ?? 0);
        });
        revenue.set(key, loader);
      }
      return loader;
    },
    /** Campaign.timeToConversion: one loader per windowDays. */
    timeToConversion(windowDays: number): DataLoader<string, TimeToConversionValue> {
      let loader = timing.get(windowDays);
      if (!loader) {
        loader = new DataLoader(async (ids) => {
          const byCampaign = await service.timeToConversion(ids, windowDays);
          return ids.map((id) => byCampaign.get(id)!);
        });
        timing.set(windowDays, loader);
      }
      return loader;
    },
  };
}
