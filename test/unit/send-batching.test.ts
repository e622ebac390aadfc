/**
 * The sender's batching helpers: group commit of replay-store calls (coalesce) and the
 * simulator's short-lived rate cache (cachedRates), and the grouping of a batch (groupBy).
 */
import { coalesce } from '../../src/sending/providers/coalesce';
import { cachedRates } from '../../src/sending/providers';
import { DEFAULT_SIMULATED_RATES } from '../../src/sending/providers/simulator';
import { groupBy } from '../../src/sending/sender';

describe('coalesce', () => {
  it('hands concurrent calls to one flush and answers each with its own result', async () => {
    const flushes: number[][] = [];
    const double = coalesce<number, number>(async (keys) => {
      flushes.push(keys);
      return keys.map((k) => k * 2);
    });
    const results = await Promise.all([1, 2, 3, 4].map((k) => double(k)));
    expect(results).toEqual([2, 4, 6, 8]);
    expect(flushes).toEqual([[1, 2, 3, 4]]);
  });

  it('gathers calls made while a flush runs into the next one, at most maxBatch per flush', async () => {
    const flushes: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const call = coalesce<number, number>(async (keys) => {
      flushes.push(keys);
      if (flushes.length === 1) await gate;
      return keys;
    }, 2);
    const first = call(0);
    await new Promise((r) => setImmediate(r)); // the first flush is running
    const later = [1, 2, 3].map((k) => call(k));
    release();
    expect(await Promise.all([first, ...later])).toEqual([0, 1, 2, 3]);
    expect(flushes).toEqual([[0], [1, 2], [3]]);
  });

  it('rejects every call of a failed flush, and only those', async () => {
    let fail = true;
    const call = coalesce<string, string>(async (keys) => {
      if (fail) {
        fail = false;
        throw new Error('database down');
      }
      return keys;
    });
    const failed = await Promise.allSettled([call('a'), call('b')]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await expect(call('c')).resolves.toBe('c');
  });

  it('refuses a flush that answers the wrong number of results', async () => {
    const call = coalesce<number, number>(async () => []);
    await expect(call(1)).rejects.toThrow(/0 results for 1 calls/);
  });
});

describe('cachedRates', () => {
  it('loads each (campaign, variant) once per TTL and again after it', async () => {
    let clock = 0;
    const loads: string[] = [];
    const rates = cachedRates(async (c, v) => {
      loads.push(`${c}/${v}`);
      return { ...DEFAULT_SIMULATED_RATES, click: loads.length / 10 };
    }, 1000, () => clock);
    expect((await rates('c', 'A'))!.click).toBe(0.1);
    expect((await rates('c', 'A'))!.click).toBe(0.1);
    expect((await rates('c', 'B'))!.click).toBe(0.2);
    clock = 999;
    expect((await rates('c', 'A'))!.click).toBe(0.1);
    clock = 1000;
    expect((await rates('c', 'A'))!.click).toBe(0.3);
    expect(loads).toEqual(['c/A', 'c/B', 'c/A']);
  });

  it('does not keep a failed load', async () => {
    let n = 0;
    const rates = cachedRates(async () => {
      if (n++ === 0) throw new Error('down');
      return null;
    }, 60_000, () => 0);
    await expect(rates('c', 'A')).rejects.toThrow('down');
    await expect(rates('c', 'A')).resolves.toBeNull();
  });
});

describe('groupBy', () => {
  it('groups by key, groups and items in first-seen order', () => {
    const groups = groupBy(['b1', 'a1', 'b2', 'c1', 'a2'], (s) => s[0]);
    expect([...groups]).toEqual([
      ['b', ['b1', 'b2']],
      ['a', ['a1', 'a2']],
      ['c', ['c1']],
    ]);
    expect(groupBy([], (s: string) => s).size).toBe(0);
  });
});
