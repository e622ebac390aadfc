import { resolve } from 'node:path';
import { z } from 'zod';

/** Typed environment. Parsed once at start-up; a bad value stops the process with a clear message. */
const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.string().url().optional(),
  DATA_DIR: z.string().default('./.data'),
  MONGODB_URL: z.string().optional(),
  ADMIN_API_KEY: z.string().min(16, 'ADMIN_API_KEY must be at least 16 characters').optional(),
  // The platform operator's key (sets workspace plans): bound to no workspace.
  OPERATOR_API_KEY: z.string().min(16, 'OPERATOR_API_KEY must be at least 16 characters').optional(),
  // Workspace plans (src/plans/): a JSON array; unset, one unlimited plan.
  PLANS: z.string().optional().transform(parsePlans),
  DEFAULT_PLAN: z.string().optional(),
  PUBLIC_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  JOBS: z.enum(['on', 'off']).default('on'),
  SEND_PROVIDER: z.enum(['simulator', 'twilio']).default('simulator'),
  /** Twilio's API origin: an operator's proxy, or a local server speaking Twilio's protocol in tests. */
  TWILIO_API_URL: z.string().url().default('https://api.twilio.com'),
  NODE_ENV: z.string().default('production'),
  BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(5 * 1024 * 1024),
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().positive().default(12),
  GRAPHQL_MAX_COMPLEXITY: z.coerce.number().int().positive().default(20_000),
  // Identical queries under the same database snapshot share one answer at most this long; 0: off.
  GRAPHQL_SHARED_RESULTS_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  SEND_LEASE_SECONDS: z.coerce.number().int().positive().default(60),
  // Circuit breaker per provider account (src/sending/circuit-breaker.ts).
  CIRCUIT_FAILURES: z.coerce.number().int().min(1).default(5),
  CIRCUIT_FAILURE_RATE: z.coerce.number().gt(0).max(1).default(0.5),
  CIRCUIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  CIRCUIT_MIN_CALLS: z.coerce.number().int().min(1).default(20),
  CIRCUIT_OPEN_SECONDS: z.coerce.number().int().min(1).max(86_400).default(30),
  CIRCUIT_MAX_OPEN_SECONDS: z.coerce.number().int().min(1).max(86_400).default(600),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((o) => o.trim().replace(/\/$/, '')).filter(Boolean))
    .refine((list) => list.every((o) => o === '*' || /^https?:\/\/[^/\s]+$/i.test(o)), 'CORS_ORIGINS is a comma-separated list of origins (https://app.example.com) or *'),
  RATE_LIMIT: z.enum(['on', 'off']).default('on'),
  RATE_LIMIT_KEY: rateRule('1200/10'),
  RATE_LIMIT_INGEST: rateRule('100000/10'),
  RATE_LIMIT_AUTH_FAILURES: rateRule('60/60'),
  RATE_LIMIT_ANONYMOUS: rateRule('600/10'),
  RATE_LIMIT_WEBHOOK: rateRule('100000/10'),
  RATE_LIMIT_SYNC_MS: z.coerce.number().int().min(10).max(10_000).default(250),
  ALLOW_CUSTOM_PROVIDER_URLS: z.enum(['true', 'false', 'on', 'off']).default('false'),
  // Unset: events are kept forever.
  EVENT_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).optional(),
  // Reconciliation asks providers about messages without a final status this many minutes after the send.
  RECONCILE_AFTER_MINUTES: z.coerce.number().int().min(0).max(10_080).default(60),
  // An order within this many days after a test recipient's send is that campaign's conversion (src/orders/).
  ORDER_CONVERSION_WINDOW_DAYS: z.coerce.number().int().min(1).max(365).default(7),
  LIVE_COALESCE_MS: z.coerce.number().int().min(10).max(60_000).default(250),
  WEBHOOK_SILENT_AFTER_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  WEBHOOK_RECEIPTS_FLUSH_MS: z.coerce.number().int().min(50).max(60_000).default(5000),
  TRUST_PROXY: z
    .string()
    .default('off')
    .refine((t) => !/^\s*\d+\s*$/.test(t), 'a hop count is not supported: give on, off, or the proxies\' addresses / CIDRs'),
});

