/**
 * /metrics and /healthz of a freshly started app (jobs on, simulator provider): every documented
 * series exists from start (at 0 where nothing can have happened yet), the series move when the
 * things they count happen, and every metric the Grafana dashboard and the Prometheus alert rules
 * in deploy/ refer to exists in the live output.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CampaignStatusChangedDocument, CreateCampaignDocument, LaunchCampaignDocument, UpdateWorkspaceSettingsDocument, UpsertContactsDocument } from '../generated/graphql';
import { DEFERRAL_REASONS, GRAPHQL_ERROR_CODES, INGEST_OUTCOMES, MAX_OPERATION_NAMES, SEND_RESULTS, WEBHOOK_OUTCOMES, WEBHOOK_PROVIDERS, WEBHOOK_RETRY_RESULTS } from '../../src/metrics';
import { genericSignatureHeader, twilioSignature } from '../../src/tracking/webhooks/signatures';
import { adminClient, startTestApp, type TestApp } from '../helpers/harness';
import { until } from '../helpers/until';
import { subscribe } from '../helpers/ws';

const ROOT = join(__dirname, '..', '..', '..');
const JOB_NAMES = ['analytics: nightly rollup', 'experiments: evaluate running tests', 'webhooks: retry queue'];

let t: TestApp;
let initial: Map<string, number>;
beforeAll(async () => {
  t = await startTestApp({ JOBS: 'on' });
  initial = await scrape();
});
afterAll(() => t.close());

/** A series key with its labels sorted, as `series()` builds it. */
function series(name: string, labels: Record<string, string> = {}): string {
  const keys = Object.keys(labels).sort();
  return keys.length ? `${name}{${keys.map((k) => `${k}="${labels[k]}"`).join(',')}}` : name;
}

