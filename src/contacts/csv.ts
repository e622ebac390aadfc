/**
 * Contact CSV import: a header row, then one contact per row. Known columns (any case, `_`, `-`
 * or space between words) map to contact fields; every other column becomes an attribute.
 * Pure: text in, records (or per-row problems) out.
 */
import { parse } from 'csv-parse/sync';
import { badInput } from '../errors';
import type { ContactFields, Rejection } from './contact-input';
import { Channel } from '../domain/channel';

const COLUMNS: Record<string, keyof ContactFields> = {
  externalid: 'externalId',
  id: 'externalId',
  phone: 'phone',
  phonenumber: 'phone',
  mobile: 'phone',
  email: 'email',
  firstname: 'firstName',
  lastname: 'lastName',
  timezone: 'timezone',
  tz: 'timezone',
  tags: 'tags',
  segment: 'segment',
  consent: 'consent',
};
/** Optional per-channel consent columns (`consent_sms`, …), applied after `consent`. */
const CONSENT_COLUMNS: Record<string, Channel> = { consentsms: Channel.SMS, consentwhatsapp: Channel.WHATSAPP, consentemail: Channel.EMAIL };
const TRUE = new Set(['true', 'yes', 'y', '1']);
const FALSE = new Set(['false', 'no', 'n', '0']);
export const MAX_CSV_ROWS = 50_000;

export type CsvRow = { line: number; fields: ContactFields } | { line: number; rejection: Rejection };

/** A CSV's records: trimmed cells and the line each starts on. */
export interface CsvRecord {
  cells: string[];
  line: number;
}

/**
 * Reads an import CSV (contacts, orders): its header and data rows, at most MAX_CSV_ROWS
 * (TOO_MANY_ROWS); INVALID_CSV when it cannot be read or has no header.
 */
export function readCsvTable(csv: string): { header: CsvRecord; rows: CsvRecord[] } {
  let parsed: { record: string[]; info: { lines: number } }[];
  try {
    parsed = parse(csv, { skip_empty_lines: true, trim: true, bom: true, relax_column_count: true, info: true }) as unknown as typeof parsed;
  } catch (e) {
    throw badInput('INVALID_CSV', `The CSV could not be read: ${(e as Error).message}`, 'csv');
  }
  // csv-parse reports the line a record ends on; a quoted cell may span several lines.
  const startLine = ({ record, info }: (typeof parsed)[number]) => info.lines - record.join('').split('\n').length + 1;
  const [header, ...rows] = parsed.map((p) => ({ cells: p.record, line: startLine(p) }));
  if (!header || header.cells.length === 0) throw badInput('INVALID_CSV', 'The CSV needs a header row', 'csv');
  if (rows.length > MAX_CSV_ROWS) throw badInput('TOO_MANY_ROWS', `At most ${MAX_CSV_ROWS} rows per import`, 'csv');
  return { header, rows };
}

export function parseContactsCsv(csv: string): CsvRow[] {
  const { header, rows } = readCsvTable(csv);
  const columns = header.cells.map((h) => {
    const key = h.toLowerCase().replace(/[\s_-]/g, '');
    return { name: h, field: COLUMNS[key], channel: CONSENT_COLUMNS[key] };
  });
  if (!columns.some((c) => c.field === 'externalId' || c.field === 'phone')) {
    throw badInput('INVALID_CSV', 'The header needs an external_id or a phone column', 'csv');
  }
  return rows.map(({ cells, line }) => {
    const fields: ContactFields = {};
    const attributes: Record<string, string> = {};
    for (const [j, col] of columns.entries()) {
      const cell = cells[j] ?? '';
      if (col.channel) {
        if (cell === '') continue;
        const v = cell.toLowerCase();
        if (!TRUE.has(v) && !FALSE.has(v)) {
          return { line, rejection: { code: 'INVALID_CONSENT', message: `${col.name} "${cell}" must be yes/no, true/false or 1/0` } };
        }
        fields.channelConsent = [...(fields.channelConsent ?? []).filter((c) => c.channel !== col.channel), { channel: col.channel, granted: TRUE.has(v) }];
        continue;
      }
      if (!col.field) {
        if (cell !== '') attributes[col.name] = cell;
        continue;
      }
      if (cell === '') continue;
      if (col.field === 'tags') fields.tags = cell.split(/[;|]/);
      else if (col.field === 'consent') {
        const v = cell.toLowerCase();
        if (!TRUE.has(v) && !FALSE.has(v)) {
          return { line, rejection: { code: 'INVALID_CONSENT', message: `consent "${cell}" must be yes/no, true/false or 1/0` } };
        }
        fields.consent = TRUE.has(v);
      } else (fields as Record<string, unknown>)[col.field] = cell;
    }
    if (Object.keys(attributes).length > 0) fields.attributes = attributes;
    return { line, fields };
  });
}
