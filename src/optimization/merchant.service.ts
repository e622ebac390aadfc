/**
 * Merchants (names) and a contact's merchant affinity, for one request's workspace. Set-based SQL
 * on the plain pool; the affinity computation itself lives in merchant-affinity.service.ts.
 */
import type { SqlPool } from '../db/pool';
import { checkPageSize } from '../db/keyset';
import { badInput, notFound } from '../errors';
import { isUuid } from '../shared/ids';
import { contactNeedsRefresh, refreshContactAffinities } from './merchant-affinity.service';
import { isMerchantRejection, MAX_MERCHANTS_PER_CALL, normalizeMerchant, type MerchantFields, type MerchantRow } from './merchant-input';

export const MAX_AFFINITY_LIMIT = 100;

export interface UpsertMerchantsResult {
  created: number;
  updated: number;
  rejected: { index: number; code: string; message: string }[];
}

export interface MerchantRecord {
  id: string;
  /** The name given with upsertMerchants, else the id. */
  name: string;
  named: boolean;
  contacts: number;
  popularity: number | null;
  createdAt: Date;
}

export interface MerchantPage {
  nodes: MerchantRecord[];
  cursors: string[];
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface MerchantAffinityRecord {
  merchantId: string;
  merchantName: string;
  score: number;
  interactions: number;
  computedAt: Date;
}

const encode = (id: string) => Buffer.from(JSON.stringify({ m: id })).toString('base64url');
function decode(cursor: string): string {
  try {
    const c = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { m?: unknown };
    if (typeof c.m === 'string') return c.m;
  } catch {
    // fall through
  }
  throw badInput('INVALID_CURSOR', 'The cursor is not one this server issued', 'after');
}

export class MerchantService {
  constructor(
    private readonly db: SqlPool,
    private readonly workspaceId: string,
  ) {}

  /**
   * Names merchants (creates or renames by id). Rows are validated one by one; a bad row or a
   * repeated id is rejected alone and the rest is written in one statement.
   */
  async upsert(inputs: readonly MerchantFields[]): Promise<UpsertMerchantsResult> {
    if (inputs.length > MAX_MERCHANTS_PER_CALL) throw badInput('TOO_MANY_MERCHANTS', `At most ${MAX_MERCHANTS_PER_CALL} merchants per call`, 'merchants');
    const rejected: UpsertMerchantsResult['rejected'] = [];
    const rows: MerchantRow[] = [];
    const firstIndex = new Map<string, number>();
    inputs.forEach((input, index) => {
      const r = normalizeMerchant(input);
      if (isMerchantRejection(r)) return void rejected.push({ index, ...r });
      const earlier = firstIndex.get(r.id);
      if (earlier !== undefined) return void rejected.push({ index, code: 'DUPLICATE_MERCHANT_ID', message: `Merchant ${r.id} already appears at index ${earlier} of this call` });
      firstIndex.set(r.id, index);
      rows.push(r);
    });
    let created = 0;
    if (rows.length > 0) {
      // xmax = 0 on a freshly inserted row, not on one the conflict clause updated.
      const written = await this.db.query<{ inserted: boolean }>(
        `insert into merchants (workspace_id, id, name)
         select $1, x.id, x.name from unnest($2::text[], $3::text[]) as x(id, name) order by x.id
         on conflict (workspace_id, id) do update set name = excluded.name
         returning (xmax = 0) as inserted`,
        [this.workspaceId, rows.map((r) => r.id), rows.map((r) => r.name)],
      );
      created = written.filter((w) => w.inserted).length;
    }
    return { created, updated: rows.length - created, rejected };
  }

  /** Merchants of the workspace by id: named ones and those seen in events (by the affinity refresh). */
  async list(first: number, after?: string | null): Promise<MerchantPage> {
    checkPageSize(first);
    const from = after ? decode(after) : null;
    const rows = await this.db.query<{ id: string; name: string | null; contacts: number; popularity: number | null; created_at: Date }>(
      `select id, name, contacts, popularity, created_at from merchants
       where workspace_id = $1 and ($2::text is null or id > $2) order by id limit $3`,
      [this.workspaceId, from, first + 1],
    );
    const nodes = rows.slice(0, first).map((r) => ({ id: r.id, name: r.name ?? r.id, named: r.name !== null, contacts: r.contacts, popularity: r.popularity, createdAt: r.created_at }));
    const cursors = nodes.map((n) => encode(n.id));
    return { nodes, cursors, hasNextPage: rows.length > first, endCursor: cursors[cursors.length - 1] ?? null };
  }

  /**
   * The contact's merchants, highest affinity first. Stored rows are recomputed first when merchant
   * events were stored after them (see contactNeedsRefresh).
   */
  async affinity(contactId: string, limit: number): Promise<MerchantAffinityRecord[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_AFFINITY_LIMIT) throw badInput('INVALID_LIMIT', `limit must be between 1 and ${MAX_AFFINITY_LIMIT}`, 'limit');
    const id = contactId.toLowerCase();
    if (!isUuid(id)) throw notFound('Contact', contactId);
    const contact = await this.db.query('select 1 from contacts where id = $1 and workspace_id = $2', [id, this.workspaceId]);
    if (contact.length === 0) throw notFound('Contact', contactId);
    if (await contactNeedsRefresh(this.db, this.workspaceId, id)) await refreshContactAffinities(this.db, this.workspaceId, id);
    const rows = await this.db.query<{ merchant_id: string; name: string | null; score: number; interactions: number; computed_at: Date }>(
      `select a.merchant_id, m.name, a.score, a.interactions, a.computed_at
       from merchant_affinities a left join merchants m on m.workspace_id = a.workspace_id and m.id = a.merchant_id
       where a.workspace_id = $1 and a.contact_id = $2
       order by a.score desc, a.merchant_id limit $3`,
      [this.workspaceId, id, limit],
    );
    return rows.map((r) => ({ merchantId: r.merchant_id, merchantName: r.name ?? r.merchant_id, score: r.score, interactions: r.interactions, computedAt: r.computed_at }));
  }
}
