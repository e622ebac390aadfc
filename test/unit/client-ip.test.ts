import type { IncomingMessage } from 'node:http';
import { clientAddressOf } from '../../src/http/client-ip';

const request = (remoteAddress: string, forwardedFor?: string) =>
  ({ socket: { remoteAddress }, connection: { remoteAddress }, headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} }) as unknown as IncomingMessage;

describe('clientAddressOf (the WebSocket upgrade’s client address, by TRUST_PROXY)', () => {
  it('off: the socket’s address, X-Forwarded-For ignored', () => {
    expect(clientAddressOf(false)(request('198.51.100.7', '203.0.113.5'))).toBe('198.51.100.7');
  });

  it('trusted proxies: the first address not in the list, from the right', () => {
    const ip = clientAddressOf('loopback, 10.0.0.0/8');
    expect(ip(request('127.0.0.1', '203.0.113.5'))).toBe('203.0.113.5');
    expect(ip(request('127.0.0.1', '203.0.113.5, 10.1.2.3'))).toBe('203.0.113.5');
    expect(ip(request('127.0.0.1', 'spoofed, 198.51.100.9'))).toBe('198.51.100.9');
    expect(ip(request('192.0.2.4', '203.0.113.5'))).toBe('192.0.2.4'); // not a trusted proxy: its header is not read
  });

  it('on: the leftmost entry (which is why the README prefers addresses)', () => {
    expect(clientAddressOf(true)(request('127.0.0.1', '203.0.113.5, 10.1.2.3'))).toBe('203.0.113.5');
  });
});
