/**
 * Cursor pagination, newest first, on (time column, id): stable under inserts and O(page) at any
 * depth, unlike OFFSET. The cursor is opaque to clients (base64url of the last row's key).
 */
import type { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import type { EntityName } from '@mikro-orm/core';
import { badInput } from '../errors';
import { isUuid } from '../shared/ids';

export const MAX_PAGE_SIZE = 200;

export interface Page<T> {
  nodes: T[];
  /** One per node, in the same order: the cursor `after:` continues from after that node. */
  cursors: string[];
  hasNextPage: boolean;
  endCursor: string | null;
}

interface Cursor {
  t: string;
  id: string;
}

export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify({ t: at.toISOString(), id } satisfies Cursor)).toString('base64url');
}

/**
 * 4713 BC, where PostgreSQL's timestamps start (its first day is 24 November 4714 BC, proleptic
 * Gregorian): no stored time, so no issued cursor, is earlier, and an earlier one fails the query.
 */
const EARLIEST = Date.parse('-004712-01-01T00:00:00Z');

export function decodeCursor(cursor: string): { at: Date; id: string } {
  try {
    const c = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Cursor;
    const at = new Date(c.t);
    // NaN (an unparseable time) compares false too.
    if (typeof c.t === 'string' && typeof c.id === 'string' && isUuid(c.id) && at.getTime() >= EARLIEST) return { at, id: c.id };
  } catch {
    // fall through
  }
  throw badInput('INVALID_CURSOR', 'The cursor is not one this server issued', 'after');
}

export function checkPageSize(first: number): void {
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw badInput('INVALID_PAGE_SIZE', `first must be between 0 and ${MAX_PAGE_SIZE}`, 'first');
  }
}

export async function keysetPage<T extends { id: string }, K extends keyof T & string>(
  em: EntityManager,
  entity: EntityName<T>,
  where: FilterQuery<T>,
  timeKey: K,
  first: number,
  after?: string | null,
): Promise<Page<T>> {
  checkPageSize(first);
  let filter = where;
  if (after) {
    const { at, id } = decodeCursor(after);
    filter = { $and: [where, { $or: [{ [timeKey]: { $lt: at } }, { [timeKey]: at, id: { $lt: id } }] }] } as FilterQuery<T>;
  }
  const rows = await em.find(entity, filter, {
    orderBy: { [timeKey]: 'desc', id: 'desc' } as never,
    limit: first + 1,
  });
  const nodes = rows.slice(0, first);
  const cursors = nodes.map((n) => encodeCursor(n[timeKey] as Date, n.id));
  return {
    nodes,
    cursors,
    hasNextPage: rows.length > first,
    endCursor: cursors[cursors.length - 1] ?? null,
  };
}

/** A page plus the size of the whole filtered set (for `totalCount`). */
export async function countedPage<T extends { id: string }, K extends keyof T & string>(
  em: EntityManager,
  entity: EntityName<T>,
  where: FilterQuery<T>,
  timeKey: K,
  first: number,
  after?: string | null,
): Promise<Page<T> & { totalCount: number }> {
  const [page, totalCount] = await Promise.all([keysetPage(em, entity, where, timeKey, first, after), em.count(entity, where)]);
  return { ...page, totalCount };
}

/** `ILIKE` pattern matching `text` anywhere, with the LIKE wildcards in it taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
