/** Shared helpers for the unit tests (not a test file itself: jest only runs *.test.js). */
import { DomainError } from '../../src/errors';

/** Runs `fn`, expecting it to throw a DomainError, and returns that error for inspection. */
export function domainErrorOf(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('expected a DomainError to be thrown, but the call returned normally');
}
