/** The Optimisation section's pure view logic (web/src/optimisation/model.ts). */
import {
  canWrite,
  describeChanges,
  formatConfidence,
  formatImpact,
  groupRecommendations,
  hourLabel,
  metricRows,
  previewBars,
  rowState,
} from '../../web/src/optimisation/model';
import type { DashOptimisableCampaignFragment, DashRecommendationFragment, RecommendationType } from '../../web/src/generated/graphql';

const rec = (id: string, type: RecommendationType, confidence: number, extra: Partial<DashRecommendationFragment> = {}): DashRecommendationFragment => ({
  id,
  campaignId: 'c1',
  type,
  title: `title ${id}`,
  currentValue: null,
  recommendedValue: 'x',
  expectedImpact: null,
  confidence,
  segment: null,
  basis: 'b',
  appliedAt: null,
  supersededAt: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  ...extra,
});

type Campaign = Pick<DashOptimisableCampaignFragment, 'status' | 'offerAmount' | 'audience' | 'schedule' | 'experiment' | 'winner' | 'testEndedAt'>;
const campaign = (extra: Partial<Campaign> = {}): Campaign => ({
  status: 'DRAFT',
  offerAmount: 10,
  audience: { tags: ['seg'] },
  schedule: null,
  experiment: { testAudiencePercent: 100 },
  winner: null,
  testEndedAt: null,
  ...extra,
});

describe('scopes', () => {
  it('WRITE and ADMIN may apply, READ may not', () => {
    expect(canWrite(['READ'])).toBe(false);
    expect(canWrite([])).toBe(false);
    expect(canWrite(['WRITE'])).toBe(true);
    expect(canWrite(['ADMIN'])).toBe(true);
  });
});

describe('groupRecommendations', () => {
  it('groups by type in the README order, drops superseded rows and empty groups, open rows first then by confidence', () => {
    const groups = groupRecommendations([
      {
        id: 'c1',
        name: 'Spring',
        status: 'DRAFT',
        recommendations: [
          rec('w', 'WINNER', 0.99),
          rec('o1', 'OFFER', 0.6),
          rec('o2', 'OFFER', 0.9, { appliedAt: '2026-01-02T00:00:00.000Z' }),
          rec('o3', 'OFFER', 0.7),
          rec('gone', 'SEGMENT', 0.95, { supersededAt: '2026-01-02T00:00:00.000Z' }),
        ],
      },
      { id: 'c2', name: 'Summer', status: 'SCHEDULED', recommendations: [rec('s', 'SEND_TIME', 0.8, { campaignId: 'c2' })] },
    ]);
    expect(groups.map((g) => [g.type, g.rows.map((r) => r.id)])).toEqual([
      ['SEND_TIME', ['s']],
      ['OFFER', ['o3', 'o1', 'o2']],
      ['WINNER', ['w']],
    ]);
    expect(groups[0]!.rows[0]).toMatchObject({ campaignName: 'Summer', campaignStatus: 'SCHEDULED' });
    expect(groups[1]!.heading).toBe('Offers');
  });

  it('is empty without recommendations', () => {
    expect(groupRecommendations([{ id: 'c', name: 'n', status: 'DRAFT', recommendations: [] }])).toEqual([]);
  });
});

describe('formatting', () => {
  it('reads expectedImpact in the unit of its type', () => {
    expect(formatImpact('OFFER', 2.345)).toBe('+2.35 profit per message');
    expect(formatImpact('OFFER', -0.5)).toBe('−0.50 profit per message');
    // 20/40 − 22/80 = 0.225 → 22.5 points
    expect(formatImpact('SEGMENT', 20 / 40 - 22 / 80)).toBe('+22.5 percentage points');
    expect(formatImpact('WINNER', 0.35)).toBe('+35.0 percentage points');
    expect(formatImpact('SEND_TIME', 0.0123)).toBe('+1.2 percentage points');
    expect(formatImpact('AUDIENCE_SIZE', 1234.4)).toBe('1,234 recipients missing');
    expect(formatImpact('OFFER', null)).toBe('None (advice only)');
  });

  it('confidence as a percentage', () => {
    expect(formatConfidence(0.95)).toBe('95.0 %');
    expect(formatConfidence(0.8812)).toBe('88.1 %');
  });

  it('hours as HH:00', () => {
    expect(hourLabel(0)).toBe('00:00');
    expect(hourLabel(9)).toBe('09:00');
    expect(hourLabel(23)).toBe('23:00');
  });
});

