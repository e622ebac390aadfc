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
  const versions = new Map<number, DataLoader<string, TemplateVersion[]>>();
  return {
    variantsByCampaignId: new DataLoader<string, Variant[]>(async (campaignIds) => {
      const rows = await selectPlain(em, Variant, 'where workspace_id = ? and campaign_id = any(?::uuid[]) order by position', [workspaceId, uuidArray(campaignIds)]);
      const grouped = new Map<string, Variant[]>(campaignIds.map((id) => [id, []]));
      for (const v of rows) grouped.get(v.campaignId)?.push(v);
      return campaignIds.map((id) => grouped.get(id)!);
    }),
    /** The newest `first` versions of each template, newest first (one query per list of templates). */
    templateVersions(first: number): DataLoader<string, TemplateVersion[]> {
      let loader = versions.get(first);
      if (!loader) {
        loader = new DataLoader<string, TemplateVersion[]>(async (templateIds) => {
          if (first === 0) return templateIds.map(() => []);
          const rows = await selectPlain(
            em,
            TemplateVersion,
            `where workspace_id = ? and (template_id, version) in (
               select template_id, version from (
                 select template_id, version, row_number() over (partition by template_id order by version desc) as rn
                 from template_versions where workspace_id = ? and template_id = any(?::uuid[])
               ) r where rn <= ?)
             order by version desc`,
            [workspaceId, workspaceId, uuidArray(templateIds), first],
          );
          const grouped = new Map<string, TemplateVersion[]>(templateIds.map((id) => [id, []]));
          for (const v of rows) grouped.get(v.templateId)?.push(v);
          return templateIds.map((id) => grouped.get(id)!);
        });
        versions.set(first, loader);
      }
      return loader;
    },
  };
}
