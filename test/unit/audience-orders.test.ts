import 'reflect-metadata';
import { audienceCondition, normalizeAudience, type AudienceInput } from '../../src/campaigns/audience';
import { domainErrorOf } from './support';

describe('normalizeAudience: purchase history, replies and engagement', () => {
  it('keeps every valid part', () => {
    const input = { orderedInLastDays: 30, notOrderedInLastDays: 10, minOrderCount: 2, minTotalSpend: 99.5, repliedInLastDays: 7, minEngagementScore: 25.9 };
    expect(normalizeAudience(input)).toEqual(input);
  });

  it('drops null parts', () => {
    expect(normalizeAudience({ orderedInLastDays: null, notOrderedInLastDays: null, minOrderCount: null, minTotalSpend: null, repliedInLastDays: null, minEngagementScore: null })).toEqual({});
  });

  it.each<[string, AudienceInput]>([
    ['days at 1', { orderedInLastDays: 1, notOrderedInLastDays: 1, repliedInLastDays: 1 }],
    ['days at 3650', { orderedInLastDays: 3650, notOrderedInLastDays: 3650, repliedInLastDays: 3650 }],
    ['zero minimums', { minOrderCount: 0, minTotalSpend: 0, minEngagementScore: 0 }],
    ['the top score', { minEngagementScore: 100 }],
  ])('accepts %s', (_label, input) => {
    expect(normalizeAudience(input)).toEqual(input);
  });

  it.each<[string, AudienceInput, string]>([
    ['orderedInLastDays 0', { orderedInLastDays: 0 }, 'input.audience.orderedInLastDays'],
    ['orderedInLastDays 3651', { orderedInLastDays: 3651 }, 'input.audience.orderedInLastDays'],
    ['orderedInLastDays 1.5', { orderedInLastDays: 1.5 }, 'input.audience.orderedInLastDays'],
    ['notOrderedInLastDays 0', { notOrderedInLastDays: 0 }, 'input.audience.notOrderedInLastDays'],
    ['notOrderedInLastDays 3651', { notOrderedInLastDays: 3651 }, 'input.audience.notOrderedInLastDays'],
    ['repliedInLastDays -1', { repliedInLastDays: -1 }, 'input.audience.repliedInLastDays'],
    ['repliedInLastDays NaN', { repliedInLastDays: Number.NaN }, 'input.audience.repliedInLastDays'],
    ['minOrderCount -1', { minOrderCount: -1 }, 'input.audience.minOrderCount'],
    ['minOrderCount 1.5', { minOrderCount: 1.5 }, 'input.audience.minOrderCount'],
    ['minTotalSpend -0.01', { minTotalSpend: -0.01 }, 'input.audience.minTotalSpend'],
    ['minTotalSpend Infinity', { minTotalSpend: Infinity }, 'input.audience.minTotalSpend'],
    ['minTotalSpend NaN', { minTotalSpend: Number.NaN }, 'input.audience.minTotalSpend'],
    ['minEngagementScore -0.1', { minEngagementScore: -0.1 }, 'input.audience.minEngagementScore'],
    ['minEngagementScore 100.1', { minEngagementScore: 100.1 }, 'input.audience.minEngagementScore'],
    ['minEngagementScore NaN', { minEngagementScore: Number.NaN }, 'input.audience.minEngagementScore'],
  ])('rejects %s with INVALID_AUDIENCE and the path', (_label, input, field) => {
    const error = domainErrorOf(() => normalizeAudience(input));
    expect([error.code, error.reason, error.field]).toEqual(['BAD_USER_INPUT', 'INVALID_AUDIENCE', field]);
  });
});

describe('audienceCondition: purchase history, replies and engagement', () => {
  it('turns each part into a condition on the contact’s columns, with bindings in order', () => {
    const { sql, params } = audienceCondition({ orderedInLastDays: 30, notOrderedInLastDays: 10, minOrderCount: 2, minTotalSpend: 50, repliedInLastDays: 7, minEngagementScore: 40 });
    expect(sql).toBe(
      [
        'c.last_order_at >= now() - make_interval(days => ?::int)',
        '(c.last_order_at is null or c.last_order_at < now() - make_interval(days => ?::int))',
        'c.order_count >= ?::int',
        'c.total_spend >= ?::numeric',
        'c.last_replied_at >= now() - make_interval(days => ?::int)',
        'c.engagement_score >= ?::real',
      ].join(' and '),
    );
    expect(params).toEqual([30, 10, 2, 50, 7, 40]);
  });
});
