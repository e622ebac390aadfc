import { CampaignType } from '../../src/campaigns/enums';
import { normalizeVariants, type VariantDraft } from '../../src/campaigns/variants';
import { Channel } from '../../src/domain/channel';
import { domainErrorOf } from './support';

const ab = (channel: Channel, ...drafts: VariantDraft[]) => normalizeVariants(CampaignType.AB_TEST, drafts, 'input.variants', channel);
const reasonOf = (f: () => unknown) => {
  const e = domainErrorOf(f);
  return [e.reason, e.field];
};

describe('variants per channel', () => {
  it('keeps an email variant’s subject (trimmed) and HTML', () => {
    const [a, b] = ab(Channel.EMAIL, { template: 'x', subject: '  Spring {first_name} ' }, { template: 'y', subject: 'Last call', html: '<p>y</p>' });
    expect([a!.subject, a!.html, b!.subject, b!.html]).toEqual(['Spring {first_name}', null, 'Last call', '<p>y</p>']);
  });

  it('requires a one-line subject on every email variant', () => {
    expect(reasonOf(() => ab(Channel.EMAIL, { template: 'x', subject: 'A' }, { template: 'y' }))).toEqual(['MISSING_SUBJECT', 'input.variants.1.subject']);
    expect(reasonOf(() => ab(Channel.EMAIL, { template: 'x', subject: ' ' }, { template: 'y', subject: 'B' }))).toEqual(['MISSING_SUBJECT', 'input.variants.0.subject']);
    expect(reasonOf(() => ab(Channel.EMAIL, { template: 'x', subject: 'A\r\nBcc: x@y.example' }, { template: 'y', subject: 'B' }))).toEqual(['INVALID_SUBJECT', 'input.variants.0.subject']);
  });

  it('checks the variables of subject and HTML', () => {
    expect(reasonOf(() => ab(Channel.EMAIL, { template: 'x', subject: 'Hi {nickname}' }, { template: 'y', subject: 'B' }))).toEqual(['UNKNOWN_TEMPLATE_VARIABLE', 'input.variants.0.subject']);
    expect(reasonOf(() => ab(Channel.EMAIL, { template: 'x', subject: 'A' }, { template: 'y', subject: 'B', html: '<p>{shoe_size}</p>' }))).toEqual(['UNKNOWN_TEMPLATE_VARIABLE', 'input.variants.1.html']);
  });

  it('refuses a field of another channel instead of dropping it', () => {
    expect(reasonOf(() => ab(Channel.SMS, { template: 'x', subject: 'A' }, { template: 'y' }))).toEqual(['FIELD_NOT_FOR_CHANNEL', 'input.variants.0.subject']);
    expect(reasonOf(() => ab(Channel.WHATSAPP, { template: 'x' }, { template: 'y', html: '<p/>' }))).toEqual(['FIELD_NOT_FOR_CHANNEL', 'input.variants.1.html']);
    const whatsappTemplate = { name: 'promo', language: 'en' };
    expect(reasonOf(() => ab(Channel.EMAIL, { template: 'x', subject: 'A', whatsappTemplate }, { template: 'y', subject: 'B' }))).toEqual(['FIELD_NOT_FOR_CHANNEL', 'input.variants.0.whatsappTemplate']);
  });

  it('keeps a WhatsApp template with its parameters (none given: an empty list)', () => {
    const [a, b] = ab(
      Channel.WHATSAPP,
      { template: 'x', whatsappTemplate: { name: 'spring_offer_2', language: 'pt_BR', parameters: ['{first_name}', '20%'] } },
      { template: 'y', whatsappTemplate: { name: 'reminder', language: 'en' } },
    );
    expect(a!.whatsappTemplate).toEqual({ name: 'spring_offer_2', language: 'pt_BR', parameters: ['{first_name}', '20%'] });
    expect(b!.whatsappTemplate).toEqual({ name: 'reminder', language: 'en', parameters: [] });
    expect([a!.subject, a!.html]).toEqual([null, null]);
  });

  it.each([
    ['an upper-case name', { name: 'Spring', language: 'en' }, 'name'],
    ['a name with a space', { name: 'spring offer', language: 'en' }, 'name'],
    ['a language that is not a code', { name: 'spring', language: 'English' }, 'language'],
    ['a parameter with an unknown variable', { name: 'spring', language: 'en', parameters: ['{coupon}'] }, 'parameters.0'],
  ])('refuses %s with INVALID_WHATSAPP_TEMPLATE or the variable reason', (_label, whatsappTemplate, field) => {
    const [reason, at] = reasonOf(() => ab(Channel.WHATSAPP, { template: 'x', whatsappTemplate }, { template: 'y' }));
    expect(reason).toBe(field.startsWith('parameters') ? 'UNKNOWN_TEMPLATE_VARIABLE' : 'INVALID_WHATSAPP_TEMPLATE');
    expect(at).toBe(`input.variants.0.whatsappTemplate.${field}`);
  });
});
