/**
 * What sending needs from the learning feature: each contact's recommended local send hour.
 * Sending must not import optimization (it sits above sending), so optimization implements this
 * port and the composition root (src/app.ts) hands it over through AppDeps.
 */
export interface SendTimeSource {
  /**
   * The recommended local hour (0–23, in the contact's zone) of each given contact of the
   * workspace that has one; contacts without a recommendation are absent from the map.
   */
  optimalHours(workspaceId: string, contactIds: string[]): Promise<Map<string, number>>;
}
