import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { badInput, conflict, notFound } from '../errors';
import { campaignAssigner, campaignRanges } from './assignment';
import { asUuid, isUuid } from '../shared/ids';
import { audienceCondition, normalizeAudience, type Audience, type AudienceInput } from './audience';
import { Campaign } from './campaign.entity';
import { CampaignStatus, CampaignType } from './enums';
import { Variant } from './variant.entity';
import { anyChannelReachableSql, channelAddressSql, channelReachableSql, optedOutSql } from '../contacts/channel-consent';
import type { Channel } from '../domain/channel';
import { addToRun, currentRun, queueSends, type QueueCounts, type RunRef } from './send-queue';

/** Contacts read and assigned per round trip: bounds memory whatever the audience size. */
export const RECIPIENT_PAGE_SIZE = 10_000;
const ACCEPTING = new Set([CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.RUNNING]);
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

export interface AddRecipientsResult {
  added: number;
  alreadyAssigned: number;
  skippedOptedOut: number;
  skippedNoConsent: number;
  /** Added to the remainder of a partial test: they will receive the winner. */
  heldOut: number;
  /** Newly added per variant, every variant listed. */
  perVariant: { variantId: string; count: number }[];
  /** RUNNING campaigns: new recipients queued for sending now, in the campaign's current run. */
  queued: number;
  /** RUNNING campaigns: new recipients not queued because of the workspace frequency cap. */
  skippedCapped: number;
}

export interface AddRecipientsOptions {
  /**
   * Queue new recipients of a RUNNING campaign (default). Callers that queue a run themselves
   * right after (scheduled runs, bandit waves) pass false, or those recipients would be queued in
   * two runs.
   */
  queue?: boolean;
}

export interface Reach {
  total: number;
  /** Contacts who gave consent and have not opted out (per estimate: see estimateReach / estimateReachByChannel). */
  withConsent: number;
}

interface ContactRow {
  id: string;
  /** On the campaign's channel. */
  consent: boolean;
  opted_out: boolean;
}

export class RecipientService {
  constructor(
    private readonly em: EntityManager,
    private readonly workspaceId: string,
  ) {}

