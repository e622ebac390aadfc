/**
 * Send-time optimisation in the sender (src/sending/send-time-plan.ts, send-time-uplift.ts):
 * planned send instants across DST changes and odd offsets, holdout membership, run plans, and the
 * uplift statistics. Reference values: test/fixtures/send-time-plan/make_reference.py (Python
 * zoneinfo brute force and scipy), committed as reference.json.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { campaignAssigner, campaignRanges, growthbookHash } from '../../src/campaigns/assignment';
import { Metric } from '../../src/campaigns/experiment-enums';
import { mulberry32 } from '../../src/experiments/stats/random';
import { holdoutMembership, isValidHoldoutPercent, plannedSendAt, planRun, SEND_TIME_HOLDOUT_SEED_SUFFIX } from '../../src/sending/send-time-plan';
import { computeSendTimeUplift } from '../../src/sending/send-time-uplift';
import { localHour } from '../helpers/local-time';

interface Reference {
  plan: { zone: string; start: string; hour: number; expected: string }[];
  uplift: { treated: number; treatedSuccesses: number; holdout: number; holdoutSuccesses: number; treatedRate: number; holdoutRate: number; absoluteLift: number; liftLower: number; liftUpper: number; pValue: number }[];
}
// Tests run from dist/test/unit; the fixture stays in the source tree.
const reference = JSON.parse(readFileSync(join(__dirname, '../../../test/fixtures/send-time-plan/reference.json'), 'utf8')) as Reference;

const HOUR_MS = 3_600_000;

describe('plannedSendAt', () => {
  it.each(reference.plan.map((c) => [c.zone, c.start, c.hour, c.expected]))('%s from %s at hour %i → %s (zoneinfo brute force)', (zone, start, hour, expected) => {
    expect(plannedSendAt(new Date(start as string), zone as string, hour as number).toISOString()).toBe(expected);
  });

  it('spells out the DST cases (America/New_York 2026)', () => {
    // Spring forward (Mar 8, 02:00 EST → 03:00 EDT = 07:00Z): 02:00 does not exist that day; the
    // send goes at the change, within the day, not on Mar 9.
    expect(plannedSendAt(new Date('2026-03-08T05:30:00Z'), 'America/New_York', 2).toISOString()).toBe('2026-03-08T07:00:00.000Z');
    // Fall back (Nov 1, 02:00 EDT → 01:00 EST): 01:00 happens twice; the first one is taken …
    expect(plannedSendAt(new Date('2026-11-01T03:30:00Z'), 'America/New_York', 1).toISOString()).toBe('2026-11-01T05:00:00.000Z');
    // … and a start inside the second one is already at the hour.
    expect(plannedSendAt(new Date('2026-11-01T06:10:00Z'), 'America/New_York', 1).toISOString()).toBe('2026-11-01T06:10:00.000Z');
    // 09:00 EST the next morning is exactly 24 h after 10:00 EDT (a 25-hour day).
    expect(plannedSendAt(new Date('2026-10-31T14:00:00Z'), 'America/New_York', 9).toISOString()).toBe('2026-11-01T14:00:00.000Z');
  });

  it('handles half-hour and +14 offsets', () => {
    expect(plannedSendAt(new Date('2026-06-10T03:00:00Z'), 'Asia/Kolkata', 8).toISOString()).toBe('2026-06-10T03:00:00.000Z'); // 08:30 IST is hour 8
    expect(plannedSendAt(new Date('2026-06-10T03:00:00Z'), 'Asia/Kolkata', 9).toISOString()).toBe('2026-06-10T03:30:00.000Z');
    expect(plannedSendAt(new Date('2026-06-10T03:00:00Z'), 'Asia/Kolkata', 7).toISOString()).toBe('2026-06-11T01:30:00.000Z');
    expect(plannedSendAt(new Date('2026-06-10T10:00:00Z'), 'Pacific/Kiritimati', 23).toISOString()).toBe('2026-06-11T09:00:00.000Z'); // 00:00 Jun 11 local → 23:00 Jun 11 local
  });

  // Brute force with Intl (another path than schedule.ts): for many starts, every hour, the first
  // minute at or after the start whose local hour is the target, or where the clock jumps over it.
  const ZONES = ['UTC', 'America/New_York', 'Europe/London', 'Asia/Kolkata', 'Pacific/Kiritimati', 'Pacific/Chatham', 'Australia/Lord_Howe', 'America/Santiago'];
  const TRANSITIONS = ['2026-03-08T07:00:00Z', '2026-11-01T06:00:00Z', '2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z', '2026-04-04T15:00:00Z', '2026-10-03T15:30:00Z', '2026-04-05T03:00:00Z', '2026-09-06T04:00:00Z'].map((t) => Date.parse(t));
  it('agrees with a minute-by-minute search for every hour, in eight zones, near DST changes and through the year', () => {
    const rng = mulberry32(13);
    let checked = 0;
    for (const zone of ZONES) {
      const starts = [
        ...TRANSITIONS.map((t) => t + Math.floor((rng() - 0.5) * 72 * HOUR_MS)),
        ...Array.from({ length: 6 }, () => Date.parse('2026-01-01T00:00:00Z') + Math.floor(rng() * 365 * 24 * HOUR_MS)),
      ];
      for (const start of starts) {
        const first = new Map<number, number>([[localHour(start, zone), start]]);
        let prev = localHour(start, zone);
        for (let t = Math.floor(start / 60_000) * 60_000 + 60_000; first.size < 24 && t < start + 26 * HOUR_MS; t += 60_000) {
          const h = localHour(t, zone);
          for (let skipped = (prev + 1) % 24; skipped !== h && h !== prev; skipped = (skipped + 1) % 24) if (!first.has(skipped)) first.set(skipped, t);
          if (!first.has(h)) first.set(h, t);
          prev = h;
        }
        for (let hour = 0; hour < 24; hour++) {
          const planned = plannedSendAt(new Date(start), zone, hour).getTime();
          expect({ zone, start: new Date(start).toISOString(), hour, planned: new Date(planned).toISOString() }).toEqual({ zone, start: new Date(start).toISOString(), hour, planned: new Date(first.get(hour)!).toISOString() });
          expect(planned - start).toBeLessThanOrEqual(25 * HOUR_MS);
          checked++;
        }
      }
    }
    expect(checked).toBe(ZONES.length * (TRANSITIONS.length + 6) * 24);
  });

  it('refuses hours outside 0–23 and unknown zones', () => {
    for (const hour of [-1, 24, 1.5, Number.NaN]) expect(() => plannedSendAt(new Date(), 'UTC', hour)).toThrow(RangeError);
    expect(() => plannedSendAt(new Date(), 'Mars/Base', 9)).toThrow(RangeError);
  });
});

/** Deterministic UUID-shaped ids. */
function ids(n: number, seed: number): string[] {
  const rng = mulberry32(seed);
  const hex = (k: number) => Array.from({ length: k }, () => Math.floor(rng() * 16).toString(16)).join('');
  return Array.from({ length: n }, () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`);
}

/** |k − np| within 4.5 binomial standard deviations (two-sided miss probability ≈ 7e-6). */
function withinBinomialBounds(k: number, n: number, p: number): boolean {
  return Math.abs(k - n * p) <= 4.5 * Math.sqrt(n * p * (1 - p));
}

describe('holdoutMembership', () => {
  const contacts = ids(10_000, 7);

  it.each([1, 10, 25, 50])('holds out about %i %% of 10,000 contacts', (percent) => {
    const held = contacts.filter(holdoutMembership('a1b2c3d4e5f60718', percent)).length;
    expect(withinBinomialBounds(held, contacts.length, percent / 100)).toBe(true);
  });

  it('holds out nobody at 0 % and refuses shares outside 0–50', () => {
    expect(contacts.filter(holdoutMembership('a1b2c3d4e5f60718', 0))).toEqual([]);
    for (const bad of [-1, 51, 100, 10.5]) {
      expect(isValidHoldoutPercent(bad)).toBe(false);
      expect(() => holdoutMembership('s', bad)).toThrow(RangeError);
    }
  });

  it("is GrowthBook's hash v2 of salt + suffix, stable across calls and instances", () => {
    const salt = '0f1e2d3c4b5a6978';
    const a = holdoutMembership(salt, 20);
    const b = holdoutMembership(salt, 20);
    for (const id of contacts) {
      const expected = growthbookHash(salt + SEND_TIME_HOLDOUT_SEED_SUFFIX, id, 2)! < 0.2;
      expect(a(id)).toBe(expected);
      expect(b(id)).toBe(expected);
    }
  });

  it("is independent of the variant (another seed than assignment's) and differs between campaigns", () => {
    const salt = '9a8b7c6d5e4f3021';
    const held = holdoutMembership(salt, 20);
    const variant = campaignAssigner(salt, campaignRanges([50, 50]));
    for (const v of [0, 1]) {
      const inVariant = contacts.filter((id) => variant(id) === v);
      expect(withinBinomialBounds(inVariant.filter(held).length, inVariant.length, 0.2)).toBe(true);
    }
    // Another campaign's holdout overlaps this one's only by chance: about 20 % of it.
    const other = holdoutMembership('1122334455667788', 20);
    const mine = contacts.filter(held);
    expect(withinBinomialBounds(mine.filter(other).length, mine.length, 0.2)).toBe(true);
  });
});

describe('planRun', () => {
  const start = new Date('2026-06-10T12:00:00Z'); // 08:00 in New York, 17:30 in Kolkata
  const inHoldout = (id: string) => id.startsWith('h');

  it('sends the optimized at their hour, the holdout and the unrecommended at the start', () => {
    const plan = planRun(
      [
        { sendId: 's1', contactId: 'o1', timezone: 'America/New_York' },
        { sendId: 's2', contactId: 'h1', timezone: 'America/New_York' },
        { sendId: 's3', contactId: 'n1', timezone: 'America/New_York' },
        { sendId: 's4', contactId: 'o2', timezone: 'Asia/Kolkata' },
        { sendId: 's5', contactId: 'o3', timezone: 'America/New_York' },
        { sendId: 's6', contactId: 'o4', timezone: 'Not/AZone' },
        { sendId: 's7', contactId: 'o5', timezone: 'UTC' },
      ],
      new Map([
        ['o1', 10],
        ['h1', 10],
        ['o2', 9],
        ['o3', 8],
        ['o4', 9],
        ['o5', 31],
      ]),
      start,
      inHoldout,
    );
    expect(plan.map((p) => [p.sendId, p.at.toISOString(), p.group])).toEqual([
      ['s1', '2026-06-10T14:00:00.000Z', 'OPTIMIZED'], // 10:00 EDT
      ['s2', '2026-06-10T12:00:00.000Z', 'HOLDOUT'],
      ['s3', '2026-06-10T12:00:00.000Z', null], // no recommendation
      ['s4', '2026-06-11T03:30:00.000Z', 'OPTIMIZED'], // 09:00 IST the next morning
      ['s5', '2026-06-10T12:00:00.000Z', 'OPTIMIZED'], // already 08:xx in New York
      ['s6', '2026-06-10T12:00:00.000Z', null], // unusable zone
      ['s7', '2026-06-10T12:00:00.000Z', null], // unusable hour
    ]);
  });
});

describe('computeSendTimeUplift', () => {
  it.each(reference.uplift.map((c) => [c.treatedSuccesses, c.treated, c.holdoutSuccesses, c.holdout, c]))('%i/%i treated vs %i/%i holdout matches scipy', (_a, _b, _c, _d, ref) => {
    const r = ref as Reference['uplift'][number];
    const u = computeSendTimeUplift({ metric: Metric.CONVERSION, treated: r.treated, treatedSuccesses: r.treatedSuccesses, holdout: r.holdout, holdoutSuccesses: r.holdoutSuccesses });
    expect(u.treated).toBe(r.treated);
    expect(u.holdout).toBe(r.holdout);
    for (const k of ['treatedRate', 'holdoutRate', 'absoluteLift', 'liftLower', 'liftUpper', 'pValue'] as const) expect(u[k]).toBeCloseTo(r[k], 10);
  });

  it('reports conversion for REVENUE campaigns and no evidence for an empty group', () => {
    const u = computeSendTimeUplift({ metric: Metric.REVENUE, treated: 10, treatedSuccesses: 3, holdout: 0, holdoutSuccesses: 0 });
    expect(u).toEqual({ metric: Metric.CONVERSION, treatedRate: 0.3, holdoutRate: 0, absoluteLift: 0.3, liftLower: -1, liftUpper: 1, pValue: 1, treated: 10, holdout: 0 });
  });
});