describe('rowState', () => {
  it("the API's appliedAt wins over this page's state", () => {
    expect(rowState({ appliedAt: null }, undefined)).toBe('open');
    expect(rowState({ appliedAt: null }, 'applying')).toBe('applying');
    expect(rowState({ appliedAt: null }, 'failed')).toBe('failed');
    expect(rowState({ appliedAt: '2026-01-01T00:00:00Z' }, 'failed')).toBe('applied');
    // Applied here, the list not reloaded yet: stays applied (the Apply button came back).
    expect(rowState({ appliedAt: null }, 'applied')).toBe('applied');
  });
});

describe('describeChanges', () => {
  it('nothing changed: advice only', () => {
    expect(describeChanges(campaign(), campaign())).toEqual([]);
  });

  it('lists each changed setting, before → after', () => {
    expect(describeChanges(campaign(), campaign({ offerAmount: 5 }))).toEqual(['Offer amount: 10 → 5']);
    expect(describeChanges(campaign(), campaign({ audience: { tags: ['seg'], segments: ['vip'] } }))).toEqual(['Audience segments: all segments → vip']);
    expect(describeChanges(campaign({ schedule: { optimizeSendTime: false } }), campaign({ schedule: { optimizeSendTime: true } }))).toEqual([
      'Send-time optimisation: off → on',
    ]);
    expect(describeChanges(campaign({ experiment: { testAudiencePercent: 20 } }), campaign({ experiment: { testAudiencePercent: 60 } }))).toEqual([
      'Tested share of the audience: 20 % → 60 %',
    ]);
    expect(
      describeChanges(
        campaign({ status: 'RUNNING' }),
        campaign({ status: 'RUNNING', winner: { id: 'w', source: 'MANUAL', variant: { id: 'v', key: 'B', name: 'Bold' } }, testEndedAt: '2026-01-01T00:00:00Z' }),
      ),
    ).toEqual(['Winner declared: B · Bold', 'Test ended']);
    expect(describeChanges(campaign({ status: 'RUNNING' }), campaign({ status: 'COMPLETED' }))).toEqual(['Status: RUNNING → COMPLETED']);
  });
});

describe('previewBars', () => {
  it('fills the 24 hours in order, with the share from own history and the busiest hour', () => {
    const b = previewBars({ total: 10, withOwnHistory: 4, hours: [{ hour: 19, contacts: 6 }, { hour: 9, contacts: 3 }, { hour: 10, contacts: 1 }] });
    expect(b.x).toEqual([...Array(24).keys()]);
    expect(b.contacts[9]).toBe(3);
    expect(b.contacts[10]).toBe(1);
    expect(b.contacts[19]).toBe(6);
    expect(b.contacts.reduce((a, v) => a + v, 0)).toBe(10);
    expect(b.ownHistoryShare).toBe(0.4);
    expect(b.busiestHour).toBe(19);
  });

  it('no contacts: no share, no busiest hour', () => {
    const b = previewBars({ total: 0, withOwnHistory: 0, hours: [] });
    expect(b.contacts).toEqual(Array(24).fill(0));
    expect(b.ownHistoryShare).toBeNull();
    expect(b.busiestHour).toBeNull();
  });
});

describe('metricRows', () => {
  it('labels the scalar metrics in the API order and skips nested ones', () => {
    expect(
      metricRows({ auc: 0.7561, baselineAuc: 0.5, calibration: [{ lower: 0 }], baseRate: 0.0412, holdoutSamples: 1234, r2: 0.25, mae: 0.1, someNewThing: 1.5, note: 'x' }),
    ).toEqual([
      { key: 'auc', label: 'AUC', value: '0.756' },
      { key: 'baselineAuc', label: 'Baseline AUC', value: '0.500' },
      { key: 'baseRate', label: 'Base rate', value: '4.1 %' },
      { key: 'holdoutSamples', label: 'Held-out messages', value: '1,234' },
      { key: 'r2', label: 'R²', value: '0.250' },
      { key: 'mae', label: 'MAE', value: '0.100' },
      { key: 'someNewThing', label: 'Some new thing', value: '1.500' },
    ]);
  });

  it('whole scores still read as scores, whole counts as counts', () => {
    expect(metricRows({ auc: 1, baselineAuc: 0, positives: 12, trainSeconds: 2 }).map((r) => r.value)).toEqual(['1.000', '0.000', '12', '2.0']);
  });

  it('tolerates what is not an object', () => {
    expect(metricRows(null)).toEqual([]);
    expect(metricRows([1, 2])).toEqual([]);
    expect(metricRows('x')).toEqual([]);
  });
});
