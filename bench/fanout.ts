/**
 * Live fan-out benchmark: N real graphql-ws subscribers of one campaign's variantStatsUpdated while
 * events are posted at a fixed rate through POST /v1/events, beside a bare `ws` server that
 * broadcasts the same bytes to the same number of sockets, in the same run.
 *
 * Processes: the server is a child process (its RSS and event loop are its own), the subscribers
 * live in two client child processes (this file in `client` mode), the bare server is a child too
 * (`bare` mode); this process only posts events and reads the results.
 *
 * Latencies, all on the host's one wall clock (Date.now() in every process):
 * - freshness (the target): per (subscriber, acknowledged request), the time from the load
 *   generator receiving the request's 2xx to the subscriber receiving the first message whose
 *   counter (sum of `events` over the variants) covers it. Requests are ordered by acknowledgement
 *   time and numbered by the running sum of accepted events; a message with total T covers every
 *   request whose running sum is ≤ T. This includes the coalescing window: an event acknowledged
 *   just after an emission waits up to one window. A message may include a request whose ack has
 *   not reached the generator yet (commit precedes the reply): that latency counts as 0.
 * - delivery: per message, receive time minus the acknowledgement time of the newest request it
 *   covers (what a subscriber waits beyond the freshest event; no window in it).
 * - emission→receive: per message, receive time minus the server's `at` (when the coalesced update
 *   fired); the bare server stamps `at` the same way, so this one compares directly to the bare
 *   broadcast.
 * RSS: the server's VmHWM (/proc/<pid>/status) at the end: the peak of its whole life.
 *
 * Run: npm run compile && node dist/bench/fanout.js
 *   FANOUT_LEVELS="1000@2000,10000@2000"  subscribers@events-per-second, one fresh server each
 *   FANOUT_DURATION=10  seconds of events per level;  LIVE_COALESCE_MS=250  the server's window
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import WebSocket, { WebSocketServer } from 'ws';
import { Client as PgClient } from 'pg';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../src/db/embedded';
import { startServerProcess, type ServerProcess } from '../test/helpers/process';
import { header } from './support';
import { runIfMain } from './entry';

const COMMAND = 'node dist/bench/fanout.js';
const EVENTS_PER_REQUEST = 20;
const CLIENT_PROCESSES = 2;
const CONTACTS = 2000;
export const WINDOW_MS = Number(process.env.LIVE_COALESCE_MS ?? 250);
const DURATION_S = Number(process.env.FANOUT_DURATION ?? 10);

/** What a dashboard keeps open: per-variant counts and rates. `events` counts every event (repeats too). */
export const STATS_QUERY = `subscription Live($campaignId: ID!) {
  variantStatsUpdated(campaignId: $campaignId) {
    campaignId
    at
    variants { id variantId assigned sent delivered clicked converted revenue clickRate conversionRate revenuePerRecipient events updatedAt }
  }
}`;

// ---------------------------------------------------------------------------------------------
// Pure parts: latency histograms and the coverage of acknowledgements by messages.

/** 1 ms buckets up to 60 s (the last one holds everything above). */
export class Histogram {
  readonly buckets = new Float64Array(60_001);
  count = 0;
  add(ms: number): void {
    this.buckets[Math.min(60_000, Math.max(0, Math.round(ms)))]! += 1;
    this.count++;
  }
  merge(pairs: [number, number][]): void {
    for (const [ms, n] of pairs) {
      this.buckets[ms]! += n;
      this.count += n;
    }
  }
  /** Non-empty buckets, to send between processes. */
  pairs(): [number, number][] {
    const out: [number, number][] = [];
    this.buckets.forEach((n, ms) => n && out.push([ms, n]));
    return out;
  }
  percentile(p: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (let ms = 0; ms < this.buckets.length; ms++) {
      seen += this.buckets[ms]!;
      if (seen >= rank) return ms;
    }
    return 60_000;
  }
}

/** Acknowledged requests in acknowledgement order: running sum of accepted events, and when. */
export interface Acks {
  cum: number[];
  at: number[];
}

/**
 * One subscriber's latencies. `recv` and `total` are its messages in arrival order (totals never
 * decrease on one stream). Returns how many acknowledged requests no message ever covered.
 */
