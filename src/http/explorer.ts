/**
 * The GraphQL explorer a browser gets at GET /graphql: GraphiQL 3, served with React 18 and
 * graphql-ws from this server's own node_modules, so it works on a machine without the internet
 * (Apollo's default landing page loads Sandbox from a CDN). Queries and mutations go over HTTP,
 * subscriptions over graphql-ws; the API key is the `Authorization` header typed in GraphiQL's
 * headers editor, which also travels in the WebSocket's connectionParams.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ApolloServerPlugin } from '@apollo/server';
import type { FastifyInstance } from 'fastify';

const pkg = (name: string) => dirname(require.resolve(`${name}/package.json`));

/** File name under /graphiql/ → where it lives. A fixed list: nothing else is served. */
const ASSETS: Record<string, () => string> = {
  'react.production.min.js': () => join(pkg('react'), 'umd', 'react.production.min.js'),
  'react-dom.production.min.js': () => join(pkg('react-dom'), 'umd', 'react-dom.production.min.js'),
  'graphiql.min.js': () => join(pkg('graphiql'), 'graphiql.min.js'),
  'graphiql.min.css': () => join(pkg('graphiql'), 'graphiql.min.css'),
  'graphql-ws.min.js': () => join(pkg('graphql-ws'), 'umd', 'graphql-ws.min.js'),
};

/** Boots GraphiQL; a static file (not inline) so a strict Content-Security-Policy can allow 'self'. */
const BOOT_SCRIPT = `'use strict';
(function () {
  var url = location.origin + '/graphql';
  function authorization() {
    try {
      var headers = JSON.parse(localStorage.getItem('graphiql:headers') || '{}');
      for (var k in headers) if (k.toLowerCase() === 'authorization') return headers[k];
    } catch (e) {}
    return undefined;
  }
  var wsClient = graphqlWs.createClient({
    url: url.replace(/^http/, 'ws'),
    lazy: true,
    connectionParams: function () { return { authorization: authorization() }; },
  });
  var fetcher = GraphiQL.createFetcher({ url: url, wsClient: wsClient });
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      shouldPersistHeaders: true,
      defaultHeaders: JSON.stringify({ Authorization: 'Bearer <your API key>' }, null, 2),
      defaultQuery: '# Put your API key in the Headers tab below, then run:\\n{\\n  viewer { workspace { id name } scopes }\\n  campaigns(first: 5) { nodes { id name status } }\\n}\\n',
    }),
  );
})();
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Splitcast GraphQL explorer</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/graphiql/graphiql.min.css">
<style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
<div id="graphiql">Loading the explorer…</div>
<script src="/graphiql/react.production.min.js"></script>
<script src="/graphiql/react-dom.production.min.js"></script>
<script src="/graphiql/graphiql.min.js"></script>
<script src="/graphiql/graphql-ws.min.js"></script>
<script src="/graphiql/explorer.js"></script>
</body>
</html>
`;

/** Apollo's landing page hook: what a browser (Accept: text/html) gets from GET /graphql. */
export function explorerLandingPage(): ApolloServerPlugin {
  return {
    async serverWillStart() {
      return { async renderLandingPage() { return { html: PAGE }; } };
    },
  };
}

/** GET /graphiql/<file>: the explorer's scripts and styles, read once and cached in memory. */
export function registerExplorerAssets(fastify: FastifyInstance): void {
  const cache = new Map<string, Buffer>();
  fastify.get<{ Params: { file: string } }>('/graphiql/:file', async (request, reply) => {
    const { file } = request.params;
    const type = file.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8';
    reply.header('cache-control', 'public, max-age=86400');
    if (file === 'explorer.js') return reply.type(type).send(BOOT_SCRIPT);
    const locate = Object.hasOwn(ASSETS, file) ? ASSETS[file] : undefined; // not `constructor`, `__proto__`…
    if (!locate) return reply.status(404).send({ error: { code: 'NOT_FOUND', message: `No explorer asset ${file}` } });
    let body = cache.get(file);
    if (!body) {
      body = await readFile(locate());
      cache.set(file, body);
    }
    return reply.type(type).send(body);
  });
}
