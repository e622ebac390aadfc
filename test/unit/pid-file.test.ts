import {
  LogTail,
  decideStart,
  isDirectoryBusy,
  isPostmasterOf,
  parseCmdline,
  parsePidFile,
  parseProcStatState,
  problemLines,
  shmAttachments,
  startFailureLines,
  type PidFile,
} from '../../src/db/pid-file';

const DIR = '/tmp/splitcast-x/pg';
// As PostgreSQL 18 writes it.
const PID_FILE = `4242\n${DIR}\n1760000000\n46099\n/tmp\n127.0.0.1\n  1234567     32770\nready   \n`;
const POSTMASTER = ['/opt/pg/bin/postgres', '-D', DIR, '-p', '46099', '-c', 'fsync=on'];
const file = (over: Partial<PidFile> = {}): PidFile => ({ ...parsePidFile(PID_FILE)!, ...over });

describe('parsePidFile', () => {
  it('reads the PID, directory, port, shared memory segment and status', () => {
    expect(parsePidFile(PID_FILE)).toEqual({ pid: 4242, dataDir: DIR, port: 46099, shmKey: 1234567, shmId: 32770, status: 'ready' });
  });
  it('takes a file cut short after the first lines', () => {
    expect(parsePidFile('4242\n/x\n')).toEqual({ pid: 4242, dataDir: '/x' });
  });
  it('rejects an empty or garbled file', () => {
    expect(parsePidFile('')).toBeUndefined();
    expect(parsePidFile('\n')).toBeUndefined();
    expect(parsePidFile('abc\n')).toBeUndefined();
    expect(parsePidFile('-5\n')).toBeUndefined();
  });
});

describe('/proc parsing', () => {
  it('finds the state letter after a command name with spaces and parentheses', () => {
    expect(parseProcStatState('4242 (postgres) S 1 4242 4242 0 -1')).toBe('S');
    expect(parseProcStatState('77 (a (b) c) Z 1 77')).toBe('Z');
    expect(parseProcStatState('garbage')).toBeUndefined();
  });
  it('splits cmdline on NUL', () => {
    expect(parseCmdline('/bin/postgres\0-D\0/d\0')).toEqual(['/bin/postgres', '-D', '/d']);
    expect(parseCmdline('')).toEqual([]);
  });
  it('recognises the postmaster of a data directory, in each way -D can be written', () => {
    expect(isPostmasterOf(POSTMASTER, DIR)).toBe(true);
    expect(isPostmasterOf(POSTMASTER, DIR + '/')).toBe(true);
    expect(isPostmasterOf(['postgres', `-D${DIR}`], DIR)).toBe(true);
    expect(isPostmasterOf(['postgres', `--pgdata=${DIR}`], DIR)).toBe(true);
    expect(isPostmasterOf(POSTMASTER, '/tmp/other/pg')).toBe(false);
    expect(isPostmasterOf(['node', 'dist/src/main.js', '-D', DIR], DIR)).toBe(false);
    expect(isPostmasterOf(['postgres: io worker 0'], DIR)).toBe(false);
  });
  it('reads the attachments of a System V segment', () => {
    const table = [
      '       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap',
      '   1234567      32770   600                    56  4242  4250      3   999   999   999   999 1760000001 1760000002 1760000000                  4096                     0',
      '   7654321      32771   600                    56  5000  5000      0   999   999   999   999 1760000001 1760000002 1760000000                  4096                     0',
    ].join('\n');
    expect(shmAttachments(table, 32770)).toEqual({ nattch: 3, lastPid: 4250 });
    expect(shmAttachments(table, 32771)).toEqual({ nattch: 0, lastPid: 5000 });
    expect(shmAttachments(table, 1)).toBeUndefined();
  });
});

