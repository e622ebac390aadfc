/**
 * Live updates. Every instance LISTENs on one PostgreSQL channel; ingestion NOTIFYs inside its
 * transaction (so only committed changes are announced, to every instance). Per campaign,
 * stats updates are coalesced: at most one message per `coalesceMs`, each carrying the state read
 * at send time, so a burst of events costs one read and one message, and the last one always
 * reflects the last change. Subscribers on this instance get it from an in-memory fan-out.
 * Status changes are never coalesced: each transition is delivered once, in the order the
 * NOTIFYs arrive (commit order), carrying the status it produced (see messages.ts).
 */
import { Repeater } from '@repeaterjs/repeater';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import type { Logger } from 'pino';
import type { Counter, Gauge } from 'prom-client';
import type { Orm } from '../db/orm';
import { Campaign } from '../campaigns/campaign.entity';
import { Variant } from '../campaigns/variant.entity';
import { campaignAnalysis } from '../experiments/analysis';
import type { ExperimentAnalysis } from '../experiments/analysis.types';
import { Winner } from '../experiments/winner.entity';
import { notFound } from '../errors';
import { asUuid } from '../shared/ids';
import { loadCounters, toVariantStats, type VariantStats } from '../tracking/variant-stats';
import type { ApiKeyCache } from '../shared/key-cache';
import type { CampaignStatus } from '../campaigns/enums';
import { LIVE_CHANNEL, type LiveMessage, type StatusTransition } from '../domain/announcements';

export interface StatsUpdate {
  campaignId: string;
  variants: VariantStats[];
  analysis: ExperimentAnalysis | null;
  at: Date;
}

type Listener<T> = (value: T) => void;

export class LiveService {
  private client?: Client;
  private closed = false;
  private readonly statsListeners = new Map<string, Set<Listener<StatsUpdate>>>();
  private readonly statusListeners = new Set<Listener<Campaign>>();
  private readonly winnerListeners = new Set<Listener<Winner>>();
  /** Called for every counter change of any campaign, on every instance (automatic winners use it). */
  private readonly statsHooks = new Set<(campaignId: string, workspaceId: string) => void>();
  private readonly throttle = new Map<string, { last: number; timer?: NodeJS.Timeout }>();
  /** Status deliveries, one after the other: each reads the campaign, and reads can finish out of order. */
  private statusChain: Promise<void> = Promise.resolve();

  constructor(
    private readonly orm: Orm,
    private readonly databaseUrl: string,
    private readonly logger: Logger,
    private readonly keyCache: ApiKeyCache,
    private readonly coalesceMs = 250,
    /** splitcast_listen_reconnects_total and splitcast_listen_connected. */
    private readonly observe?: { reconnects: Counter<'result'>; connected: Gauge },
  ) {}

  async start(): Promise<void> {
    if (this.closed) return;
    const client = new Client({ connectionString: this.databaseUrl });
    client.on('notification', (n) => {
      if (n.channel !== LIVE_CHANNEL || !n.payload) return;
      try {
        this.onMessage(JSON.parse(n.payload) as LiveMessage);
      } catch (err) {
        this.logger.warn({ err, payload: n.payload }, 'ignored malformed live message');
      }
    });
    client.on('error', (err) => {
      this.logger.error({ err }, 'live listener lost its connection; reconnecting');
      this.client = undefined;
      this.observe?.connected.set(0);
      void client.end().catch(() => undefined);
      this.reconnect();
    });
    await client.connect();
    if (this.closed) {
      // close() ran while this (re)connect was under way: nobody would end this connection.
      await client.end().catch(() => undefined);
      return;
    }
    await client.query(`listen ${LIVE_CHANNEL}`);
    this.client = client;
    this.observe?.connected.set(1);
  }

  private reconnect(delayMs = 1000): void {
    if (this.closed) return;
    setTimeout(() => {
      this.start().then(() => this.observe?.reconnects.inc({ result: 'success' }), (err) => {
        this.observe?.reconnects.inc({ result: 'failure' });
        this.logger.error({ err }, 'live listener reconnect failed');
        this.reconnect(Math.min(delayMs * 2, 30_000));
      });
    }, delayMs).unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.observe?.connected.set(0);
    for (const t of this.throttle.values()) clearTimeout(t.timer);
    await this.client?.end().catch(() => undefined);
  }

  /** Announces a message to every instance (delivered when `em`'s transaction commits). */
  async notify(em: EntityManager, message: LiveMessage): Promise<void> {
    await em.execute('select pg_notify(?, ?)', [LIVE_CHANNEL, JSON.stringify(message)]);
  }

  /** Live stats of a campaign of the workspace; NOT_FOUND for any other campaign. */
  async subscribeStats(workspaceId: string, campaignId: string): Promise<AsyncIterable<StatsUpdate>> {
    const campaign = await this.orm.em.fork().findOne(Campaign, { id: asUuid(campaignId), workspaceId });
    if (!campaign) throw notFound('Campaign', campaignId);
    // Only the id stays with the subscription: the entity would keep its EntityManager fork (unit
    // of work, identity map, loaders) alive as long as the subscription, tens of KB each.
    const id = campaign.id;
    return new Repeater<StatsUpdate>(async (push, stop) => {
      const set = this.statsListeners.get(id) ?? new Set();
      const listener: Listener<StatsUpdate> = (u) => void push(u);
      set.add(listener);
      this.statsListeners.set(id, set);
      await stop;
      set.delete(listener);
      if (set.size === 0) this.statsListeners.delete(id);
    });
  }

