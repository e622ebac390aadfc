/**
 * The real server as a child process (`dist/src/main.js`, or `npm start`), for tests that kill it:
 * SIGKILL cannot be simulated in-process, and durability claims are about the process dying.
 * Also the processes around it, read from Linux /proc: the PostgreSQL of a data directory, a
 * process tree, and which of them are still alive.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isPostmasterOf, parseCmdline, parseProcStatState } from '../../src/db/pid-file';

const MAIN = join(__dirname, '..', '..', 'src', 'main.js');
/** The repository root (this file runs from dist/test/helpers). */
export const ROOT = join(__dirname, '..', '..', '..');

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** Resolves with the exit code (null after a signal) when the process has exited. */
  exited: Promise<number | null>;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Milliseconds from spawn to the ready line. */
  readyMs: number;
  /** POST a GraphQL operation with the admin key; throws on GraphQL errors. */
  gql<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
}

export interface SpawnOptions {
  /** 'node' (default): `node dist/src/main.js`; 'npm': `npm start` in the repository root. */
  via?: 'node' | 'npm';
  /** How long to wait for the ready line (default 20 s). */
  readyWithinMs?: number;
}

/** Spawns the server on a free port and waits for its ready line. */
export async function spawnServer(adminKey: string, env: Record<string, string>, opts: SpawnOptions = {}): Promise<ServerProcess> {
  // PORT=0: the server binds a free port itself and names it in its ready line. (Choosing a free
  // port here and handing it over races with every other process binding ports meanwhile.)
  const fullEnv = { ...process.env, PORT: '0', ADMIN_API_KEY: adminKey, LOG_LEVEL: 'fatal', ...env };
  const started = Date.now();
  const child =
    opts.via === 'npm'
      ? spawn('npm', ['start'], { cwd: ROOT, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(process.execPath, [MAIN], { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const closed = new Promise((r) => child.on('close', r)); // exited, and its output read to the end
  const deadline = started + (opts.readyWithinMs ?? 20_000);
  while (!out.includes('Splitcast is ready')) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      const ms = Date.now() - started;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await closed;
      throw new Error(`server did not start within ${ms} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const readyMs = Date.now() - started;
  const port = /Splitcast is ready: GraphQL \(HTTP and WebSocket\) at http:\/\/[^:/\s]+:(\d+)\/graphql/.exec(out)?.[1];
  if (!port) throw new Error(`no port in the ready line:\n${out}`);
  const url = `http://127.0.0.1:${port}`;
  async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` }, body: JSON.stringify({ query, variables }) });
    const body = (await res.json()) as { data: T; errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  }
  return { child, url, exited, output: () => out, readyMs, gql };
}

/** The server on an external database. */
export function startServerProcess(databaseUrl: string, adminKey: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  return spawnServer(adminKey, { DATABASE_URL: databaseUrl, ...env });
}

/** The server with its own embedded PostgreSQL under `dataDir/pg` (no DATABASE_URL). */
export function startEmbeddedServerProcess(dataDir: string, adminKey: string, env: Record<string, string> = {}, opts: SpawnOptions = {}): Promise<ServerProcess> {
  return spawnServer(adminKey, { DATABASE_URL: '', DATA_DIR: dataDir, ...env }, opts);
}

/** A process as /proc shows it; start time (clock ticks since boot) tells a reused PID apart. */
export interface ProcInfo {
  pid: number;
  ppid: number;
  state: string;
  startTime: string;
  argv: string[];
}

export function procInfo(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3 (state)
    const argv = parseCmdline(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    return { pid, ppid: Number(fields[1]), state: parseProcStatState(stat) ?? '?', startTime: fields[19]!, argv };
  } catch {
    return undefined; // gone
  }
}

function allProcs(): ProcInfo[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => procInfo(Number(d)))
    .filter((p): p is ProcInfo => p !== undefined);
}

/** The processes under `pid` (itself included). */
export function processTree(pid: number): ProcInfo[] {
  const procs = allProcs();
  const tree = procs.filter((p) => p.pid === pid);
  for (let i = 0; i < tree.length; i++) tree.push(...procs.filter((p) => p.ppid === tree[i]!.pid));
  return tree;
}

/** The PostgreSQL processes of a cluster directory: its postmaster(s) and their children (zombies included). */
export function postgresProcesses(pgDir: string): ProcInfo[] {
  const postmasters = allProcs().filter((p) => isPostmasterOf(p.argv, pgDir));
  return postmasters.flatMap((p) => processTree(p.pid));
}

/** Those of `procs` still running: the same PID with the same start time, and not a zombie. */
export function stillAlive(procs: ProcInfo[]): ProcInfo[] {
  return procs.filter((p) => {
    const now = procInfo(p.pid);
    return now !== undefined && now.startTime === p.startTime && now.state !== 'Z' && now.state !== 'X';
  });
}

/** Waits until none of `procs` runs (polling /proc); returns those still running at the deadline. */
export async function waitGone(procs: ProcInfo[], withinMs: number): Promise<ProcInfo[]> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const left = stillAlive(procs);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * SIGKILLs the server and every PostgreSQL process of its data directory in one go (one synchronous
 * loop, no await between the kills), as a power cut or the OOM killer would. Returns what was killed.
 */
export function killWithDatabase(server: ServerProcess, dataDir: string): ProcInfo[] {
  const victims = [...processTree(server.child.pid!), ...postgresProcesses(join(dataDir, 'pg'))];
  const seen = new Set<number>();
  for (const p of victims) {
    if (seen.has(p.pid)) continue;
    seen.add(p.pid);
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return victims;
}

/** SIGKILLs whatever of `procs` still runs (the cleanup after a failed assertion, so no orphan holds the test's pipes). */
export function killLeftovers(procs: ProcInfo[]): void {
  for (const p of stillAlive(procs)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

/** `pid argv…`, for assertion messages. */
export const brief = (p: ProcInfo): string => `${p.pid} ${p.argv.join(' ')}`;

/** A process's resident memory now and its peak (VmRSS / VmHWM in /proc/<pid>/status), in bytes. */
export function processMemory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}
