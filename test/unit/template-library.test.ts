import { normalizeTemplateInput } from '../../src/campaigns/templates/template-input';
import { MAX_SEARCH_LENGTH, decodeNameCursor, encodeNameCursor, templateListFilter } from '../../src/campaigns/templates/template-list';
import { checkWhatsAppTemplate } from '../../src/campaigns/templates/whatsapp-template';
import { Channel } from '../../src/domain/channel';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { isNameClash } from '../../src/campaigns/template.service';

const refused = (reason: string, field: string) => expect.objectContaining({ code: 'BAD_USER_INPUT', reason, field });

describe('normalizeTemplateInput', () => {
  it('trims the name, subject and category, drops blank optional fields, keeps the body as given', () => {
    expect(normalizeTemplateInput({ name: '  Spring ', body: ' Hi {first_name} ', category: ' ', channel: Channel.EMAIL, subject: ' Sale ', html: '  ' })).toEqual({
      name: 'Spring',
      body: ' Hi {first_name} ',
      category: null,
      channel: Channel.EMAIL,
      subject: 'Sale',
      html: null,
      whatsappTemplate: null,
    });
  });

  it('keeps a WhatsApp reference of a WHATSAPP template, parameters defaulting to none', () => {
    expect(normalizeTemplateInput({ name: 'w', body: 'b', channel: Channel.WHATSAPP, whatsappTemplate: { name: 'promo', language: 'en' } }).whatsappTemplate).toEqual({
      name: 'promo',
      language: 'en',
      parameters: [],
    });
  });

  it.each([
    [{ name: ' ', body: 'b' }, 'INVALID_NAME', 'input.name'],
    [{ name: 'n'.repeat(201), body: 'b' }, 'INVALID_NAME', 'input.name'],
    [{ name: 'n', body: '  ' }, 'EMPTY_TEMPLATE', 'input.body'],
    [{ name: 'n', body: '{nope}' }, 'UNKNOWN_TEMPLATE_VARIABLE', 'input.body'],
    [{ name: 'n', body: 'b', subject: 's' }, 'FIELD_NOT_FOR_CHANNEL', 'input.subject'],
    [{ name: 'n', body: 'b', channel: Channel.SMS, html: '<p>' }, 'FIELD_NOT_FOR_CHANNEL', 'input.html'],
    [{ name: 'n', body: 'b', channel: Channel.EMAIL, whatsappTemplate: { name: 'a', language: 'en' } }, 'FIELD_NOT_FOR_CHANNEL', 'input.whatsappTemplate'],
    [{ name: 'n', body: 'b', channel: Channel.EMAIL, subject: 'a\nb' }, 'INVALID_SUBJECT', 'input.subject'],
    [{ name: 'n', body: 'b', channel: Channel.EMAIL, subject: '{x}' }, 'UNKNOWN_TEMPLATE_VARIABLE', 'input.subject'],
    [{ name: 'n', body: 'b', channel: Channel.EMAIL, html: '{x}' }, 'UNKNOWN_TEMPLATE_VARIABLE', 'input.html'],
    [{ name: 'n', body: 'b', channel: Channel.WHATSAPP, whatsappTemplate: { name: 'a', language: 'english' } }, 'INVALID_WHATSAPP_TEMPLATE', 'input.whatsappTemplate.language'],
  ])('refuses %j', (input, reason, field) => {
    expect(() => normalizeTemplateInput(input as never)).toThrow(refused(reason, field));
  });
});

