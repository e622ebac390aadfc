/**
 * Scheduled reports. Creating, listing and deleting schedules needs ADMIN: a schedule sends the
 * workspace's figures to outside addresses, and its webhook URLs may carry tokens. `reportPreview`
 * shows what a READ key can already see (READ), and uses only the input's `days`.
 */
import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { checkPageSize } from '../db/keyset';
import type { Context } from '../graphql/context';
import { ApiScope } from '../shared/auth';
import { checkReportDays } from './report-schedule-input';
import { Report, ReportDelivery, ReportSchedule, ReportScheduleInput } from './report.types';

@Resolver(() => ReportSchedule)
export class ReportScheduleResolver {
  @Query(() => Report, { description: "the report a schedule with this input would send now (only `days` is used); nothing is sent" })
  reportPreview(@Arg('input', () => ReportScheduleInput) input: ReportScheduleInput, @Ctx() ctx: Context): Promise<Report> {
    return ctx.services.reports.build(checkReportDays(input.days));
  }

  @Authorized(ApiScope.ADMIN)
  @Query(() => [ReportSchedule], { description: "the workspace's report schedules, oldest first (ADMIN)" })
  reportSchedules(@Ctx() ctx: Context): Promise<ReportSchedule[]> {
    return ctx.services.reportSchedules.list();
  }

  @Authorized(ApiScope.ADMIN)
  @Mutation(() => ReportSchedule, { description: 'at most 20 per workspace, 10 destinations each, at most hourly (ADMIN)' })
  createReportSchedule(@Arg('input', () => ReportScheduleInput) input: ReportScheduleInput, @Ctx() ctx: Context): Promise<ReportSchedule> {
    return ctx.services.reportSchedules.create(input);
  }

  @Authorized(ApiScope.ADMIN)
  @Mutation(() => Boolean, { description: 'deletes the schedule and its delivery log (ADMIN)' })
  deleteReportSchedule(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<boolean> {
    return ctx.services.reportSchedules.delete(id);
  }

  @FieldResolver(() => [ReportDelivery], { description: 'its latest deliveries, newest run first' })
  deliveries(@Root() schedule: ReportSchedule, @Arg('first', () => Int, { defaultValue: 20 }) first: number, @Ctx() ctx: Context): Promise<ReportDelivery[]> {
    checkPageSize(first);
    return ctx.services.reportSchedules.deliveries(schedule.id, first);
  }
}