/** The channels and features a plan may allow (the Channel enum's values; features gate BANDIT campaigns and learning). */
export const PLAN_CHANNELS = ['SMS', 'WHATSAPP', 'EMAIL'] as const;
export const PLAN_FEATURES = ['BANDIT', 'LEARNING'] as const;
export type PlanFeature = (typeof PLAN_FEATURES)[number];

/** A workspace plan as configured (PLANS): every field required, so a plan says what it allows. */
export interface PlanConfig {
  name: string;
  /** Variants a test campaign may have, 2..8. */
  maxVariants: number;
  /** Campaign messages per calendar month (UTC); null: unlimited. */
  monthlyMessages: number | null;
  channels: (typeof PLAN_CHANNELS)[number][];
  features: PlanFeature[];
}

/** Without PLANS: one plan that allows everything, so a single-business install sees no limit. */
export const UNLIMITED_PLAN: PlanConfig = { name: 'unlimited', maxVariants: 8, monthlyMessages: null, channels: [...PLAN_CHANNELS], features: [...PLAN_FEATURES] };

const PlanSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a plan name is 1 to 64 letters, digits, _ or -'),
    maxVariants: z.number().int().min(2).max(8),
    // plan_usage counts and the grant are SQL int: a larger limit would fail every send batch of the plan.
    monthlyMessages: z.number().int().min(0).max(2_147_483_647, 'monthlyMessages is at most 2147483647 (use null for unlimited)').nullable(),
    channels: z.array(z.enum(PLAN_CHANNELS)),
    features: z.array(z.enum(PLAN_FEATURES)),
  })
  .strict();

/** PLANS: a JSON array of plans with distinct names; unset: [UNLIMITED_PLAN]. */
export function parsePlans(text: string | undefined, ctx: z.RefinementCtx): PlanConfig[] {
  if (text === undefined) return [UNLIMITED_PLAN];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: `not JSON: ${(e as Error).message}` });
    return z.NEVER;
  }
  const parsed = z.array(PlanSchema).min(1, 'at least one plan').safeParse(json);
  if (!parsed.success) {
    for (const i of parsed.error.issues) ctx.addIssue({ code: 'custom', message: `[${i.path.join('.')}] ${i.message}` });
    return z.NEVER;
  }
  const seen = new Set<string>();
  for (const p of parsed.data) {
    if (seen.has(p.name)) ctx.addIssue({ code: 'custom', message: `plan "${p.name}" is defined twice` });
    seen.add(p.name);
  }
  return parsed.data.map((p) => ({ ...p, channels: [...new Set(p.channels)], features: [...new Set(p.features)] }));
}

/** `<requests>/<seconds>`, e.g. 1200/10: at most 1,200 requests in each 10-second window. */
function rateRule(fallback: string) {
  return z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
      const limit = m ? Number(m[1]) : NaN;
      const seconds = m ? Number(m[2]) : NaN;
      if (!(limit >= 1 && seconds >= 1 && seconds <= 86_400)) {
        ctx.addIssue({ code: 'custom', message: `expected <requests>/<seconds> such as ${fallback}, got "${text}"` });
        return z.NEVER;
      }
      return { limit, windowMs: seconds * 1000 };
    });
}

/**
 * fastify's trustProxy: off (default), on (trust every hop: only behind a proxy that overwrites
 * X-Forwarded-For), or the proxies' addresses / CIDRs / proxy-addr names (loopback, uniquelocal…),
 * comma-separated. (fastify ignores a hop count: it cannot tell a proxy from a direct client.)
 */
function trustProxy(text: string): boolean | string {
  const t = text.trim().toLowerCase();
  if (t === 'off' || t === 'false') return false;
  if (t === 'on' || t === 'true') return true;
  return text.trim();
}

