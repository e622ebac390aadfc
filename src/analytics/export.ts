/**
 * `GET /v1/campaigns/:id/export.csv` (Bearer READ): one row per recipient, streamed page by page
 * (memory stays flat for any campaign size). Phones are masked but for the last 4 digits, and
 * cells that a spreadsheet would run as a formula are neutralised.
 */
import { Readable, pipeline, type Transform } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { FastifyInstance } from 'fastify';
import { maskPhone } from '../contacts/phone';
import type { SqlPool } from '../db/pool';
import { notFound } from '../errors';
import type { AppDeps } from '../graphql/context';
import { requireKey } from '../http/auth';
import { isUuid } from '../shared/ids';
import { ApiScope } from '../shared/auth';

export const EXPORT_COLUMNS = ['external_id', 'phone', 'variant', 'status', 'first_delivered_at', 'first_clicked_at', 'first_replied_at', 'first_converted_at', 'revenue'] as const;
const PAGE = 5000;
const NIL = '00000000-0000-0000-0000-000000000000';

/**
 * OWASP "CSV injection": a cell starting with = + - @ (or tab / carriage return) is prefixed with
 * a single quote so spreadsheets show it as text. Pure.
 */
export function safeCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/**
 * CSV of `rows` with a header, as a stream to hand to `reply.send`. Joined with `pipeline`, not
 * `pipe`: a failure while reading (the database gone mid-export) must destroy the output with the
 * error — fastify then closes the response — where `pipe` left the client waiting forever.
 */
export function csvStream(rows: AsyncIterable<string[]>, columns: readonly string[]): Transform {
  const csv = stringify({ header: true, columns: [...columns] });
  pipeline(Readable.from(rows), csv, () => {
    // The error, if any, is already on `csv` (pipeline destroyed it with it): fastify logs it.
  });
  return csv;
}

interface ExportRow {
  contact_id: string;
  external_id: string | null;
  phone: string | null;
  variant: string | null;
  status: string;
  delivered_at: Date | null;
  clicked_at: Date | null;
  replied_at: Date | null;
  converted_at: Date | null;
  revenue: string;
}

async function* recipientRows(db: SqlPool, campaignId: string): AsyncGenerator<string[]> {
  let after = NIL;
  for (;;) {
    const rows = await db.query<ExportRow>(
      `select a.contact_id, c.external_id, c.phone, v.key as variant,
              coalesce(
                (select m.status from messages m where m.campaign_id = a.campaign_id and m.contact_id = a.contact_id and m.workspace_id = a.workspace_id order by m.created_at desc limit 1),
                case when a.failed_at is not null then 'FAILED' when a.delivered_at is not null then 'DELIVERED' when a.sent_at is not null then 'SENT' else 'NOT_SENT' end
              ) as status,
              a.delivered_at, a.clicked_at, a.replied_at, a.converted_at, a.revenue
       from assignments a join contacts c on c.id = a.contact_id and c.workspace_id = a.workspace_id left join variants v on v.id = a.variant_id and v.workspace_id = a.workspace_id
       where a.campaign_id = $1 and a.contact_id > $2
       order by a.contact_id limit $3`,
      [campaignId, after, PAGE],
    );
    for (const r of rows) {
      const iso = (d: Date | null) => (d ? new Date(d).toISOString() : '');
      yield [
        safeCell(r.external_id ?? ''),
        maskPhone(r.phone),
        safeCell(r.variant ?? '(remainder)'),
        r.status,
        iso(r.delivered_at),
        iso(r.clicked_at),
        iso(r.replied_at),
        iso(r.converted_at),
        Number(r.revenue).toFixed(2),
      ];
    }
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1]!.contact_id;
  }
}

export function registerExportRoute(fastify: FastifyInstance, deps: AppDeps & { sql: SqlPool }): void {
  fastify.get<{ Params: { id: string } }>('/v1/campaigns/:id/export.csv', async (request, reply) => {
    const auth = await requireKey(deps, request, ApiScope.READ);
    const id = request.params.id;
    const [campaign] = isUuid(id) ? await deps.sql.query<{ id: string; name: string }>('select id, name from campaigns where id = $1 and workspace_id = $2', [id, auth.workspaceId]) : [];
    if (!campaign) throw notFound('Campaign', id);
    const csv = csvStream(recipientRows(deps.sql, campaign.id), EXPORT_COLUMNS);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="campaign-${campaign.id}.csv"`)
      .send(csv);
  });
}
