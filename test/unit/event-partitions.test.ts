import { expiredPartitions, monthPartition, monthsToEnsure, parsePartitionName, retentionCutoff } from '../../src/db/event-partitions';
import { loadConfig } from '../../src/config';

describe('monthPartition', () => {
  it('names the UTC month and bounds it at 00:00 UTC on the firsts', () => {
    expect(monthPartition(new Date('2026-11-30T23:59:59.999Z'))).toEqual({
      name: 'events_2026_11',
      from: new Date('2026-11-01T00:00:00Z'),
      to: new Date('2026-12-01T00:00:00Z'),
    });
  });

  it('uses UTC, not the local zone, at a month boundary', () => {
    // 2026-12-01 00:30 in UTC+1 is still November in UTC.
    expect(monthPartition(new Date('2026-12-01T00:30:00+01:00')).name).toBe('events_2026_11');
  });

  it('shifts across years both ways', () => {
    expect(monthPartition(new Date('2026-11-15T00:00:00Z'), 2)).toMatchObject({ name: 'events_2027_01', to: new Date('2027-02-01T00:00:00Z') });
    expect(monthPartition(new Date('2026-01-15T00:00:00Z'), -1)).toMatchObject({ name: 'events_2025_12', from: new Date('2025-12-01T00:00:00Z') });
  });
});

describe('monthsToEnsure', () => {
  it('is the current month and the next ones, contiguous', () => {
    const months = monthsToEnsure(new Date('2026-12-31T12:00:00Z'), 2);
    expect(months.map((m) => m.name)).toEqual(['events_2026_12', 'events_2027_01', 'events_2027_02']);
    for (let i = 1; i < months.length; i++) expect(months[i]!.from).toEqual(months[i - 1]!.to);
  });
});

describe('parsePartitionName', () => {
  it('reads back what monthPartition names', () => {
    const p = monthPartition(new Date('2027-03-09T00:00:00Z'));
    expect(parsePartitionName(p.name)).toEqual(p);
  });

  it('is null for the default partition and other names', () => {
    for (const name of ['events_default', 'events_2026_13', 'events_2026_00', 'events_2026_1', 'event_keys', 'events_2026_11_old']) {
      expect(parsePartitionName(name)).toBeNull();
    }
  });
});

describe('expiredPartitions', () => {
  const names = ['events_2026_09', 'events_default', 'events_2026_07', 'events_2026_08', 'events_2026_10'];

  it('takes only months that ended at or before the cutoff, oldest first', () => {
    expect(expiredPartitions(names, new Date('2026-09-01T00:00:00Z')).map((p) => p.name)).toEqual(['events_2026_07', 'events_2026_08']);
  });

  it('keeps a month that still has rows younger than the cutoff', () => {
    expect(expiredPartitions(names, new Date('2026-08-31T23:59:59.999Z')).map((p) => p.name)).toEqual(['events_2026_07']);
  });

  it('never takes the default partition', () => {
    expect(expiredPartitions(names, new Date('2100-01-01T00:00:00Z')).map((p) => p.name)).not.toContain('events_default');
  });
});

describe('retentionCutoff', () => {
  it('is now minus whole days', () => {
    expect(retentionCutoff(new Date('2026-03-31T10:00:00Z'), 30)).toEqual(new Date('2026-03-01T10:00:00Z'));
  });
});

describe('EVENT_RETENTION_DAYS', () => {
  it('is off (keep forever) when unset or empty', () => {
    expect(loadConfig({}).eventRetentionDays).toBeUndefined();
    expect(loadConfig({ EVENT_RETENTION_DAYS: '' }).eventRetentionDays).toBeUndefined();
  });

  it('takes a whole number of days', () => {
    expect(loadConfig({ EVENT_RETENTION_DAYS: '90' }).eventRetentionDays).toBe(90);
  });

  it('refuses zero, negatives and fractions', () => {
    for (const v of ['0', '-3', '1.5', 'forever']) expect(() => loadConfig({ EVENT_RETENTION_DAYS: v })).toThrow(/EVENT_RETENTION_DAYS/);
  });
});
