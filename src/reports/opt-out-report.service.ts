/**
 * The opt-out report: counts of opt-out events (opt_out_log rows with action OPTED_OUT) in a
 * window, and the events themselves page by page with their contacts. The log has one row per
 * real consent change, so an event is the unit: a contact who opted out, back in and out again
 * counts twice. Every statement filters on workspace_id.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { Contact } from '../contacts/contact.entity';
import type { Channel } from '../domain/channel';
import { checkPageSize, decodeCursor, encodeCursor, type Page } from '../db/keyset';
import type { SqlPool } from '../db/pool';
import { NONE_KEY, toCounts, windowStart, type GroupedRow, type OptOutCounts } from './opt-out-report';

export interface OptOutFilter {
  channel?: Channel | null;
  /** A source, or NONE_KEY for entries without one. */
  source?: string | null;
  /** A keyword, or NONE_KEY for entries without one. */
  keyword?: string | null;
}

export interface OptOutEventRow {
  id: string;
  contact_id: string;
  channel: Channel | null;
  source: string | null;
  keyword: string | null;
  at: Date;
  external_id: string | null;
  phone: string | null;
  email: string | null;
}

export class OptOutReportService {
  constructor(
    private readonly sql: SqlPool,
    private readonly workspaceId: string,
    private readonly em?: EntityManager,
  ) {}

  /** Validates `days` (INVALID_DAYS) and returns the window's start. */
  since(days: number, now = new Date()): Date {
    return windowStart(days, now);
  }

  /** Total and the three breakdowns in one statement (grouping sets). */
  async counts(since: Date): Promise<OptOutCounts> {
    const rows = await this.sql.query<{ g_channel: number; g_source: number; g_keyword: number; channel: string | null; source: string | null; keyword: string | null; n: number }>(
      `select grouping(channel) as g_channel, grouping(source) as g_source, grouping(keyword) as g_keyword,
              channel, source, keyword, count(*)::int as n
       from opt_out_log
       where workspace_id = $1 and action = 'OPTED_OUT' and at >= $2
       group by grouping sets ((channel), (source), (keyword), ())`,
      [this.workspaceId, since],
    );
    const grouped: GroupedRow[] = rows.map((r) => {
      // grouping(x) = 0 when the row is grouped by x (its value may still be a real null).
      const dimension = r.g_channel === 0 ? 'channel' : r.g_source === 0 ? 'source' : r.g_keyword === 0 ? 'keyword' : 'total';
      const value = dimension === 'channel' ? r.channel : dimension === 'source' ? r.source : dimension === 'keyword' ? r.keyword : null;
      return { dimension, value, count: r.n };
    });
    return toCounts(grouped);
  }

  /** A client's page of opt-out events: `first` up to MAX_PAGE_SIZE (INVALID_PAGE_SIZE). */
  async events(since: Date, filter: OptOutFilter, first: number, after?: string | null): Promise<Page<OptOutEventRow>> {
    checkPageSize(first);
    return this.eventPage(since, filter, first, after);
  }

  /**
   * Opt-out events newest first, keyset on (at, id), with the contact's identifiers. Any page
   * size: the CSV export reads larger pages than clients may ask for.
   */
  async eventPage(since: Date, filter: OptOutFilter, first: number, after?: string | null): Promise<Page<OptOutEventRow>> {
    const cursor = after ? decodeCursor(after) : null;
    const rows = await this.sql.query<OptOutEventRow>(
      `select l.id, l.contact_id, l.channel, l.source, l.keyword, l.at, c.external_id, c.phone, c.email
       from opt_out_log l join contacts c on c.id = l.contact_id and c.workspace_id = l.workspace_id
       where l.workspace_id = $1 and l.action = 'OPTED_OUT' and l.at >= $2
         and ($3::text is null or l.channel = $3)
         and ($4::text is null or (case when $4 = $8 then l.source is null else l.source = $4 end))
         and ($5::text is null or (case when $5 = $8 then l.keyword is null else l.keyword = $5 end))
         and ($6::timestamptz is null or (l.at, l.id) < ($6, $7::uuid))
       order by l.at desc, l.id desc
       limit $9`,
      [this.workspaceId, since, filter.channel ?? null, filter.source ?? null, filter.keyword ?? null, cursor?.at ?? null, cursor?.id ?? null, NONE_KEY, first + 1],
    );
    const nodes = rows.slice(0, first);
    const cursors = nodes.map((n) => encodeCursor(new Date(n.at), n.id));
    return { nodes, cursors, hasNextPage: rows.length > first, endCursor: cursors[cursors.length - 1] ?? null };
  }

  /** The contacts of some events, by id (workspace-filtered), for the GraphQL nodes. */
  async contacts(ids: string[]): Promise<Map<string, Contact>> {
    if (!this.em || ids.length === 0) return new Map();
    const found = await this.em.find(Contact, { id: { $in: [...new Set(ids)] }, workspaceId: this.workspaceId });
    return new Map(found.map((c) => [c.id, c]));
  }
}
