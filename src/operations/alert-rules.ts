/**
 * The alert evaluator's decisions, pure: which alerts to raise and clear given the open ones and
 * the conditions that hold now, what a delivery says (JSON body, email text), and how failed
 * deliveries back off. No I/O; ./alerts.ts does the reading, writing and sending.
 */
import type { AlertCondition, AlertKind } from './alert-condition';

export type AlertState = 'RAISED' | 'CLEARED';
export type AlertChannel = 'WEBHOOK' | 'EMAIL';

/** An alert that has not cleared (its (key, workspace) is unique among open alerts). */
export interface OpenAlert {
  id: string;
  workspaceId: string;
  key: string;
  kind: AlertKind;
}

export interface AlertToRaise {
  workspaceId: string;
  condition: AlertCondition;
}

export interface AlertDiff {
  raise: AlertToRaise[];
  clear: OpenAlert[];
}

/**
 * One alert per condition until it clears:
 * - a condition present now whose (key, workspace) has no open alert is raised, in its workspace
 *   (when that workspace has a destination) or, for a workspace-null condition, in every workspace
 *   with a destination;
 * - an open alert whose key no condition reports for its workspace any more (a workspace-null
 *   condition counts for every workspace) is cleared — whether or not the workspace still has a
 *   destination, so a stale alert cannot stay open for ever;
 * - still present: nothing.
 * `unknown`: the kinds whose source failed this time (so their conditions are unknown), or 'all'
 * (a failed source that did not say what it reports): open alerts of those kinds are not cleared —
 * a source that cannot answer must not look like trouble that went away — while the other kinds
 * clear as usual (one broken source does not keep every other alert open for ever).
 * The same (key, workspace) reported twice is raised once (the first report).
 */
export function diffAlerts(
  open: readonly OpenAlert[],
  current: readonly AlertCondition[],
  destinations: ReadonlySet<string>,
  unknown: ReadonlySet<AlertKind> | 'all' = new Set(),
): AlertDiff {
  const id = (workspaceId: string, key: string) => `${workspaceId}\u0000${key}`;
  const isOpen = new Set(open.map((a) => id(a.workspaceId, a.key)));
  const everywhere = new Set(current.filter((c) => c.workspaceId === null).map((c) => c.key));
  const scoped = new Set(current.filter((c) => c.workspaceId !== null).map((c) => id(c.workspaceId!, c.key)));
  const raise: AlertToRaise[] = [];
  const seen = new Set<string>();
  for (const condition of current) {
    const targets = condition.workspaceId === null ? [...destinations] : destinations.has(condition.workspaceId) ? [condition.workspaceId] : [];
    for (const workspaceId of targets) {
      const k = id(workspaceId, condition.key);
      if (isOpen.has(k) || seen.has(k)) continue;
      seen.add(k);
      raise.push({ workspaceId, condition });
    }
  }
  const known = (a: OpenAlert) => unknown !== 'all' && !unknown.has(a.kind);
  const clear = open.filter((a) => known(a) && !everywhere.has(a.key) && !scoped.has(id(a.workspaceId, a.key)));
  return { raise, clear };
}

/** What an alert delivery carries (the webhook's JSON body; the email says the same in text). */
export interface AlertPayload {
  /** The alert's id: the same for its RAISED and CLEARED deliveries; (id, state) identifies one. */
  id: string;
  kind: AlertKind;
  state: AlertState;
  workspaceId: string;
  key: string;
  summary: string;
  details: Record<string, unknown>;
  raisedAt: string;
  clearedAt: string | null;
}

export interface AlertRecord {
  id: string;
  workspaceId: string;
  kind: AlertKind;
  key: string;
  summary: string;
  details: Record<string, unknown>;
  raisedAt: Date;
  clearedAt: Date | null;
}

/** The body of a delivery in `state` (a CLEARED one carries clearedAt). Pure. */
export function alertPayload(alert: AlertRecord, state: AlertState): AlertPayload {
  return {
    id: alert.id,
    kind: alert.kind,
    state,
    workspaceId: alert.workspaceId,
    key: alert.key,
    summary: alert.summary,
    details: alert.details,
    raisedAt: alert.raisedAt.toISOString(),
    clearedAt: state === 'CLEARED' && alert.clearedAt ? alert.clearedAt.toISOString() : null,
  };
}

/** The alert email: one-line subject (control characters removed), plain-text body. Pure. */
export function alertEmail(p: AlertPayload): { subject: string; text: string } {
  const oneLine = (s: string) => s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  const subject = oneLine(`[Splitcast] ${p.state}: ${p.summary}`).slice(0, 200);
  const lines = [
    p.state === 'RAISED' ? `Raised: ${p.summary}` : `Cleared: ${p.summary}`,
    '',
    `Kind:       ${p.kind}`,
    `Condition:  ${p.key}`,
    `Workspace:  ${p.workspaceId}`,
    `Raised at:  ${p.raisedAt}`,
    ...(p.clearedAt ? [`Cleared at: ${p.clearedAt}`] : []),
    `Alert id:   ${p.id}`,
    '',
    'Details:',
    JSON.stringify(p.details, null, 2),
    '',
    p.state === 'RAISED' ? 'You get one alert per condition; another message follows when it clears.' : 'The condition no longer holds.',
  ];
  return { subject, text: lines.join('\n') };
}

/** A delivery is tried at most this many times (about 8.5 hours with the backoff below), then FAILED. */
export const MAX_DELIVERY_ATTEMPTS = 10;

/** Delay before the next try after `attempts` failed ones: 1, 2, 4 … minutes, at most an hour. Pure. */
export function deliveryBackoffMs(attempts: number): number {
  return Math.min(60_000 * 2 ** Math.max(attempts - 1, 0), 3_600_000);
}