describe('checkWhatsAppTemplate', () => {
  it('accepts Meta names and Twilio Content SIDs', () => {
    expect(checkWhatsAppTemplate({ name: 'order_update_2', language: 'pt_BR', parameters: ['{first_name}'] }, 'T', 'at')).toEqual({ name: 'order_update_2', language: 'pt_BR', parameters: ['{first_name}'] });
    expect(checkWhatsAppTemplate({ name: `HX${'a1'.repeat(16)}`, language: 'en' }, 'T', 'at').parameters).toEqual([]);
  });
  it.each([
    [{ name: 'Has Space', language: 'en' }, 'INVALID_WHATSAPP_TEMPLATE', 'at.name'],
    [{ name: 'ok', language: 'EN' }, 'INVALID_WHATSAPP_TEMPLATE', 'at.language'],
    [{ name: 'ok', language: 'en', parameters: Array(101).fill('x') }, 'INVALID_WHATSAPP_TEMPLATE', 'at.parameters'],
    [{ name: 'ok', language: 'en', parameters: ['fine', '{typo}'] }, 'UNKNOWN_TEMPLATE_VARIABLE', 'at.parameters.1'],
  ])('refuses %j', (wt, reason, field) => {
    expect(() => checkWhatsAppTemplate(wt, 'Variant 1', 'at')).toThrow(refused(reason, field));
  });
});

describe('templateListFilter', () => {
  it('defaults to the whole bounded list', () => {
    expect(templateListFilter({})).toEqual({ category: null, channel: null, pattern: null, first: 200, after: null });
  });
  it('escapes LIKE wildcards in the search and trims it; a blank search is no filter', () => {
    expect(templateListFilter({ search: ' 50%_off ' }).pattern).toBe('%50\\%\\_off%');
    expect(templateListFilter({ search: '   ' }).pattern).toBeNull();
  });
  it('round-trips the cursor', () => {
    const id = '0190b2c4-0000-7000-8000-000000000001';
    expect(templateListFilter({ after: encodeNameCursor('Ä name, with "quotes"', id) }).after).toEqual({ name: 'Ä name, with "quotes"', id });
  });
  it.each([
    [{ first: 0 }, 'INVALID_PAGE_SIZE', 'first'],
    [{ first: 201 }, 'INVALID_PAGE_SIZE', 'first'],
    [{ first: 1.5 }, 'INVALID_PAGE_SIZE', 'first'],
    [{ search: 'x'.repeat(MAX_SEARCH_LENGTH + 1) }, 'INVALID_SEARCH', 'search'],
    [{ after: 'nonsense' }, 'INVALID_CURSOR', 'after'],
    [{ after: Buffer.from(JSON.stringify({ n: 'a', id: 'not-a-uuid' })).toString('base64url') }, 'INVALID_CURSOR', 'after'],
  ])('refuses %j', (args, reason, field) => {
    expect(() => templateListFilter(args)).toThrow(refused(reason, field));
  });
  it('decodeNameCursor refuses a cursor without a name', () => {
    expect(() => decodeNameCursor(Buffer.from(JSON.stringify({ id: '0190b2c4-0000-7000-8000-000000000001' })).toString('base64url'))).toThrow(refused('INVALID_CURSOR', 'after'));
  });

  it('decodeNameCursor refuses a name no template can have (a NUL), which the database would fail on', () => {
    const cursor = Buffer.from(JSON.stringify({ n: 'a\u0000b', id: '0190b2c4-0000-7000-8000-000000000001' })).toString('base64url');
    expect(() => decodeNameCursor(cursor)).toThrow(refused('INVALID_CURSOR', 'after'));
  });
});

describe('isNameClash', () => {
  // What pg raises, as MikroORM wraps it: the constraint name is a field of its own.
  const violation = (constraint: string, message: string) =>
    new UniqueConstraintViolationException(Object.assign(new Error(message), { code: '23505', constraint }));

  it('is the live-name index, whatever the message says', () => {
    expect(isNameClash(violation('templates_live_name_uq', 'doppelter Schlüsselwert verletzt Unique-Constraint'))).toBe(true);
    // Another key, even with a message naming the index (a detail quoting it, another server's wording).
    expect(isNameClash(violation('template_versions_pkey', 'duplicate key value (see templates_live_name_uq)'))).toBe(false);
    expect(isNameClash(new Error('templates_live_name_uq'))).toBe(false);
  });
});
