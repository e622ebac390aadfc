/**
 * recordOrders and the CSV import: validate each order (pure), then the pipeline. Resolves after
 * the accepted orders (and the conversions they make) are committed; bad orders are reported by
 * index, never thrown, and never fail their valid neighbours.
 */
import type { SqlPool } from '../db/pool';
import { badInput } from '../errors';
import { MAX_ORDERS_PER_CALL, normalizeOrder, type NormalizedOrder } from './orders.input';
import { parseOrdersCsv } from './orders.csv';
import type { OrderPipeline } from './orders.pipeline';
import { isRejection } from '../tracking/event-input';

export interface RecordOrdersResult {
  accepted: number;
  duplicates: number;
  /** Experiment conversions these orders made. */
  conversions: number;
  rejected: { index: number; code: string; message: string }[];
}

export class OrderService {
  constructor(
    private readonly pipeline: OrderPipeline,
    private readonly sql: SqlPool,
    private readonly workspaceId: string,
  ) {}

  /** At most MAX_ORDERS_PER_CALL orders (TOO_MANY_ORDERS). */
  async record(inputs: readonly unknown[], source: string): Promise<RecordOrdersResult> {
    if (inputs.length > MAX_ORDERS_PER_CALL) throw badInput('TOO_MANY_ORDERS', `At most ${MAX_ORDERS_PER_CALL} orders per call`, 'orders');
    return this.run(inputs.map((input) => ({ input })), source);
  }

  /** Rows are reported by their position among the data rows (0-based), with the line in the message. */
  async importCsv(csv: string, source: string): Promise<RecordOrdersResult> {
    const rows = parseOrdersCsv(csv);
    const lines = rows.map((r) => r.line);
    const result = await this.run(rows.map((r) => ('rejection' in r ? { rejection: r.rejection } : { input: r.input })), source);
    result.rejected = result.rejected.map((r) => ({ ...r, message: `line ${lines[r.index]}: ${r.message}` }));
    return result;
  }

  private async run(items: ({ input: unknown } | { rejection: { code: string; message: string } })[], source: string): Promise<RecordOrdersResult> {
    const defaultCountry = await this.defaultCountry();
    const result: RecordOrdersResult = { accepted: 0, duplicates: 0, conversions: 0, rejected: [] };
    const valid: NormalizedOrder[] = [];
    const positions: number[] = [];
    const now = new Date();
    items.forEach((item, index) => {
      const o = 'rejection' in item ? item.rejection : normalizeOrder(item.input, now, defaultCountry);
      if (isRejection(o)) result.rejected.push({ index, code: o.code, message: o.message });
      else {
        valid.push(o);
        positions.push(index);
      }
    });
    // Large imports go in requests of at most MAX_ORDERS_PER_CALL orders, grouped by the pipeline
    // (each committed on its own: an import cut short is completed by sending it again).
    const chunks: Promise<void>[] = [];
    for (let start = 0; start < valid.length; start += MAX_ORDERS_PER_CALL) {
      const slice = valid.slice(start, start + MAX_ORDERS_PER_CALL);
      chunks.push(
        this.pipeline.record(this.workspaceId, slice, source).then(({ outcomes, conversions }) => {
          result.conversions += conversions;
          outcomes.forEach((o, i) => {
            if (o === 'ACCEPTED') result.accepted++;
            else if (o === 'DUPLICATE') result.duplicates++;
            else result.rejected.push({ index: positions[start + i]!, code: o.code, message: o.message });
          });
        }),
      );
    }
    await Promise.all(chunks);
    result.rejected.sort((a, b) => a.index - b.index);
    return result;
  }

  private async defaultCountry(): Promise<string | null> {
    const [row] = await this.sql.query<{ country: string | null }>(`select settings->>'defaultCountry' as country from workspaces where id = $1`, [this.workspaceId]);
    return row?.country ?? null;
  }
}