export interface Config {
  port: number;
  host: string;
  /** Unset: the server starts embedded PostgreSQL under `dataDir/pg`. */
  databaseUrl?: string;
  dataDir: string;
  mongodbUrl?: string;
  adminApiKey?: string;
  /** OPERATOR_API_KEY: the platform operator (src/plans/): may set workspaces' plans and create workspaces, nothing else. */
  operatorApiKey?: string;
  /** PLANS and DEFAULT_PLAN (src/plans/): the plans a workspace may be on, and the one it is on by default. */
  plans: { list: PlanConfig[]; defaultName: string; configured: boolean };
  /** Base URL for tracked links and webhook signatures; without PUBLIC_URL, the listening address. */
  publicUrl: string;
  publicUrlFromEnv: boolean;
  logLevel: z.infer<typeof Env>['LOG_LEVEL'];
  jobs: boolean;
  sendProvider: 'simulator' | 'twilio';
  /** TWILIO_API_URL: the Twilio REST API origin (operator-set, never by a workspace). */
  twilioApiUrl: string;
  /** Stack traces go to clients only in development. */
  development: boolean;
  bodyLimitBytes: number;
  graphqlMaxDepth: number;
  graphqlMaxComplexity: number;
  /** GRAPHQL_SHARED_RESULTS_MS: max age of a shared query answer (src/graphql/shared-results.ts); 0 = off. */
  graphqlSharedResultsMs: number;
  shutdownTimeoutMs: number;
  /** A claimed send is retried after this long if its sender died. */
  sendLeaseSeconds: number;
  /** CIRCUIT_*: when a provider account's circuit opens and how long it stays open (src/sending/circuit-breaker.ts). */
  circuit: CircuitConfig;
  /** Browser origins allowed to call the API (CORS); `*` for any; empty for none. */
  corsOrigins: string[];
  /** Request rate limits (src/http/rate-limit.ts); null when RATE_LIMIT=off. */
  rateLimits: RateLimits | null;
  /** fastify's trustProxy: whether (and which) X-Forwarded-For hops give the client IP. */
  trustProxy: boolean | string;
  /**
   * Whether workspace admins may point provider APIs (whatsappCloud.apiBaseUrl) at any http(s) URL.
   * Off: only the providers' public APIs, so a tenant cannot make the server call internal addresses.
   */
  allowCustomProviderUrls: boolean;
  /** variantStatsUpdated sends at most one message per campaign per this many milliseconds. */
  liveCoalesceMs: number;
  /**
   * Events received more than this many days ago are dropped, a whole month partition at a time
   * (src/db/event-partitions.ts); undefined keeps them forever. Counters and rollups stay.
   */
  eventRetentionDays?: number;
  /** Reconciliation looks at messages sent at least this many minutes ago without a final status (0: at once). */
  reconcileAfterMinutes: number;
  /** An order within this many days after a test recipient's first send counts in that campaign's experiment. */
  orderConversionWindowDays: number;
  /** Webhook health: SILENT when messages sent longer ago than this wait for a callback and nothing arrived for as long. */
  webhookSilentAfterSeconds: number;
  /** How often each instance writes its webhook receipt counts (a crash loses at most this much). */
  webhookReceiptsFlushMs: number;
}

export interface CircuitConfig {
  /** Consecutive retryable provider failures that open the circuit. */
  failures: number;
  /** Failure rate over the window that opens it, once the window holds `minCalls` calls. */
  failureRate: number;
  windowSeconds: number;
  minCalls: number;
  /** First cool-down before a probe; doubled after each failed probe up to `maxOpenSeconds`. */
  openSeconds: number;
  maxOpenSeconds: number;
}

