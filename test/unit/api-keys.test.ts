import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { ApiScope } from '../../src/shared/auth';
import { KEY_PREFIX, bearerToken, generateApiKey, hasScope, hashApiKey, keyPrefix } from '../../src/shared/auth';

describe('generateApiKey', () => {
  it('is sk_ followed by 43 base64url characters', () => {
    expect(generateApiKey()).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);
  });

  it('carries 256 bits of randomness', () => {
    const key = generateApiKey();
    expect(Buffer.from(key.slice(KEY_PREFIX.length), 'base64url')).toHaveLength(32);
  });

  it('starts with KEY_PREFIX', () => {
    expect(KEY_PREFIX).toBe('sk_');
    expect(generateApiKey().startsWith(KEY_PREFIX)).toBe(true);
  });

  it('returns a different key each time', () => {
    const keys = new Set(Array.from({ length: 20 }, () => generateApiKey()));
    expect(keys.size).toBe(20);
  });
});

describe('hashApiKey', () => {
  it('is the SHA-256 hex digest of the key', () => {
    const key = generateApiKey();
    expect(hashApiKey(key)).toBe(createHash('sha256').update(key, 'utf8').digest('hex'));
  });

  it('matches the FIPS 180-2 test vector for "abc"', () => {
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('hashes non-ASCII text as UTF-8', () => {
    expect(hashApiKey('chave-€')).toBe(createHash('sha256').update(Buffer.from('chave-€', 'utf8')).digest('hex'));
  });

  it('is 64 lower-case hex characters', () => {
    expect(hashApiKey(generateApiKey())).toMatch(/^[0-9a-f]{64}$/);
  });

  it('differs for keys that differ in one character', () => {
    expect(hashApiKey('sk_aaaa')).not.toBe(hashApiKey('sk_aaab'));
  });
});

describe('keyPrefix', () => {
  it('keeps sk_ plus six characters', () => {
    expect(keyPrefix('sk_ABCDEFGHIJKLMNOP')).toBe('sk_ABCDEF');
  });

  it('is a prefix of a generated key, nine characters long', () => {
    const key = generateApiKey();
    expect(keyPrefix(key)).toHaveLength(9);
    expect(key.startsWith(keyPrefix(key))).toBe(true);
  });
});

describe('bearerToken', () => {
  it.each([
    ['Bearer sk_abc', 'sk_abc'],
    ['bearer sk_abc', 'sk_abc'],
    ['BEARER sk_abc', 'sk_abc'],
    ['Bearer    sk_abc', 'sk_abc'],
    ['Bearer\tsk_abc', 'sk_abc'],
    ['Bearer sk_abc   ', 'sk_abc'],
  ])('reads %j as %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['empty', ''],
    ['the scheme alone', 'Bearer'],
    ['the scheme and a space', 'Bearer '],
    ['two tokens', 'Bearer sk_abc sk_def'],
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['a bare token', 'sk_abc'],
    ['no space after the scheme', 'Bearersk_abc'],
  ])('returns undefined for %s', (_label, header) => {
    expect(bearerToken(header)).toBeUndefined();
  });
});

describe('hasScope', () => {
  it.each([
    [ApiScope.READ, ApiScope.READ, true],
    [ApiScope.READ, ApiScope.WRITE, false],
    [ApiScope.READ, ApiScope.ADMIN, false],
    [ApiScope.WRITE, ApiScope.READ, true],
    [ApiScope.WRITE, ApiScope.WRITE, true],
    [ApiScope.WRITE, ApiScope.ADMIN, false],
    [ApiScope.ADMIN, ApiScope.READ, true],
    [ApiScope.ADMIN, ApiScope.WRITE, true],
    [ApiScope.ADMIN, ApiScope.ADMIN, true],
  ])('granted %s, needing %s → %s', (granted, needed, expected) => {
    expect(hasScope([granted], needed)).toBe(expected);
  });

  it('grants nothing with no scopes', () => {
    expect([ApiScope.READ, ApiScope.WRITE, ApiScope.ADMIN].map((s) => hasScope([], s))).toEqual([false, false, false]);
  });

  it('uses the highest of several granted scopes', () => {
    expect(hasScope([ApiScope.READ, ApiScope.ADMIN], ApiScope.WRITE)).toBe(true);
  });

  it('is not satisfied by several lower scopes', () => {
    expect(hasScope([ApiScope.READ, ApiScope.WRITE], ApiScope.ADMIN)).toBe(false);
  });
});
