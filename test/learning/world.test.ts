import { generateWorld, interactionCounts, localParts, sigmoid, startDateEndingBefore, zonedToUtc } from './world';

describe('time zones', () => {
  it('converts wall-clock times to UTC, including half-hour zones and both sides of DST', () => {
    expect(new Date(zonedToUtc('Asia/Kolkata', 2026, 3, 10, 9, 30)).toISOString()).toBe('2026-03-10T04:00:00.000Z');
    expect(new Date(zonedToUtc('America/New_York', 2026, 3, 7, 9, 0)).toISOString()).toBe('2026-03-07T14:00:00.000Z'); // EST
    expect(new Date(zonedToUtc('America/New_York', 2026, 3, 9, 9, 0)).toISOString()).toBe('2026-03-09T13:00:00.000Z'); // EDT
    expect(new Date(zonedToUtc('Australia/Sydney', 2026, 1, 15, 23, 5)).toISOString()).toBe('2026-01-15T12:05:00.000Z'); // AEDT
    // 02:30 does not exist in New York on 2026-03-08: the instant lands an hour earlier on the wall clock (01:30 EST).
    expect(localParts('America/New_York', zonedToUtc('America/New_York', 2026, 3, 8, 2, 30)).hour).toBe(1);
  });

  it('starts the history so that it ends before today', () => {
    expect(startDateEndingBefore(new Date('2026-06-10T08:00:00Z'), 90)).toBe('2026-03-10');
  });
});

describe('the known-truth world', () => {
  const options = { contacts: 400, segments: 4, campaignPeriodDays: 7, seed: 99, startDate: '2026-02-01' };
  const world = generateWorld(options);

  it('is deterministic per seed', () => {
    const again = generateWorld(options);
    expect(again.messages).toEqual(world.messages);
    expect(again.visits).toEqual(world.visits);
    expect(generateWorld({ ...options, seed: 100 }).messages).not.toEqual(world.messages);
  });

  it('keeps the population: one message per history entry, at its local hour in the contact zone', () => {
    expect(world.messages).toHaveLength(world.population.history.length);
    let shifted = 0;
    for (const m of world.messages) {
      const c = world.contacts[m.contact]!;
      if (localParts(c.timezone ?? world.options.workspaceZone, m.sentAt).hour !== m.hour) shifted++;
    }
    expect(shifted).toBe(world.dstShiftedMessages);
    expect(shifted).toBeLessThan(world.messages.length / 1000);
    expect(new Set(world.contacts.map((c) => c.timezone))).toEqual(new Set(world.options.zones));
    const engaged = world.population.history.filter((h) => h.engaged).length;
    expect(world.messages.filter((m) => m.engaged)).toHaveLength(engaged);
  });

  it('gives segments different profit optima, each the argmax of c(o)·(V − o) with non-adjacent offers clearly worse', () => {
    const optima = world.segments.map((s) => s.optimalOfferIndex);
    expect(new Set(optima).size).toBe(4);
    for (const s of world.segments) {
      const profits = world.options.offers.map((o) => sigmoid(s.alpha + s.beta * o) * (s.orderValue - o));
      expect(profits).toEqual(s.profitPerEngaged);
      expect(profits.indexOf(Math.max(...profits))).toBe(s.optimalOfferIndex);
      profits.forEach((p, i) => {
        if (Math.abs(i - s.optimalOfferIndex) > 1) expect(p).toBeLessThanOrEqual((1 - world.options.offerMargin) * profits[s.optimalOfferIndex]!);
      });
    }
  });

  it('puts at most one message per contact in a campaign, with the campaign offer', () => {
    const seen = new Set<string>();
    for (const m of world.messages) {
      const key = `${m.contact}|${m.campaign}`;
      expect(seen.has(key)).toBe(false);
      seen.add(key);
      expect(world.campaigns[m.campaign]!.offerIndex).toBe(m.offerIndex);
      expect(world.campaigns[m.campaign]!.period).toBe(Math.floor(m.day / 7));
    }
  });

  it('converts only after a click, inside the 72-hour window, with the true probability r(h)·c(o)', () => {
    for (const m of world.messages) {
      if (m.converted) {
        expect(m.engaged).toBe(true);
        expect(m.value).toBeGreaterThan(0);
        expect(m.convertedAt!).toBeGreaterThan(m.clickedAt!);
      }
      if (m.engaged) expect(m.clickedAt! - m.sentAt).toBeLessThanOrEqual(6 * 3_600_000);
      if (m.converted) expect(m.convertedAt! - m.sentAt).toBeLessThan(72 * 3_600_000);
      const c = world.contacts[m.contact]!;
      const s = world.segments.find((x) => x.id === c.segment)!;
      expect(m.conversionProbability).toBeCloseTo(c.trueRates[m.hour]! * sigmoid(s.alpha + s.beta * world.options.offers[m.offerIndex]!), 12);
    }
    // Conversions among engaged messages follow c(o): pooled, observed within 4 binomial SDs of expected.
    const engaged = world.messages.filter((m) => m.engaged);
    const expected = engaged.reduce((a, m) => {
      const s = world.segments.find((x) => x.id === world.contacts[m.contact]!.segment)!;
      return a + sigmoid(s.alpha + s.beta * world.options.offers[m.offerIndex]!);
    }, 0);
    const observed = engaged.filter((m) => m.converted).length;
    expect(Math.abs(observed - expected)).toBeLessThan(4 * Math.sqrt(expected));
  });

  it('gives every contact a dominant true favourite merchant, and interactions mostly at it', () => {
    const counts = interactionCounts(world);
    let atFavourite = 0;
    let total = 0;
    world.contacts.forEach((c, i) => {
      expect(c.merchantPreferences.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expect(c.merchantPreferences[c.favouriteMerchant]).toBe(Math.max(...c.merchantPreferences));
      atFavourite += counts[i]![c.favouriteMerchant]!;
      total += counts[i]!.reduce((a, b) => a + b, 0);
    });
    // Dirichlet(8 on the favourite, 0.3 on 19 others): expected favourite share 8 / 13.7 ≈ 0.58.
    expect(atFavourite / total).toBeGreaterThan(0.5);
    expect(world.visits.length).toBeGreaterThan(3 * world.contacts.length);
  });
});