export function subscriberLatencies(acks: Acks, recv: number[], total: number[], fresh: Histogram, delivery: Histogram): number {
  // freshness: each request → first message covering it
  let k = 0;
  let uncovered = 0;
  for (let j = 0; j < acks.cum.length; j++) {
    while (k < total.length && total[k]! < acks.cum[j]!) k++;
    if (k === total.length) {
      uncovered = acks.cum.length - j;
      break;
    }
    fresh.add(Math.max(0, recv[k]! - acks.at[j]!));
  }
  // delivery: each message → the acknowledgement that brought the running sum to its total
  let j = 0;
  for (let m = 0; m < total.length; m++) {
    if (total[m]! === 0) continue;
    while (j < acks.cum.length - 1 && acks.cum[j]! < total[m]!) j++;
    delivery.add(Math.max(0, recv[m]! - acks.at[j]!));
  }
  return uncovered;
}

// ---------------------------------------------------------------------------------------------
// Client process: many real graphql-ws clients, one socket each.

interface OpenCommand {
  type: 'open';
  urls: string[];
  key: string;
  campaignId: string;
  count: number;
  offset: number;
}
type ClientCommand = OpenCommand | { type: 'results'; acks: Acks | null; final: number } | { type: 'close' };
export interface ClientResults {
  fresh: [number, number][];
  delivery: [number, number][];
  emission: [number, number][];
  messages: number;
  uncovered: number;
  lastEqualFinal: number;
  subscribers: number;
  errors: string[];
  sample?: string;
}

interface Sub {
  client: Client;
  recv: number[];
  total: number[];
  at: number[];
}

