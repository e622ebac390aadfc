/**
 * Reports: the opt-out report (`optOutReport(days)` by channel, source and keyword, its opt-outs
 * with their contacts, and `GET /v1/opt-outs.csv`), and scheduled reports (`reportPreview`,
 * report schedules, and the job delivering them by email and signed webhook).
 */
import { defineModule } from '../graphql/module';
import { registerOptOutExportRoute } from './opt-out-export';
import { OptOutReportResolver } from './opt-out-report.resolver';
import { OptOutReportService } from './opt-out-report.service';
import { ReportDeliverer, REPORTS_JOB } from './report-delivery';
import { ReportScheduleResolver } from './report-schedule.resolver';
import { ReportScheduleService } from './report-schedule.service';
import { ReportService } from './report.service';

declare module '../graphql/context' {
  interface Services {
    optOutReport: OptOutReportService;
    reports: ReportService;
    reportSchedules: ReportScheduleService;
  }
}

export const reportsModule = defineModule({
  name: 'reports',
  resolvers: [OptOutReportResolver, ReportScheduleResolver],
  services: ({ em, app, workspaceId }) => ({
    optOutReport: new OptOutReportService(app.sql, workspaceId, em),
    reports: new ReportService(em, app.sql, workspaceId),
    reportSchedules: new ReportScheduleService(app.sql, workspaceId, () => app.config.allowCustomProviderUrls),
  }),
  routes: (fastify, deps) => registerOptOutExportRoute(fastify, deps),
  jobs: (deps) => {
    const reports = new ReportDeliverer(deps);
    return [{ name: REPORTS_JOB, cron: '* * * * *', timezone: 'UTC', run: () => reports.run() }];
  },
});
