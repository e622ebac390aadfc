/** Bounds of the attribution arguments (pure): a BAD_USER_INPUT with a reason for each. */
import { badInput } from '../errors';

export const MAX_DAYS = 3650;
export const MAX_WINDOW_DAYS = 365;
export const MAX_HALF_LIFE_DAYS = 365;

/** `days`: how far back orders are read (1..3650). */
export function checkDays(days: number): number {
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) throw badInput('INVALID_DAYS', `days must be between 1 and ${MAX_DAYS}`, 'days');
  return days;
}

/** `windowDays`: how long before an order a message counts as a touch (1..365). */
export function checkWindowDays(windowDays: number): number {
  if (!Number.isInteger(windowDays) || windowDays < 1 || windowDays > MAX_WINDOW_DAYS) {
    throw badInput('INVALID_WINDOW', `windowDays must be between 1 and ${MAX_WINDOW_DAYS}`, 'windowDays');
  }
  return windowDays;
}

/** `halfLifeDays`: TIME_DECAY's half-life (> 0, ≤ 365; a fraction of a day is fine). */
export function checkHalfLifeDays(halfLifeDays: number): number {
  if (!Number.isFinite(halfLifeDays) || halfLifeDays <= 0 || halfLifeDays > MAX_HALF_LIFE_DAYS) {
    throw badInput('INVALID_HALF_LIFE', `halfLifeDays must be greater than 0 and at most ${MAX_HALF_LIFE_DAYS}`, 'halfLifeDays');
  }
  return halfLifeDays;
}
