import { Channel } from '../../src/domain/channel';
import { derivedLinkToken } from '../../src/tracking/messages';
import { composeMessage, NO_EMAIL, NO_SUBJECT, NO_PHONE, OUTSIDE_WHATSAPP_WINDOW, type ComposeInput } from '../../src/sending/compose';

const PUBLIC = 'https://sc.example';

function input(over: Partial<ComposeInput> = {}): ComposeInput {
  let n = 0;
  return {
    channel: Channel.SMS,
    variant: { template: 'Hi {first_name|there}, see https://shop.example/a?x=1&y=2.' },
    contact: { firstName: 'Ana', phone: '+14155550123', email: 'ana@example.com' },
    campaign: { offerAmount: null },
    publicUrl: PUBLIC,
    makeToken: () => `t${++n}`,
    ...over,
  };
}

describe('composeMessage: SMS', () => {
  it('fills variables, tracks the URL (trailing punctuation kept out) and sends to the phone', () => {
    expect(composeMessage(input())).toEqual({
      ok: true,
      message: { channel: Channel.SMS, to: '+14155550123', body: 'Hi Ana, see https://sc.example/l/t1.', links: [{ token: 't1', url: 'https://shop.example/a?x=1&y=2' }] },
    });
  });

  it('fails without a phone number', () => {
    expect(composeMessage(input({ contact: { email: 'a@b.example' } }))).toEqual({ ok: false, error: NO_PHONE });
  });

  it('gives one token per distinct URL', () => {
    const r = composeMessage(input({ variant: { template: 'https://a.example/x https://a.example/x https://b.example' } }));
    expect(r.ok && r.message.body).toBe(`${PUBLIC}/l/t1 ${PUBLIC}/l/t1 ${PUBLIC}/l/t2`);
    expect(r.ok && r.message.links).toEqual([
      { token: 't1', url: 'https://a.example/x' },
      { token: 't2', url: 'https://b.example' },
    ]);
  });
});

describe('composeMessage: WhatsApp', () => {
  const template = { name: 'spring_offer', language: 'en_US', parameters: ['{first_name}', 'https://shop.example/s'] };

  it('sends free text inside the 24-hour window', () => {
    const r = composeMessage(input({ channel: Channel.WHATSAPP, whatsappWindowOpen: true, variant: { template: 'Hello {first_name}', whatsappTemplate: template } }));
    expect(r).toEqual({ ok: true, message: { channel: Channel.WHATSAPP, to: '+14155550123', body: 'Hello Ana', links: [] } });
  });

  it('sends the approved template outside it, parameters rendered and links tracked', () => {
    const r = composeMessage(input({ channel: Channel.WHATSAPP, whatsappWindowOpen: false, variant: { template: 'Hello {first_name}', whatsappTemplate: template } }));
    expect(r.ok && r.message.whatsappTemplate).toEqual({ name: 'spring_offer', language: 'en_US', parameters: ['Ana', `${PUBLIC}/l/t1`] });
    expect(r.ok && r.message.links).toEqual([{ token: 't1', url: 'https://shop.example/s' }]);
  });

  it('fails outside the window without a template', () => {
    expect(composeMessage(input({ channel: Channel.WHATSAPP, whatsappWindowOpen: false }))).toEqual({ ok: false, error: OUTSIDE_WHATSAPP_WINDOW });
  });
});

