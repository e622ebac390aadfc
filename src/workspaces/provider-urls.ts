/**
 * Which provider API URLs a workspace may set. A workspace admin is a tenant: letting them point the
 * server at any URL would let them reach internal services from inside the network (SSRF) and read
 * the answers back through send failures. So unless the operator allows custom URLs
 * (ALLOW_CUSTOM_PROVIDER_URLS, for tests and self-hosted API proxies), only the provider's public
 * API is accepted. Pure.
 */

/** Meta's Graph API host: the only one a WhatsApp Cloud API base URL may name by default. */
export const WHATSAPP_API_HOST = 'graph.facebook.com';

export type BaseUrlCheck = { ok: true; url: string } | { ok: false; message: string };

/**
 * `text` as a WhatsApp Cloud API base URL (origin and version path), normalised and without a
 * trailing slash, or why it is refused. With `allowCustom`, any http(s) URL; otherwise https on
 * graph.facebook.com (default port, no credentials, query or fragment), any version path.
 */
export function checkWhatsAppApiBaseUrl(text: string, allowCustom: boolean): BaseUrlCheck {
  const url = URL.canParse(text) ? new URL(text) : null;
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) return { ok: false, message: 'whatsappCloud.apiBaseUrl must be an http(s) URL' };
  if (!allowCustom) {
    const graph = url.protocol === 'https:' && url.hostname === WHATSAPP_API_HOST && url.port === '' && !url.username && !url.password && !url.search && !url.hash;
    if (!graph) {
      return {
        ok: false,
        message: `whatsappCloud.apiBaseUrl must be https://${WHATSAPP_API_HOST}/<version> (or left out for the default); the server operator can allow other URLs with ALLOW_CUSTOM_PROVIDER_URLS=true`,
      };
    }
  }
  // The parsed form: what fetch will request, whatever spelling was given.
  return { ok: true, url: url.href.replace(/\/+$/, '') };
}

/**
 * `text` as a workspace's alert webhook URL (the server POSTs alerts there), or why it is refused.
 * An http(s) URL without a fragment; unless the operator allows custom URLs, https only and no
 * `localhost` or loopback / private / link-local / unspecified address literal — a tenant must
 * not make the server call internal services. (A public name that resolves to a private address
 * is checked at delivery time: src/operations/alerts.ts.)
 */
export function checkAlertWebhookUrl(text: string, allowCustom: boolean): BaseUrlCheck {
  const url = URL.canParse(text) ? new URL(text) : null;
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.hash) return { ok: false, message: 'alertWebhookUrl must be an http(s) URL without a fragment' };
  if (!allowCustom) {
    if (url.protocol !== 'https:') return { ok: false, message: 'alertWebhookUrl must use https (the server operator can allow http with ALLOW_CUSTOM_PROVIDER_URLS=true)' };
    if (isInternalHost(url.hostname)) {
      return { ok: false, message: 'alertWebhookUrl must not name localhost or a loopback, private or link-local address (the server operator can allow it with ALLOW_CUSTOM_PROVIDER_URLS=true)' };
    }
  }
  return { ok: true, url: url.href };
}

/**
 * True for `localhost` (and *.localhost) and for IP literals that are loopback, private,
 * link-local, carrier-grade NAT, unspecified or IPv4-mapped forms of them. `hostname` as URL
 * gives it (IPv6 in brackets; IPv4 already normalised, e.g. 0x7f.1 → 127.0.0.1). Pure.
 */
export function isInternalHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4) return isInternalIPv4(v4.slice(1).map(Number));
  if (host.startsWith('[') || host.includes(':')) return isInternalIPv6(host.replace(/^\[|\]$/g, ''));
  return false;
}

function isInternalIPv4([a, b]: number[]): boolean {
  return (
    a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b! >= 16 && b! <= 31) || (a === 192 && b === 168) || (a === 100 && b! >= 64 && b! <= 127)
  );
}

function isInternalIPv6(addr: string): boolean {
  const a = addr.toLowerCase();
  if (a === '::' || a === '::1') return true;
  // IPv4-mapped (::ffff:7f00:1 as URL normalises ::ffff:127.0.0.1): judged by the IPv4 address.
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(a);
  if (mapped) {
    const hi = parseInt(mapped[1]!, 16);
    const lo = parseInt(mapped[2]!, 16);
    return isInternalIPv4([hi >> 8, hi & 255, lo >> 8, lo & 255]);
  }
  const first = parseInt(a.split(':')[0] || '0', 16);
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80; // fc00::/7 unique local, fe80::/10 link-local
}
