import type { AuthInfo } from '../../src/shared/auth';
import { ApiKeyCache } from '../../src/shared/key-cache';

const auth = (apiKeyId: string, workspaceId = 'ws-1'): AuthInfo => ({ workspaceId, apiKeyId, apiKeyName: `key ${apiKeyId}`, scopes: [] });
const T0 = 1_700_000_000_000;

describe('ApiKeyCache: get and set', () => {
  it('returns undefined for a hash never set', () => {
    expect(new ApiKeyCache().get('h1', T0)).toBeUndefined();
  });

  it('returns the auth set for a hash', () => {
    const cache = new ApiKeyCache();
    const a = auth('k1');
    cache.set('h1', a, T0);
    expect(cache.get('h1', T0)).toBe(a);
  });

  it('keeps hashes apart', () => {
    const cache = new ApiKeyCache();
    cache.set('h1', auth('k1'), T0);
    cache.set('h2', auth('k2'), T0);
    expect(cache.get('h1', T0)?.apiKeyId).toBe('k1');
    expect(cache.get('h2', T0)?.apiKeyId).toBe('k2');
  });

  it('replaces the auth when a hash is set again', () => {
    const cache = new ApiKeyCache();
    cache.set('h1', auth('k1', 'ws-1'), T0);
    cache.set('h1', auth('k1', 'ws-2'), T0);
    expect(cache.get('h1', T0)?.workspaceId).toBe('ws-2');
  });
});

describe('ApiKeyCache: TTL', () => {
  it.each([
    [0, true],
    [29_999, true],
    [30_000, false],
    [30_001, false],
    [3_600_000, false],
  ])('with the default 30 s TTL, an entry %d ms old is present: %p', (age, present) => {
    const cache = new ApiKeyCache();
    cache.set('h1', auth('k1'), T0);
    expect(cache.get('h1', T0 + age) !== undefined).toBe(present);
  });

  it.each([
    [999, true],
    [1000, false],
  ])('honours a custom TTL of 1 s: %d ms old present: %p', (age, present) => {
    const cache = new ApiKeyCache(1000);
    cache.set('h1', auth('k1'), T0);
    expect(cache.get('h1', T0 + age) !== undefined).toBe(present);
  });

  it('removes an expired entry: it stays gone even when asked with an earlier time', () => {
    const cache = new ApiKeyCache(1000);
    cache.set('h1', auth('k1'), T0);
    expect(cache.get('h1', T0 + 1000)).toBeUndefined();
    expect(cache.get('h1', T0)).toBeUndefined();
  });

  it('frees the room of an expired entry (no clear when the next set arrives)', () => {
    const cache = new ApiKeyCache(1000, 2);
    cache.set('old', auth('k1'), T0);
    cache.set('h2', auth('k2'), T0 + 900);
    expect(cache.get('old', T0 + 1000)).toBeUndefined(); // expired and removed: one entry left
    cache.set('h3', auth('k3'), T0 + 1000);
    expect(cache.get('h2', T0 + 1000)?.apiKeyId).toBe('k2');
    expect(cache.get('h3', T0 + 1000)?.apiKeyId).toBe('k3');
  });

  it('restarts the TTL when a hash is set again', () => {
    const cache = new ApiKeyCache(1000);
    cache.set('h1', auth('k1'), T0);
    cache.set('h1', auth('k1'), T0 + 800);
    expect(cache.get('h1', T0 + 1500)?.apiKeyId).toBe('k1');
    expect(cache.get('h1', T0 + 1800)).toBeUndefined();
  });

  it('expires each entry by its own set time', () => {
    const cache = new ApiKeyCache(1000);
    cache.set('h1', auth('k1'), T0);
    cache.set('h2', auth('k2'), T0 + 500);
    expect(cache.get('h1', T0 + 1200)).toBeUndefined();
    expect(cache.get('h2', T0 + 1200)?.apiKeyId).toBe('k2');
  });
});

describe('ApiKeyCache: revoke', () => {
  it('drops every hash of the revoked key and keeps the others', () => {
    const cache = new ApiKeyCache();
    cache.set('a1', auth('k1'), T0);
    cache.set('b1', auth('k2'), T0);
    cache.set('a2', auth('k1'), T0);
    cache.set('a3', auth('k1'), T0);
    cache.revoke('k1');
    expect(['a1', 'a2', 'a3'].map((h) => cache.get(h, T0))).toEqual([undefined, undefined, undefined]);
    expect(cache.get('b1', T0)?.apiKeyId).toBe('k2');
  });

  it('changes nothing for a key not cached', () => {
    const cache = new ApiKeyCache();
    cache.set('a1', auth('k1'), T0);
    cache.revoke('k9');
    expect(cache.get('a1', T0)?.apiKeyId).toBe('k1');
  });

  it('lets the key be cached again after revocation', () => {
    const cache = new ApiKeyCache();
    cache.set('a1', auth('k1'), T0);
    cache.revoke('k1');
    cache.set('a1', auth('k1'), T0 + 1);
    expect(cache.get('a1', T0 + 1)?.apiKeyId).toBe('k1');
  });
});

describe('ApiKeyCache: size bound', () => {
  it('keeps entries while below maxEntries', () => {
    const cache = new ApiKeyCache(30_000, 3);
    for (const h of ['h1', 'h2', 'h3']) cache.set(h, auth(h), T0);
    expect(['h1', 'h2', 'h3'].map((h) => cache.get(h, T0)?.apiKeyId)).toEqual(['h1', 'h2', 'h3']);
  });

  it('clears the map when a new entry arrives with the map full, then keeps the new entry', () => {
    const cache = new ApiKeyCache(30_000, 3);
    for (const h of ['h1', 'h2', 'h3', 'h4']) cache.set(h, auth(h), T0);
    expect(['h1', 'h2', 'h3'].map((h) => cache.get(h, T0))).toEqual([undefined, undefined, undefined]);
    expect(cache.get('h4', T0)?.apiKeyId).toBe('h4');
  });

  it('fills up again after a clear', () => {
    const cache = new ApiKeyCache(30_000, 2);
    for (const h of ['h1', 'h2', 'h3', 'h4']) cache.set(h, auth(h), T0); // h3 cleared h1, h2
    expect(['h1', 'h2', 'h3', 'h4'].map((h) => cache.get(h, T0)?.apiKeyId)).toEqual([undefined, undefined, 'h3', 'h4']);
  });
});
