/** The contacts feature's request-scoped dataloaders (one query per list, workspace-scoped). */
import DataLoader from 'dataloader';
import type { RequestScope } from '../graphql/context';
import { Contact } from './contact.entity';

export function contactsLoaders({ em, workspaceId }: RequestScope) {
  return {
    contactById: new DataLoader<string, Contact | undefined>(async (ids) => {
      const rows = await em.find(Contact, { id: { $in: [...ids] }, workspaceId });
      const byId = new Map(rows.map((c) => [c.id, c]));
      return ids.map((id) => byId.get(id));
    }),
  };
}
