import pino from 'pino';
import { forEachItem, ItemsFailed } from '../../src/jobs/each';

describe('forEachItem (a job over workspaces or campaigns)', () => {
  it('keeps going past a failing item, logs it, and fails the job with the count at the end', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const done: number[] = [];
    const run = forEachItem([1, 2, 3, 4], 'refresh', logger, (n) => ({ item: n }), async (n) => {
      if (n === 2) throw new Error('workspace vanished');
      done.push(n);
    });
    await expect(run).rejects.toEqual(new ItemsFailed(1, 4, 'refresh'));
    await expect(run).rejects.toThrow('1 of 4 refresh failed (see the log)');
    expect(done).toEqual([1, 3, 4]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ item: 2, err: { message: 'workspace vanished' } });
  });

  it('succeeds when every item does', async () => {
    const done: string[] = [];
    await expect(forEachItem(['a', 'b'], 'x', pino({ level: 'silent' }), () => ({}), async (s) => void done.push(s))).resolves.toBeUndefined();
    expect(done).toEqual(['a', 'b']);
  });
});