  /** Status changes of the workspace's campaigns (one campaign, or all). */
  subscribeStatus(workspaceId: string, campaignId?: string | null): AsyncIterable<Campaign> {
    return new Repeater<Campaign>(async (push, stop) => {
      const listener: Listener<Campaign> = (c) => {
        if (c.workspaceId === workspaceId && (!campaignId || c.id === campaignId)) void push(c);
      };
      this.statusListeners.add(listener);
      await stop;
      this.statusListeners.delete(listener);
    });
  }

  /** Winner declarations of the workspace's campaigns (one campaign, or all). */
  subscribeWinners(workspaceId: string, campaignId?: string | null): AsyncIterable<Winner> {
    return new Repeater<Winner>(async (push, stop) => {
      const listener: Listener<Winner> = (w) => {
        if (w.workspaceId === workspaceId && (!campaignId || w.campaignId === campaignId)) void push(w);
      };
      this.winnerListeners.add(listener);
      await stop;
      this.winnerListeners.delete(listener);
    });
  }

  onStatsChanged(hook: (campaignId: string, workspaceId: string) => void): void {
    this.statsHooks.add(hook);
  }

  /** Subscribers on this instance (for metrics and tests). */
  subscriberCount(): number {
    let n = this.statusListeners.size + this.winnerListeners.size;
    for (const s of this.statsListeners.values()) n += s.size;
    return n;
  }

  private onMessage(message: LiveMessage): void {
    if (message.kind === 'stats') {
      for (const hook of this.statsHooks) hook(message.campaignId, message.workspaceId);
      if (this.statsListeners.has(message.campaignId)) this.scheduleStats(message.campaignId);
    } else if (message.kind === 'winner') {
      if (this.winnerListeners.size > 0) void this.emitWinner(message.campaignId);
      if (this.statsListeners.has(message.campaignId)) this.scheduleStats(message.campaignId); // analysis changed
    } else if (message.kind === 'status') {
      if (this.statusListeners.size > 0) {
        const { campaignId, transition } = message;
        this.statusChain = this.statusChain.then(() => this.emitStatus(campaignId, transition));
      }
    } else if (message.kind === 'key-revoked') {
      this.keyCache.revoke(message.apiKeyId);
    }
  }

  /** Leading and trailing throttle: the first change goes out at once, later ones at most every coalesceMs. */
  private scheduleStats(campaignId: string): void {
    const state = this.throttle.get(campaignId) ?? { last: 0 };
    this.throttle.set(campaignId, state);
    if (state.timer) return; // a send is pending; it will read the latest counters
    const fire = () => {
      const now = Date.now();
      // Timers and the wall clock can disagree by a millisecond: never send early.
      if (now - state.last < this.coalesceMs) {
        state.timer = setTimeout(fire, state.last + this.coalesceMs - now);
        return;
      }
      state.timer = undefined;
      state.last = now;
      void this.emitStats(campaignId, new Date(now));
    };
    state.timer = setTimeout(fire, Math.max(0, state.last + this.coalesceMs - Date.now()));
  }

  private async emitStats(campaignId: string, at: Date): Promise<void> {
    const listeners = this.statsListeners.get(campaignId);
    if (!listeners?.size) {
      this.throttle.delete(campaignId);
      return;
    }
    try {
      // `at` is the emission time: consecutive updates of a campaign are at least coalesceMs apart.
      const update = await this.readStats(this.orm.em.fork(), campaignId, at);
      for (const l of listeners) l(update);
    } catch (err) {
      this.logger.error({ err, campaignId }, 'could not read live stats');
    }
  }

  /** Stats and analysis of a campaign, from its counters (O(variants)). */
  async readStats(em: EntityManager, campaignId: string, at = new Date()): Promise<StatsUpdate> {
    const [campaign, variants, winner] = await Promise.all([
      em.findOneOrFail(Campaign, { id: campaignId }),
      em.find(Variant, { campaignId }, { orderBy: { position: 'asc' } }),
      em.findOne(Winner, { campaignId, supersededAt: null }),
    ]);
    const counters = await loadCounters(em, variants.map((v) => v.id));
    return {
      campaignId,
      variants: variants.map((v) => toVariantStats(v.id, counters.get(v.id), at)),
      analysis: campaignAnalysis(campaign, variants, counters, winner, at)?.analysis ?? null,
      at,
    };
  }

  private async emitWinner(campaignId: string): Promise<void> {
    try {
      const winner = await this.orm.em.fork().findOne(Winner, { campaignId, supersededAt: null });
      if (winner) for (const l of this.winnerListeners) l(winner);
    } catch (err) {
      this.logger.error({ err, campaignId }, 'could not read the winner for a live update');
    }
  }

  /**
   * One status transition to this instance's subscribers. The campaign is read for its other
   * fields, but the status and lifecycle timestamps are the transition's own: a read at delivery
   * time would show a later status when transitions follow each other quickly.
   */
  private async emitStatus(campaignId: string, transition?: StatusTransition): Promise<void> {
    try {
      const campaign = await this.orm.em.fork().findOne(Campaign, { id: campaignId });
      if (!campaign) return;
      if (transition) {
        const date = (iso: string | null) => (iso ? new Date(iso) : null);
        campaign.status = transition.status as CampaignStatus;
        campaign.startedAt = date(transition.startedAt);
        campaign.completedAt = date(transition.completedAt);
        campaign.archivedAt = date(transition.archivedAt);
      }
      for (const l of this.statusListeners) l(campaign);
    } catch (err) {
      this.logger.error({ err, campaignId }, 'could not read campaign for a status update');
    }
  }
}
