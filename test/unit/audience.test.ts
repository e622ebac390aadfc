import 'reflect-metadata';
import { normalizeAudience, type AudienceInput } from '../../src/campaigns/audience';
import { domainErrorOf } from './support';

describe('normalizeAudience', () => {
  it('returns an empty audience (everyone) for an empty input', () => {
    expect(normalizeAudience({})).toEqual({});
  });

  it('keeps every valid part', () => {
    expect(
      normalizeAudience({
        tags: ['vip'],
        segments: ['gold'],
        minDaysSinceContact: 7,
        activeInLastDays: 30,
        attributes: { city: 'Lisbon', visits: 3, member: true },
      }),
    ).toEqual({
      tags: ['vip'],
      segments: ['gold'],
      minDaysSinceContact: 7,
      activeInLastDays: 30,
      attributes: { city: 'Lisbon', visits: 3, member: true },
    });
  });

  it('drops null parts', () => {
    expect(normalizeAudience({ tags: null, segments: null, minDaysSinceContact: null, activeInLastDays: null, attributes: null })).toEqual({});
  });

  it('drops empty lists and an empty attributes object', () => {
    expect(normalizeAudience({ tags: [], segments: [], attributes: {} })).toEqual({});
  });

  it('trims and de-duplicates tags, keeping first-seen order', () => {
    expect(normalizeAudience({ tags: [' vip', 'new', 'vip ', 'new'] }).tags).toEqual(['vip', 'new']);
  });

  it('trims and de-duplicates segments', () => {
    expect(normalizeAudience({ segments: ['gold', ' gold ', 'silver'] }).segments).toEqual(['gold', 'silver']);
  });

  it.each([
    ['minDaysSinceContact 0', { minDaysSinceContact: 0 }],
    ['minDaysSinceContact 3650', { minDaysSinceContact: 3650 }],
    ['activeInLastDays 1', { activeInLastDays: 1 }],
    ['activeInLastDays 3650', { activeInLastDays: 3650 }],
  ])('accepts %s', (_label, input) => {
    expect(normalizeAudience(input)).toEqual(input);
  });

  it.each<[string, AudienceInput, string]>([
    ['an empty tag', { tags: ['vip', ''] }, 'input.audience.tags'],
    ['a blank tag', { tags: ['   '] }, 'input.audience.tags'],
    ['a blank segment', { segments: ['gold', ' '] }, 'input.audience.segments'],
    ['a negative minDaysSinceContact', { minDaysSinceContact: -1 }, 'input.audience.minDaysSinceContact'],
    ['minDaysSinceContact above 3650', { minDaysSinceContact: 3651 }, 'input.audience.minDaysSinceContact'],
    ['activeInLastDays 0', { activeInLastDays: 0 }, 'input.audience.activeInLastDays'],
    ['activeInLastDays above 3650', { activeInLastDays: 3651 }, 'input.audience.activeInLastDays'],
    ['attributes as an array', { attributes: ['city'] }, 'input.audience.attributes'],
    ['attributes as a string', { attributes: 'city=Lisbon' }, 'input.audience.attributes'],
    ['an attribute equal to null', { attributes: { city: null } }, 'input.audience.attributes.city'],
    ['an attribute equal to an object', { attributes: { city: 'Lisbon', address: { street: 'x' } } }, 'input.audience.attributes.address'],
    ['an attribute equal to a list', { attributes: { city: ['Lisbon', 'Porto'] } }, 'input.audience.attributes.city'],
  ])('rejects %s with INVALID_AUDIENCE', (_label, input, field) => {
    const error = domainErrorOf(() => normalizeAudience(input));
    expect([error.code, error.reason, error.field]).toEqual(['BAD_USER_INPUT', 'INVALID_AUDIENCE', field]);
  });

  it('uses the given path in the error field', () => {
    expect(domainErrorOf(() => normalizeAudience({ tags: [''] }, 'audience')).field).toBe('audience.tags');
  });
});

describe('normalizeAudience: whole days', () => {
  it.each([1.5, Number.NaN])('rejects %p days', (days) => {
    expect(domainErrorOf(() => normalizeAudience({ minDaysSinceContact: days } as AudienceInput))?.reason).toBe('INVALID_AUDIENCE');
  });
});
