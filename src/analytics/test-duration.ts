/**
 * How long an experiment ran. Pure: the campaign's lifecycle timestamps, its first winner decision
 * and the time now in; hours out (null when there is no test or it has not started).
 *
 * Start: the campaign's `startedAt`, which launch (and the first scheduled run) stamps in the same
 * transaction that queues the first sends — the code's test start (variants go out from then on).
 * End: the earliest of the first winner decision (automatic or manual, superseded ones included: the
 * test had a winner from then on), `testEndedAt` (endTest) and `completedAt` — which cancel stamps
 * too (SendService.cancel), so a canceled test ends at its cancel, also once archived later. While
 * RUNNING or PAUSED without any of those: now. A stopped campaign without any of them (rows from
 * before cancel stamped completedAt) falls back to `archivedAt`, else its last update.
 */
import { CampaignStatus, CampaignType } from '../campaigns/enums';

export interface TestTimes {
  type: CampaignType;
  status: CampaignStatus;
  startedAt?: Date | null;
  testEndedAt?: Date | null;
  completedAt?: Date | null;
  archivedAt?: Date | null;
  updatedAt: Date;
}

export function testDurationHours(c: TestTimes, firstWinnerAt: Date | null, now: Date): number | null {
  if (c.type === CampaignType.STANDARD || !c.startedAt) return null;
  const ends = [firstWinnerAt, c.testEndedAt, c.completedAt].filter((d): d is Date => d instanceof Date);
  let end: Date;
  if (ends.length > 0) end = new Date(Math.min(...ends.map((d) => d.getTime())));
  else if (c.status === CampaignStatus.RUNNING || c.status === CampaignStatus.PAUSED) end = now;
  else end = c.archivedAt ?? c.updatedAt;
  // A decision stamped before the start (clocks, hand-edited rows) is not a negative duration.
  return Math.max(0, end.getTime() - c.startedAt.getTime()) / 3_600_000;
}
