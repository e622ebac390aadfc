/**
 * The campaign status machine. Pure: which action is allowed from which status.
 *
 *   DRAFT ──schedule──▶ SCHEDULED ──(time comes / launch)──▶ RUNNING ⇄ PAUSED
 *     │                      │                                  │        │
 *     └────────launch────────┼──────────────────────────────────┘        │
 *                            ▼                                           ▼
 *   any of DRAFT, SCHEDULED, RUNNING, PAUSED ──cancel──▶ CANCELED    RUNNING/PAUSED ──(all sent / endTest)──▶ COMPLETED
 *   DRAFT, COMPLETED, CANCELED ──archive──▶ ARCHIVED
 */
import { conflict } from '../errors';
import { CampaignStatus } from './enums';

export type LifecycleAction = 'schedule' | 'launch' | 'pause' | 'resume' | 'cancel' | 'complete' | 'archive';

const ALLOWED: Record<LifecycleAction, readonly CampaignStatus[]> = {
  schedule: [CampaignStatus.DRAFT, CampaignStatus.SCHEDULED],
  launch: [CampaignStatus.DRAFT, CampaignStatus.SCHEDULED],
  pause: [CampaignStatus.RUNNING],
  resume: [CampaignStatus.PAUSED],
  cancel: [CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.RUNNING, CampaignStatus.PAUSED],
  complete: [CampaignStatus.RUNNING, CampaignStatus.PAUSED],
  archive: [CampaignStatus.DRAFT, CampaignStatus.COMPLETED, CampaignStatus.CANCELED, CampaignStatus.ARCHIVED],
};

const RESULT: Record<LifecycleAction, CampaignStatus> = {
  schedule: CampaignStatus.SCHEDULED,
  launch: CampaignStatus.RUNNING,
  pause: CampaignStatus.PAUSED,
  resume: CampaignStatus.RUNNING,
  cancel: CampaignStatus.CANCELED,
  complete: CampaignStatus.COMPLETED,
  archive: CampaignStatus.ARCHIVED,
};

export function canTransition(from: CampaignStatus, action: LifecycleAction): boolean {
  return ALLOWED[action].includes(from);
}

/** The status after `action`, or CONFLICT (reason INVALID_TRANSITION) when it is not allowed from `from`. */
export function transition(from: CampaignStatus, action: LifecycleAction): CampaignStatus {
  if (!canTransition(from, action)) {
    throw conflict('INVALID_TRANSITION', `Cannot ${action} a ${from} campaign (allowed from ${ALLOWED[action].join(', ')})`);
  }
  return RESULT[action];
}
