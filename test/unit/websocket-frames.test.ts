/** The pure parts of multiplexed subscriptions: the shared `next` frame, the shape key, the payload. */
import { GraphQLError } from 'graphql';
import { nextFramePrefix, serializeResult, shapeKey } from '../../src/http/websocket';
import { ApiScope } from '../../src/shared/auth';

it('frames a shared payload exactly as graphql-ws would serialize the whole message', () => {
  const payload = { data: { variantStatsUpdated: { campaignId: 'c1', note: 'quote " and \u2028' } } };
  for (const id of ['1', 'a3f1e2b0-0000-4000-8000-000000000000', 'with "quotes" and \\ backslash']) {
    const frame = nextFramePrefix(id) + JSON.stringify(payload) + '}';
    expect(frame).toBe(JSON.stringify({ id, type: 'next', payload }));
    expect(JSON.parse(frame)).toEqual({ id, type: 'next', payload });
  }
});

it('gives the same key to the same session and operation only', () => {
  const op = { query: 'subscription($c: ID!) { variantStatsUpdated(campaignId: $c) { at } }', operationName: null, variables: { c: 'x' } };
  const auth = { workspaceId: 'w1', scopes: [ApiScope.READ, ApiScope.WRITE] };
  const key = shapeKey(auth, op);
  expect(shapeKey({ workspaceId: 'w1', scopes: [ApiScope.WRITE, ApiScope.READ] }, { ...op })).toBe(key); // scope order is not a difference
  expect(shapeKey({ workspaceId: 'w2', scopes: auth.scopes }, op)).not.toBe(key);
  expect(shapeKey({ workspaceId: 'w1', scopes: [ApiScope.READ] }, op)).not.toBe(key);
  expect(shapeKey(auth, { ...op, variables: { c: 'y' } })).not.toBe(key);
  expect(shapeKey(auth, { ...op, query: op.query.replace('at', 'campaignId') })).not.toBe(key);
  expect(shapeKey(auth, { ...op, operationName: 'Live' })).not.toBe(key);
  expect(shapeKey(auth, { ...op, variables: undefined })).toBe(shapeKey(auth, { ...op, variables: null }));
});

it('serializes a result with its errors formatted, and without an errors key when there are none', () => {
  expect(serializeResult({ data: { a: 1 } }, () => ({ message: 'unused' }))).toBe('{"data":{"a":1}}');
  const error = new GraphQLError('boom', { path: ['a'] });
  const json = serializeResult({ data: { a: null }, errors: [error] }, (e) => ({ message: e.message, extensions: { code: 'INTERNAL' } }));
  expect(JSON.parse(json)).toEqual({ data: { a: null }, errors: [{ message: 'boom', extensions: { code: 'INTERNAL' } }] });
});
