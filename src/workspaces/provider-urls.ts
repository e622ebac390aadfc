/**
 * Which provider API URLs a workspace may set. A workspace admin is a tenant: letting them point the
 * server at any URL would let them reach internal services from inside the network (SSRF) and read
 * the answers back through send failures. So unless the operator allows custom URLs
 * (ALLOW_CUSTOM_PROVIDER_URLS, for tests and self-hosted API proxies), only the provider's public
 * API is accepted. Pure.
 */
import { BlockList, isIP } from 'node:net';

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
 * is refused as the delivery connects: src/operations/alert-post.ts.)
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
 * Address ranges no tenant URL may reach: IPv4 "this network", private, carrier-grade NAT,
 * loopback, link-local (cloud metadata), IETF protocol assignments, benchmarking, multicast,
 * reserved and broadcast; the same behind NAT64 (64:ff9b::/96 reaches them through a translator);
 * IPv6 unspecified / loopback / IPv4-compatible (::/96), unique local, link-local, site-local and
 * multicast. BlockList matches IPv4-mapped IPv6 (::ffff:a.b.c.d, however it is spelt: a resolver
 * answers `::ffff:127.0.0.1`, URL `[::ffff:7f00:1]`) against the IPv4 ranges.
 */
const INTERNAL_IPV4: readonly [string, number][] = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];
const INTERNAL_IPV6: readonly [string, number][] = [
  ['::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
];
const INTERNAL = new BlockList();
for (const [net, prefix] of INTERNAL_IPV4) {
  INTERNAL.addSubnet(net, prefix, 'ipv4');
  const [a, b, c, d] = net.split('.').map(Number) as [number, number, number, number];
  INTERNAL.addSubnet(`64:ff9b::${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`, 96 + prefix, 'ipv6');
}
for (const [net, prefix] of INTERNAL_IPV6) INTERNAL.addSubnet(net, prefix, 'ipv6');

/**
 * True for `localhost` (and *.localhost) and for IP addresses in an internal range (above), in any
 * spelling: as URL gives a hostname (IPv6 in brackets; IPv4 already normalised, e.g. 0x7f.1 →
 * 127.0.0.1) and as a resolver answers an address (`::ffff:10.0.0.1`). A name is not judged here:
 * what it resolves to is checked when connecting (src/operations/alerts.ts). Pure.
 */
export function isInternalHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const family = isIP(host);
  if (family === 0) return false;
  try {
    return INTERNAL.check(host, family === 4 ? 'ipv4' : 'ipv6');
  } catch {
    return true; // an address BlockList cannot read (a zone id …): refused rather than trusted
  }
}
