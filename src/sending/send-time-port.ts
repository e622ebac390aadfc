/**
 * What sending needs from the learning feature: each contact's recommended local send hour.
 * Sending must not import optimization (it sits above sending), so optimization implements this
 * port and the composition root (src/app.ts) hands it over through AppDeps.
 *
 * Two steps, because computing can take seconds (a whole workspace's refit) and must not run inside
 * the transaction that queues runs (it holds campaign locks for every due run of the instance):
 * `prepare` computes, outside any transaction; `optimalHours` only reads what is stored.
 */
export interface SendTimeSource {
  /** Computes (and stores) the recommendations of the given contacts that are missing or stale. */
  prepare(workspaceId: string, contactIds: string[]): Promise<void>;
  /**
   * The stored recommended local hour (0–23, in the contact's zone) of each given contact of the
   * workspace that has a learned one; contacts without one are absent from the map. Never computes.
   */
  optimalHours(workspaceId: string, contactIds: string[]): Promise<Map<string, number>>;
}
