/**
 * Send-time optimisation at send time: when each recipient of a run with `optimizeSendTime` is
 * sent, and which recipients form the holdout that measures it. Pure, no I/O.
 *
 * - A recipient with a recommended local hour goes at the first instant at or after the run's
 *   start whose wall-clock hour in the recipient's zone is that hour (`plannedSendAt`), so always
 *   within 24 h of it (25 h days aside). Quiet hours are not looked at here: the sender defers
 *   a send that lands in them, like any other send.
 * - A deterministic share of those recipients (`sendTimeHoldoutPercent`) is held out and goes at
 *   the run's start: GrowthBook's hash v2 of a seed derived from the campaign's salt, i.e. a
 *   one-arm experiment whose coverage is the holdout share (same hashing as assignment, another
 *   seed, so membership is independent of the variant and stable across restarts and instances).
 * - Recipients without a recommendation go at the run's start and are in neither group: the two
 *   groups are then random halves of the same population (contacts with a recommendation), which
 *   is what makes their difference an unbiased estimate of the effect of sending at the hour.
 */
import { bucketRanges, campaignAssigner } from '../campaigns/assignment';
import { wallClockAt, zonedTimeToInstant } from './schedule';

export const DEFAULT_SEND_TIME_HOLDOUT_PERCENT = 10;
export const MAX_SEND_TIME_HOLDOUT_PERCENT = 50;
/** Appended to the campaign's salt for holdout membership: another seed than assignment's. */
export const SEND_TIME_HOLDOUT_SEED_SUFFIX = ':send-time-holdout';

export type SendTimeGroup = 'OPTIMIZED' | 'HOLDOUT';

/** True for a usable holdout share: a whole percent from 0 to 50. */
export function isValidHoldoutPercent(percent: unknown): percent is number {
  return Number.isInteger(percent) && (percent as number) >= 0 && (percent as number) <= MAX_SEND_TIME_HOLDOUT_PERCENT;
}

/**
 * The first instant at or after `start` whose wall-clock hour in `timezone` is `hour` (0–23):
 * `start` itself when its local hour already is `hour`, else `hour`:00 local time later that day
 * or the next. Local times go through `zonedTimeToInstant` (Temporal's 'compatible'
 * disambiguation), hence across DST changes:
 *  - a repeated hour (fall-back) is reached at its first occurrence;
 *  - a skipped hour (spring-forward, e.g. 02:00 on the day New York enters DST) has no instant at
 *    all that day; it resolves to the moment of the change (03:00 new time) rather than to the
 *    next day, so the send stays within a day of `start`.
 * Throws RangeError for an hour outside 0–23 or an unknown zone.
 */
export function plannedSendAt(start: Date, timezone: string, hour: number): Date {
  if (!Number.isInteger(hour) || hour < 0 || hour > 23) throw new RangeError(`hour must be an integer 0–23, got ${hour}`);
  const local = wallClockAt(start, timezone);
  if (local.hour === hour) return start;
  // Today's hour:00 if still ahead, else tomorrow's. The loop guards zones that skip or repeat
  // whole days or hours around midnight (e.g. Pacific/Apia skipping 2011-12-30), where a
  // candidate could still be at or before `start`.
  for (let day = local.day; ; day += 1) {
    const candidate = zonedTimeToInstant(local.year, local.month, day, hour, 0, timezone);
    if (candidate.getTime() > start.getTime()) return candidate;
  }
}

/**
 * Holdout membership of one campaign's recipients: `(contactId) => true` for the held-out ones.
 * GrowthBook hash v2 with seed `salt + SEND_TIME_HOLDOUT_SEED_SUFFIX` and one bucket range
 * [0, percent/100) — what a GrowthBook SDK does for a one-variation experiment with that coverage.
 */
export function holdoutMembership(salt: string, percent: number): (contactId: string) => boolean {
  if (!isValidHoldoutPercent(percent)) throw new RangeError(`holdout percent must be an integer 0–${MAX_SEND_TIME_HOLDOUT_PERCENT}, got ${percent}`);
  const index = campaignAssigner(salt + SEND_TIME_HOLDOUT_SEED_SUFFIX, bucketRanges(1, percent / 100));
  return (contactId) => index(contactId) === 0;
}

export interface SendToPlan {
  sendId: string;
  contactId: string;
  /** The contact's zone, else the workspace's. */
  timezone: string;
}

export interface PlannedSend {
  sendId: string;
  at: Date;
  group: SendTimeGroup | null;
}

/**
 * The plan of one run: each send's time and group. `hours` maps contact ids to their recommended
 * local hour; a contact without one (or with an unusable hour or zone) goes at `start`, in no
 * group. Planned times are computed once per (zone, hour): a run has few distinct ones.
 */
export function planRun(sends: readonly SendToPlan[], hours: ReadonlyMap<string, number>, start: Date, inHoldout: (contactId: string) => boolean): PlannedSend[] {
  const memo = new Map<string, Date | null>();
  const at = (timezone: string, hour: number): Date | null => {
    const key = `${timezone}\u0000${hour}`;
    let planned = memo.get(key);
    if (planned === undefined) {
      try {
        planned = plannedSendAt(start, timezone, hour);
      } catch {
        planned = null; // an hour or zone the port should not have given: sent at start, ungrouped
      }
      memo.set(key, planned);
    }
    return planned;
  };
  return sends.map((s) => {
    const hour = hours.get(s.contactId);
    const planned = hour === undefined ? null : at(s.timezone, hour);
    if (planned === null) return { sendId: s.sendId, at: start, group: null };
    return inHoldout(s.contactId) ? { sendId: s.sendId, at: start, group: 'HOLDOUT' } : { sendId: s.sendId, at: planned, group: 'OPTIMIZED' };
  });
}
