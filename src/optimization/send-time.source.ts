/**
 * The learning feature's side of sending's SendTimeSource port: each contact's recommended local
 * hour (send-time.service.ts `optimalHours`: the stored recommendation, computed first for contacts
 * whose history changed since or who have none yet).
 */
import type { SendTimeSource } from '../sending/send-time-port';
import { optimalHours, type SendTimeDb } from './send-time.service';

export function createSendTimeSource(sql: SendTimeDb): SendTimeSource {
  return { optimalHours: (workspaceId, contactIds) => optimalHours(sql, workspaceId, contactIds) };
}
