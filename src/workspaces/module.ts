/** Workspaces, API keys and settings: the feature every other one belongs to. */
import { defineModule } from '../graphql/module';
import { ApiKey } from './api-key.entity';
import { Workspace } from './workspace.entity';
import { WorkspaceResolver } from './workspace.resolver';
import { WorkspaceProvisioning, WorkspaceService } from './workspace.service';

declare module '../graphql/context' {
  interface Services {
    workspaces: WorkspaceService;
    /** The operator's workspace creation (bound to no workspace). */
    workspaceProvisioning: WorkspaceProvisioning;
  }
}

export const workspacesModule = defineModule({
  name: 'workspaces',
  entities: [Workspace, ApiKey],
  resolvers: [WorkspaceResolver],
  services: ({ em, workspaceId, app }) => ({
    workspaces: new WorkspaceService(em, workspaceId, app.keyCache, app.config.allowCustomProviderUrls, app.config.plans.configured),
    workspaceProvisioning: new WorkspaceProvisioning(em, app.config.plans),
  }),
});
