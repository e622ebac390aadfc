/**
 * The alert webhook's POST against a local TCP server: a name is refused when the connection's own
 * resolution answers an internal address (no second lookup a rebinding name could answer
 * differently), and no connection is left open after an answer.
 */
import { createServer, type Server } from 'node:http';
import type { LookupAddress } from 'node:dns';
import type { AddressInfo, Socket } from 'node:net';
import { INTERNAL_ADDRESS, postOnce, publicOnlyLookup, type Resolve } from '../../src/operations/alert-post';
import { until } from '../helpers/until';

let server: Server;
let port: number;
const sockets = new Set<Socket>();
let connections = 0;
let requests = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests++;
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  server.on('connection', (s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

/** A resolver answering `answers` in turn (the last one from then on), counting its calls. */
function dns(...answers: LookupAddress[][]): Resolve & { calls: number } {
  const resolve = Object.assign(
    async () => {
      const a = answers[Math.min(resolve.calls, answers.length - 1)]!;
      resolve.calls++;
      return a;
    },
    { calls: 0 },
  );
  return resolve;
}
const v4 = (address: string): LookupAddress => ({ address, family: 4 });
const v6 = (address: string): LookupAddress => ({ address, family: 6 });

describe('publicOnlyLookup', () => {
  it.each([
    ['loopback', [v4('127.0.0.1')]],
    ['an IPv4-mapped loopback as a resolver spells it', [v6('::ffff:127.0.0.1')]],
    ['a public address next to an internal one', [v4('203.0.113.7'), v4('127.0.0.1')]],
  ])('refuses a name resolving to %s, and nothing connects', async (_what, answer) => {
    const before = connections;
    const resolve = dns(answer);
    await expect(postOnce(`http://alerts.rebind.test:${port}/hook`, {}, '{}', 5000, publicOnlyLookup(resolve))).rejects.toMatchObject({ code: INTERNAL_ADDRESS });
    expect(resolve.calls).toBe(1);
    expect(connections).toBe(before);
    expect(requests).toBe(0);
  });

  it('checks the resolution the connection uses: a name answering public first and internal next reaches nothing internal', async () => {
    const before = connections;
    // Whatever the first answer leads to (no route here, or a timeout), the second — internal —
    // is never asked for: one resolution per connection, and it is the checked one.
    const resolve = dns([v4('203.0.113.7')], [v4('127.0.0.1')]);
    await expect(postOnce(`http://alerts.rebind.test:${port}/hook`, {}, '{}', 1500, publicOnlyLookup(resolve))).rejects.toMatchObject({ message: expect.any(String) });
    expect(resolve.calls).toBe(1);
    expect(connections).toBe(before);
  });

  it('hands public answers to the connection in the shape net asks for', async () => {
    const lookup = publicOnlyLookup(dns([v4('203.0.113.7'), v6('2001:db8::7')]));
    const one = await new Promise((r) => lookup('x.test', {}, (err, address, family) => r({ err, address, family })));
    expect(one).toEqual({ err: null, address: '203.0.113.7', family: 4 });
    const all = await new Promise((r) => lookup('x.test', { all: true }, (err, addresses) => r({ err, addresses })));
    expect(all).toEqual({ err: null, addresses: [v4('203.0.113.7'), v6('2001:db8::7')] });
    const six = await new Promise((r) => lookup('x.test', { family: 6 }, (err, address, family) => r({ err, address, family })));
    expect(six).toEqual({ err: null, address: '2001:db8::7', family: 6 });
  });
});

describe('postOnce', () => {
  it('answers the status and leaves no connection open (no keep-alive)', async () => {
    const before = requests;
    expect(await postOnce(`http://127.0.0.1:${port}/hook`, { 'content-type': 'application/json' }, '{"a":1}', 5000)).toBe(204);
    expect(requests).toBe(before + 1);
    expect((await until(() => sockets.size, (n) => n === 0, 5000))).toBe(0);
  });
});
