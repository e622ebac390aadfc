import { ALL_CHANNELS_KEY, NONE_KEY, sortKeyCounts, toCounts, windowStart } from '../../src/reports/opt-out-report';
import { optOutCsvRow, parseDaysParam } from '../../src/reports/opt-out-export';
import { Channel } from '../../src/domain/channel';

describe('windowStart', () => {
  const now = new Date('2026-03-10T12:00:00Z');
  it('is `days` × 24 h before now', () => {
    expect(windowStart(1, now).toISOString()).toBe('2026-03-09T12:00:00.000Z');
    expect(windowStart(3650, now).getTime()).toBe(now.getTime() - 3650 * 86_400_000);
  });
  it.each([0, -1, 3651, 1.5, NaN])('refuses %p with INVALID_DAYS', (days) => {
    expect(() => windowStart(days, now)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT', reason: 'INVALID_DAYS', field: 'days' }));
  });
});

describe('counts', () => {
  it('sorts by count desc, then key', () => {
    expect(sortKeyCounts([{ key: 'b', count: 1 }, { key: 'a', count: 1 }, { key: 'c', count: 2 }]).map((k) => k.key)).toEqual(['c', 'a', 'b']);
  });
  it('names the null buckets and splits the grouping sets', () => {
    const c = toCounts([
      { dimension: 'total', value: null, count: 4 },
      { dimension: 'channel', value: null, count: 1 },
      { dimension: 'channel', value: 'SMS', count: 3 },
      { dimension: 'source', value: 'api', count: 4 },
      { dimension: 'keyword', value: null, count: 2 },
      { dimension: 'keyword', value: 'STOP', count: 2 },
    ]);
    expect(c).toEqual({
      total: 4,
      byChannel: [{ key: 'SMS', count: 3 }, { key: ALL_CHANNELS_KEY, count: 1 }],
      bySource: [{ key: 'api', count: 4 }],
      byKeyword: [{ key: NONE_KEY, count: 2 }, { key: 'STOP', count: 2 }],
    });
  });
  it('is zero without rows', () => {
    expect(toCounts([])).toEqual({ total: 0, byChannel: [], bySource: [], byKeyword: [] });
  });
});

describe('CSV', () => {
  it('neutralises formula cells but keeps E.164 phones', () => {
    const row = optOutCsvRow({ id: 'x', contact_id: 'c', channel: null, source: '=cmd', keyword: '+SUM(1)', at: new Date('2026-01-01T00:00:00Z'), external_id: '-2', phone: '+14155550000', email: '@a@b.c' });
    expect(row).toEqual(['2026-01-01T00:00:00.000Z', 'ALL', "'=cmd", "'+SUM(1)", 'c', "'-2", '+14155550000', "'@a@b.c"]);
    expect(optOutCsvRow({ id: 'x', contact_id: 'c', channel: Channel.SMS, source: 'api', keyword: null, at: new Date(0), external_id: null, phone: null, email: null }).slice(1, 8)).toEqual(['SMS', 'api', '', 'c', '', '', '']);
  });
  it('parses days: absent → 30, digits only', () => {
    expect(parseDaysParam(undefined)).toBe(30);
    expect(parseDaysParam('7')).toBe(7);
    for (const bad of ['', 'abc', '1.5', '-1', ['1', '2'], '123456']) expect(() => parseDaysParam(bad)).toThrow(expect.objectContaining({ reason: 'INVALID_DAYS' }));
  });
});
