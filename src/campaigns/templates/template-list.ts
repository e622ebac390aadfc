/**
 * The `templates` query's filters and cursor. Pure. Templates are listed by name (then id), so the
 * cursor is the last row's (name, id): opaque base64url, like the time cursors of db/keyset.ts.
 */
import { badInput } from '../../errors';
import { Channel } from '../../domain/channel';
import { isUuid } from '../../shared/ids';
import { textDefect } from '../../shared/input-text';
import { MAX_PAGE_SIZE, containsPattern } from '../../db/keyset';

/** A search longer than any sensible name or phrase is a mistake (or an attack on the scan). */
export const MAX_SEARCH_LENGTH = 200;

export interface TemplateListArgs {
  category?: string | null;
  channel?: Channel | null;
  search?: string | null;
  first?: number | null;
  after?: string | null;
}

export interface TemplateListFilter {
  category: string | null;
  channel: Channel | null;
  /** ILIKE pattern (wildcards in the search taken literally), or null. */
  pattern: string | null;
  first: number;
  after: { name: string; id: string } | null;
}

export function templateListFilter(args: TemplateListArgs): TemplateListFilter {
  const first = args.first ?? MAX_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw badInput('INVALID_PAGE_SIZE', `first must be between 1 and ${MAX_PAGE_SIZE}`, 'first');
  }
  const search = args.search?.trim() ?? '';
  if (search.length > MAX_SEARCH_LENGTH) throw badInput('INVALID_SEARCH', `search is at most ${MAX_SEARCH_LENGTH} characters`, 'search');
  return {
    category: args.category?.trim() || null,
    channel: args.channel ?? null,
    pattern: search ? containsPattern(search) : null,
    first,
    after: args.after ? decodeNameCursor(args.after) : null,
  };
}

export function encodeNameCursor(name: string, id: string): string {
  return Buffer.from(JSON.stringify({ n: name, id })).toString('base64url');
}

export function decodeNameCursor(cursor: string): { name: string; id: string } {
  try {
    const c = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { n?: unknown; id?: unknown };
    // A name PostgreSQL cannot take as a parameter (a NUL) was never stored, so never issued: the
    // query would fail on it (a 500), not find nothing.
    if (typeof c.n === 'string' && typeof c.id === 'string' && isUuid(c.id) && !textDefect(c.n)) return { name: c.n, id: c.id };
  } catch {
    // fall through
  }
  throw badInput('INVALID_CURSOR', 'The cursor is not one this server issued', 'after');
}