/** The Prometheus text exposition as series → value. */
function parseExposition(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m) throw new Error(`unparsable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.set(series(m[1]!, labels), Number(m[3]));
  }
  return out;
}

async function scrape(): Promise<Map<string, number>> {
  const res = await fetch(`${t.url}/metrics`);
  expect(res.status).toBe(200);
  return parseExposition(await res.text());
}


describe('from start', () => {
  it('has every documented series, at 0 where nothing can have happened yet', () => {
    const zero: string[] = [
      series('splitcast_send_queue_depth', { state: 'due' }),
      series('splitcast_send_queue_depth', { state: 'deferred' }),
      series('splitcast_send_queue_oldest_age_seconds'),
      series('splitcast_outbox_depth'),
      series('splitcast_webhook_retry_backlog'),
      series('splitcast_webhook_retry_oldest_age_seconds'),
      ...SEND_RESULTS.map((result) => series('splitcast_sends_total', { result, provider: 'simulator', channel: 'sms' })),
      series('splitcast_provider_request_duration_seconds_count', { provider: 'simulator', channel: 'sms' }),
      series('splitcast_provider_request_duration_seconds_bucket', { provider: 'simulator', channel: 'sms', le: '+Inf' }),
      ...DEFERRAL_REASONS.map((reason) => series('splitcast_send_deferrals_total', { reason })),
      series('splitcast_websocket_connections'),
      series('splitcast_subscriptions_active'),
      ...['success', 'failure'].map((result) => series('splitcast_listen_reconnects_total', { result })),
      ...WEBHOOK_PROVIDERS.flatMap((provider) => WEBHOOK_OUTCOMES.map((outcome) => series('splitcast_webhooks_received_total', { provider, outcome }))),
      ...WEBHOOK_RETRY_RESULTS.map((result) => series('splitcast_webhook_retries_total', { result })),
      ...INGEST_OUTCOMES.map((outcome) => series('splitcast_events_ingested_total', { outcome })),
      ...GRAPHQL_ERROR_CODES.map((code) => series('splitcast_graphql_errors_total', { operation_name: 'anonymous', code })),
      ...['query', 'mutation'].map((operation_type) => series('splitcast_graphql_request_duration_seconds_count', { operation_type, operation_name: 'anonymous' })),
      ...['query', 'mutation', 'subscription'].map((operation_type) => series('splitcast_graphql_ws_operations_total', { operation_type, operation_name: 'anonymous' })),
    ];
    const missingOrMoved = zero.filter((s) => initial.get(s) !== 0).map((s) => `${s} = ${initial.get(s)}`);
    expect(missingOrMoved).toEqual([]);

    // Present from start; their values depend on the machine or the clock.
    const present = [
      ...JOB_NAMES.flatMap((job_name) => [
        series('splitcast_job_runs_total', { job_name, result: 'success' }),
        series('splitcast_job_runs_total', { job_name, result: 'failure' }),
        series('splitcast_job_duration_seconds_count', { job_name }),
        series('splitcast_job_last_success_timestamp_seconds', { job_name }),
      ]),
      ...['orm', 'sql'].flatMap((pool) => [
        series('splitcast_db_pool_connections', { pool, state: 'in_use' }),
        series('splitcast_db_pool_connections', { pool, state: 'idle' }),
        series('splitcast_db_pool_waiting_requests', { pool }),
        series('splitcast_db_query_duration_seconds_count', { pool }),
      ]),
      series('splitcast_db_queries_total'),
      series('splitcast_build_info', { version: require(join(ROOT, 'package.json')).version, node_version: process.version }),
      // Node's process metrics under their standard names (stock dashboards).
      'process_cpu_user_seconds_total',
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'process_start_time_seconds',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_p99_seconds',
    ];
    expect(present.filter((s) => !initial.has(s))).toEqual([]);
    expect([...initial.keys()].filter((s) => s.startsWith('splitcast_process_') || s.startsWith('splitcast_nodejs_'))).toEqual([]);
    expect(initial.get('splitcast_queue_stats_up')).toBe(1);
    expect(initial.get('splitcast_listen_connected')).toBe(1);
    expect(initial.get(series('splitcast_job_runs_total', { job_name: 'webhooks: retry queue', result: 'failure' }))).toBe(0);
  });

  it('/healthz reports status, version and uptime', async () => {
    const first = (await (await fetch(`${t.url}/healthz`)).json()) as { status: string; version: string; uptimeSeconds: number };
    expect(first).toEqual({ status: 'ok', version: JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version, uptimeSeconds: expect.any(Number) });
    expect(first.uptimeSeconds).toBeGreaterThanOrEqual(0);
    const second = (await (await fetch(`${t.url}/healthz`)).json()) as { uptimeSeconds: number };
    expect(second.uptimeSeconds).toBeGreaterThanOrEqual(first.uptimeSeconds);
  });
});

describe('moves with what it counts', () => {
  it('counts webhooks by provider and outcome, bad signatures included, and the retry backlog', async () => {
    const secret = 'whsec_metrics_test';
    const token = 'twilio-token-metrics';
    await t.ok(UpdateWorkspaceSettingsDocument, { input: { webhookSigningSecret: secret, twilioAuthToken: token } });
    const ws = t.app.defaultWorkspaceId;
    const body = JSON.stringify([{ campaignId: '0190c1d2-0000-7000-8000-000000000000', contactId: '0190c1d2-0000-7000-8000-000000000001', type: 'CLICKED' }]);
    const generic = (header: string) => fetch(`${t.url}/webhooks/generic/${ws}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-splitcast-signature': header }, body });
    const now = Math.floor(Date.now() / 1000);
    expect((await generic(genericSignatureHeader('not-the-secret', body, now))).status).toBe(401);
    expect((await generic(genericSignatureHeader(secret, body, now))).status).toBe(200); // processed (the event itself is rejected)
    const twilio = (params: Record<string, string>, sign: boolean, workspaceId = ws) => {
      const path = `/webhooks/twilio/${workspaceId}`;
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
      if (sign) headers['x-twilio-signature'] = twilioSignature(token, t.app.config.publicUrl + path, params);
      return fetch(t.url + path, { method: 'POST', headers, body: new URLSearchParams(params).toString() });
    };
    expect((await twilio({ MessageSid: 'SMmetrics1', MessageStatus: 'delivered' }, false)).status).toBe(401);
    expect((await twilio({ MessageSid: 'SMmetrics1', MessageStatus: 'delivered' }, true, '0190c1d2-0000-7000-8000-00000000ffff')).status).toBe(404);
    expect((await twilio({ MessageSid: 'SMmetrics1', MessageStatus: 'queued' }, true)).status).toBe(200); // a status that records nothing
    // A status callback for a message nobody sent: parked in the retry queue.
    expect((await twilio({ MessageSid: 'SMmetrics-unknown', MessageStatus: 'delivered' }, true)).status).toBe(200);

    const m = await scrape();
    const received = (provider: string, outcome: string) => m.get(series('splitcast_webhooks_received_total', { provider, outcome }));
    expect(received('generic', 'bad_signature')).toBe(1);
    expect(received('generic', 'processed')).toBe(1);
    expect(received('twilio', 'bad_signature')).toBe(1);
    expect(received('twilio', 'not_found')).toBe(1);
    expect(received('twilio', 'ignored')).toBe(1);
    expect(received('twilio', 'queued')).toBe(1);
    expect(received('openphone', 'bad_signature')).toBe(0);
    expect(m.get(series('splitcast_events_ingested_total', { outcome: 'REJECTED' }))).toBe(1);
    // Scrape-time gauges are read at most once a second: poll for the parked callback.
    const backlog = await until(async () => (await scrape()).get('splitcast_webhook_retry_backlog'), (n) => n === 1, 10_000, 100);
    expect(backlog).toBe(1);
    expect(m.get('splitcast_webhook_retry_oldest_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(m.get('splitcast_queue_stats_up')).toBe(1);
  });

  it('counts job runs, their duration and last success', async () => {
    const job = { job_name: 'webhooks: retry queue' };
    const before = await scrape();
    await t.app.scheduler!.runNow(job.job_name);
    const after = await scrape();
    const runs = (m: Map<string, number>) => m.get(series('splitcast_job_runs_total', { ...job, result: 'success' }))!;
    expect(runs(after)).toBeGreaterThanOrEqual(runs(before) + 1);
    expect(after.get(series('splitcast_job_duration_seconds_count', job))).toBeGreaterThanOrEqual(before.get(series('splitcast_job_duration_seconds_count', job))! + 1);
    expect(after.get(series('splitcast_job_last_success_timestamp_seconds', job))).toBeGreaterThan(0);
  });

  it('counts GraphQL requests and errors per operation name', async () => {
    const broken = await t.raw('query Broken { campaign(id: "not-an-id") { id } }');
    expect(broken.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await t.raw('query Who { viewer { apiKeyName } }', undefined, null)).status).toBe(401);
    expect((await t.raw('query {')).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    await t.raw('mutation Nope { createApiKey(name: "x", scopes: [READ]) { secret } }', undefined, await t.newWorkspaceKey(undefined, ['READ']));

    const m = await scrape();
    expect(m.get(series('splitcast_graphql_errors_total', { operation_name: 'Broken', code: 'NOT_FOUND' }))).toBe(1);
    expect(m.get(series('splitcast_graphql_request_duration_seconds_count', { operation_type: 'query', operation_name: 'Broken' }))).toBe(1);
    expect(m.get(series('splitcast_graphql_errors_total', { operation_name: 'unknown', code: 'UNAUTHENTICATED' }))).toBe(1);
    // A request whose operation never resolved (here: unparsable) is `unknown`, whatever operationName it sent.
    expect(m.get(series('splitcast_graphql_errors_total', { operation_name: 'unknown', code: 'BAD_USER_INPUT' }))).toBe(1);
    expect(m.get(series('splitcast_graphql_errors_total', { operation_name: 'Nope', code: 'FORBIDDEN' }))).toBe(1);
  });

  it('counts WebSocket connections, subscriptions and graphql-ws operations', async () => {
    const sub = await subscribe(t.url, t.adminKey, CampaignStatusChangedDocument, {});
    try {
      const m = await until(scrape, (x) => x.get('splitcast_subscriptions_active') === 1);
      expect(m.get('splitcast_websocket_connections')).toBe(1);
      expect(m.get('splitcast_subscriptions_active')).toBe(1);
      expect(m.get(series('splitcast_graphql_ws_operations_total', { operation_type: 'subscription', operation_name: 'CampaignStatusChanged' }))).toBe(1);
    } finally {
      await sub.close();
    }
    const closed = await until(scrape, (x) => x.get('splitcast_websocket_connections') === 0 && x.get('splitcast_subscriptions_active') === 0);
    expect(closed.get('splitcast_websocket_connections')).toBe(0);
    expect(closed.get('splitcast_subscriptions_active')).toBe(0);
  });

  it('counts sends through the simulator, provider latency, quiet-hours deferrals and the send queue', async () => {
    let phone = 7000;
    const campaign = async (settings: Record<string, unknown>, n: number) => {
      const key = await t.newWorkspaceKey();
      await t.ok(UpdateWorkspaceSettingsDocument, { input: settings }, key);
      const tag = `m${phone}`;
      await t.ok(UpsertContactsDocument, { contacts: Array.from({ length: n }, (_, i) => ({ externalId: `${tag}-${i}`, phone: `+1415555${phone++}`, consent: true, tags: [tag] })) }, key);
      const { createCampaign } = await t.ok(CreateCampaignDocument, { input: { name: tag, type: 'AB_TEST', audience: { tags: [tag] }, variants: [{ template: 'Hi A' }, { template: 'Hi B' }] } }, key);
      await t.ok(LaunchCampaignDocument, { id: createCampaign.id }, key);
    };
    // Quiet hours around now (workspace zone UTC): deferred, not sent.
    const hour = new Date().getUTCHours();
    await campaign({ quietHours: { start: hour, end: (hour + 2) % 24 } }, 3);
    const quiet = await until(scrape, (m) => m.get(series('splitcast_send_queue_depth', { state: 'deferred' })) === 3 && m.get(series('splitcast_send_deferrals_total', { reason: 'quiet_hours' }))! >= 3);
    expect(quiet.get(series('splitcast_send_queue_depth', { state: 'deferred' }))).toBe(3);
    expect(quiet.get(series('splitcast_send_deferrals_total', { reason: 'quiet_hours' }))).toBeGreaterThanOrEqual(3);

    await campaign({ twilioAuthToken: 'sim-token' }, 4);
    const sent = { result: 'SENT', provider: 'simulator', channel: 'sms' };
    const done = await until(scrape, (m) => m.get(series('splitcast_sends_total', sent)) === 4);
    expect(done.get(series('splitcast_sends_total', sent))).toBe(4);
    expect(done.get(series('splitcast_sends_total', { ...sent, result: 'FAILED' }))).toBe(0);
    expect(done.get(series('splitcast_provider_request_duration_seconds_count', { provider: 'simulator', channel: 'sms' }))).toBe(4);
    expect(done.get(series('splitcast_send_queue_depth', { state: 'due' }))).toBe(0);
    expect(done.get('splitcast_send_queue_oldest_age_seconds')).toBe(0);
    // The simulator reports each message's fate through the signed Twilio webhook.
    const reported = await until(scrape, (m) => m.get(series('splitcast_webhooks_received_total', { provider: 'twilio', outcome: 'processed' }))! >= 4);
    expect(reported.get(series('splitcast_webhooks_received_total', { provider: 'twilio', outcome: 'processed' }))).toBeGreaterThanOrEqual(4);
    expect(reported.get(series('splitcast_db_query_duration_seconds_count', { pool: 'sql' }))).toBeGreaterThan(0);
    expect(reported.get(series('splitcast_db_query_duration_seconds_count', { pool: 'orm' }))).toBeGreaterThan(0);
  });

  it('counts a LISTEN reconnect when the listener connection is killed', async () => {
    const db = new URL(t.databaseUrl).pathname.slice(1);
    const admin = await adminClient(db);
    try {
      const killed = await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query = 'listen splitcast_live'`);
      expect(killed.rowCount).toBe(1);
    } finally {
      await admin.end();
    }
    const m = await until(scrape, (x) => x.get(series('splitcast_listen_reconnects_total', { result: 'success' })) === 1 && x.get('splitcast_listen_connected') === 1);
    expect(m.get(series('splitcast_listen_reconnects_total', { result: 'success' }))).toBe(1);
    expect(m.get('splitcast_listen_connected')).toBe(1);
  });

  it("survives the scheduler's own LISTEN connection being killed", async () => {
    const db = new URL(t.databaseUrl).pathname.slice(1);
    const admin = await adminClient(db);
    const schedulerListeners = `select pid from pg_stat_activity where datname = current_database() and query ilike 'listen %' and query <> 'listen splitcast_live' and pid <> pg_backend_pid()`;
    try {
      const before = (await admin.query<{ pid: number }>(schedulerListeners)).rows.map((r) => r.pid);
      expect(before.length).toBeGreaterThanOrEqual(1);
      await admin.query('select pg_terminate_backend(pid) from unnest($1::int[]) as pid', [before]);
      // Agenda reconnects on its own: a new LISTEN backend appears (an unhandled 'error' event
      // from its notification channel would have ended this process instead).
      const after = await until(
        async () => (await admin.query<{ pid: number }>(schedulerListeners)).rows.map((r) => r.pid),
        (pids) => pids.some((p) => !before.includes(p)),
      );
      expect(after.some((p) => !before.includes(p))).toBe(true);
    } finally {
      await admin.end();
    }
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    await expect(t.app.scheduler!.runNow('webhooks: retry queue')).resolves.toBeUndefined();
  });

  it('caps the operation_name label: past the limit, names count as "other"', async () => {
    for (let i = 0; i < MAX_OPERATION_NAMES + 5; i++) await t.raw(`query Op${i} { viewer { apiKeyName } }`);
    const m = await scrape();
    const names = new Set([...m.keys()].filter((s) => s.startsWith('splitcast_graphql_request_duration_seconds_count{')).map((s) => /operation_name="([^"]*)"/.exec(s)![1]));
    expect(names.size).toBeLessThanOrEqual(MAX_OPERATION_NAMES + 3); // + anonymous, other, unknown
    expect(m.get(series('splitcast_graphql_request_duration_seconds_count', { operation_type: 'query', operation_name: 'other' }))).toBeGreaterThanOrEqual(5);
  });
});

describe('deploy/ dashboards and alerts', () => {
  /** Metric names in a PromQL expression: strings, label matchers, ranges, grouping clauses, functions and keywords removed. */
  function metricNames(expr: string): string[] {
    const stripped = expr
      .replace(/"(?:[^"\\]|\\.)*"/g, '""')
      .replace(/\{[^}]*\}/g, ' ')
      .replace(/\[[^\]]*\]/g, ' ')
      .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
    const keywords = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan']);
    return [...stripped.matchAll(/(?<![\w.$:])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)]
      .filter((x) => !x[2]) // a function call
      .map((x) => x[1]!)
      .filter((n) => !keywords.has(n.toLowerCase()));
  }

  function dashboardExprs(): string[] {
    const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy', 'grafana', 'splitcast.json'), 'utf8')) as { panels: unknown[]; templating: { list: { query?: unknown }[] } };
    const exprs: string[] = [];
    const walk = (x: unknown) => {
      if (Array.isArray(x)) x.forEach(walk);
      else if (x && typeof x === 'object') {
        for (const [k, v] of Object.entries(x)) {
          if (k === 'expr' && typeof v === 'string') exprs.push(v);
          else walk(v);
        }
      }
    };
    walk(dashboard.panels);
    for (const v of dashboard.templating.list) {
      const q = typeof v.query === 'string' ? /^label_values\(([^,)]+)/.exec(v.query) : null;
      if (q) exprs.push(q[1]!);
    }
    return exprs;
  }

  function alertRules(): { alert: string; expr: string; labels?: { severity?: string }; annotations?: { summary?: string } }[] {
    const doc = parseYaml(readFileSync(join(ROOT, 'deploy', 'prometheus', 'alerts.yml'), 'utf8')) as { groups: { name: string; rules: never[] }[] };
    return doc.groups.flatMap((g) => g.rules);
  }

  it('the extractor finds metric names, not functions, labels or keywords', () => {
    expect(metricNames('histogram_quantile(0.99, sum by (le, pool) (rate(splitcast_db_query_duration_seconds_bucket{pool=~"a|b"}[5m]))) > 1e-3')).toEqual(['splitcast_db_query_duration_seconds_bucket']);
    expect(metricNames('time() - max by (job_name) (x_seconds{job_name="a: b"}) > 9 and max(y) > 0')).toEqual(['x_seconds', 'y']);
  });

  it('every metric a Grafana panel or an alert uses exists in the live /metrics, and the dashboard shows every splitcast_ metric', async () => {
    const live = await scrape();
    const liveNames = new Set([...live.keys()].map((s) => s.replace(/\{.*$/, '')));
    const panels = dashboardExprs();
    const rules = alertRules();
    expect(panels.length).toBeGreaterThan(20);
    expect(rules.length).toBeGreaterThan(10);
    for (const r of rules) {
      expect({ alert: r.alert, severity: ['warning', 'critical'].includes(r.labels?.severity ?? ''), summary: typeof r.annotations?.summary }).toEqual({ alert: r.alert, severity: true, summary: 'string' });
    }
    const used = new Map<string, string>();
    for (const e of panels) for (const n of metricNames(e)) used.set(n, `panel: ${e}`);
    for (const r of rules) for (const n of metricNames(r.expr)) used.set(n, `alert ${r.alert}`);
    const missing = [...used].filter(([n]) => !liveNames.has(n)).map(([n, where]) => `${n} (${where})`);
    expect(missing).toEqual([]);

    const families = new Set([...liveNames].filter((n) => n.startsWith('splitcast_')).map((n) => n.replace(/_(bucket|sum|count)$/, '')));
    const shown = new Set(panels.flatMap(metricNames).map((n) => n.replace(/_(bucket|sum|count)$/, '')));
    expect([...families].filter((f) => !shown.has(f))).toEqual([]);
  });
});
