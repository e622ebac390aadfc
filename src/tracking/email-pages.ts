/**
 * What the email routes answer (`/o/:token`, `/u/:token`): the open pixel, the unsubscribe pages,
 * and how a POST says it is RFC 8058's one-click unsubscribe. Pure.
 */

/** A 1×1 transparent GIF (43 bytes). */
export const TRANSPARENT_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/** Mail clients and proxies must fetch the pixel each time it is shown, never from a cache. */
export const NO_CACHE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'cache-control': 'no-store, no-cache, must-revalidate, max-age=0',
  pragma: 'no-cache',
  expires: '0',
});

/** Our tracking tokens are base62 (messages.ts linkToken); anything else is unknown at once. */
export function plausibleToken(token: string): boolean {
  return /^[0-9A-Za-z]{1,64}$/.test(token);
}

/** `ada@example.com` → `a**@example.com`: enough for the owner to recognise, little for anyone else. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  const local = email.slice(0, at);
  return `${local[0]}${'*'.repeat(Math.min(Math.max(local.length - 1, 2), 8))}${email.slice(at)}`;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}button{font-size:1rem;padding:.5rem 1.25rem;cursor:pointer}</style></head>
<body>${body}</body></html>`;
}

/**
 * The page `GET /u/:token` shows: a question and a form that POSTs to the same URL. The GET itself
 * changes nothing — mail scanners and link previews fetch every URL in a message.
 */
export function unsubscribePage(maskedEmail: string, workspaceName: string): string {
  const q = `Unsubscribe ${maskedEmail} from ${workspaceName}?`;
  return page(q, `<h1>${escapeHtml(q)}</h1><p>You will receive no more emails from ${escapeHtml(workspaceName)}.</p><form method="post"><input type="hidden" name="confirm" value="yes"><button type="submit">Unsubscribe</button></form>`);
}

/** The answer to the page's form. */
export function unsubscribedPage(maskedEmail: string, workspaceName: string): string {
  const t = 'You are unsubscribed';
  return page(t, `<h1>${t}</h1><p>${escapeHtml(maskedEmail)} will receive no more emails from ${escapeHtml(workspaceName)}.</p>`);
}

/**
 * RFC 8058 §3.2: the mail receiver POSTs `List-Unsubscribe=One-Click` as multipart/form-data
 * (SHOULD) or application/x-www-form-urlencoded (MAY). `params` is the urlencoded body already
 * parsed; `raw` the multipart text.
 */
export function isOneClick(contentType: string | undefined, params: Record<string, string | string[]> | undefined, raw: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') {
    const v = params?.['List-Unsubscribe'];
    return (Array.isArray(v) ? v : [v]).some((x) => x === 'One-Click');
  }
  if (type === 'multipart/form-data' && typeof raw === 'string') {
    return /content-disposition:\s*form-data;\s*name="?List-Unsubscribe"?[^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*\r?\nOne-Click\r?\n/i.test(raw);
  }
  return false;
}
