import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { CampaignResolver } from '../campaigns/campaign.resolver';
import { RecipientResolver } from '../campaigns/recipients.resolver';
import { TemplateResolver } from '../campaigns/template.resolver';
import { ContactResolver, OptOutEntryResolver } from '../contacts/contact.resolver';
import { WorkspaceResolver } from '../workspaces/workspace.resolver';
import { authChecker, requireOperationScope } from './authorization';
import { DateTime } from './scalars';

export const RESOLVERS = [WorkspaceResolver, ContactResolver, OptOutEntryResolver, CampaignResolver, RecipientResolver, TemplateResolver] as const;

export function createSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: RESOLVERS,
    scalarsMap: [{ type: Date, scalar: DateTime }],
    authChecker,
    globalMiddlewares: [requireOperationScope],
    validate: false,
  });
}
