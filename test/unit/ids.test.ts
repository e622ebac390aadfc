import { asUuid, isUuid, newId } from '../../src/shared/ids';

const NIL = '00000000-0000-0000-0000-000000000000';

describe('isUuid', () => {
  it.each([['0b9f6b8e-3c1a-4a8e-9d57-1f2e3d4c5b6a'], ['0B9F6B8E-3C1A-4A8E-9D57-1F2E3D4C5B6A'], [NIL]])('accepts %s', (id) => {
    expect(isUuid(id)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['a number', '42'],
    ['one character short', '0b9f6b8e-3c1a-4a8e-9d57-1f2e3d4c5b6'],
    ['one character too many', '0b9f6b8e-3c1a-4a8e-9d57-1f2e3d4c5b6aa'],
    ['without hyphens', '0b9f6b8e3c1a4a8e9d571f2e3d4c5b6a'],
    ['with braces', '{0b9f6b8e-3c1a-4a8e-9d57-1f2e3d4c5b6a}'],
    ['with a non-hex letter', '0b9f6b8e-3c1a-4a8e-9d57-1f2e3d4c5b6g'],
    ['with surrounding spaces', ' 0b9f6b8e-3c1a-4a8e-9d57-1f2e3d4c5b6a '],
    ['with SQL', "' OR 1=1 --"],
  ])('rejects %s', (_label, id) => {
    expect(isUuid(id)).toBe(false);
  });
});

describe('asUuid', () => {
  it('returns a lower-case UUID unchanged', () => {
    expect(asUuid('0b9f6b8e-3c1a-4a8e-9d57-1f2e3d4c5b6a')).toBe('0b9f6b8e-3c1a-4a8e-9d57-1f2e3d4c5b6a');
  });

  it('lower-cases an upper-case UUID', () => {
    expect(asUuid('0B9F6B8E-3C1A-4A8E-9D57-1F2E3D4C5B6A')).toBe('0b9f6b8e-3c1a-4a8e-9d57-1f2e3d4c5b6a');
  });

  it.each([[''], ['campaign-1'], ['123'], ["' OR 1=1 --"]])('maps %j to the nil UUID', (id) => {
    expect(asUuid(id)).toBe(NIL);
  });
});

describe('newId (UUID version 7)', () => {
  it('is a valid version-7, variant-10 UUID carrying the millisecond time', () => {
    const at = Date.UTC(2026, 10, 21, 12, 0, 0);
    const id = newId(at);
    expect(isUuid(id)).toBe(true);
    expect(id[14]).toBe('7');
    expect(['8', '9', 'a', 'b']).toContain(id[19]);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
  });

  it('sorts in creation order, also within one millisecond', () => {
    const at = Date.UTC(2030, 0, 1);
    const ids = Array.from({ length: 5000 }, () => newId(at));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
