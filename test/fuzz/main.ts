/**
 * `npm run fuzz`: thousands of hostile requests against a fresh server on its own embedded
 * PostgreSQL. FUZZ_CASES (default 5000) and FUZZ_SEED (default: random, printed) choose the run;
 * the same seed replays the same cases. Exits 1 when any invariant broke.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { startEmbeddedPostgres } from '../../src/db/embedded';
import { prepareTarget, runFuzz } from './fuzz';

async function main(): Promise<void> {
  const cases = Number(process.env.FUZZ_CASES ?? 5000);
  const seed = Number(process.env.FUZZ_SEED ?? randomBytes(4).readUInt32BE() % 1e9);
  const publicUrl = 'https://hooks.splitcast.test';
  const dir = await mkdtemp(join(tmpdir(), 'splitcast-fuzz-'));
  await chmod(dir, 0o755); // PostgreSQL runs as its own user when this runs as root
  const db = await startEmbeddedPostgres({ dir: join(dir, 'pg') });
  const adminKey = `sk_fuzz_${randomBytes(16).toString('hex')}`;
  const app = await createApp(
    loadConfig({ DATABASE_URL: db.url, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent', ADMIN_API_KEY: adminKey, JOBS: 'off', PUBLIC_URL: publicUrl, ALLOW_CUSTOM_PROVIDER_URLS: 'true' }),
  );
  let failures;
  try {
    const target = await prepareTarget(app, adminKey, publicUrl);
    console.log(`fuzz: ${cases} cases, seed ${seed} (replay: FUZZ_SEED=${seed} FUZZ_CASES=${cases} npm run fuzz)`);
    const started = Date.now();
    failures = await runFuzz(target, seed, cases, (done) => {
      if (done % 500 === 0) console.log(`  ${done} cases, ${((Date.now() - started) / 1000).toFixed(0)} s`);
    });
  } finally {
    await app.close();
    await db.stop();
    await rm(dir, { recursive: true, force: true });
  }
  for (const f of failures) console.log(`\ncase ${f.index} (${f.kind}): ${f.problem}\n  ${f.request}`);
  console.log(failures.length === 0 ? `fuzz: all ${cases} cases held every invariant` : `fuzz: ${failures.length} failure(s)`);
  process.exit(failures.length === 0 ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
