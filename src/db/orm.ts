import { join } from 'node:path';
import { MikroORM, ReflectMetadataProvider } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { Counter } from 'prom-client';
import { ENTITIES } from './entities';

export type Orm = MikroORM<PostgreSqlDriver>;

/** Compiled migrations sit in dist/migrations, two levels above this file's dist/src/db. */
const MIGRATIONS_DIR = join(__dirname, '..', '..', 'migrations');

export async function initOrm(url: string, opts: { queryCounter?: Counter; poolMax?: number } = {}): Promise<Orm> {
  const orm = await MikroORM.init<PostgreSqlDriver>({
    driver: PostgreSqlDriver,
    clientUrl: url,
    entities: ENTITIES,
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
  if (counter) orm.em.getConnection().getKnex().on('query', () => counter.inc());
  return orm;
}

export async function migrate(orm: Orm): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}

export async function pendingMigrations(orm: Orm): Promise<number> {
  return (await orm.getMigrator().getPendingMigrations()).length;
}