  /**
   * Assigns contacts (explicit ids and/or an audience; neither: the campaign's own audience) to
   * variants. Set-based: the audience is read in id-ordered pages and each page goes in with one
   * multi-row insert; an existing assignment is never changed (ON CONFLICT DO NOTHING).
   *
   * On a RUNNING campaign the new recipients are also queued, in this transaction, into the
   * campaign's current run (same rules and idempotency keys as a launch: see campaigns/send-queue.ts).
   * The status is read under a share lock on the campaign row, and every status change and every
   * run (launch, scheduled runs, waves, the remainder) holds that row FOR UPDATE: a recipient added
   * concurrently with a launch is either committed before the launch reads the assignments (the
   * launch's run queues it) or sees RUNNING here and is queued here — exactly once either way.
   *
   * Partial tests (testAudiencePercent < 100) while RUNNING:
   * - test still on: recipients in the tested share are queued with their variant now; held-out
   *   ones wait in the remainder and get the winner with the remainder's run.
   * - test ended, remainder run not queued yet: every new recipient joins the remainder (it gets
   *   the winner with that run, which is still to come).
   * - test ended, remainder run already queued: every new recipient is assigned the winner (as
   *   part of the remainder) and queued now. Sending a losing variant after the test ended would
   *   serve no one.
   * Bandits: new recipients are assigned with the current wave's weights and queued into the
   * current wave (they count towards the next wave's sampling like the wave's own recipients).
   */
  async addRecipients(campaignId: string, contactIds?: readonly string[] | null, audienceInput?: AudienceInput | null, options: AddRecipientsOptions = {}): Promise<AddRecipientsResult> {
    const ids = [...new Set(contactIds ?? [])];
    const given = audienceInput ? normalizeAudience(audienceInput, 'audience') : undefined;
    const invalid = ids.find((id) => !isUuid(id));
    if (invalid) throw notFound('Contact', invalid);

    return this.em.transactional(async (tx) => {
      // A share lock: weights cannot change (updateCampaign locks for update) while we assign.
      const campaign = await tx.findOne(Campaign, { id: asUuid(campaignId), workspaceId: this.workspaceId }, { lockMode: LockMode.PESSIMISTIC_READ });
      if (!campaign) throw notFound('Campaign', campaignId);
      if (!ACCEPTING.has(campaign.status)) {
        throw conflict('CAMPAIGN_NOT_ACCEPTING_RECIPIENTS', `Recipients can be added while a campaign is DRAFT, SCHEDULED or RUNNING; this one is ${campaign.status}`);
      }
      const audience: Audience | undefined = given ?? (ids.length === 0 ? (campaign.audience ?? undefined) : undefined);
      if (ids.length === 0 && !audience) {
        throw badInput('NO_RECIPIENTS_GIVEN', 'Give contactIds, an audience, or set the campaign audience first', 'audience');
      }
      if (ids.length > 0) await this.assertContactsExist(tx, ids);

      const variants = await tx.find(Variant, { campaignId: campaign.id }, { orderBy: { position: 'asc' } });
      const tested = campaign.type === CampaignType.STANDARD ? 100 : campaign.experiment.testAudiencePercent;
      const hashed = campaignAssigner(campaign.salt, campaignRanges(variants.map((v) => v.weight), tested));
      const where = recipientCondition(ids, audience);

      // Queue while RUNNING. The run is looked up (or created) before any assignment is written,
      // so that concurrent calls take their locks in one order.
      const run: RunRef | null = options.queue !== false && campaign.status === CampaignStatus.RUNNING ? await currentRun(tx, campaign) : null;
      const queuedNow: QueueCounts = { queued: 0, optedOut: 0, noConsent: 0, capped: 0 };
      // After a partial test ended, new recipients join the remainder: with the winner when the
      // remainder's run has gone out (queued below), else without a variant (that run assigns it).
      const testOver = campaign.testEndedAt != null && campaign.remainderVariantId != null;
      const winnerIndex = testOver && campaign.remainderQueuedAt ? variants.findIndex((v) => v.id === campaign.remainderVariantId) : -1;
      const assign = (contactId: string): { variant: number; holdout: boolean } => {
        if (testOver) return { variant: winnerIndex, holdout: true };
        const index = hashed(contactId);
        return { variant: index, holdout: index < 0 };
      };

      const result: AddRecipientsResult = { added: 0, alreadyAssigned: 0, skippedOptedOut: 0, skippedNoConsent: 0, heldOut: 0, perVariant: [], queued: 0, skippedCapped: 0 };
      const perVariant = new Map(variants.map((v) => [v.id, 0]));
      let after = NIL_UUID;
      for (;;) {
        const rows: ContactRow[] = await tx.execute(
          // Consent and opt-out on the campaign's channel only.
          `select c.id, ? = any(c.consent_channels) as consent, ${optedOutSql(campaign.channel)} as opted_out from contacts c
           where c.workspace_id = ? and (${where.sql}) and c.id > ?
           order by c.id limit ?`,
          [campaign.channel, this.workspaceId, ...where.params, after, RECIPIENT_PAGE_SIZE],
        );
        if (rows.length === 0) break;
        after = rows[rows.length - 1]!.id;

        // Column arrays as PostgreSQL array literals: UUIDs and booleans need no quoting, and one
        // multi-row insert per page costs one round trip.
        const contactIds: string[] = [];
        const variantIds: string[] = [];
        const holdouts: boolean[] = [];
        for (const row of rows) {
          if (row.opted_out) result.skippedOptedOut++;
          else if (!row.consent) result.skippedNoConsent++;
          else {
            const { variant, holdout } = assign(row.id);
            contactIds.push(row.id);
            variantIds.push(variant < 0 ? 'NULL' : variants[variant]!.id);
            holdouts.push(holdout);
          }
        }
        if (contactIds.length > 0) {
          // Counts per (variant, holdout); the inserted ids only when they are to be queued.
          const inserted: { variant_id: string | null; holdout: boolean; n: string; ids: string[] | null }[] = await tx.execute(
            `with ins as (
               insert into assignments (campaign_id, contact_id, workspace_id, variant_id, holdout, assigned_at)
               select ?, x.contact_id, ?, x.variant_id, x.holdout, now()
               from unnest(?::uuid[], ?::uuid[], ?::boolean[]) as x(contact_id, variant_id, holdout)
               on conflict (campaign_id, contact_id, workspace_id) do nothing
               returning contact_id, variant_id, holdout
             )
             select variant_id, holdout, count(*) as n, case when ?::boolean and variant_id is not null then array_agg(contact_id::text) end as ids
             from ins group by variant_id, holdout`,
            [campaign.id, this.workspaceId, `{${contactIds.join(',')}}`, `{${variantIds.join(',')}}`, `{${holdouts.join(',')}}`, run !== null],
          );
          let added = 0;
          const queueable: string[] = [];
          for (const { variant_id, holdout, n, ids: newIds } of inserted) {
            added += Number(n);
            if (holdout) result.heldOut += Number(n);
            // The winner given to a late remainder recipient counts as an assignment to it.
            if (variant_id !== null) perVariant.set(variant_id, (perVariant.get(variant_id) ?? 0) + Number(n));
            if (newIds) queueable.push(...newIds);
          }
          result.added += added;
          result.alreadyAssigned += contactIds.length - added;
          // Only the recipients this call inserted: an existing one was queued by whoever added it.
          if (run && queueable.length > 0) {
            const counts = await queueSends(tx, campaign, run, { contactIds: queueable });
            queuedNow.queued += counts.queued;
            queuedNow.optedOut += counts.optedOut;
            queuedNow.noConsent += counts.noConsent;
            queuedNow.capped += counts.capped;
          }
        }
        if (rows.length < RECIPIENT_PAGE_SIZE) break;
      }
      result.perVariant = [...perVariant].map(([variantId, count]) => ({ variantId, count }));
      result.queued = queuedNow.queued;
      result.skippedCapped = queuedNow.capped;
      // The live counters carry `assigned` too, so stats never count assignments one by one.
      await tx.execute(
        `insert into variant_counters (variant_id, campaign_id, workspace_id, assigned)
         select x.variant_id, ?, ?, x.n from jsonb_to_recordset(?::jsonb) as x(variant_id uuid, n bigint) where x.n > 0
         order by x.variant_id
         on conflict (variant_id, workspace_id) do update set assigned = variant_counters.assigned + excluded.assigned, updated_at = now()`,
        [campaign.id, this.workspaceId, JSON.stringify(result.perVariant.map((v) => ({ variant_id: v.variantId, n: v.count })))],
      );
      // The run's totals last: its row lock is then held only until commit.
      if (run && (queuedNow.queued || queuedNow.capped || queuedNow.optedOut || queuedNow.noConsent)) await addToRun(tx, run, queuedNow);
      return result;
    });
  }

