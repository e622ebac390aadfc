import { HOURS } from '../../src/optimization/send-time';
import { generatePopulation, hourlyCounts, oracleHour, upliftOverRandom } from '../../src/optimization/synthetic';

describe('synthetic send-time population', () => {
  const small = { contacts: 300 };

  it('is deterministic per seed and differs between seeds', () => {
    const a = generatePopulation({ ...small, seed: 3 });
    expect(generatePopulation({ ...small, seed: 3 })).toEqual(a);
    expect(generatePopulation({ ...small, seed: 4 }).history).not.toEqual(a.history);
  });

  it('exposes the truth: rates per contact and hour, segment curves of mean 1', () => {
    const p = generatePopulation({ ...small, seed: 11, segments: 3 });
    expect(p.segments).toHaveLength(3);
    for (const s of p.segments) {
      expect(s.curve).toHaveLength(HOURS);
      expect(s.curve.reduce((a, b) => a + b, 0) / HOURS).toBeCloseTo(1, 12);
    }
    expect(p.contacts).toHaveLength(300);
    for (const c of p.contacts) {
      expect(c.trueRates).toHaveLength(HOURS);
      for (const r of c.trueRates) expect(r > 0 && r <= 0.9).toBe(true);
      expect(p.segments.map((s) => s.id)).toContain(c.segment);
    }
  });

  it('has contacts below and above 10 messages, 90 days of history at local hours', () => {
    const p = generatePopulation({ ...small, seed: 12 });
    const perContact = hourlyCounts(p).map((c) => c.sent.reduce((a, b) => a + b, 0));
    expect(perContact.filter((n) => n < 10).length).toBeGreaterThan(50);
    expect(perContact.filter((n) => n >= 10).length).toBeGreaterThan(150);
    expect(perContact.reduce((a, b) => a + b, 0)).toBe(p.history.length);
    for (const m of p.history) {
      expect(Number.isInteger(m.hour) && m.hour >= 0 && m.hour < HOURS).toBe(true);
      expect(Number.isInteger(m.day) && m.day >= 0 && m.day < 90).toBe(true);
    }
  });

  it('draws engagement from the true rates (observed rate within sampling error of the truth)', () => {
    const p = generatePopulation({ contacts: 3000, seed: 13 });
    let expected = 0;
    let observed = 0;
    let variance = 0;
    for (const m of p.history) {
      const r = p.contacts[m.contact]!.trueRates[m.hour]!;
      expected += r;
      variance += r * (1 - r);
      if (m.engaged) observed++;
    }
    expect(Math.abs(observed - expected)).toBeLessThan(4 * Math.sqrt(variance));
  });

  it('gives contacts preferences near their segment but their own (shifted, noisy)', () => {
    const p = generatePopulation({ contacts: 2000, seed: 14 });
    let sameAsSegment = 0;
    for (const c of p.contacts) {
      const seg = p.segments.find((s) => s.id === c.segment)!;
      if (oracleHour(c.trueRates) === oracleHour(seg.curve)) sameAsSegment++;
      expect(upliftOverRandom(c.trueRates, oracleHour(c.trueRates))).toBeGreaterThan(0);
    }
    expect(sameAsSegment / p.contacts.length).toBeGreaterThan(0.1);
    expect(sameAsSegment / p.contacts.length).toBeLessThan(0.9);
  });

  it('computes uplift over a random hour', () => {
    const rates = new Array<number>(HOURS).fill(0.1);
    rates[5] = 0.34;
    expect(upliftOverRandom(rates, 5)).toBeCloseTo(0.24 - 0.01, 12);
    expect(oracleHour(rates)).toBe(5);
  });
});
