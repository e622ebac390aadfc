/**
 * Which WhatsApp Cloud API base URLs a workspace may set (SSRF: a tenant must not point the server
 * at internal addresses), and the router refusing a stored one the policy no longer allows.
 */
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { Channel } from '../../src/domain/channel';
import { createProviders } from '../../src/sending/providers';
import { checkWhatsAppApiBaseUrl } from '../../src/workspaces/provider-urls';

describe('checkWhatsAppApiBaseUrl (pure)', () => {
  it.each([
    ['https://graph.facebook.com/v21.0', 'https://graph.facebook.com/v21.0'],
    ['https://graph.facebook.com/v19.0/', 'https://graph.facebook.com/v19.0'],
    ['https://GRAPH.facebook.com/v22.0', 'https://graph.facebook.com/v22.0'],
    ['https://graph.facebook.com:443/v21.0', 'https://graph.facebook.com/v21.0'],
    ['https://graph.facebook.com', 'https://graph.facebook.com'],
  ])('accepts the public Graph API %s (as %s) by default', (text, url) => {
    expect(checkWhatsAppApiBaseUrl(text, false)).toEqual({ ok: true, url });
  });

  it.each([
    'http://graph.facebook.com/v21.0', // in clear: the access token would cross the network readable
    'http://127.0.0.1:9/v21.0',
    'https://127.0.0.1/v21.0',
    'https://169.254.169.254/latest/meta-data',
    'https://localhost/v21.0',
    'https://[::1]/v21.0',
    'https://graph.facebook.com.evil.example/v21.0',
    'https://graph.facebook.com@127.0.0.1/v21.0', // userinfo: the host is 127.0.0.1
    'https://user:pw@graph.facebook.com/v21.0',
    'https://graph.facebook.com:8443/v21.0',
    'https://graph.facebook.com./v21.0',
    'https://evil.example/graph.facebook.com',
    'https://graph.facebook.com/v21.0?next=http://127.0.0.1',
    'https://graph.facebook.com/v21.0#x',
  ])('refuses %s by default, saying how to allow it', (text) => {
    const r = checkWhatsAppApiBaseUrl(text, false);
    expect(r).toMatchObject({ ok: false });
    expect(!r.ok && r.message).toContain('ALLOW_CUSTOM_PROVIDER_URLS=true');
  });

  it('allows any http(s) URL when custom URLs are allowed, and never another scheme', () => {
    expect(checkWhatsAppApiBaseUrl('http://127.0.0.1:9/v21.0/', true)).toEqual({ ok: true, url: 'http://127.0.0.1:9/v21.0' });
    expect(checkWhatsAppApiBaseUrl('https://proxy.internal/graph', true)).toEqual({ ok: true, url: 'https://proxy.internal/graph' });
    for (const text of ['ftp://x', 'file:///etc/passwd', 'not a url', 'javascript:alert(1)']) {
      expect(checkWhatsAppApiBaseUrl(text, true)).toEqual({ ok: false, message: 'whatsappCloud.apiBaseUrl must be an http(s) URL' });
      expect(checkWhatsAppApiBaseUrl(text, false)).toEqual({ ok: false, message: 'whatsappCloud.apiBaseUrl must be an http(s) URL' });
    }
  });
});

describe('ALLOW_CUSTOM_PROVIDER_URLS', () => {
  it('is off unless set to true (or on); another value stops the start', () => {
    expect(loadConfig({}).allowCustomProviderUrls).toBe(false);
    expect(loadConfig({ ALLOW_CUSTOM_PROVIDER_URLS: 'false' }).allowCustomProviderUrls).toBe(false);
    expect(loadConfig({ ALLOW_CUSTOM_PROVIDER_URLS: 'true' }).allowCustomProviderUrls).toBe(true);
    expect(loadConfig({ ALLOW_CUSTOM_PROVIDER_URLS: 'on' }).allowCustomProviderUrls).toBe(true);
    expect(() => loadConfig({ ALLOW_CUSTOM_PROVIDER_URLS: 'yes please' })).toThrow(/Invalid configuration:[\s\S]*ALLOW_CUSTOM_PROVIDER_URLS/);
  });

  it('the router refuses a stored base URL the setting does not allow (saved before the rule, or while it was on)', async () => {
    const router = (allow: string) =>
      // SEND_PROVIDER=twilio: building it touches neither the database nor the ingestion pipeline.
      createProviders(loadConfig({ SEND_PROVIDER: 'twilio', ALLOW_CUSTOM_PROVIDER_URLS: allow }), () => 'http://127.0.0.1:0', undefined as never, undefined as never, pino({ level: 'silent' }));
    const internal = { id: 'w1', whatsappCloud: { phoneNumberId: '1065', apiBaseUrl: 'http://10.0.0.5:8080/v21.0', accessToken: 't' } };
    const strict = router('false');
    const refused = strict.route(Channel.WHATSAPP, internal);
    expect(refused).toEqual({ unavailable: expect.stringContaining('ALLOW_CUSTOM_PROVIDER_URLS=true') });
    const graph = strict.route(Channel.WHATSAPP, { ...internal, whatsappCloud: { ...internal.whatsappCloud, apiBaseUrl: 'https://graph.facebook.com/v21.0' } });
    expect('send' in graph && graph.name).toBe('whatsapp-cloud');
    const lax = router('true');
    const allowed = lax.route(Channel.WHATSAPP, internal);
    expect('send' in allowed && allowed.name).toBe('whatsapp-cloud');
    await Promise.all([...strict.providers, ...lax.providers].map((p) => p.close?.()));
  });
});
