/**
 * What a recipient receives on the campaign's channel, composed from the variant and the contact.
 * Pure: tokens come from the caller, the clock's answer (is the WhatsApp window open) too.
 *
 * - SMS: the template filled with the contact's values, each URL replaced by a tracked short link
 *   (`PUBLIC_URL/l/<token>`), to the contact's phone.
 * - WhatsApp: the same text inside the 24-hour customer-service window (the contact wrote to us
 *   in the last 24 hours); outside it only an approved template may be sent, so the variant's
 *   `whatsappTemplate` goes instead, its parameters filled the same way. Without one the send fails.
 * - Email: subject, text part (the template) and optional HTML part, to the contact's email.
 *   Links are tracked in both parts (one token per URL per message; in HTML only `<a>` / `<area>`
 *   targets, never images or stylesheets); the HTML gets an open pixel
 *   (`/o/<token>`; opens are approximate: image blocking hides some, privacy proxies fake some);
 *   both parts end with an unsubscribe link (`/u/<token>`) and the headers carry RFC 8058's
 *   one-click `List-Unsubscribe` / `List-Unsubscribe-Post`.
 */
import { contactVariables, renderTemplate } from '../campaigns/templates/render';
import { Channel } from '../domain/channel';
import type { OutboundMessage, RenderedWhatsAppTemplate } from './providers/provider';

/** Trailing punctuation is not part of a URL written in prose. */
const URL_PATTERN = /https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;
/** `<a … href="…">` / `<area … href='…'>`: the tag's start, the quote and the target. */
const HTML_LINK = /(<(?:a|area)\b[^>]*?\bhref\s*=\s*)(["'])([^"']*)\2/gi;

export interface ComposeInput {
  channel: Channel;
  variant: {
    template: string;
    subject?: string | null;
    html?: string | null;
    whatsappTemplate?: { name: string; language: string; parameters: string[] } | null;
  };
  contact: Parameters<typeof contactVariables>[0];
  campaign: { offerAmount?: number | null };
  publicUrl: string;
  makeToken: () => string;
  /** WHATSAPP: the contact wrote to us in the last 24 hours. */
  whatsappWindowOpen?: boolean;
  /** EMAIL: this message's open / unsubscribe token. */
  trackingToken?: string;
}

/** The message's content and address; the sender adds its ids. */
export type ComposedMessage = Pick<OutboundMessage, 'channel' | 'to' | 'body' | 'subject' | 'html' | 'headers' | 'whatsappTemplate' | 'links' | 'trackingToken'>;

export type ComposeResult = { ok: true; message: ComposedMessage } | { ok: false; error: string };

export const NO_PHONE = 'the contact has no phone number';
export const NO_EMAIL = 'the contact has no email address';
/** Variants are validated to have one; an email campaign made before channels existed may not. */
export const NO_SUBJECT = 'the email variant has no subject';
export const OUTSIDE_WHATSAPP_WINDOW =
  'outside the 24-hour WhatsApp customer-service window only an approved template may be sent, and the variant has no whatsappTemplate';

export function composeMessage(input: ComposeInput): ComposeResult {
  const { channel, contact } = input;
  const values = contactVariables(contact, input.campaign);
  const links = new Linker(input.publicUrl, input.makeToken);
  const text = (template: string) => links.track(renderTemplate(template, values).text);

  if (channel === Channel.EMAIL) {
    if (!contact.email) return { ok: false, error: NO_EMAIL };
    if (!input.variant.subject?.trim()) return { ok: false, error: NO_SUBJECT };
    const token = input.trackingToken;
    const unsubscribeUrl = token ? `${input.publicUrl}/u/${token}` : null;
    // One line whatever the contact's values hold: a header never spans lines.
    const subject = renderTemplate(input.variant.subject ?? '', values).text.replace(/[\r\n]+/g, ' ');
    let body = text(input.variant.template);
    let html = input.variant.html ? links.trackHtml(renderTemplate(input.variant.html, escapeValues(values)).text) : undefined;
    if (unsubscribeUrl) {
      body += `\n\n--\nUnsubscribe: ${unsubscribeUrl}`;
      if (html !== undefined) {
        const footer = `<p style="font-size:12px;color:#666"><a href="${unsubscribeUrl}">Unsubscribe</a></p><img src="${input.publicUrl}/o/${token}" width="1" height="1" alt="" style="display:block;border:0">`;
        html = /<\/body>/i.test(html) ? html.replace(/<\/body>/i, `${footer}</body>`) : html + footer;
      }
    }
    return {
      ok: true,
      message: {
        channel,
        to: contact.email,
        subject,
        body,
        ...(html !== undefined ? { html } : {}),
        ...(unsubscribeUrl ? { headers: { 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } } : {}),
        links: links.list(),
        ...(token ? { trackingToken: token } : {}),
      },
    };
  }

  if (!contact.phone) return { ok: false, error: NO_PHONE };
  if (channel === Channel.WHATSAPP && !input.whatsappWindowOpen) {
    const t = input.variant.whatsappTemplate;
    if (!t) return { ok: false, error: OUTSIDE_WHATSAPP_WINDOW };
    const whatsappTemplate: RenderedWhatsAppTemplate = { name: t.name, language: t.language, parameters: t.parameters.map(text) };
    // The body is what the template's parameters say, for the message record and the dashboard.
    return { ok: true, message: { channel, to: contact.phone, body: `[${t.name}] ${whatsappTemplate.parameters.join(' | ')}`, whatsappTemplate, links: links.list() } };
  }
  return { ok: true, message: { channel, to: contact.phone, body: text(input.variant.template), links: links.list() } };
}

/** Replaces URLs with tracked links, one token per distinct URL within a message. */
class Linker {
  private readonly byUrl = new Map<string, string>();
  constructor(
    private readonly publicUrl: string,
    private readonly makeToken: () => string,
  ) {}

  track(text: string): string {
    return text.replace(URL_PATTERN, (url) => this.link(url));
  }

  /**
   * In HTML only link targets are tracked: `href` of `<a>` and `<area>`. Images, stylesheets,
   * namespaces and the DOCTYPE keep their URLs (an image load is not a click).
   */
  trackHtml(html: string): string {
    return html.replace(HTML_LINK, (whole, start: string, quote: string, href: string) => {
      const url = href.trim().replaceAll('&amp;', '&'); // `&amp;` in an attribute is `&` in the URL followed
      return /^https?:\/\//i.test(url) ? `${start}${quote}${this.link(url)}${quote}` : whole;
    });
  }

  private link(url: string): string {
    let token = this.byUrl.get(url);
    if (!token) {
      token = this.makeToken();
      this.byUrl.set(url, token);
    }
    return `${this.publicUrl}/l/${token}`;
  }

  list(): { token: string; url: string }[] {
    return [...this.byUrl].map(([url, token]) => ({ token, url }));
  }
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** A contact's values inside HTML are text, never markup. */
function escapeValues(values: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v?.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!)]));
}
