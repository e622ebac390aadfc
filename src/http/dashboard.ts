/**
 * The dashboard (web/, bundled by `npm run build` into dist/dashboard): index.html at `/` and at
 * each client route, its content-hashed assets under /assets/. Files are read once into memory
 * (with a gzipped copy). index.html is never cached (it names the current assets) and carries a
 * strict Content-Security-Policy; hashed assets are cached for a year. Only the listed client
 * routes answer with index.html, so no API path (/graphql, /v1, /webhooks, /l, /o, /u, /healthz,
 * /readyz, /metrics) is ever shadowed, and unknown paths stay a JSON 404.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The web app's routes (web/src/shell/routes.ts parseRoute): each answers with index.html. */
export const DASHBOARD_ROUTES = ['/', '/analytics', '/tests', '/tests/new', '/tests/:id', '/optimisation', '/operations'] as const;

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** Where `npm run build` writes the bundle, relative to this file in dist/src/http. */
export const DASHBOARD_DIR = join(__dirname, '..', '..', 'dashboard');

interface StaticFile {
  type: string;
  body: Buffer;
  gzipped: Buffer;
}

interface Bundle {
  index: StaticFile;
  assets: Map<string, StaticFile>;
}

function staticFile(type: string, body: Buffer): StaticFile {
  return { type, body, gzipped: gzipSync(body, { level: 9 }) };
}

/** The built files, or undefined when the dashboard was not built (only `npm run compile`). */
export function loadBundle(dir: string): Bundle | undefined {
  const indexPath = join(dir, 'index.html');
  if (!existsSync(indexPath)) return undefined;
  const assets = new Map<string, StaticFile>();
  const assetDir = join(dir, 'assets');
  for (const name of existsSync(assetDir) ? readdirSync(assetDir) : []) {
    const type = CONTENT_TYPES[extname(name)];
    if (type) assets.set(name, staticFile(type, readFileSync(join(assetDir, name))));
  }
  return { index: staticFile('text/html; charset=utf-8', readFileSync(indexPath)), assets };
}

// A Host header is client input: only a plain host[:port] may enter the policy.
const HOST = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * The page's policy: everything from this origin only. connect-src names this host's WebSocket
 * URLs too (graphql-ws), since older browsers do not count ws(s): as 'self'.
 */
export function dashboardCsp(host: string | undefined): string {
  const sockets = host && HOST.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self'${sockets}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * Whether an Accept-Encoding header (RFC 9110 §12.5.3) accepts gzip: a `gzip` (or `x-gzip`) entry
 * with q > 0, or else `*` with q > 0. `gzip;q=0` refuses it even when `*` is accepted.
 */
export function acceptsGzip(header: string | undefined): boolean {
  let star: boolean | undefined;
  for (const entry of (header ?? '').split(',')) {
    const [coding = '', ...params] = entry.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p)).find(Boolean);
    const accepted = !q || Number(q[1]) > 0;
    const name = coding.trim();
    if (name === 'gzip' || name === 'x-gzip') return accepted;
    if (name === '*') star = accepted;
  }
  return star ?? false;
}

function send(request: FastifyRequest, reply: FastifyReply, file: StaticFile): FastifyReply {
  reply.header('content-type', file.type).header('x-content-type-options', 'nosniff').header('vary', 'accept-encoding');
  if (acceptsGzip(request.headers['accept-encoding'])) return reply.header('content-encoding', 'gzip').send(file.gzipped);
  return reply.send(file.body);
}

export function registerDashboard(fastify: FastifyInstance, dir = DASHBOARD_DIR): void {
  let bundle: Bundle | undefined;
  // Loaded on first use (and retried while missing), so a build after the server started is found.
  const current = () => (bundle ??= loadBundle(dir));
  const notBuilt = (reply: FastifyReply) =>
    reply.status(404).send({ error: { code: 'NOT_FOUND', message: 'The dashboard is not built on this server: run `npm run build`' } });

  const page = async (request: FastifyRequest, reply: FastifyReply) => {
    const b = current();
    if (!b) return notBuilt(reply);
    reply
      .header('cache-control', 'no-cache')
      .header('content-security-policy', dashboardCsp(request.host))
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY')
      .header('cross-origin-opener-policy', 'same-origin');
    return send(request, reply, b.index);
  };
  for (const route of DASHBOARD_ROUTES) fastify.get(route, page);

  fastify.get<{ Params: { file: string } }>('/assets/:file', async (request, reply) => {
    const b = current();
    if (!b) return notBuilt(reply);
    const file = b.assets.get(request.params.file);
    if (!file) return reply.status(404).send({ error: { code: 'NOT_FOUND', message: `No dashboard asset ${request.params.file}` } });
    reply.header('cache-control', 'public, max-age=31536000, immutable');
    return send(request, reply, file);
  });
}
