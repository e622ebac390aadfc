/**
 * Live updates. Every instance LISTENs on one PostgreSQL channel; ingestion NOTIFYs inside its
 * transaction (so only committed changes are announced, to every instance). Per campaign,
 * stats updates are coalesced: at most one message per `coalesceMs`, each carrying the state read
 * at send time, so a burst of events costs one read and one message, and the last one always
 * reflects the last change. Subscribers on this instance get it from an in-memory fan-out: each
 * subscription returns a LiveStream, which the WebSocket server listens to directly with one sink
 * per subscription shape (execute once, send the bytes to every socket of that shape), so an update
 * costs one synchronous pass over a campaign's sinks and no promise per subscriber. The stream is
 * also an AsyncIterable, for any other consumer of graphql-js subscriptions.
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

/**
 * Where a live stream's values go: called synchronously, in order, once per value. `subscribers`
 * is how many subscriptions the sink serves (one sink may serve many sockets of the same shape).
 */
export interface LiveSink<T> {
  next(value: T): void;
  readonly subscribers?: number;
}

/**
 * A subscription's source: `listen` for a synchronous sink (the WebSocket server's hot path), or
 * async iteration (one Repeater per iterator). Nothing is registered before either is used, so a
 * stream opened only to check access (and then not listened to) costs nothing.
 */
export class LiveStream<T> implements AsyncIterable<T> {
  constructor(
    private readonly add: (sink: LiveSink<T>) => () => void,
    /** Each value replaces the previous one (a snapshot): a slow consumer may skip to the newest. */
    readonly supersedes: boolean,
  ) {}

  /** Registers `sink` until the returned function is called. */
  listen(sink: LiveSink<T>): () => void {
    return this.add(sink);
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return new Repeater<T>(async (push, stop) => {
      const off = this.add({ next: (v) => void push(v) });
      await stop;
      off();
    })[Symbol.asyncIterator]();
  }
}

export class LiveService {
  private client?: Client;
  private closed = false;
  private readonly statsListeners = new Map<string, Set<LiveSink<StatsUpdate>>>();
  /** The workspace of each campaign with stats listeners here. */
  private readonly statsOwners = new Map<string, string>();
  private readonly statusListeners = new Set<Filtered<Campaign>>();
  private readonly winnerListeners = new Set<Filtered<Winner>>();
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
  async subscribeStats(workspaceId: string, campaignId: string): Promise<LiveStream<StatsUpdate>> {
    // A campaign never changes workspace and is never deleted: while it has listeners here, its
    // owner is known, and thousands of dashboards opening at once cost one lookup, not one each.
    let id = this.statsOwners.get(campaignId) === workspaceId ? campaignId : undefined;
    if (!id) {
      const campaign = await this.orm.em.fork().findOne(Campaign, { id: asUuid(campaignId), workspaceId });
      if (!campaign) throw notFound('Campaign', campaignId);
      // Only the id stays with the subscription: the entity would keep its EntityManager fork (unit
      // of work, identity map, loaders) alive as long as the subscription, tens of KB each.
      id = campaign.id;
    }
    const campaign = id;
    return new LiveStream<StatsUpdate>((sink) => {
      const set = this.statsListeners.get(campaign) ?? new Set();
      set.add(sink);
      this.statsListeners.set(campaign, set);
      this.statsOwners.set(campaign, workspaceId);
      return () => {
        set.delete(sink);
        if (set.size === 0 && this.statsListeners.get(campaign) === set) {
          this.statsListeners.delete(campaign);
          this.statsOwners.delete(campaign);
        }
      };
    }, true);
  }

  /** Status changes of the workspace's campaigns (one campaign, or all). Never superseded: each transition counts. */
  subscribeStatus(workspaceId: string, campaignId?: string | null): LiveStream<Campaign> {
    return filtered(this.statusListeners, (c: Campaign) => c.workspaceId === workspaceId && (!campaignId || c.id === campaignId));
  }

  /** Winner declarations of the workspace's campaigns (one campaign, or all). */
  subscribeWinners(workspaceId: string, campaignId?: string | null): LiveStream<Winner> {
    return filtered(this.winnerListeners, (w: Winner) => w.workspaceId === workspaceId && (!campaignId || w.campaignId === campaignId));
  }

  onStatsChanged(hook: (campaignId: string, workspaceId: string) => void): void {
    this.statsHooks.add(hook);
  }

  /** Subscribers on this instance (for metrics and tests). */
  subscriberCount(): number {
    let n = 0;
    for (const l of this.statusListeners) n += l.sink.subscribers ?? 1;
    for (const l of this.winnerListeners) n += l.sink.subscribers ?? 1;
    for (const set of this.statsListeners.values()) for (const sink of set) n += sink.subscribers ?? 1;
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
      for (const sink of listeners) deliver(sink, update, this.logger);
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
      if (winner) for (const l of this.winnerListeners) if (l.accepts(winner)) deliver(l.sink, winner, this.logger);
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
      for (const l of this.statusListeners) if (l.accepts(campaign)) deliver(l.sink, campaign, this.logger);
    } catch (err) {
      this.logger.error({ err, campaignId }, 'could not read campaign for a status update');
    }
  }
}

/** A sink with the filter of its subscription (workspace, campaign). */
interface Filtered<T> {
  sink: LiveSink<T>;
  accepts(value: T): boolean;
}

function filtered<T>(listeners: Set<Filtered<T>>, accepts: (value: T) => boolean): LiveStream<T> {
  return new LiveStream<T>((sink) => {
    const entry = { sink, accepts };
    listeners.add(entry);
    return () => listeners.delete(entry);
  }, false);
}

/** One sink's failure must not keep the value from the others. */
function deliver<T>(sink: LiveSink<T>, value: T, logger: Logger): void {
  try {
    sink.next(value);
  } catch (err) {
    logger.error({ err }, 'a live subscriber failed to take an update');
  }
}
