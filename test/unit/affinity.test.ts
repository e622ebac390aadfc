import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  HALF_LIFE_DAYS,
  PRIOR_STRENGTH,
  affinityScores,
  decay,
  evidenceFrom,
  interactionWeight,
  merchantPopularity,
  popularityFallback,
  type Interaction,
} from '../../src/optimization/affinity';

const DAY = 86_400_000;
const now = new Date('2026-12-01T12:00:00Z');
const ago = (days: number) => new Date(now.getTime() - days * DAY);

interface Reference {
  now: string;
  strength: number;
  popularity: Record<string, number>;
  contacts: { id: string; interactions: { merchantId: string; type: string; occurredAt: string }[]; evidence: Record<string, { weight: number; interactions: number }>; scores: Record<string, number> }[];
}
// Made by test/fixtures/optimization/make_affinity_reference.py (numpy + scipy.stats.dirichlet).
const reference = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', 'optimization', 'affinity_reference.json'), 'utf8')) as Reference;

describe('interaction weights and decay', () => {
  it('orders CONVERTED > CLICKED > other engagement, and gives delivery facts and opt changes nothing', () => {
    expect(interactionWeight('CONVERTED')).toBe(1.25);
    expect(interactionWeight('CLICKED')).toBe(1);
    expect(interactionWeight('REPLIED')).toBe(0.9);
    expect(interactionWeight('OPENED')).toBe(0.8);
    for (const t of ['SENT', 'DELIVERED', 'FAILED', 'OPTED_OUT', 'OPTED_IN', 'toString', '__proto__']) expect(interactionWeight(t)).toBe(0);
  });

  it('halves every half-life and treats a slightly future stamp as fresh', () => {
    expect(HALF_LIFE_DAYS).toBe(120);
    expect(decay(0)).toBe(1);
    expect(decay(120 * DAY)).toBeCloseTo(0.5, 15);
    expect(decay(360 * DAY)).toBeCloseTo(0.125, 15);
    expect(decay(30 * DAY, 30)).toBeCloseTo(0.5, 15);
    expect(decay(-5 * 60_000)).toBe(1);
  });
});

