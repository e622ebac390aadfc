/** The operations feature's dataloaders: every provider's history in one statement per distinct `hours`. */
import DataLoader from 'dataloader';
import type { RequestScope } from '../graphql/context';
import { webhookHealthHistory, type WebhookHealthSnapshot } from './webhook-health';

export function operationsLoaders({ app, workspaceId }: RequestScope) {
  return {
    /** Key `<hours>|<provider>`. */
    webhookHealthHistory: new DataLoader<string, WebhookHealthSnapshot[]>(async (keys) => {
      const byHours = new Map<number, string[]>();
      for (const k of keys) {
        const bar = k.indexOf('|');
        const hours = Number(k.slice(0, bar));
        byHours.set(hours, [...(byHours.get(hours) ?? []), k.slice(bar + 1)]);
      }
      const found = new Map<string, WebhookHealthSnapshot[]>();
      for (const [hours, providers] of byHours) {
        for (const [provider, rows] of await webhookHealthHistory(app.sql, workspaceId, providers, hours)) found.set(`${hours}|${provider}`, rows);
      }
      return keys.map((k) => found.get(k) ?? []);
    }),
  };
}
