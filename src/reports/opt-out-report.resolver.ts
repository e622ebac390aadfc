import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import { Channel } from '../domain/channel';
import type { Context } from '../graphql/context';
import { connection } from '../graphql/pagination';
import { OptOutReport, OptOutReportConnection, type OptOutReportEntry } from './opt-out-report.types';

@Resolver(() => OptOutReport)
export class OptOutReportResolver {
  @Query(() => OptOutReport, { description: 'opt-outs of the last `days` days (1..3650) by channel, source and keyword' })
  async optOutReport(@Arg('days', () => Int, { nullable: true, defaultValue: 30 }) days: number | null, @Ctx() ctx: Context): Promise<OptOutReport> {
    const service = ctx.services.optOutReport;
    const since = service.since(days ?? 30);
    return { ...(await service.counts(since)), since };
  }

  @FieldResolver(() => OptOutReportConnection, { description: 'the opt-outs counted, newest first, with their contacts; keyword "(none)" = without one' })
  async contacts(
    @Root() report: OptOutReport,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('channel', () => Channel, { nullable: true }) channel: Channel | null,
    @Arg('source', () => String, { nullable: true }) source: string | null,
    @Arg('keyword', () => String, { nullable: true }) keyword: string | null,
    @Ctx() ctx: Context,
  ): Promise<OptOutReportConnection> {
    const service = ctx.services.optOutReport;
    const page = await service.events(report.since, { channel, source, keyword }, first ?? 50, after);
    const contacts = await service.contacts(page.nodes.map((n) => n.contact_id));
    // A contact deleted between the two reads (its log rows go with it) is left out, not a null.
    const kept = page.nodes.flatMap((n, i) => {
      const contact = contacts.get(n.contact_id);
      return contact ? [{ node: { contact, channel: n.channel, source: n.source, keyword: n.keyword, at: new Date(n.at) } as OptOutReportEntry, cursor: page.cursors[i]! }] : [];
    });
    return connection({ ...page, nodes: kept.map((k) => k.node), cursors: kept.map((k) => k.cursor) });
  }
}