describe('hand-computed affinity', () => {
  // A: a click at "a" 120 days ago (0.5), a purchase at "b" now (1.25); a SENT at "c" (no weight).
  // B: a click at "a" now (1).
  // Shares: A a 2/7, b 5/7; B a 1. C = 2, M = 2: p_a = (2/7 + 1 + 1)/4 = 4/7, p_b = (5/7 + 1)/4 = 3/7.
  // s = 1. A: a = (0.5 + 4/7)/2.75 = 30/77, b = (1.25 + 3/7)/2.75 = 47/77.  B: a = (1 + 4/7)/2 = 11/14.
  const a: Interaction[] = [
    { merchantId: 'a', type: 'CLICKED', occurredAt: ago(120) },
    { merchantId: 'b', type: 'CONVERTED', occurredAt: now },
    { merchantId: 'c', type: 'SENT', occurredAt: now },
  ];
  const b: Interaction[] = [{ merchantId: 'a', type: 'CLICKED', occurredAt: now }];
  const ea = evidenceFrom(a, now);
  const eb = evidenceFrom(b, now);

  it('builds decayed evidence', () => {
    expect(ea.map((e) => e.merchantId).sort()).toEqual(['a', 'b']);
    expect(ea.find((e) => e.merchantId === 'a')!.weight).toBeCloseTo(0.5, 15);
    expect(ea.find((e) => e.merchantId === 'b')!.weight).toBe(1.25);
    expect(ea.every((e) => e.interactions === 1)).toBe(true);
  });

  it('computes the popularity and posterior mean shares', () => {
    const p = merchantPopularity([ea, eb]);
    expect(p.get('a')).toBeCloseTo(4 / 7, 14);
    expect(p.get('b')).toBeCloseTo(3 / 7, 14);
    const sa = affinityScores(ea, p, popularityFallback(p, ea.length));
    expect(sa.map((s) => s.merchantId)).toEqual(['b', 'a']);
    expect(sa[0]!.score).toBeCloseTo(47 / 77, 14);
    expect(sa[1]!.score).toBeCloseTo(30 / 77, 14);
    const sb = affinityScores(eb, p, popularityFallback(p, eb.length));
    expect(sb).toEqual([{ merchantId: 'a', score: expect.closeTo(11 / 14, 14), interactions: 1 }]);
  });

  it('is not sure after one click, surer after ten', () => {
    const p = new Map([
      ['x', 0.05],
      ['y', 0.95],
    ]);
    const one = affinityScores([{ merchantId: 'x', weight: 1, interactions: 1 }], p, 0.01)[0]!.score;
    expect(one).toBeCloseTo((1 + 0.05) / 2, 14);
    const ten = affinityScores([{ merchantId: 'x', weight: 10, interactions: 10 }], p, 0.01)[0]!.score;
    expect(ten).toBeCloseTo((10 + 0.05) / 11, 14);
    expect(PRIOR_STRENGTH).toBe(1);
  });

  it('drops interactions beyond the horizon and ignores weightless types entirely', () => {
    expect(evidenceFrom([{ merchantId: 'old', type: 'CONVERTED', occurredAt: ago(366) }], now)).toEqual([]);
    expect(evidenceFrom([{ merchantId: 'old', type: 'CONVERTED', occurredAt: ago(364) }], now)).toHaveLength(1);
    expect(evidenceFrom([{ merchantId: 'd', type: 'DELIVERED', occurredAt: now }], now)).toEqual([]);
  });

  it('falls back to the smallest known share, or a uniform prior when nothing is known', () => {
    expect(popularityFallback(new Map([['a', 0.7], ['b', 0.3]]), 4)).toBe(0.3);
    expect(popularityFallback(new Map(), 3)).toBe(0.25);
    // An unknown merchant: (1 + 1·0.25)/(1 + 1) = 0.625.
    expect(affinityScores([{ merchantId: 'new', weight: 1, interactions: 1 }], new Map(), 0.25)[0]!.score).toBeCloseTo(0.625, 15);
  });

  it('breaks ties by merchant id', () => {
    const p = new Map([
      ['b', 0.5],
      ['a', 0.5],
    ]);
    const s = affinityScores(
      [
        { merchantId: 'b', weight: 1, interactions: 1 },
        { merchantId: 'a', weight: 1, interactions: 1 },
      ],
      p,
      0.5,
    );
    expect(s.map((x) => x.merchantId)).toEqual(['a', 'b']);
    expect(s[0]!.score).toBe(0.5);
  });
});

describe('against the numpy/scipy reference', () => {
  const at = new Date(reference.now);
  const evidence = reference.contacts.map((c) => evidenceFrom(c.interactions.map((i) => ({ ...i, occurredAt: new Date(i.occurredAt) })), at));
  it('has the same evidence per contact', () => {
    reference.contacts.forEach((c, i) => {
      const mine = Object.fromEntries(evidence[i]!.map((e) => [e.merchantId, e]));
      expect(Object.keys(mine).sort()).toEqual(Object.keys(c.evidence).sort());
      for (const [m, e] of Object.entries(c.evidence)) {
        expect(mine[m]!.weight).toBeCloseTo(e.weight, 12);
        expect(mine[m]!.interactions).toBe(e.interactions);
      }
    });
  });
  it('has the same popularity and scores', () => {
    const p = merchantPopularity(evidence);
    expect([...p.keys()].sort()).toEqual(Object.keys(reference.popularity).sort());
    for (const [m, v] of Object.entries(reference.popularity)) expect(p.get(m)).toBeCloseTo(v, 12);
    reference.contacts.forEach((c, i) => {
      const scores = affinityScores(evidence[i]!, p, popularityFallback(p, evidence[i]!.length), reference.strength);
      expect(scores).toHaveLength(Object.keys(c.scores).length);
      for (const s of scores) expect(s.score).toBeCloseTo(c.scores[s.merchantId]!, 12);
    });
  });
});
