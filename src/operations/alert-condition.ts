/**
 * What the alert evaluator (./alerts) is told by each source of trouble: the conditions that hold
 * right now. A condition is identified by `key` within its workspace; an alert is raised when a key
 * appears and cleared when it is no longer reported — one alert per condition until it clears.
 * Sources are plain queries over state the features keep (webhook health, circuits, the retry
 * queue, running tests, job runs); they decide nothing about delivery.
 */
export type AlertKind = 'WEBHOOKS_SILENT' | 'CIRCUIT_OPEN' | 'DEAD_LETTERS' | 'SRM_DETECTED' | 'JOB_FAILING' | 'PLAN_USAGE';

export interface AlertCondition {
  /** The workspace concerned; null: every workspace (a scheduled job serves them all). */
  workspaceId: string | null;
  kind: AlertKind;
  /** Stable for as long as the condition holds, e.g. `CIRCUIT_OPEN:twilio:AC…:+1555…:SMS`. */
  key: string;
  /** One line a person reads first, e.g. "twilio webhooks silent for 20 minutes while sending". */
  summary: string;
  /** Machine-readable facts (provider, counts, since, campaign id …), sent as they are. */
  details: Record<string, unknown>;
}

/**
 * A source of conditions: reads the current state, for every workspace at once. `kinds`, when
 * given, are the only kinds it reports: if it fails, only open alerts of those kinds are kept
 * (their condition is unknown), and the others still clear. Without `kinds`, a failure keeps every
 * open alert.
 */
export type ConditionSource = (() => Promise<AlertCondition[]>) & { kinds?: readonly AlertKind[] };

/** `read` as a source of `kinds` only. */
export function sourceOf(kinds: readonly AlertKind[], read: () => Promise<AlertCondition[]>): ConditionSource {
  return Object.assign(read, { kinds });
}
