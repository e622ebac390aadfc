/**
 * Group commit for lookups and writes: calls made while a flush is running (or in the same turn of
 * the event loop) are handed to `flush` together, so N concurrent callers cost one round trip
 * instead of N. Each caller's promise settles only once its own flush settled: a write is
 * acknowledged only after the statement that stored it succeeded, and a failed flush rejects
 * every call in it (each caller then handles the failure as its own).
 */
export function coalesce<K, R>(flush: (keys: K[]) => Promise<R[]>, maxBatch = 1000): (key: K) => Promise<R> {
  let queue: { key: K; resolve(r: R): void; reject(e: unknown): void }[] = [];
  let running = false;
  let scheduled = false;
  const run = async (): Promise<void> => {
    scheduled = false;
    running = true;
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      try {
        const results = await flush(batch.map((c) => c.key));
        if (results.length !== batch.length) throw new Error(`coalesced flush answered ${results.length} results for ${batch.length} calls`);
        batch.forEach((c, i) => c.resolve(results[i]!));
      } catch (e) {
        for (const c of batch) c.reject(e);
      }
    }
    running = false;
  };
  return (key) =>
    new Promise<R>((resolve, reject) => {
      queue.push({ key, resolve, reject });
      if (running || scheduled) return;
      // Wait for the rest of this turn: concurrent callers resuming from the same I/O join in.
      scheduled = true;
      setImmediate(() => void run());
    });
}
