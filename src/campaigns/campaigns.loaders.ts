/**
 * The campaigns feature's request-scoped dataloaders (one query per list, workspace-scoped). Rows
 * are plain read-only objects (graphql/plain-rows.ts): resolvers read them, nothing writes them back.
 */
import DataLoader from 'dataloader';
import type { RequestScope } from '../graphql/context';
import { selectPlain, uuidArray } from '../graphql/plain-rows';
import { Variant } from './variant.entity';
import { TemplateVersion } from './template-version.entity';

export function campaignsLoaders({ em, workspaceId }: RequestScope) {
  return {
    variantsByCampaignId: new DataLoader<string, Variant[]>(async (campaignIds) => {
      const rows = await selectPlain(em, Variant, 'where workspace_id = ? and campaign_id = any(?::uuid[]) order by position', [workspaceId, uuidArray(campaignIds)]);
      const grouped = new Map<string, Variant[]>(campaignIds.map((id) => [id, []]));
      for (const v of rows) grouped.get(v.campaignId)?.push(v);
      return campaignIds.map((id) => grouped.get(id)!);
    }),
    templateVersionsByTemplateId: new DataLoader<string, TemplateVersion[]>(async (templateIds) => {
      const rows = await selectPlain(em, TemplateVersion, 'where workspace_id = ? and template_id = any(?::uuid[]) order by version desc', [workspaceId, uuidArray(templateIds)]);
      const grouped = new Map<string, TemplateVersion[]>(templateIds.map((id) => [id, []]));
      for (const v of rows) grouped.get(v.templateId)?.push(v);
      return templateIds.map((id) => grouped.get(id)!);
    }),
  };
}
