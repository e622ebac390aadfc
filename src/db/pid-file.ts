/**
 * What to do about a `postmaster.pid` left in the embedded cluster's directory. Pure functions (no
 * I/O): src/db/embedded.ts gathers the facts (the file, /proc, /proc/sysvipc/shm) and acts.
 *
 * PostgreSQL refuses to start while the PID in postmaster.pid answers `kill(pid, 0)`. After a
 * SIGKILL of the server and its database, the old postmaster stays a zombie until its new parent
 * (init) reaps it, and `kill(pid, 0)` succeeds on a zombie; in containers the PID may also have
 * been reused by an unrelated process. PostgreSQL's other interlock is the System V shared memory
 * segment named in the file: while any process is attached to it, old backends still run and the
 * directory must not be touched.
 */

/** The lines of postmaster.pid that matter here (PostgreSQL's LOCK_FILE_LINE_*). */
export interface PidFile {
  /** Line 1: the postmaster's PID. */
  pid: number;
  /** Line 2: its data directory. */
  dataDir?: string;
  /** Line 4: its port. */
  port?: number;
  /** Line 7: the System V shared memory segment (key and id). */
  shmKey?: number;
  shmId?: number;
  /** Line 8: starting | stopping | ready | standby. */
  status?: string;
}

/** Parses postmaster.pid; undefined when the first line is not a PID (an empty or torn file). */
export function parsePidFile(text: string): PidFile | undefined {
  const lines = text.split('\n');
  const pid = Number(lines[0]?.trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const out: PidFile = { pid };
  if (lines[1]?.trim()) out.dataDir = lines[1].trim();
  const port = Number(lines[3]?.trim());
  if (lines[3]?.trim() && Number.isInteger(port)) out.port = port;
  const shm = lines[6]?.trim().split(/\s+/).map(Number);
  if (shm && shm.length === 2 && shm.every(Number.isInteger)) [out.shmKey, out.shmId] = shm as [number, number];
  if (lines[7]?.trim()) out.status = lines[7].trim();
  return out;
}

/** A process as seen from outside: gone, a zombie (dead, not reaped), or running with its argv. */
export type ProcessState =
  | { kind: 'absent' }
  | { kind: 'zombie' }
  /** argv unknown (no /proc): the process answers signals but cannot be identified. */
  | { kind: 'running'; argv?: string[] };

/** The state letter of /proc/<pid>/stat (after the parenthesised command name, which may hold spaces). */
export function parseProcStatState(stat: string): string | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  return stat.slice(close + 1).trim().split(/\s+/)[0];
}

/** /proc/<pid>/cmdline: NUL-separated argv (empty for zombies and kernel threads). */
export function parseCmdline(raw: string): string[] {
  return raw.split('\0').filter((s, i, all) => s !== '' || i < all.length - 1);
}

const trimSlash = (p: string) => (p.length > 1 ? p.replace(/\/+$/, '') : p);

/** Whether argv is a postmaster (`…/postgres -D <dir> …`) serving dataDir. */
export function isPostmasterOf(argv: string[], dataDir: string): boolean {
  const bin = argv[0]?.split('/').pop();
  if (bin !== 'postgres' && bin !== 'postmaster') return false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    const dir = a === '-D' ? argv[i + 1] : a.startsWith('-D') ? a.slice(2) : a.startsWith('--pgdata=') ? a.slice(9) : undefined;
    if (dir !== undefined) return trimSlash(dir) === trimSlash(dataDir);
  }
  return false;
}

/**
 * Number of processes attached to the System V segment `shmId`, from /proc/sysvipc/shm (a header
 * line, then `key shmid perms size cpid lpid nattch …`); undefined when the segment is gone.
 */
export function shmAttachments(procSysvipcShm: string, shmId: number): { nattch: number; lastPid: number } | undefined {
  const lines = procSysvipcShm.split('\n');
  const header = lines[0]?.trim().split(/\s+/) ?? [];
  const col = (name: string, fallback: number) => (header.indexOf(name) >= 0 ? header.indexOf(name) : fallback);
  const [idCol, nattchCol, lpidCol] = [col('shmid', 1), col('nattch', 6), col('lpid', 5)];
  for (const line of lines.slice(1)) {
    const f = line.trim().split(/\s+/);
    if (Number(f[idCol]) === shmId) return { nattch: Number(f[nattchCol]), lastPid: Number(f[lpidCol]) };
  }
  return undefined;
}