describe('composeMessage: email', () => {
  const email = (over: Partial<ComposeInput> = {}) =>
    composeMessage(
      input({
        channel: Channel.EMAIL,
        trackingToken: 'TOK',
        variant: {
          template: 'Hi {first_name}, https://shop.example/a?x=1&y=2',
          subject: 'Spring for {first_name}',
          html: '<html><body><p>Hi {first_name}</p><a href="https://shop.example/a?x=1&amp;y=2">shop</a></body></html>',
        },
        ...over,
      }),
    );

  it('renders subject, text and HTML, sharing one token per URL across both parts', () => {
    const r = email();
    if (!r.ok) throw new Error(r.error);
    expect(r.message.to).toBe('ana@example.com');
    expect(r.message.subject).toBe('Spring for Ana');
    expect(r.message.body).toBe(`Hi Ana, ${PUBLIC}/l/t1\n\n--\nUnsubscribe: ${PUBLIC}/u/TOK`);
    expect(r.message.links).toEqual([{ token: 't1', url: 'https://shop.example/a?x=1&y=2' }]);
    expect(r.message.html).toContain(`<a href="${PUBLIC}/l/t1">shop</a>`);
    expect(r.message.trackingToken).toBe('TOK');
  });

  it('tracks only link targets in HTML: images, stylesheets and namespaces keep their URLs', () => {
    const html =
      '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd"><html xmlns="http://www.w3.org/1999/xhtml"><head><link rel="stylesheet" href="https://cdn.example/s.css"></head>' +
      "<body><img src=\"https://cdn.example/banner.png\"><a class='x' href='https://shop.example/a'>a</a><area shape=\"rect\" HREF=\"https://shop.example/b\"><a href=\"mailto:x@y.example\">m</a></body></html>";
    const r = email({ variant: { template: 'x', subject: 'S', html } });
    const out = r.ok ? r.message.html! : '';
    for (const kept of ['http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd', 'xmlns="http://www.w3.org/1999/xhtml"', 'href="https://cdn.example/s.css"', 'src="https://cdn.example/banner.png"', 'href="mailto:x@y.example"']) {
      expect(out).toContain(kept);
    }
    expect(out).toContain(`href='${PUBLIC}/l/t1'`);
    expect(out).toContain(`HREF="${PUBLIC}/l/t2"`);
    expect(r.ok && r.message.links).toEqual([
      { token: 't1', url: 'https://shop.example/a' },
      { token: 't2', url: 'https://shop.example/b' },
    ]);
  });

  it('puts the unsubscribe link and the open pixel before </body>', () => {
    const r = email();
    const html = r.ok ? r.message.html! : '';
    expect(html).toMatch(new RegExp(`<a href="${PUBLIC}/u/TOK">Unsubscribe</a>.*<img src="${PUBLIC}/o/TOK"[^>]*></body></html>$`));
  });

  it('carries RFC 8058 one-click unsubscribe headers', () => {
    const r = email();
    expect(r.ok && r.message.headers).toEqual({ 'List-Unsubscribe': `<${PUBLIC}/u/TOK>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' });
  });

  it("escapes the contact's values in HTML, not in the text part", () => {
    const r = email({ contact: { firstName: '<b>Al & "Bo"</b>', email: 'al@example.com' } });
    expect(r.ok && r.message.html).toContain('<p>Hi &lt;b&gt;Al &amp; &quot;Bo&quot;&lt;/b&gt;</p>');
    expect(r.ok && r.message.body).toContain('Hi <b>Al & "Bo"</b>,');
  });

  it('has no HTML part without HTML, and fails without an email address', () => {
    const r = email({ variant: { template: 'Plain', subject: 'S' } });
    expect(r.ok && r.message.html).toBeUndefined();
    expect(email({ contact: { phone: '+14155550123' } })).toEqual({ ok: false, error: NO_EMAIL });
    expect(email({ variant: { template: 'x', subject: ' ' } })).toEqual({ ok: false, error: NO_SUBJECT });
  });
});

describe('derivedLinkToken', () => {
  it('is reproducible, differs per link, and reveals nothing of its secret', () => {
    const secret = '0123456789abcdef0123456789abcdef';
    const tokens = [0, 1, 2].map((n) => derivedLinkToken(secret, n));
    expect(tokens.map((n, i) => derivedLinkToken(secret, i) === n)).toEqual([true, true, true]);
    expect(new Set(tokens).size).toBe(3);
    for (const t of tokens) {
      expect(t).toMatch(/^[0-9A-Za-z]{16}$/);
      expect(t).not.toContain(secret.slice(0, 6));
    }
    expect(derivedLinkToken('another-secret-another-secret-00', 0)).not.toBe(tokens[0]);
  });
});
