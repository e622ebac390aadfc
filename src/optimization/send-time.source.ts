/**
 * The learning feature's side of sending's SendTimeSource port (send-time.service.ts): `prepare`
 * computes the contacts whose history changed since their recommendation or who have none yet;
 * `optimalHours` reads the stored hours.
 */
import type { SendTimeSource } from '../sending/send-time-port';
import { sendTimes, storedOptimalHours, type SendTimeDb } from './send-time.service';

export function createSendTimeSource(sql: SendTimeDb): SendTimeSource {
  return {
    prepare: async (workspaceId, contactIds) => void (await sendTimes(sql, workspaceId, contactIds)),
    optimalHours: (workspaceId, contactIds) => storedOptimalHours(sql, workspaceId, contactIds),
  };
}
