import { DAY_MS, buildFeatures, conversionLabel, fitEncoding, priorSummary, indexHistory, type MessageRow } from '../../src/optimization/features';

const T0 = Date.UTC(2026, 9, 1, 12); // 2026-10-01 12:00Z
const H = 3_600_000;

function row(overrides: Partial<MessageRow>): MessageRow {
  return {
    contactId: 'a',
    sentAt: T0,
    localHour: 12,
    localWeekday: 3,
    channel: 'SMS',
    campaignType: 'AB_TEST',
    offerAmount: null,
    template: 'Hi',
    segment: null,
    tags: [],
    engagedAt: null,
    convertedAt: null,
    ...overrides,
  };
}

describe('conversion features', () => {
  // Contact a: three messages. m1 engaged after 1 h and converted after 2 days; m2 sent 5 days
  // later, engaged only after m3 went out; m3 is the target.
  const m1 = row({ sentAt: T0, engagedAt: T0 + H, convertedAt: T0 + 2 * DAY_MS, segment: 'gold', tags: ['vip'] });
  const m2 = row({ sentAt: T0 + 5 * DAY_MS, engagedAt: T0 + 9 * DAY_MS, segment: 'gold', tags: ['vip'] });
  const m3 = row({
    sentAt: T0 + 8 * DAY_MS,
    localHour: 19,
    localWeekday: 4,
    channel: 'EMAIL',
    campaignType: 'BANDIT',
    offerAmount: 15,
    template: 'Hello € friends', // € is in the GSM-7 extension table: 15 characters, 1 segment
    segment: 'gold',
    tags: ['vip', 'new'],
  });
  const b1 = row({ contactId: 'b', segment: 'silver', tags: ['new'], engagedAt: T0 + H });
  const rows = [m1, m2, m3, b1];

  it('learns vocabularies and prior means from the rows', () => {
    const enc = fitEncoding(rows, { topSegments: 1, topTags: 2, priorStrength: 4, maxDays: 365 });
    expect(enc.segments).toEqual(['gold']); // 3 messages vs 1
    expect(enc.tags).toEqual(['vip', 'new']); // 3 and 2 messages
    expect(enc.engagementPrior).toBe(3 / 4); // m1, m2, b1 engaged at some time
    expect(enc.conversionPrior).toBe(1 / 4);
    expect(enc.names).toEqual([
      'localHour',
      'localWeekday',
      'channel:SMS',
      'channel:WHATSAPP',
      'channel:EMAIL',
      'campaignType:STANDARD',
      'campaignType:AB_TEST',
      'campaignType:BANDIT',
      'offerAmount',
      'messageLength',
      'smsSegments',
      'priorMessages',
      'priorEngagementRate',
      'priorConversionRate',
      'daysSincePreviousMessage',
      'daysSincePreviousEngagement',
      'segment:gold',
      'segment:other',
      'tag:vip',
      'tag:new',
    ]);
  });

  it('builds the hand-computed vector, counting only facts before the send (no leakage)', () => {
    const enc = fitEncoding(rows, { topSegments: 1, topTags: 2, priorStrength: 4, maxDays: 365 });
    const [v3] = buildFeatures([m3], rows, enc);
    // Prior: m1 and m2 were sent before; m1's engagement (T0+1h) and conversion (T0+2d) happened
    // before T0+8d; m2's engagement (T0+9d) had not happened yet. So 2 messages, 1 engaged, 1 converted.
    // Shrunk: engagement (1 + 4·0.75)/(2 + 4) = 4/6; conversion (1 + 4·0.25)/(2 + 4) = 2/6.
    // Days since previous message: m2 at T0+5d → 3; since previous engagement: m1's at T0+1h → 8 − 1/24.
    expect(v3).toEqual([19, 4, 0, 0, 1, 0, 0, 1, 15, 15, 1, 2, 4 / 6, 2 / 6, 3, 8 - 1 / 24, 1, 0, 1, 1]);
  });

  it('gives a first message the workspace rates and the "never" cap', () => {
    const enc = fitEncoding(rows, { topSegments: 1, topTags: 2, priorStrength: 4, maxDays: 365 });
    const [v1, vb] = buildFeatures([m1, b1], rows, enc);
    expect(v1!.slice(11, 16)).toEqual([0, 0.75, 0.25, 365, 365]);
    // b: segment silver is not in the vocabulary → other; SMS, AB_TEST, no offer, "Hi" = 2 characters.
    expect(vb).toEqual([12, 3, 1, 0, 0, 0, 1, 0, 0, 2, 1, 0, 0.75, 0.25, 365, 365, 0, 1, 0, 1]);
  });

  it('ignores later messages and facts dated after the send', () => {
    const index = indexHistory(rows);
    expect(priorSummary(index.get('a'), T0 + 5 * DAY_MS)).toEqual({ messages: 1, engaged: 1, converted: 1, lastSentAt: T0, lastEngagedAt: T0 + H });
    // A message sent at the same instant is not history.
    expect(priorSummary(index.get('a'), T0).messages).toBe(0);
    // Changing what happens after the send does not change the vector.
    const enc = fitEncoding(rows);
    const later = { ...m2, engagedAt: T0 + 20 * DAY_MS, convertedAt: T0 + 20 * DAY_MS };
    expect(buildFeatures([m3], [m1, later, m3], enc)).toEqual(buildFeatures([m3], [m1, m2, m3], enc));
  });

  it('labels conversions within N days, and none while the window is open', () => {
    const asOf = T0 + 30 * DAY_MS;
    expect(conversionLabel({ sentAt: T0, convertedAt: T0 + 7 * DAY_MS }, 7, asOf)).toBe(1);
    expect(conversionLabel({ sentAt: T0, convertedAt: T0 + 7 * DAY_MS + 1 }, 7, asOf)).toBe(0);
    expect(conversionLabel({ sentAt: T0, convertedAt: T0 - 1 }, 7, asOf)).toBe(0);
    expect(conversionLabel({ sentAt: T0, convertedAt: null }, 7, asOf)).toBe(0);
    expect(conversionLabel({ sentAt: T0, convertedAt: null }, 3, asOf)).toBe(0);
    // Window still open: no label, even for an early conversion.
    expect(conversionLabel({ sentAt: asOf - 2 * DAY_MS, convertedAt: asOf - DAY_MS }, 7, asOf)).toBeNull();
    expect(conversionLabel({ sentAt: asOf - 2 * DAY_MS, convertedAt: null }, 7, asOf)).toBeNull();
  });
});
