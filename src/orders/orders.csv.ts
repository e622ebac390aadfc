/**
 * Order CSV import: a header row, then one order per row. Columns are OrderInput's fields (any
 * case, `_`, `-` or space between words: `order_id`, `Order ID`, `orderId`); an unknown column
 * refuses the whole file (a typo must not drop data silently). Empty cells are absent fields.
 * Pure: text in, order inputs (or per-row problems) out.
 */
import { readCsvTable } from '../contacts/csv';
import { badInput } from '../errors';
import type { OrderRejection } from './orders.input';

const COLUMNS = ['contactId', 'externalId', 'phone', 'email', 'orderId', 'value', 'occurredAt', 'merchantId'] as const;
const BY_KEY = new Map<string, (typeof COLUMNS)[number]>(COLUMNS.map((c) => [c.toLowerCase(), c]));
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export type OrdersCsvRow = { line: number; input: Record<string, unknown> } | { line: number; rejection: OrderRejection };

export function parseOrdersCsv(csv: string): OrdersCsvRow[] {
  const { header, rows } = readCsvTable(csv);
  const columns = header.cells.map((h) => {
    const field = BY_KEY.get(h.toLowerCase().replace(/[\s_-]/g, ''));
    if (!field) throw badInput('INVALID_CSV', `Unknown column "${h}": use ${COLUMNS.join(', ')}`, 'csv');
    return field;
  });
  if (new Set(columns).size !== columns.length) throw badInput('INVALID_CSV', 'A column appears twice in the header', 'csv');
  if (!columns.includes('orderId') || !columns.includes('value')) throw badInput('INVALID_CSV', 'The header needs orderId and value columns', 'csv');
  if (!columns.some((c) => c === 'contactId' || c === 'externalId' || c === 'phone' || c === 'email')) {
    throw badInput('INVALID_CSV', 'The header needs a contactId, externalId, phone or email column', 'csv');
  }
  return rows.map(({ cells, line }) => {
    const input: Record<string, unknown> = {};
    for (const [j, field] of columns.entries()) {
      const cell = cells[j] ?? '';
      if (cell === '') continue;
      if (field === 'value') {
        if (!DECIMAL.test(cell)) return { line, rejection: { code: 'INVALID_VALUE', message: `value "${cell}" is not a number` } };
        input.value = Number(cell);
      } else input[field] = cell;
    }
    return { line, input };
  });
}
