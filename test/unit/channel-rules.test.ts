import { Channel } from '../../src/domain/channel';
import { applyConsentPatch, applyOptOut, channelConsentOf, channelReachableSql, channelSet } from '../../src/contacts/channel-consent';
import { DEFAULT_RATE_PER_SECOND, rulesFor } from '../../src/workspaces/channel-rules';
import { parseContactsCsv } from '../../src/contacts/csv';
import { isRejection, normalizeContact } from '../../src/contacts/contact-input';

const { SMS, WHATSAPP, EMAIL } = Channel;

describe('rulesFor', () => {
  it('uses the defaults when nothing is set', () => {
    expect(rulesFor({}, SMS)).toEqual({ quietHours: null, frequencyCap: null, sendRatePerSecond: DEFAULT_RATE_PER_SECOND });
  });

  it('inherits the workspace-wide rules on a channel without an override', () => {
    const settings = { quietHours: { start: 21, end: 8 }, frequencyCap: 3, sendRatePerSecond: 7, channels: { EMAIL: { frequencyCap: 1 } } };
    expect(rulesFor(settings, WHATSAPP)).toEqual({ quietHours: { start: 21, end: 8 }, frequencyCap: 3, sendRatePerSecond: 7 });
  });

  it('overrides only the keys the channel sets, null included', () => {
    const settings = { quietHours: { start: 21, end: 8 }, frequencyCap: 3, sendRatePerSecond: 7, channels: { EMAIL: { quietHours: null, sendRatePerSecond: 100 } } };
    expect(rulesFor(settings, EMAIL)).toEqual({ quietHours: null, frequencyCap: 3, sendRatePerSecond: 100 });
    expect(rulesFor({ frequencyCap: 3, channels: { SMS: { frequencyCap: null } } }, SMS).frequencyCap).toBeNull();
  });

  it('applies a channel override when the workspace has none', () => {
    expect(rulesFor({ channels: { SMS: { quietHours: { start: 1, end: 6 }, frequencyCap: 2 } } }, SMS)).toEqual({ quietHours: { start: 1, end: 6 }, frequencyCap: 2, sendRatePerSecond: DEFAULT_RATE_PER_SECOND });
  });
});

describe('channel consent', () => {
  it('lists every channel in enum order', () => {
    expect(channelConsentOf({ consentChannels: [EMAIL, SMS], optedOutChannels: [SMS] })).toEqual([
      { channel: SMS, granted: true, optedOut: true },
      { channel: WHATSAPP, granted: false, optedOut: false },
      { channel: EMAIL, granted: true, optedOut: false },
    ]);
  });

  it('keeps sets in enum order without duplicates', () => {
    expect(channelSet([EMAIL, SMS, EMAIL])).toEqual([SMS, EMAIL]);
  });

  it('applies consent (every channel) before the per-channel entries', () => {
    expect(applyConsentPatch([], true, undefined)).toEqual([SMS, WHATSAPP, EMAIL]);
    expect(applyConsentPatch([SMS, EMAIL], false, undefined)).toEqual([]);
    expect(applyConsentPatch([], true, [{ channel: EMAIL, granted: false }])).toEqual([SMS, WHATSAPP]);
    expect(applyConsentPatch([SMS], undefined, [{ channel: EMAIL, granted: true }])).toEqual([SMS, EMAIL]);
    expect(applyConsentPatch([SMS], undefined, undefined)).toEqual([SMS]);
  });

  it('opts out of (and back into) one channel or all of them', () => {
    expect(applyOptOut([], SMS, true)).toEqual([SMS]);
    expect(applyOptOut([SMS], EMAIL, true)).toEqual([SMS, EMAIL]);
    expect(applyOptOut([SMS, EMAIL], SMS, false)).toEqual([EMAIL]);
    expect(applyOptOut([EMAIL], null, true)).toEqual([SMS, WHATSAPP, EMAIL]);
    expect(applyOptOut([SMS, EMAIL], null, false)).toEqual([]);
  });

  it('writes the channel as a literal (the partial index) and refuses anything else', () => {
    expect(channelReachableSql(WHATSAPP)).toBe(`'WHATSAPP' = any(c.consent_channels) and not 'WHATSAPP' = any(c.opted_out_channels)`);
    expect(() => channelReachableSql("SMS' or true --" as Channel)).toThrow(RangeError);
  });

  it('rejects a channel named twice in channelConsent', () => {
    const r = normalizeContact({ externalId: 'x', channelConsent: [{ channel: SMS, granted: true }, { channel: SMS, granted: false }] });
    expect(isRejection(r) && r.code).toBe('INVALID_CONSENT');
  });

  it('reads consent_sms / consent_whatsapp / consent_email CSV columns', () => {
    const [row, bad] = parseContactsCsv('id,consent,consent_sms,Consent WhatsApp,consent-email\nc-1,yes,no,,1\nc-2,,maybe,,\n');
    expect(row).toEqual({ line: 2, fields: { externalId: 'c-1', consent: true, channelConsent: [{ channel: SMS, granted: false }, { channel: EMAIL, granted: true }] } });
    expect(bad).toMatchObject({ line: 3, rejection: { code: 'INVALID_CONSENT' } });
  });
});
