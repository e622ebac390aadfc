/**
 * `GET /v1/opt-outs.csv?days=30` (Bearer READ): the report's opt-outs as CSV, newest first,
 * streamed page by page (memory stays flat). Phones and emails are given in full — the export
 * exists to carry suppressions to other systems, where a masked phone is useless — and every
 * free-text cell is neutralised against formula injection like the campaign export.
 */
import type { FastifyInstance } from 'fastify';
import { csvStream, safeCell } from '../analytics/export';
import type { SqlPool } from '../db/pool';
import { badInput } from '../errors';
import type { AppDeps } from '../graphql/context';
import { requireKey } from '../http/auth';
import { ApiScope } from '../shared/auth';
import { ALL_CHANNELS_KEY } from './opt-out-report';
import { OptOutReportService, type OptOutEventRow } from './opt-out-report.service';

export const OPT_OUT_COLUMNS = ['at', 'channel', 'source', 'keyword', 'contact_id', 'external_id', 'phone', 'email'] as const;
const PAGE = 5000;

/** One CSV line of an opt-out. Pure. */
export function optOutCsvRow(r: OptOutEventRow): string[] {
  return [
    new Date(r.at).toISOString(),
    r.channel ?? ALL_CHANNELS_KEY,
    safeCell(r.source ?? ''),
    safeCell(r.keyword ?? ''),
    r.contact_id,
    safeCell(r.external_id ?? ''),
    r.phone ?? '', // stored as E.164 (+ and digits): never a formula, and a quote would break it for importers
    safeCell(r.email ?? ''),
  ];
}

async function* rows(service: OptOutReportService, since: Date): AsyncGenerator<string[]> {
  let after: string | null = null;
  for (;;) {
    const page = await service.eventPage(since, {}, PAGE, after);
    for (const r of page.nodes) yield optOutCsvRow(r);
    if (!page.hasNextPage) return;
    after = page.endCursor;
  }
}

/** The `days` query parameter: absent → 30; else digits only (INVALID_DAYS otherwise). Pure. */
export function parseDaysParam(v: unknown): number {
  if (v === undefined) return 30;
  if (typeof v !== 'string' || !/^\d{1,5}$/.test(v)) throw badInput('INVALID_DAYS', 'days must be an integer between 1 and 3650', 'days');
  return Number(v);
}

export function registerOptOutExportRoute(fastify: FastifyInstance, deps: AppDeps & { sql: SqlPool }): void {
  fastify.get<{ Querystring: Record<string, unknown> }>('/v1/opt-outs.csv', async (request, reply) => {
    const auth = await requireKey(deps, request, ApiScope.READ);
    const service = new OptOutReportService(deps.sql, auth.workspaceId);
    const since = service.since(parseDaysParam(request.query.days));
    const csv = csvStream(rows(service, since), OPT_OUT_COLUMNS);
    return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="opt-outs.csv"').send(csv);
  });
}
