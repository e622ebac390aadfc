/**
 * The real entry point, as `npm start` runs it: a child process on a fresh DATA_DIR with embedded
 * PostgreSQL, the admin key printed once, data reused on the second start, and SIGTERM draining
 * in-flight requests and leaving no PostgreSQL process behind.
 */
import { spawn, execSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/db/embedded';
import { brief, killLeftovers, postgresProcesses, processTree, startEmbeddedServerProcess, stillAlive, waitGone, type ProcInfo } from '../helpers/process';

const MAIN = join(__dirname, '..', '..', 'src', 'main.js');
let dataDir: string;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'splitcast-start-'));
  chmodSync(dataDir, 0o755);
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

interface Started {
  child: ChildProcess;
  output: () => string;
  url: string;
  exited: Promise<number | null>;
}

async function start(env: Record<string, string> = {}): Promise<Started> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn', DATABASE_URL: '', ADMIN_API_KEY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 20_000;
  while (!out.includes('Splitcast is ready')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`server did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, output: () => out, url: `http://127.0.0.1:${port}`, exited };
}

const postgresRunning = () => {
  try {
    return execSync(`pgrep -f "[p]ostgres -D ${join(dataDir, "pg")}"`, { encoding: 'utf8' }).trim() !== '';
  } catch {
    return false; // pgrep exits 1 when nothing matches
  }
};

const viewer = (url: string, key: string) =>
  fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: '{ viewer { apiKeyName workspace { name } } }' }),
  });

it('first start creates the workspace and prints the admin key once; the second start reuses the data', async () => {
  const first = await start();
  const keyFile = join(dataDir, 'admin-api-key');
  expect(existsSync(keyFile)).toBe(true);
  const key = readFileSync(keyFile, 'utf8').trim();
  expect(first.output()).toContain(key);
  expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
  expect(await (await viewer(first.url, key)).json()).toEqual({ data: { viewer: { apiKeyName: 'bootstrap admin', workspace: { name: 'Default' } } } });
  first.child.kill('SIGTERM');
  expect(await first.exited).toBe(0);
  expect(postgresRunning()).toBe(false);

  const second = await start();
  expect(second.output()).not.toContain('Admin API key');
  expect((await viewer(second.url, key)).status).toBe(200);
  second.child.kill('SIGINT');
  expect(await second.exited).toBe(0);
  expect(postgresRunning()).toBe(false);
});

it('accepts ADMIN_API_KEY as the bootstrap admin key', async () => {
  const key = 'sk_operator_chosen_key_0123456789';
  const s = await start({ ADMIN_API_KEY: key });
  expect((await (await viewer(s.url, key)).json()) as unknown).toMatchObject({ data: { viewer: { apiKeyName: 'bootstrap admin' } } });
  s.child.kill('SIGTERM');
  expect(await s.exited).toBe(0);
});

it('drains an in-flight request on SIGTERM before stopping', async () => {
  const key = readFileSync(join(dataDir, 'admin-api-key'), 'utf8').trim();
  const s = await start({ LOG_LEVEL: 'info' }); // info: fastify logs each request as it arrives
  const rows = Array.from({ length: 8000 }, (_, i) => `drain-${i},+1415555${String(i).padStart(4, '0')}`).join('\n');
  const inFlight = fetch(`${s.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: 'mutation($csv: String!) { importContactsCsv(csv: $csv) { created rejected { code } } }', variables: { csv: `external_id,phone\n${rows}` } }),
  });
  // SIGTERM once the server has the request (its log says so), not after a guessed delay.
  const arrived = Date.now() + 15_000;
  while (!/"msg":"incoming request"[^\n]*"url":"\/graphql"|"url":"\/graphql"[^\n]*"msg":"incoming request"/.test(s.output()) && Date.now() < arrived) {
    await new Promise((r) => setTimeout(r, 10));
  }
  s.child.kill('SIGTERM');
  const res = await inFlight;
  expect(res.status).toBe(200);
  const body = (await res.json()) as { data: { importContactsCsv: { created: number } } };
  expect(body.data.importContactsCsv.created).toBe(8000);
  expect(await s.exited).toBe(0);
  expect(postgresRunning()).toBe(false);
});

it('refuses a bad configuration with a clear message', async () => {
  const child = spawn(process.execPath, [MAIN], { env: { ...process.env, PORT: 'eighty', DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(code).toBe(1);
  expect(err).toMatch(/Invalid configuration:\n\s+PORT/);
});

describe('npm start', () => {
  // npm 11 runs the script through `sh -c`, and forwards SIGTERM / SIGINT to that shell only. dash
  // does not exec the command, so the shell died and node (with PostgreSQL) ran on, orphaned. The
  // script now `exec`s node; and under npm the server stops when it finds itself re-parented.
  const KEY = 'sk_npm_start_key_0123456789abcdef';
  const dirs: string[] = [];
  const started: ProcInfo[] = [];
  afterEach(() => killLeftovers(started)); // after a failure: no orphan left holding the test's pipes
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  async function npmStart() {
    const dir = mkdtempSync(join(tmpdir(), 'splitcast-npm-'));
    chmodSync(dir, 0o755);
    dirs.push(dir);
    const s = await startEmbeddedServerProcess(dir, KEY, { JOBS: 'off', LOG_LEVEL: 'warn' }, { via: 'npm', readyWithinMs: 60_000 });
    const tree = processTree(s.child.pid!);
    const postgres = postgresProcesses(join(dir, 'pg'));
    started.push(...tree, ...postgres);
    expect(tree.filter((p) => p.argv.includes('dist/src/main.js'))).toHaveLength(1);
    expect(postgres.length).toBeGreaterThan(0);
    expect(tree.map((p) => p.pid)).toContain(postgres[0]!.pid); // the postmaster is the server's child
    return { s, dir, tree };
  }

  it('SIGTERM to the npm process stops the server and its database', async () => {
    const { s, dir, tree } = await npmStart();
    expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect((await waitGone(tree, 30_000)).map(brief)).toEqual([]);
    expect(stillAlive(postgresProcesses(join(dir, 'pg'))).map(brief)).toEqual([]);
  }, 100_000);

  it('SIGKILL to the npm process: the orphaned server notices and stops with its database', async () => {
    const { s, dir, tree } = await npmStart();
    s.child.kill('SIGKILL');
    expect(await s.exited).toBeNull();
    expect((await waitGone(tree, 30_000)).map(brief)).toEqual([]);
    expect(stillAlive(postgresProcesses(join(dir, 'pg'))).map(brief)).toEqual([]);
  }, 100_000);
});
