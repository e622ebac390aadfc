import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { createPubSub } from '@graphql-yoga/subscription';
import { buildSchema } from 'type-graphql';
import { AnalyticsResolver, CampaignAnalyticsResolver } from '../analytics/analytics.resolver';
import { CampaignResolver } from '../campaigns/campaign.resolver';
import { RecipientResolver } from '../campaigns/recipients.resolver';
import { TemplateResolver } from '../campaigns/template.resolver';
import { ContactResolver, OptOutEntryResolver } from '../contacts/contact.resolver';
import { ExperimentResolver, WinnerResolver } from '../experiments/experiment.resolver';
import { LiveResolver } from '../live/live.resolver';
import { CampaignRunResolver, SendFailureResolver, SendingResolver } from '../sending/sending.resolver';
import { TrackingResolver } from '../tracking/tracking.resolver';
import { WorkspaceResolver } from '../workspaces/workspace.resolver';
import { authChecker } from './authorization';
import { DateTime } from './scalars';

export const RESOLVERS = [WorkspaceResolver, ContactResolver, OptOutEntryResolver, CampaignResolver, RecipientResolver, TemplateResolver, TrackingResolver, ExperimentResolver, WinnerResolver, CampaignAnalyticsResolver, AnalyticsResolver, SendingResolver, CampaignRunResolver, SendFailureResolver, LiveResolver] as const;

export function createSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: RESOLVERS,
    scalarsMap: [{ type: Date, scalar: DateTime }],
    authChecker,
    validate: false,
    // type-graphql insists on a PubSub; our subscriptions bring their own `subscribe` (src/live).
    pubSub: createPubSub(),
  });
}
