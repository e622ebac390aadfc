import { Migration } from '@mikro-orm/migrations';

/**
 * Consent and opt-out per channel; the send rate limit per provider account.
 *
 * - contacts.consent_channels / contacts.opted_out_channels (text[], each a subset of
 *   {SMS, WHATSAPP, EMAIL}) replace the booleans `consent` and `opted_out`. Existing data keeps its
 *   meaning: a contact with consent has consent on every channel, an opted-out contact is opted
 *   out of every channel (one flag used to cover every channel). `opted_out_at` stays: the latest
 *   opt-out, whatever the channel (null once no channel is opted out).
 * - opt_out_log.channel: the channel an entry is about; null = every channel (every entry written
 *   before this migration, and API / keyword changes that act on all channels).
 * - Partial indexes per channel on (workspace_id, id) for "reachable on channel X": the audience
 *   queries write the channel as a literal so the planner can use them.
 * - send_rate is keyed by the provider account (`twilio:<sid>:<from>`, `smtp:<host>:<user>`, …)
 *   instead of the workspace: workspaces sharing a provider account share its limit. Its rows are
 *   per-second counters of no lasting value: the table is recreated empty.
 * - sends (contact_id, sent_at) for the per-channel frequency cap (the contact's recent sends).
 */
export class Migration20261202100000_channel_consent extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table contacts
        add column consent_channels text[] not null default '{}'
          constraint contacts_consent_channels_check check (consent_channels <@ array['SMS', 'WHATSAPP', 'EMAIL']::text[]),
        add column opted_out_channels text[] not null default '{}'
          constraint contacts_opted_out_channels_check check (opted_out_channels <@ array['SMS', 'WHATSAPP', 'EMAIL']::text[]);`);
    this.addSql(`
      update contacts set
        consent_channels = case when consent then array['SMS', 'WHATSAPP', 'EMAIL']::text[] else '{}' end,
        opted_out_channels = case when opted_out then array['SMS', 'WHATSAPP', 'EMAIL']::text[] else '{}' end
      where consent or opted_out;`);
    this.addSql(`alter table contacts drop column consent, drop column opted_out;`);
    for (const channel of ['SMS', 'WHATSAPP', 'EMAIL']) {
      this.addSql(
        `create index contacts_reachable_${channel.toLowerCase()}_idx on contacts (workspace_id, id)
         where '${channel}' = any(consent_channels) and not '${channel}' = any(opted_out_channels);`,
      );
    }
    this.addSql(`alter table opt_out_log add column channel text check (channel in ('SMS', 'WHATSAPP', 'EMAIL'));`);
    this.addSql(`drop table send_rate;`);
    this.addSql(`
      create table send_rate (
        account text not null,
        second timestamptz not null,
        used int not null,
        primary key (account, second)
      );`);
    this.addSql(`create index sends_contact_sent_idx on sends (contact_id, sent_at) where status = 'SENT';`);
  }
}