describe('decideStart', () => {
  it('starts when there is no postmaster.pid', () => {
    expect(decideStart({ dataDir: DIR })).toEqual({ action: 'start' });
  });
  it('removes the file when its postmaster is gone', () => {
    expect(decideStart({ dataDir: DIR, pidFile: file(), postmaster: { kind: 'absent' } })).toMatchObject({ action: 'remove', reason: expect.stringContaining('PID 4242 is gone') });
  });
  it('removes the file when its postmaster is a zombie (killed, not yet reaped) and nothing holds the segment', () => {
    expect(decideStart({ dataDir: DIR, pidFile: file(), postmaster: { kind: 'zombie' }, shm: { nattch: 0, lastPid: 4250 } })).toMatchObject({ action: 'remove' });
  });
  it('removes the file when the PID now belongs to another program (reused PID)', () => {
    expect(decideStart({ dataDir: DIR, pidFile: file(), postmaster: { kind: 'running', argv: ['node', 'dist/src/main.js'] } })).toMatchObject({
      action: 'remove',
      reason: expect.stringContaining('another program'),
    });
    expect(decideStart({ dataDir: DIR, pidFile: file(), postmaster: { kind: 'running', argv: ['/bin/postgres', '-D', '/elsewhere'] } })).toMatchObject({ action: 'remove' });
  });
  it('removes an empty or garbled file', () => {
    expect(decideStart({ dataDir: DIR, pidFile: 'unreadable' })).toMatchObject({ action: 'remove' });
  });
  it('waits while old backends still hold the shared memory, even though the postmaster is dead', () => {
    for (const postmaster of [{ kind: 'absent' as const }, { kind: 'zombie' as const }]) {
      expect(decideStart({ dataDir: DIR, pidFile: file(), postmaster, shm: { nattch: 2, lastPid: 4250 } })).toMatchObject({
        action: 'wait',
        reason: expect.stringContaining('PID 4250'),
      });
    }
  });
  it('waits for a server of this directory that is shutting down', () => {
    expect(decideStart({ dataDir: DIR, pidFile: file({ status: 'stopping' }), postmaster: { kind: 'running', argv: POSTMASTER } })).toMatchObject({ action: 'wait' });
  });
  it('refuses, naming the PID, the directory and how to stop it, when a live server holds the directory', () => {
    const d = decideStart({ dataDir: DIR, pidFile: file(), postmaster: { kind: 'running', argv: POSTMASTER }, shm: { nattch: 6, lastPid: 4250 } });
    expect(d.action).toBe('refuse');
    const message = (d as { message: string }).message;
    expect(message).toContain('PID 4242');
    expect(message).toContain(DIR);
    expect(message).toContain('kill 4242');
  });
  it('refuses when the process cannot be identified (no /proc) rather than guess', () => {
    expect(decideStart({ dataDir: DIR, pidFile: file(), postmaster: { kind: 'running' } })).toMatchObject({ action: 'refuse', message: expect.stringContaining('delete postmaster.pid') });
  });
});

describe('PostgreSQL log', () => {
  const log = [
    '2026-05-01 10:00:00.000 UTC [77] FATAL:  lock file "postmaster.pid" already exists',
    '2026-05-01 10:00:00.000 UTC [77] HINT:  Is another postmaster (PID 4242) running in data directory "/tmp/x/pg"?',
  ];
  it('recognises a directory still held by an old server', () => {
    expect(isDirectoryBusy(log.join('\n'))).toBe(true);
    expect(isDirectoryBusy('FATAL:  pre-existing shared memory block (key 1234567, ID 32770) is still in use')).toBe(true);
    expect(isDirectoryBusy('FATAL:  could not create lock file "/tmp/.s.PGSQL.5432.lock": Permission denied')).toBe(false);
  });
  it('picks out the problem lines', () => {
    expect(problemLines(['LOG:  starting PostgreSQL 18.4', ...log, 'LOG:  database system is shut down'])).toEqual(log);
  });
  it('shows the last lines of a failed start, and older problem lines before them', () => {
    const lines = ['LOG:  a', 'ERROR:  old trouble', 'LOG:  b', 'LOG:  unrecognized configuration parameter "x"', 'FATAL:  configuration file contains errors'];
    expect(startFailureLines(lines, 2)).toEqual(['ERROR:  old trouble', 'LOG:  unrecognized configuration parameter "x"', 'FATAL:  configuration file contains errors']);
    expect(startFailureLines(lines.slice(3), 10)).toEqual(lines.slice(3));
  });
  it('keeps the last lines of a stream that arrives in arbitrary chunks', () => {
    const tail = new LogTail(3);
    tail.push('one\ntw');
    tail.push('o\nthree\n');
    tail.push('four\nfi');
    expect(tail.all()).toEqual(['two', 'three', 'four', 'fi']); // 3 whole lines and the unfinished one
    tail.push('ve\n');
    expect(tail.all()).toEqual(['three', 'four', 'five']);
    tail.clear();
    expect(tail.all()).toEqual([]);
  });
});
