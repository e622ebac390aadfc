/**
 * Idle memory: the built server (`node dist/src/main.js`, embedded PostgreSQL, simulator, jobs
 * scheduled) ten seconds after it said it was ready, beside a bare fastify process listening on a
 * port in the same run (what Node and an HTTP server cost before any of Splitcast). PostgreSQL runs
 * in its own processes and is not counted. Target (DESIGN.md): idle RSS < 200 MB.
 * Run: npm run compile && node dist/bench/idle.js
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processMemory, startEmbeddedServerProcess } from '../test/helpers/process';
import { runIfMain } from './entry';
import { section } from './report';

const COMMAND = 'node dist/bench/idle.js';
const SETTLE_MS = 10_000;
const MB = 2 ** 20;

async function bareFastifyRss(): Promise<number> {
  const script = `require('fastify')().get('/', async () => ({})).listen({ port: 0, host: '127.0.0.1' }).then(() => console.log('up'))`;
  const child = spawn(process.execPath, ['-e', script], { cwd: join(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('up') && resolve());
      child.on('exit', (code) => reject(new Error(`bare fastify exited with ${code}`)));
    });
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    return processMemory(child.pid!).rss;
  } finally {
    child.kill('SIGKILL');
  }
}

export async function main(): Promise<void> {
  const s = section('idle memory of the server', COMMAND);
  const dir = await mkdtemp(join(tmpdir(), 'splitcast-idle-'));
  await chmod(dir, 0o755); // PostgreSQL runs as its own user when started by root
  const server = await startEmbeddedServerProcess(dir, 'sk_bench_idle_admin_key_0123456789abcdef');
  try {
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const { rss, peak } = processMemory(server.child.pid!);
    const bare = await bareFastifyRss();
    s.log(`ready in ${server.readyMs} ms (embedded PostgreSQL initialised in a new data directory); peak RSS while starting ${(peak / MB).toFixed(0)} MB`);
    s.figure({
      name: `server RSS ${SETTLE_MS / 1000} s after ready (ratio: vs bare fastify)`,
      measured: `${(rss / MB).toFixed(0)} MB`,
      baseline: `bare fastify process: ${(bare / MB).toFixed(0)} MB`,
      ratio: rss / bare,
      target: '< 200 MB',
      met: rss < 200 * MB,
    });
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
    await rm(dir, { recursive: true, force: true });
  }
}

runIfMain(module, main);
