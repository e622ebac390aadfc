/**
 * Read-only rows without MikroORM's entity machinery: no identity map, no change tracking, no
 * per-entity helper. List pages and dataloaders read dozens to hundreds of rows per request and
 * never write them back; hydrating them was the largest single cost of the dashboard query
 * (BENCHMARKS.md, "Dashboard profile"). The values equal what hydration gives
 * (test/integration/plain-rows.test.ts compares them for every property).
 *
 * Each row is still an instance of the entity class (`instanceof` holds) because type-graphql
 * converts a `@Root()` that is not an instance of its declared class into one, field resolver by
 * field resolver: `new Campaign()` (a random id and salt each time) and a copy, which cost more
 * than the hydration saved. The rows' prototype sits between the object and the class's prototype
 * and holds a plain data property per entity property, so that assigning a value creates an own
 * property instead of running MikroORM's tracking setters. Never pass such a row to the ORM
 * (persist, assign, flush): load the entity for a write.
 */
import type { EntityName } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';

interface Converter {
  table: string;
  /** The entity's columns (the table may have more), each once, quoted for a select list. */
  selectList: string;
  /** column → property name and its conversion from the driver's value (dates, decimals, …). */
  fromColumn: Map<string, { name: string; toJs?: (value: unknown) => unknown }>;
  /** The prototype of the rows (see above). */
  proto: object;
}

const converters = new WeakMap<object, Converter>();

function converterFor(em: EntityManager, entity: EntityName<object>): Converter {
  const meta = em.getMetadata().get(typeof entity === 'string' ? entity : (entity as { name: string }).name);
  let c = converters.get(meta);
  if (!c) {
    const platform = em.getPlatform();
    const props = Object.values(meta.properties).filter((p) => p.persist !== false && p.fieldNames?.length === 1);
    const fromColumn: Converter['fromColumn'] = new Map();
    for (const p of props) {
      const toJs = p.customType
        ? (v: unknown) => p.customType!.convertToJSValue(v, platform)
        : p.runtimeType === 'Date'
          ? (v: unknown) => (typeof v === 'string' ? platform.parseDate(v) : v)
          : undefined;
      fromColumn.set(p.fieldNames[0]!, { name: p.name, toJs });
    }
    const shadow = Object.fromEntries(Object.keys(meta.properties).map((name) => [name, { value: undefined, writable: true, enumerable: false, configurable: true }]));
    c = {
      table: meta.tableName,
      selectList: [...fromColumn.keys()].map((col) => `"${col}"`).join(', '),
      fromColumn,
      proto: Object.create((meta.class as { prototype: object }).prototype, shadow),
    };
    converters.set(meta, c);
  }
  return c;
}

function toRow<T>(c: Converter, raw: Record<string, unknown>): T {
  const row = Object.create(c.proto) as Record<string, unknown>;
  for (const [column, value] of Object.entries(raw)) {
    const prop = c.fromColumn.get(column);
    if (prop) row[prop.name] = value === null || value === undefined || !prop.toJs ? value : prop.toJs(value);
  }
  return row as T;
}

/**
 * Read-only rows from `select <the entity's columns> from <its table> <tail>`, `?` placeholders
 * in `tail`: for the fixed queries of dataloaders, without building them through the query
 * builder on every request (a tenth of the dashboard's CPU time went there).
 */
export async function selectPlain<T extends object>(em: EntityManager, entity: EntityName<T>, tail: string, params: unknown[]): Promise<T[]> {
  const c = converterFor(em, entity as EntityName<object>);
  const raw = await em.execute<Record<string, unknown>[]>(`select ${c.selectList} from "${c.table}" ${tail}`, params);
  return raw.map((r) => toRow<T>(c, r));
}

/**
 * A PostgreSQL array literal of ids, for `= any(?::uuid[])` (knex would expand a JS array
 * binding into a list of placeholders). Ids come from rows or from ID arguments, which the input
 * guard admits only as UUIDs; anything else fails the cast, it cannot leave the array.
 */
export function uuidArray(ids: readonly string[]): string {
  return `{${ids.join(',')}}`;
}
