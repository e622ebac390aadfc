/**
 * graphql-ws on the same port and path as HTTP GraphQL. The API key travels in
 * `connectionParams.authorization` ("Bearer sk_…" or the bare key); a connection without a valid
 * key is closed with 4403 before any operation runs. Errors are formatted exactly as over HTTP.
 */
import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { DocumentNode, GraphQLError, GraphQLSchema } from 'graphql';
import { getOperationAST, parse } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Logger } from 'pino';
import { createContext, type AppDeps } from '../graphql/context';
import { operationScopeError } from '../graphql/authorization';
import { formatError, toGraphQLError } from '../graphql/errors';
import type { AuthInfo } from '../workspaces/auth';
import { bearerToken } from '../workspaces/api-keys';
import { authenticate } from '../workspaces/workspace.service';
import type { RateLimiter } from './rate-limit';

export interface WebSocketDeps extends AppDeps {
  schema: GraphQLSchema;
  logger: Logger;
  rateLimiter?: RateLimiter;
  checkLimits(document: DocumentNode, variables: Record<string, unknown> | undefined, operationName: string | null | undefined): GraphQLError | undefined;
}

export interface WebSocketHandle {
  close(): Promise<void>;
}

export function attachWebSocket(server: Server, deps: WebSocketDeps): WebSocketHandle {
  const wss = new WebSocketServer({ server, path: '/graphql' });
  const format = (e: GraphQLError) => formatError(e.toJSON(), e, deps.config.development);

  const handle = useServer<Record<string, unknown> | undefined, { auth?: AuthInfo }>(
    {
      schema: deps.schema,
      onConnect: async (ctx) => {
        const raw = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        const token = typeof raw === 'string' ? (bearerToken(raw) ?? raw) : undefined;
        try {
          ctx.extra.auth = await authenticate(deps.orm.em.fork(), token, deps.keyCache);
          return true;
        } catch {
          return false; // graphql-ws closes with 4403 Forbidden
        }
      },
      context: (ctx) => createContext(deps, ctx.extra.auth!, randomUUID()),
      onSubscribe: (ctx, _id, payload) => {
        const limited = deps.rateLimiter?.subscribe(ctx.extra.auth!);
        if (limited) return [limited];
        let document: DocumentNode;
        try {
          document = parse(payload.query);
        } catch {
          return; // graphql-ws reports the syntax error
        }
        const operation = getOperationAST(document, payload.operationName);
        const denied = operation && operationScopeError(ctx.extra.auth!.scopes, operation.operation);
        if (denied) return [toGraphQLError(denied)];
        const error = deps.checkLimits(document, payload.variables ?? undefined, payload.operationName);
        if (error) return [error];
      },
      onError: (_ctx, _id, _payload, errors) => errors.map(format),
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: result.errors.map(format) } : undefined,
    },
    wss,
  );

  return {
    async close() {
      await handle.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
