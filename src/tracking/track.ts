import { badInput } from '../errors';
import { isRejection, MAX_EVENTS_PER_CALL, normalizeEvent, type EventInput, type NormalizedEvent } from './event-input';
import type { IngestionPipeline } from './ingestion';

export interface TrackResult {
  accepted: number;
  duplicates: number;
  rejected: { index: number; code: string; message: string }[];
}

/**
 * Validates a client's events and runs the valid ones through the pipeline. Resolves after the
 * accepted events are committed; invalid events are reported by index, never thrown.
 */
export async function trackEvents(pipeline: IngestionPipeline, workspaceId: string, inputs: readonly EventInput[], source: string): Promise<TrackResult> {
  if (inputs.length > MAX_EVENTS_PER_CALL) throw badInput('TOO_MANY_EVENTS', `At most ${MAX_EVENTS_PER_CALL} events per call`, 'events');
  const result: TrackResult = { accepted: 0, duplicates: 0, rejected: [] };
  const valid: NormalizedEvent[] = [];
  const positions: number[] = [];
  const now = new Date();
  inputs.forEach((input, index) => {
    const e = normalizeEvent(input, now);
    if (isRejection(e)) result.rejected.push({ index, ...e });
    else {
      valid.push(e);
      positions.push(index);
    }
  });
  const outcomes = await pipeline.ingest(workspaceId, valid, source);
  outcomes.forEach((o, i) => {
    if (o === 'ACCEPTED') result.accepted++;
    else if (o === 'DUPLICATE') result.duplicates++;
    else result.rejected.push({ index: positions[i]!, ...o });
  });
  result.rejected.sort((a, b) => a.index - b.index);
  return result;
}
