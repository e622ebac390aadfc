/**
 * Polls `fn` until `ok` holds or `timeoutMs` passes, and returns the last value (the caller's
 * assertion then says what was expected). For conditions reached in the background (sends, NOTIFY
 * deliveries, socket closes): tests wait for a state, never for a wall-clock margin.
 */
export async function until<T>(fn: () => T | Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
