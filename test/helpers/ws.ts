/** A real graphql-ws client that records what a subscription receives. */
import { createClient, type Client } from 'graphql-ws';
import { print, type DocumentNode } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import WebSocket from 'ws';

export interface Recorded<T> {
  messages: { at: number; data: T }[];
  errors: unknown[];
  /** Resolves with the first message matching `predicate` (rejects after `timeoutMs`). */
  waitFor(predicate: (data: T) => boolean, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

export async function subscribe<T, V extends Record<string, unknown>>(url: string, key: string, doc: TypedDocumentNode<T, V>, variables: V): Promise<Recorded<T>> {
  const client: Client = createClient({ url: url.replace(/^http/, 'ws') + '/graphql', webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${key}` }, retryAttempts: 0 });
  const messages: { at: number; data: T }[] = [];
  const errors: unknown[] = [];
  const waiters: { predicate: (d: T) => boolean; resolve: (d: T) => void }[] = [];
  let acknowledged!: () => void;
  const ready = new Promise<void>((r) => (acknowledged = r));
  client.on('connected', () => acknowledged());
  const dispose = client.subscribe<T>(
    { query: print(doc as DocumentNode), variables },
    {
      next: (v) => {
        if (v.errors) errors.push(...v.errors);
        if (!v.data) return;
        const data = v.data as T;
        messages.push({ at: Date.now(), data });
        for (const w of [...waiters]) {
          if (w.predicate(data)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(data);
          }
        }
      },
      error: (e) => errors.push(e),
      complete: () => undefined,
    },
  );
  await ready;
  // graphql-ws sends `subscribe` right after the ack; give the server a moment to register it.
  await new Promise((r) => setTimeout(r, 150));
  return {
    messages,
    errors,
    waitFor(predicate, timeoutMs = 3000) {
      const hit = messages.find((m) => predicate(m.data));
      if (hit) return Promise.resolve(hit.data);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching message within ${timeoutMs} ms (got ${messages.length}, errors ${JSON.stringify(errors)})`)), timeoutMs);
        waiters.push({ predicate, resolve: (d) => (clearTimeout(timer), resolve(d)) });
      });
    },
    async close() {
      dispose();
      await client.dispose();
    },
  };
}