export interface RateLimits {
  /** Per API key: GraphQL over HTTP, REST, WebSocket subscribe operations. */
  key: { limit: number; windowMs: number };
  /** Per API key: POST /v1/events and /v1/orders requests (whatever their number of events). */
  ingest: { limit: number; windowMs: number };
  /** Per client IP: requests refused for a missing, unknown or revoked key. */
  authFailures: { limit: number; windowMs: number };
  /** Per client IP: requests without a known key (tracked links, unauthenticated calls). */
  anonymous: { limit: number; windowMs: number };
  /** Per client IP: provider webhook routes. */
  webhook: { limit: number; windowMs: number };
  /** How often each instance flushes its counts to PostgreSQL and learns the cluster's. */
  syncMs: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (DATABASE_URL= in a compose file or shell) means unset.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = Env.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const planNames = e.PLANS.map((p) => p.name);
  const problems: string[] = [];
  if (e.DEFAULT_PLAN !== undefined && !planNames.includes(e.DEFAULT_PLAN)) problems.push(`  DEFAULT_PLAN: "${e.DEFAULT_PLAN}" is not one of PLANS (${planNames.join(', ')})`);
  if (e.OPERATOR_API_KEY !== undefined && e.OPERATOR_API_KEY === e.ADMIN_API_KEY) problems.push('  OPERATOR_API_KEY: must differ from ADMIN_API_KEY');
  if (problems.length > 0) throw new Error(`Invalid configuration:\n${problems.join('\n')}`);
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: resolve(e.DATA_DIR),
    mongodbUrl: e.MONGODB_URL,
    adminApiKey: e.ADMIN_API_KEY,
    operatorApiKey: e.OPERATOR_API_KEY,
    // configured: PLANS was set (the operator resells tiers): creating workspaces is then the operator's.
    plans: { list: e.PLANS, defaultName: e.DEFAULT_PLAN ?? planNames[0]!, configured: present.PLANS !== undefined },
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    publicUrlFromEnv: e.PUBLIC_URL !== undefined,
    logLevel: e.LOG_LEVEL,
    jobs: e.JOBS === 'on',
    sendProvider: e.SEND_PROVIDER,
    twilioApiUrl: e.TWILIO_API_URL.replace(/\/+$/, ''),
    development: e.NODE_ENV === 'development',
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    graphqlMaxDepth: e.GRAPHQL_MAX_DEPTH,
    graphqlMaxComplexity: e.GRAPHQL_MAX_COMPLEXITY,
    graphqlSharedResultsMs: e.GRAPHQL_SHARED_RESULTS_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    sendLeaseSeconds: e.SEND_LEASE_SECONDS,
    circuit: {
      failures: e.CIRCUIT_FAILURES,
      failureRate: e.CIRCUIT_FAILURE_RATE,
      windowSeconds: e.CIRCUIT_WINDOW_SECONDS,
      minCalls: e.CIRCUIT_MIN_CALLS,
      openSeconds: e.CIRCUIT_OPEN_SECONDS,
      maxOpenSeconds: Math.max(e.CIRCUIT_MAX_OPEN_SECONDS, e.CIRCUIT_OPEN_SECONDS),
    },
    corsOrigins: e.CORS_ORIGINS,
    rateLimits:
      e.RATE_LIMIT === 'off'
        ? null
        : {
            key: e.RATE_LIMIT_KEY,
            ingest: e.RATE_LIMIT_INGEST,
            authFailures: e.RATE_LIMIT_AUTH_FAILURES,
            anonymous: e.RATE_LIMIT_ANONYMOUS,
            webhook: e.RATE_LIMIT_WEBHOOK,
            syncMs: e.RATE_LIMIT_SYNC_MS,
          },
    trustProxy: trustProxy(e.TRUST_PROXY),
    allowCustomProviderUrls: e.ALLOW_CUSTOM_PROVIDER_URLS === 'true' || e.ALLOW_CUSTOM_PROVIDER_URLS === 'on',
    liveCoalesceMs: e.LIVE_COALESCE_MS,
    eventRetentionDays: e.EVENT_RETENTION_DAYS,
    reconcileAfterMinutes: e.RECONCILE_AFTER_MINUTES,
    orderConversionWindowDays: e.ORDER_CONVERSION_WINDOW_DAYS,
    webhookSilentAfterSeconds: e.WEBHOOK_SILENT_AFTER_SECONDS,
    webhookReceiptsFlushMs: e.WEBHOOK_RECEIPTS_FLUSH_MS,
  };
}
