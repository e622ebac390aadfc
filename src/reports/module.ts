/**
 * Reports: the opt-out report (`optOutReport(days)` by channel, source and keyword, its opt-outs
 * with their contacts, and `GET /v1/opt-outs.csv`).
 */
import { defineModule } from '../graphql/module';
import { registerOptOutExportRoute } from './opt-out-export';
import { OptOutReportResolver } from './opt-out-report.resolver';
import { OptOutReportService } from './opt-out-report.service';

declare module '../graphql/context' {
  interface Services {
    optOutReport: OptOutReportService;
  }
}

export const reportsModule = defineModule({
  name: 'reports',
  resolvers: [OptOutReportResolver],
  services: ({ em, app, workspaceId }) => ({ optOutReport: new OptOutReportService(app.sql, workspaceId, em) }),
  routes: (fastify, deps) => registerOptOutExportRoute(fastify, deps),
});
