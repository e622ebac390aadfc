/**
 * Worker-thread entry for training (node:worker_threads): the CPU-bound minute runs here, so the
 * server's event loop keeps answering. Receives rows and options, posts the result or the error.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DomainError } from '../errors';
import { trainConversionModel, type TrainingOptions } from './conversion-model';
import type { MessageRow } from './features';

interface Input {
  rows: MessageRow[];
  asOf: number;
  options: Partial<TrainingOptions>;
}

const { rows, asOf, options } = workerData as Input;
try {
  parentPort!.postMessage({ ok: true, result: trainConversionModel(rows, asOf, options) });
} catch (e) {
  const error = e instanceof DomainError ? { code: e.code, reason: e.reason, message: e.message } : { message: e instanceof Error ? e.message : String(e) };
  parentPort!.postMessage({ ok: false, error });
}
