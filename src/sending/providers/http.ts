/**
 * One call to a provider's HTTP API under a whole-request budget: connect, answer and body (a
 * stalled body is a timeout too). Shared by the HTTP providers (Twilio, the WhatsApp Cloud API);
 * each reads the answer its own way.
 */

export type ApiAnswer = { ok: true; status: number; text: string; json: unknown } | { ok: false; error: string };

/**
 * `label` names the API in errors ("Twilio request timed out after 10000 ms"). A failed call may or
 * may not have reached the provider: callers decide whether retrying is safe.
 */
export async function callApi(fetchImpl: typeof fetch, url: string, init: RequestInit, timeoutMs: number, label: string): Promise<ApiAnswer> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const res = await fetchImpl(url, { ...init, signal: controller.signal });
    const text = await res.text();
    return { ok: true, status: res.status, text, json: parseJson(text) };
  } catch (e) {
    return { ok: false, error: controller.signal.aborted ? `${label} request timed out after ${timeoutMs} ms` : `${label} request failed: ${describe(e)}` };
  } finally {
    clearTimeout(timer);
  }
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** An error with its cause ("fetch failed (connect ECONNREFUSED 127.0.0.1:9)"). */
function describe(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? `${e.message} (${cause.message})` : e.message;
  }
  return String(e);
}

/** "with an empty body" / "with a body of 1234 bytes that is not the API's error JSON". Pure. */
export function bodySize(raw: string): string {
  return raw === '' ? 'with an empty body' : `with a body of ${Buffer.byteLength(raw)} bytes that is not the API's error JSON`;
}
