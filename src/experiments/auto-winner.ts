/**
 * Automatic winners: every counter change re-evaluates the campaign (debounced per campaign),
 * and the experiment service declares the winner as soon as the method allows. Runs on instances
 * with jobs on; concurrent instances are harmless (the declaration is serialised per campaign).
 */
import type { Logger } from 'pino';
import type { Orm } from '../db/orm';
import { DomainError } from '../errors';
import { ExperimentService } from './experiment.service';

export class AutoWinner {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly orm: Orm,
    private readonly logger: Logger,
    private readonly debounceMs = 1000,
  ) {}

  /** `onStatsChanged` registers a hook called on every counter change of any campaign (the live feature's). */
  start(onStatsChanged: (hook: (campaignId: string, workspaceId: string) => void) => void): void {
    onStatsChanged((campaignId, workspaceId) => this.schedule(campaignId, workspaceId));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private schedule(campaignId: string, workspaceId: string): void {
    if (this.stopped || this.timers.has(campaignId)) return;
    this.timers.set(
      campaignId,
      setTimeout(() => {
        this.timers.delete(campaignId);
        void this.evaluate(campaignId, workspaceId);
      }, this.debounceMs),
    );
  }

  private async evaluate(campaignId: string, workspaceId: string): Promise<void> {
    try {
      await new ExperimentService(this.orm.em.fork(), workspaceId).evaluate(campaignId);
    } catch (err) {
      if (err instanceof DomainError) return; // e.g. a STANDARD campaign: nothing to decide
      this.logger.error({ err, campaignId }, 'automatic winner evaluation failed');
    }
  }
}
