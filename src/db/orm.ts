import { join } from 'node:path';
import { MikroORM, ReflectMetadataProvider } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { EntityClass } from '@mikro-orm/core';
import type { Counter, Histogram } from 'prom-client';

export type Orm = MikroORM<PostgreSqlDriver>;

/** Compiled migrations sit in dist/migrations, two levels above this file's dist/src/db. */
const MIGRATIONS_DIR = join(__dirname, '..', '..', 'migrations');

/** `entities`: every feature module's (the composition root passes them). */
export async function initOrm(url: string, entities: readonly EntityClass<object>[], opts: { queryCounter?: Counter; queryDuration?: Histogram<'pool'>; poolMax?: number } = {}): Promise<Orm> {
  const orm = await MikroORM.init<PostgreSqlDriver>({
    driver: PostgreSqlDriver,
    clientUrl: url,
    entities: [...entities],
    metadataProvider: ReflectMetadataProvider,
    extensions: [Migrator],
    migrations: {
      path: MIGRATIONS_DIR,
      glob: '!(*.d).js',
      tableName: 'mikro_orm_migrations',
      transactional: true,
      allOrNothing: true,
      emit: 'js',
      silent: true,
    },
    pool: { min: 0, max: opts.poolMax ?? 20 },
    forceUtcTimezone: true,
    // Every request works on its own fork; the global context is never used by accident.
    allowGlobalContext: false,
    debug: false,
  });
  const counter = opts.queryCounter;
  const knex = orm.em.getConnection().getKnex();
  if (counter) knex.on('query', () => counter.inc());
  const duration = opts.queryDuration;
  if (duration) {
    // knex tags each statement with a uid shared by its 'query' and 'query-response'/'query-error' events.
    const started = new Map<string, number>();
    knex.on('query', (q: { __knexQueryUid?: string }) => {
      if (!q.__knexQueryUid) return;
      if (started.size > 10_000) started.clear(); // never grows without bound, whatever knex emits
      started.set(q.__knexQueryUid, performance.now());
    });
    const done = (q: { __knexQueryUid?: string } | undefined) => {
      const t0 = q?.__knexQueryUid === undefined ? undefined : started.get(q.__knexQueryUid);
      if (t0 === undefined) return;
      started.delete(q!.__knexQueryUid!);
      duration.observe({ pool: 'orm' }, (performance.now() - t0) / 1000);
    };
    knex.on('query-response', (_res: unknown, q: { __knexQueryUid?: string }) => done(q));
    knex.on('query-error', (_err: unknown, q: { __knexQueryUid?: string }) => done(q));
  }
  return orm;
}

export async function migrate(orm: Orm): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}

export async function pendingMigrations(orm: Orm): Promise<number> {
  return (await orm.getMigrator().getPendingMigrations()).length;
}

/** Connections of the ORM's pool (knex / tarn), for the pool gauges. */
export function ormPoolStats(orm: Orm): { inUse: number; idle: number; waiting: number } {
  const pool = (orm.em.getConnection().getKnex().client as { pool?: { numUsed(): number; numFree(): number; numPendingAcquires(): number } }).pool;
  return pool ? { inUse: pool.numUsed(), idle: pool.numFree(), waiting: pool.numPendingAcquires() } : { inUse: 0, idle: 0, waiting: 0 };
}