export interface PidFileFacts {
  /** The cluster directory being started. */
  dataDir: string;
  /** Parsed postmaster.pid; undefined when there is none; 'unreadable' when it cannot be parsed. */
  pidFile?: PidFile | 'unreadable';
  /** State of the PID in the file. */
  postmaster?: ProcessState;
  /** Attachments of the file's shared memory segment; undefined: gone (or unknown). */
  shm?: { nattch: number; lastPid: number };
}

export type StartDecision =
  /** Nothing in the way: start PostgreSQL. */
  | { action: 'start' }
  /** The file is stale (its server is dead and nothing holds the segment): delete it, then start. */
  | { action: 'remove'; reason: string }
  /** The old server is going away: wait a little and look again. */
  | { action: 'wait'; reason: string }
  /** A live server holds the directory: do not start, say what to do. */
  | { action: 'refuse'; message: string };

/** Decides from the facts alone. The caller waits (bounded) on 'wait' and turns it into 'refuse' at the deadline. */
export function decideStart(f: PidFileFacts): StartDecision {
  if (f.pidFile === undefined) return { action: 'start' };
  if (f.pidFile === 'unreadable') {
    // PostgreSQL itself refuses an empty or garbled lock file; one without a PID cannot protect anything.
    return { action: 'remove', reason: 'postmaster.pid holds no PID (torn write when the server was killed)' };
  }
  const { pid, status } = f.pidFile;
  const p = f.postmaster ?? { kind: 'absent' };
  if (p.kind === 'running' && (p.argv === undefined || isPostmasterOf(p.argv, f.dataDir))) {
    if (status === 'stopping') return { action: 'wait', reason: `PostgreSQL (PID ${pid}) is shutting down` };
    const what = p.argv === undefined ? `Process ${pid}, named in postmaster.pid, is running` : `PostgreSQL (PID ${pid}) is already running`;
    return {
      action: 'refuse',
      message:
        `${what} on the data directory ${f.dataDir}: another Splitcast (or a leftover of one) uses this DATA_DIR. ` +
        `Stop it (\`kill ${pid}\` shuts it down cleanly) or give this server another DATA_DIR.` +
        (p.argv === undefined ? ' If that process is not PostgreSQL, delete postmaster.pid in that directory.' : ''),
    };
  }
  // The postmaster is dead (gone, or a zombie waiting to be reaped), or the PID now belongs to another program.
  const dead = p.kind === 'absent' ? `PID ${pid} is gone` : p.kind === 'zombie' ? `PID ${pid} is dead, not yet reaped` : `PID ${pid} is now another program`;
  if (f.shm && f.shm.nattch > 0) {
    return { action: 'wait', reason: `the old postmaster is dead (${dead}) but ${f.shm.nattch} of its processes still hold its shared memory (last attached: PID ${f.shm.lastPid})` };
  }
  return { action: 'remove', reason: `stale postmaster.pid: ${dead}` };
}

/** Whether a failed start's log says an old server still held the directory (worth another look). */
export function isDirectoryBusy(log: string): boolean {
  return /lock file "postmaster\.pid" already exists|pre-existing shared memory block .* is still in use/.test(log);
}

/** PostgreSQL's own diagnosis in its log: the FATAL / PANIC / ERROR lines and their DETAIL / HINT. */
export function problemLines(lines: string[]): string[] {
  return lines.filter((l) => /\b(FATAL|PANIC|ERROR|DETAIL|HINT):/.test(l));
}

/**
 * What a failed start shows of PostgreSQL's log: its last `n` lines (the FATAL usually comes last,
 * the LOG lines before it say what was wrong), preceded by any older FATAL / ERROR lines.
 */
export function startFailureLines(log: string[], n = 10): string[] {
  const last = log.slice(-n);
  return [...problemLines(log.slice(0, -n)), ...last];
}

/** Keeps the last `max` lines of a stream that arrives in arbitrary chunks. */
export class LogTail {
  private lines: string[] = [];
  private partial = '';
  constructor(private readonly max = 40) {}

  push(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    for (const l of parts) if (l.trim()) this.lines.push(l.trimEnd());
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
  }

  /** The kept lines, the unfinished one included. */
  all(): string[] {
    return this.partial.trim() ? [...this.lines, this.partial.trimEnd()] : [...this.lines];
  }

  clear(): void {
    this.lines = [];
    this.partial = '';
  }
}