function clientMode(): void {
  const subs: Sub[] = [];
  const errors: string[] = [];
  let sample: string | undefined;
  process.on('message', async (cmd: ClientCommand) => {
    if (cmd.type === 'open') {
      const opened: Promise<void>[] = [];
      for (let i = 0; i < cmd.count; i++) {
        const url = cmd.urls[(cmd.offset + i) % cmd.urls.length]!.replace(/^http/, 'ws') + '/graphql';
        const sub: Sub = { client: undefined as unknown as Client, recv: [], total: [], at: [] };
        let connected!: () => void;
        opened.push(new Promise<void>((r) => (connected = r)));
        sub.client = createClient({ url, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${cmd.key}` }, retryAttempts: 0, lazy: true, on: { connected: () => connected() } });
        sub.client.subscribe(
          { query: STATS_QUERY, variables: { campaignId: cmd.campaignId } },
          {
            next: (v) => {
              const now = Date.now();
              if (v.errors) errors.push(JSON.stringify(v.errors).slice(0, 300));
              const u = (v.data as { variantStatsUpdated?: { at: string; variants: { events: number }[] } } | undefined)?.variantStatsUpdated;
              if (!u) return;
              if (!sample) sample = JSON.stringify(v);
              sub.recv.push(now);
              sub.total.push(u.variants.reduce((a, x) => a + x.events, 0));
              sub.at.push(new Date(u.at).getTime());
            },
            error: (e) => void errors.push(String((e as { reason?: string }).reason ?? (e as Error).message ?? JSON.stringify(e)).slice(0, 300)),
            complete: () => undefined,
          },
        );
        subs.push(sub);
        // Open in steps so the server's accept backlog is not flooded.
        if (i % 200 === 199) await Promise.race([Promise.all(opened.slice(-200)), new Promise((r) => setTimeout(r, 5000))]);
      }
      await Promise.race([Promise.all(opened), new Promise((r) => setTimeout(r, 60_000))]);
      process.send!({ type: 'opened', errors: errors.slice(0, 5) });
    } else if (cmd.type === 'results') {
      const fresh = new Histogram();
      const delivery = new Histogram();
      const emission = new Histogram();
      let messages = 0;
      let uncovered = 0;
      let lastEqualFinal = 0;
      for (const s of subs) {
        messages += s.recv.length;
        if (cmd.acks) uncovered += subscriberLatencies(cmd.acks, s.recv, s.total, fresh, delivery);
        s.recv.forEach((r, i) => emission.add(r - s.at[i]!));
        if (s.total.length > 0 && s.total[s.total.length - 1] === cmd.final) lastEqualFinal++;
      }
      const results: ClientResults = { fresh: fresh.pairs(), delivery: delivery.pairs(), emission: emission.pairs(), messages, uncovered, lastEqualFinal, subscribers: subs.length, errors: errors.slice(0, 5), sample };
      process.send!(results);
    } else if (cmd.type === 'close') {
      await Promise.all(subs.map((s) => s.client.dispose()));
      process.exit(0);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Bare process: a `ws` server speaking just enough graphql-transport-ws, broadcasting one payload.

type BareCommand = { type: 'broadcast'; template: string; windowMs: number; durationMs: number };

function bareMode(): void {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: () => 'graphql-transport-ws' });
  const subs = new Map<WebSocket, string[]>();
  wss.on('connection', (socket) => {
    subs.set(socket, []);
    socket.on('message', (data) => {
      const m = JSON.parse(String(data)) as { type: string; id?: string };
      if (m.type === 'connection_init') socket.send('{"type":"connection_ack"}');
      else if (m.type === 'ping') socket.send('{"type":"pong"}');
      else if (m.type === 'subscribe') subs.get(socket)!.push(`{"id":${JSON.stringify(m.id)},"type":"next","payload":`);
    });
    socket.on('close', () => subs.delete(socket));
  });
  wss.on('listening', () => process.send!({ type: 'listening', port: (wss.address() as { port: number }).port }));
  process.on('message', (cmd: BareCommand | { type: 'close' }) => {
    if (cmd.type === 'close') {
      for (const s of subs.keys()) s.terminate();
      wss.close(() => process.exit(0));
      return;
    }
    // The same bytes as the server's messages: its own payload, with `at` and one counter changed.
    const payload = JSON.parse(cmd.template) as { data: { variantStatsUpdated: { at: string; variants: { events: number }[] } } };
    const u = payload.data.variantStatsUpdated;
    let n = 0;
    const started = Date.now();
    const timer = setInterval(() => {
      n++;
      u.at = new Date().toISOString();
      u.variants.forEach((v, i) => (v.events = i === 0 ? n : 0));
      const json = JSON.stringify(payload);
      for (const [socket, prefixes] of subs) for (const p of prefixes) socket.send(p + json + '}');
      if (Date.now() - started >= cmd.durationMs) {
        clearInterval(timer);
        process.send!({ type: 'done', final: n });
      }
    }, cmd.windowMs);
  });
}

// ---------------------------------------------------------------------------------------------
// Orchestration.

function forkSelf(mode: string): ChildProcess {
  return fork(__filename, [mode], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--max-old-space-size=4096'] });
}

function nextMessage<T>(child: ChildProcess, type?: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type?: string }) => {
      if (type && m.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m as T);
    };
    const onExit = (code: number | null) => reject(new Error(`child exited (${code}) while waiting for ${type ?? 'a message'}`));
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

export function maxOpenFiles(): number {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  return Number(line?.trim().split(/\s+/)[3] ?? 1024);
}

export function vmHwmMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
  return Number(line?.split(/\s+/)[1] ?? 0) / 1024;
}

export interface Bench {
  db: EmbeddedDatabase;
  dir: string;
  adminKey: string;
  close(): Promise<void>;
}

export async function startBenchDatabase(): Promise<Bench> {
  const dir = await mkdtemp(join(tmpdir(), 'splitcast-fanout-'));
  await chmod(dir, 0o755); // PostgreSQL runs as its own user when started by root
  const db = await startEmbeddedPostgres({ dir: join(dir, 'pg') });
  return {
    db,
    dir,
    adminKey: `sk_bench_${randomBytes(16).toString('hex')}`,
    async close() {
      await db.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Server instances for one measurement: RATE_LIMIT off (10,000 sockets from one address), jobs off. */
export async function startServers(bench: Bench, n: number): Promise<ServerProcess[]> {
  const env: Record<string, string> = { RATE_LIMIT: 'off', JOBS: 'off', LOG_LEVEL: 'warn', LIVE_COALESCE_MS: String(WINDOW_MS), BODY_LIMIT_BYTES: String(1 << 20) };
  // e.g. FANOUT_SERVER_NODE_OPTIONS=--max-old-space-size=256: the server's heap cap (V8 otherwise grows lazily to GBs).
  if (process.env.FANOUT_SERVER_NODE_OPTIONS) env.NODE_OPTIONS = process.env.FANOUT_SERVER_NODE_OPTIONS;
  const servers: ServerProcess[] = [];
  // One after the other: both would run the migrations at once otherwise.
  for (let i = 0; i < n; i++) servers.push(await startServerProcess(bench.db.url, bench.adminKey, env));
  return servers;
}

export async function stopServers(servers: ServerProcess[]): Promise<void> {
  for (const s of servers) s.child.kill('SIGTERM');
  await Promise.all(servers.map((s) => Promise.race([s.exited, new Promise((r) => setTimeout(r, 10_000))])));
  for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
}

/** A campaign with CONTACTS recipients: its id and the contacts events go to. */
export async function benchCampaign(server: ServerProcess, databaseUrl: string, name: string): Promise<{ campaignId: string; contactIds: string[] }> {
  const { viewer } = await server.gql<{ viewer: { workspace: { id: string } } }>('{ viewer { workspace { id } } }');
  const pg = new PgClient({ connectionString: databaseUrl });
  await pg.connect();
  try {
    const tag = `fan-${randomBytes(4).toString('hex')}`;
    await pg.query(
      `insert into contacts (id, workspace_id, external_id, tags, consent_channels) select gen_random_uuid(), $1, $2 || '-' || g, array[$2], array['SMS', 'WHATSAPP', 'EMAIL'] from generate_series(1, $3::int) g`,
      [viewer.workspace.id, tag, CONTACTS],
    );
    const { createCampaign: c } = await server.gql<{ createCampaign: { id: string } }>(
      'mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }',
      { input: { name, type: 'AB_TEST', variants: [{ template: 'a' }, { template: 'b' }, { template: 'c' }] } },
    );
    await server.gql('mutation($id: ID!, $a: AudienceInput!) { addRecipients(campaignId: $id, audience: $a) { __typename } }', { id: c.id, a: { tags: [tag] } });
    const rows = await pg.query<{ id: string }>('select contact_id as id from assignments where campaign_id = $1', [c.id]);
    return { campaignId: c.id, contactIds: rows.rows.map((r) => r.id) };
  } finally {
    await pg.end();
  }
}

async function countedEvents(databaseUrl: string, campaignId: string): Promise<number> {
  const pg = new PgClient({ connectionString: databaseUrl });
  await pg.connect();
  try {
    const r = await pg.query<{ n: string }>('select coalesce(sum(events), 0) as n from variant_counters where campaign_id = $1', [campaignId]);
    return Number(r.rows[0]!.n);
  } finally {
    await pg.end();
  }
}

async function subscriptionsActive(urls: string[]): Promise<number> {
  let n = 0;
  for (const url of urls) {
    const text = await (await fetch(`${url}/metrics`)).text();
    n += Number(text.split('\n').find((l) => l.startsWith('splitcast_subscriptions_active '))?.split(' ')[1] ?? 0);
  }
  return n;
}

interface Subscribers {
  children: ChildProcess[];
  results(acks: Acks | null, final: number): Promise<ClientResults[]>;
  close(): Promise<void>;
}

async function openSubscribers(urls: string[], key: string, campaignId: string, n: number): Promise<Subscribers> {
  const children = Array.from({ length: CLIENT_PROCESSES }, () => forkSelf('client'));
  const per = Math.ceil(n / CLIENT_PROCESSES);
  const opened = await Promise.all(
    children.map((c, i) => {
      const reply = nextMessage<{ errors: string[] }>(c, 'opened');
      c.send({ type: 'open', urls, key, campaignId, count: Math.min(per, n - i * per), offset: i * per } satisfies OpenCommand);
      return reply;
    }),
  );
  const errors = opened.flatMap((o) => o.errors);
  if (errors.length > 0) console.log(`   subscriber errors while opening: ${errors.join(' | ')}`);
  return {
    children,
    results: (acks, final) =>
      Promise.all(
        children.map((c) => {
          const reply = nextMessage<ClientResults>(c);
          c.send({ type: 'results', acks, final });
          return reply;
        }),
      ),
    async close() {
      await Promise.all(children.map((c) => new Promise((r) => (c.once('exit', r), c.send({ type: 'close' })))));
    },
  };
}

/** Posts `rate` events/s for `seconds` (requests of EVENTS_PER_REQUEST, open loop, round robin over `urls`). */
export async function postEvents(urls: string[], key: string, campaignId: string, contactIds: string[], rate: number, seconds: number): Promise<{ acks: Acks; accepted: number; failed: number }> {
  const perSecond = rate / EVENTS_PER_REQUEST;
  const total = Math.round(perSecond * seconds);
  const acked: { at: number; n: number }[] = [];
  let failed = 0;
  const reasons = new Map<string, number>();
  const failure = (reason: string) => {
    failed++;
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  };
  const started = Date.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / perSecond;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const body = JSON.stringify(Array.from({ length: EVENTS_PER_REQUEST }, (_, e) => ({ campaignId, contactId: contactIds[(i * EVENTS_PER_REQUEST + e) % contactIds.length], type: 'CLICKED' })));
    inflight.push(
      fetch(`${urls[i % urls.length]}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body, signal: AbortSignal.timeout(30_000) }).then(
        async (res) => {
          const at = Date.now();
          const json = (await res.json()) as { accepted?: number };
          if (res.ok && typeof json.accepted === 'number') acked.push({ at, n: json.accepted });
          else failure(`HTTP ${res.status}`);
        },
        (e: Error) => failure(e.name === 'TimeoutError' ? 'timeout' : String((e.cause as Error | undefined)?.message ?? e.message)),
      ),
    );
  }
  await Promise.all(inflight);
  acked.sort((a, b) => a.at - b.at);
  const acks: Acks = { cum: [], at: [] };
  let sum = 0;
  for (const a of acked) {
    sum += a.n;
    acks.cum.push(sum);
    acks.at.push(a.at);
  }
  if (failed) console.log(`   failed requests: ${[...reasons].map(([r, n]) => `${n} × ${r}`).join(', ')}`);
  return { acks, accepted: sum, failed };
}

export interface FanoutFigures {
  subscribers: number;
  rate: number;
  fresh: Histogram;
  delivery: Histogram;
  emission: Histogram;
  messages: number;
  lastEqualFinal: number;
  uncovered: number;
  final: number;
  accepted: number;
  failedRequests: number;
  rssPeakMb: number[];
  sample?: string;
  errors: string[];
}

function merge(results: ClientResults[], pick: (r: ClientResults) => [number, number][]): Histogram {
  const h = new Histogram();
  for (const r of results) h.merge(pick(r));
  return h;
}

/** One measurement on running servers: `n` subscribers spread over `servers`, events spread too. */
export async function measureFanout(bench: Bench, servers: ServerProcess[], n: number, rate: number, seconds = DURATION_S): Promise<FanoutFigures> {
  const urls = servers.map((s) => s.url);
  const { campaignId, contactIds } = await benchCampaign(servers[0]!, bench.db.url, `fan-out ${n}@${rate}`);
  const before = await subscriptionsActive(urls);
  const subs = await openSubscribers(urls, bench.adminKey, campaignId, n);
  try {
    // graphql-ws sends `subscribe` right after the ack: wait until the servers hold every subscription.
    const deadline = Date.now() + 60_000;
    while ((await subscriptionsActive(urls)) - before < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const { acks, accepted, failed } = await postEvents(urls, bench.adminKey, campaignId, contactIds, rate, seconds);
    // The last coalesced update leaves at most one window after the last event; give slow sockets time.
    const final = await countedEvents(bench.db.url, campaignId);
    let results = await subs.results(acks, final);
    for (let i = 0; i < 20 && results.reduce((a, r) => a + r.lastEqualFinal, 0) < n; i++) {
      await new Promise((r) => setTimeout(r, 500));
      results = await subs.results(acks, final);
    }
    return {
      subscribers: n,
      rate,
      fresh: merge(results, (r) => r.fresh),
      delivery: merge(results, (r) => r.delivery),
      emission: merge(results, (r) => r.emission),
      messages: results.reduce((a, r) => a + r.messages, 0),
      lastEqualFinal: results.reduce((a, r) => a + r.lastEqualFinal, 0),
      uncovered: results.reduce((a, r) => a + r.uncovered, 0),
      final,
      accepted,
      failedRequests: failed,
      rssPeakMb: servers.map((s) => vmHwmMb(s.child.pid!)),
      sample: results.find((r) => r.sample)?.sample,
      errors: results.flatMap((r) => r.errors),
    };
  } finally {
    await subs.close();
  }
}

/** The bare baseline: the same number of sockets, the same payload, broadcast once per window. */
export async function measureBare(n: number, template: string, seconds = DURATION_S): Promise<{ emission: Histogram; lastEqualFinal: number; messages: number; rssPeakMb: number }> {
  const bare = forkSelf('bare');
  const { port } = await nextMessage<{ port: number }>(bare, 'listening');
  const subs = await openSubscribers([`http://127.0.0.1:${port}`], 'none', 'none', n);
  try {
    const done = nextMessage<{ final: number }>(bare, 'done');
    bare.send({ type: 'broadcast', template, windowMs: WINDOW_MS, durationMs: seconds * 1000 } satisfies BareCommand);
    const { final } = await done;
    let results = await subs.results(null, final);
    for (let i = 0; i < 20 && results.reduce((a, r) => a + r.lastEqualFinal, 0) < n; i++) {
      await new Promise((r) => setTimeout(r, 500));
      results = await subs.results(null, final);
    }
    return {
      emission: merge(results, (r) => r.emission),
      lastEqualFinal: results.reduce((a, r) => a + r.lastEqualFinal, 0),
      messages: results.reduce((a, r) => a + r.messages, 0),
      rssPeakMb: vmHwmMb(bare.pid!),
    };
  } finally {
    await subs.close();
    bare.send({ type: 'close' });
  }
}

export function parseLevels(spec: string): { subscribers: number; rate: number }[] {
  return spec.split(',').map((s) => {
    const [subscribers, rate] = s.trim().split('@').map(Number);
    if (!subscribers || !rate) throw new Error(`FANOUT_LEVELS: "${s}" is not subscribers@events-per-second`);
    return { subscribers, rate };
  });
}

const ms = (h: Histogram, p: number) => `${h.percentile(p)}`;

export async function main(): Promise<void> {
  const levels = parseLevels(process.env.FANOUT_LEVELS ?? '1000@2000,10000@2000');
  header(`live fan-out: one campaign's variantStatsUpdated, ${DURATION_S} s of events per level, window ${WINDOW_MS} ms, ${CLIENT_PROCESSES} client processes`, COMMAND);
  const files = maxOpenFiles();
  const most = Math.max(...levels.map((l) => l.subscribers));
  console.log(`   open-file limit ${files} per process (the server needs one per socket, each client process half of them)`);
  if (most + 500 > files) throw new Error(`ulimit -n is ${files}: too low for ${most} sockets in the server; raise it (ulimit -n ${most + 1000})`);
  console.log('   freshness = ack of a request → first message covering it (includes the window); delivery = ack of the newest covered request → message;');
  console.log('   emission = server `at` → receive (bare: broadcast time → receive). Latencies in ms, p50/p99.');
  const bench = await startBenchDatabase();
  try {
    for (const { subscribers, rate } of levels) {
      const servers = await startServers(bench, 1);
      let f: FanoutFigures;
      try {
        f = await measureFanout(bench, servers, subscribers, rate);
      } finally {
        await stopServers(servers);
      }
      const bare = await measureBare(subscribers, f.sample ?? '{"data":{"variantStatsUpdated":{"at":"","variants":[{"events":0}]}}}');
      const target = WINDOW_MS + (subscribers >= 10_000 ? 150 : 50);
      const p99 = f.fresh.percentile(99);
      const allFinal = f.lastEqualFinal === subscribers;
      const rss = Math.max(...f.rssPeakMb);
      const ok = p99 <= target && allFinal && (subscribers < 10_000 || rss < 500);
      console.log(`   ${subscribers.toLocaleString('en-US')} subscribers @ ${rate.toLocaleString('en-US')} events/s (${f.accepted.toLocaleString('en-US')} accepted, ${f.failedRequests} failed requests, ${f.messages.toLocaleString('en-US')} messages):`);
      console.log(`     freshness p50/p99 ${ms(f.fresh, 50)}/${ms(f.fresh, 99)}  delivery p50/p99 ${ms(f.delivery, 50)}/${ms(f.delivery, 99)}  emission→receive p50/p99 ${ms(f.emission, 50)}/${ms(f.emission, 99)}`);
      console.log(`     bare ws broadcast→receive p50/p99 ${ms(bare.emission, 50)}/${ms(bare.emission, 99)} (${bare.messages.toLocaleString('en-US')} messages, last = final on ${bare.lastEqualFinal}/${subscribers})`);
      console.log(`     ratio emission→receive p99 / bare p99: ${(f.emission.percentile(99) / Math.max(1, bare.emission.percentile(99))).toFixed(2)}`);
      console.log(`     server RSS peak ${rss.toFixed(0)} MB (bare server ${bare.rssPeakMb.toFixed(0)} MB); last message = final counters (${f.final}) on ${f.lastEqualFinal}/${subscribers}${f.uncovered ? `, ${f.uncovered} (subscriber, request) pairs never covered` : ''}`);
      if (f.errors.length) console.log(`     subscriber errors: ${f.errors.join(' | ')}`);
      console.log(`     target: freshness p99 ≤ ${target} ms${subscribers >= 10_000 ? ', RSS < 500 MB' : ''}, every last message = final: ${ok ? 'MET' : 'NOT MET'}`);
    }
  } finally {
    await bench.close();
  }
}

if (process.argv[2] === 'client') clientMode();
else if (process.argv[2] === 'bare') bareMode();
else runIfMain(module, main);
