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
