/**
 * The real server as a child process (`dist/src/main.js`), for tests that kill it: SIGKILL
 * cannot be simulated in-process, and durability claims are about the process dying.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../src/db/embedded';

const MAIN = join(__dirname, '..', '..', 'src', 'main.js');

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** Resolves when the process has exited (after a kill). */
  exited: Promise<unknown>;
  /** Everything the process wrote so far (stdout and stderr: its pino JSON log lines). */
  output(): string;
  /** POST a GraphQL operation with the admin key; throws on GraphQL errors. */
  gql<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
}

/** Spawns the server on a free port and waits for its ready line (20 s at most). */
export async function startServerProcess(databaseUrl: string, adminKey: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), ADMIN_API_KEY: adminKey, LOG_LEVEL: 'fatal', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise((r) => child.on('exit', r));
  const deadline = Date.now() + 20_000;
  while (!out.includes('Splitcast is ready')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`server did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = `http://127.0.0.1:${port}`;
  async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` }, body: JSON.stringify({ query, variables }) });
    const body = (await res.json()) as { data: T; errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  }
  return { child, url, exited, gql, output: () => out };
}
