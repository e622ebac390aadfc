/** Campaigns, variants, templates, audiences and recipients (assignment). */
import { defineModule } from '../graphql/module';
import { Assignment } from './assignment.entity';
import { Campaign } from './campaign.entity';
import { CampaignResolver } from './campaign.resolver';
import { CampaignService } from './campaign.service';
import { campaignsLoaders } from './campaigns.loaders';
import { RecipientResolver } from './recipients.resolver';
import { RecipientService } from './recipients.service';
import { Template } from './template.entity';
import { TemplateVersion } from './template-version.entity';
import { TemplateResolver } from './template.resolver';
import { TemplateService } from './template.service';
import { Variant } from './variant.entity';
import { PlanService } from '../plans/plan.service';
import { catalogFor } from '../plans/plans';

declare module '../graphql/context' {
  interface Services {
    campaigns: CampaignService;
    recipients: RecipientService;
    templates: TemplateService;
  }
  interface Loaders extends ReturnType<typeof campaignsLoaders> {}
}

export const campaignsModule = defineModule({
  name: 'campaigns',
  entities: [Campaign, Variant, Template, TemplateVersion, Assignment],
  resolvers: [CampaignResolver, RecipientResolver, TemplateResolver],
  services: ({ em, workspaceId, app }) => ({
    campaigns: new CampaignService(em, workspaceId, new PlanService(em, app.sql, workspaceId, catalogFor(app.config, app.logger))),
    recipients: new RecipientService(em, workspaceId),
    templates: new TemplateService(em, workspaceId),
  }),
  loaders: campaignsLoaders,
});