  private async assertContactsExist(tx: EntityManager, ids: string[]): Promise<void> {
    const found: { id: string }[] = await tx.execute(
      `select id from contacts where workspace_id = ? and id in (select jsonb_array_elements_text(?::jsonb)::uuid)`,
      [this.workspaceId, JSON.stringify(ids)],
    );
    if (found.length === ids.length) return;
    const known = new Set(found.map((r) => r.id));
    throw notFound('Contact', ids.find((id) => !known.has(id.toLowerCase())));
  }

  /** withConsent: contacts reachable on at least one channel (consent on it, not opted out of it; any address). */
  async estimateReach(audienceInput: AudienceInput): Promise<Reach> {
    return this.countReach(audienceInput, anyChannelReachableSql());
  }

  /** withConsent: contacts reachable on `channel`: consent on it, not opted out of it, and its address (phone or email). */
  async estimateReachByChannel(audienceInput: AudienceInput, channel: Channel): Promise<Reach> {
    return this.countReach(audienceInput, `${channelReachableSql(channel)} and ${channelAddressSql(channel)}`);
  }

  private async countReach(audienceInput: AudienceInput, reachable: string): Promise<Reach> {
    const where = audienceCondition(normalizeAudience(audienceInput, 'audience'));
    const [row] = await this.em.execute<{ total: string; with_consent: string }[]>(
      `select count(*) as total, count(*) filter (where ${reachable}) as with_consent
       from contacts c where c.workspace_id = ? and (${where.sql})`,
      [this.workspaceId, ...where.params],
    );
    return { total: Number(row!.total), withConsent: Number(row!.with_consent) };
  }

  /** The contact's variant in the campaign; null when not a recipient (or still in the remainder). */
  async contactVariant(campaignId: string, contactId: string): Promise<Variant | null> {
    const [row] = await this.em.execute<{ campaign: string | null; contact: string | null; variant_id: string | null }[]>(
      `select (select id from campaigns where id = ? and workspace_id = ?) as campaign,
              (select id from contacts where id = ? and workspace_id = ?) as contact,
              (select variant_id from assignments where campaign_id = ? and contact_id = ?) as variant_id`,
      [asUuid(campaignId), this.workspaceId, asUuid(contactId), this.workspaceId, asUuid(campaignId), asUuid(contactId)],
    );
    if (!row?.campaign) throw notFound('Campaign', campaignId);
    if (!row.contact) throw notFound('Contact', contactId);
    return row.variant_id ? this.em.findOneOrFail(Variant, { id: row.variant_id }) : null;
  }
}

/** Explicit ids, the audience, or either (union). */
function recipientCondition(ids: string[], audience: Audience | undefined): { sql: string; params: unknown[] } {
  const byId = { sql: 'c.id in (select jsonb_array_elements_text(?::jsonb)::uuid)', params: [JSON.stringify(ids)] };
  if (!audience) return byId;
  const aud = audienceCondition(audience);
  if (ids.length === 0) return aud;
  return { sql: `(${byId.sql}) or (${aud.sql})`, params: [...byId.params, ...aud.params] };
}
