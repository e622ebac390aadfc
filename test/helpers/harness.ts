/**
 * Integration-test harness: a fresh database per test file on the run's PostgreSQL, the real app
 * listening on a free port, and a small typed GraphQL-over-HTTP client.
 */
import { randomBytes } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type DocumentNode } from 'graphql';
import { Client } from 'pg';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';

export interface GraphQLResponse<T> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string; reason?: string; field?: string } & Record<string, unknown> }[];
}

export interface TestApp {
  /** The running app (replaced by `restart()`). */
  readonly app: App;
  readonly url: string;
  adminKey: string;
  databaseUrl: string;
  /** Typed request; `key` defaults to the admin key, `null` sends no Authorization header. */
  gql<T, V>(doc: TypedDocumentNode<T, V>, variables?: V, key?: string | null): Promise<GraphQLResponse<T>>;
  /** Untyped request, for malformed or hand-written operations. */
  raw<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, key?: string | null): Promise<GraphQLResponse<T>>;
  /** Like gql, but fails the test on any error and returns data. */
  ok<T, V>(doc: TypedDocumentNode<T, V>, variables?: V, key?: string | null): Promise<T>;
  /** Creates a key for a brand-new workspace (for isolation tests). */
  newWorkspaceKey(name?: string, scopes?: ('READ' | 'WRITE' | 'ADMIN')[]): Promise<string>;
  /** Reads one counter from /metrics. */
  metric(name: string): Promise<number>;
  /** A query on the app's database (positional `?` parameters), for setup and assertions. */
  sql<T = Record<string, unknown>>(query: string, params?: unknown[]): Promise<T[]>;
  /** Stops the server and starts a new one on the same database (a process restart). */
  restart(): Promise<void>;
  /** Another server instance on the same database (closed with the harness). */
  anotherInstance(): Promise<App>;
  close(): Promise<void>;
}

export async function adminClient(database = 'postgres'): Promise<Client> {
  const base = process.env.SPLITCAST_TEST_DATABASE_URL;
  if (!base) throw new Error('SPLITCAST_TEST_DATABASE_URL is not set: run tests through jest (globalSetup starts PostgreSQL)');
  const url = new URL(base);
  url.pathname = `/${database}`;
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  return client;
}

export async function createTestDatabase(): Promise<string> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = await adminClient();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(process.env.SPLITCAST_TEST_DATABASE_URL!);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropTestDatabase(databaseUrl: string): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const admin = await adminClient();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
}

export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const databaseUrl = await createTestDatabase();
  const adminKey = `sk_test_${randomBytes(16).toString('hex')}`;
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ADMIN_API_KEY: adminKey,
    JOBS: 'off',
    NODE_ENV: 'test',
    ...env,
  });
  let app = await createApp(config);
  const others: App[] = [];

  const post = async <T>(query: string, variables: unknown, key: string | null | undefined): Promise<GraphQLResponse<T>> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const k = key === undefined ? adminKey : key;
    if (k !== null) headers.authorization = `Bearer ${k}`;
    const res = await fetch(`${app.url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    const body = (await res.json()) as GraphQLResponse<T>;
    return { ...body, status: res.status };
  };

  const t: TestApp = {
    get app() {
      return app;
    },
    get url() {
      return app.url;
    },
    adminKey,
    databaseUrl,
    gql: (doc, variables, key) => post(print(doc as DocumentNode), variables, key),
    raw: (query, variables, key) => post(query, variables, key),
    async ok(doc, variables, key) {
      const r = await post<never>(print(doc as DocumentNode), variables, key);
      if (r.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors, null, 2)}`);
      return r.data as never;
    },
    async newWorkspaceKey(name = `ws-${randomBytes(3).toString('hex')}`, scopes = ['ADMIN']) {
      // With PLANS set, only the operator creates workspaces (on the default plan).
      const maker = config.plans.configured && config.operatorApiKey ? config.operatorApiKey : adminKey;
      const r = await post<{ createApiKey: { secret: string } }>(
        'mutation($n: String!, $s: [ApiScope!]!, $w: String) { createApiKey(name: $n, scopes: $s, workspaceName: $w) { secret } }',
        { n: `${name}-key`, s: scopes, w: name },
        maker,
      );
      if (!r.data) throw new Error(JSON.stringify(r.errors));
      return r.data.createApiKey.secret;
    },
    sql: <T>(query: string, params: unknown[] = []) => app.orm.em.fork().getConnection().execute<T[]>(query, params),
    async metric(name) {
      const text = await (await fetch(`${app.url}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(`${name} `));
      if (!line) throw new Error(`metric ${name} not found`);
      return Number(line.split(' ')[1]);
    },
    async restart() {
      await app.close();
      app = await createApp(config);
    },
    async anotherInstance() {
      // Its own copy: createApp sets config.publicUrl to the port it listens on (no PUBLIC_URL),
      // and a shared object would make the first instance check Twilio signatures against the
      // second one's URL (every simulated webhook of the first instance then answered 401).
      const other = await createApp({ ...config });
      others.push(other);
      return other;
    },
    async close() {
      for (const o of others) await o.close();
      await app.close();
      await dropTestDatabase(databaseUrl);
    },
  };
  return t;
}

/** The error codes of a response, for compact assertions. */
export function errorOf(r: GraphQLResponse<unknown>): { code?: string; reason?: string; field?: string } | undefined {
  const e = r.errors?.[0]?.extensions;
  return e ? { code: e.code, reason: e.reason, field: e.field } : undefined;
}
