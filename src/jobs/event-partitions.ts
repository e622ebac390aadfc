/**
 * The event log's upkeep (src/db/event-partitions.ts): next months' partitions created ahead and,
 * with EVENT_RETENTION_DAYS set, months past retention dropped. Daily: a missed run or two still
 * leaves the coming months in place (MONTHS_AHEAD), and the default partition catches the rest.
 */
import { applyEventRetention, ensureEventPartitions, type PartitionDb } from '../db/event-partitions';
import type { JobDefinition } from './scheduler';

export const EVENT_PARTITIONS_JOB = 'events: partitions and retention';

export function eventPartitionsJob(db: PartitionDb, retentionDays: number | undefined): JobDefinition {
  return {
    name: EVENT_PARTITIONS_JOB,
    cron: '20 0 * * *',
    timezone: 'UTC',
    run: async () => {
      const created = await ensureEventPartitions(db);
      const retention = retentionDays === undefined ? 'off' : await applyEventRetention(db, retentionDays);
      return { created, retention };
    },
  };
}
