import { Migration } from '@mikro-orm/migrations';

/**
 * Channels for real (WhatsApp and email beside SMS).
 *
 * - variants: an email subject and optional HTML body; the approved WhatsApp template
 *   ({name, language, parameters}) used outside the 24-hour customer-service window.
 * - workspaces: the secrets of the per-workspace providers (SMTP password; WhatsApp Cloud access
 *   token, app secret and webhook verify token; the email provider's webhook signing key). The
 *   non-secret parts (SMTP host, port, from; WhatsApp phone number id, API base URL) live in
 *   `settings`.
 * - messages.channel: which channel a message went out on (existing messages were all SMS);
 *   messages.tracking_token: an email's open-pixel and unsubscribe token (/o/:token, /u/:token).
 * - outbox.channel: automatic replies (STOP, HELP) answer on the channel the keyword came on.
 * - contacts.whatsapp_inbound_at: the last message the contact sent us on WhatsApp; free text may
 *   be sent to them for 24 hours after it.
 */
export class Migration20261202000000_channels extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table variants add column subject text, add column html text, add column whatsapp_template jsonb;`);
    this.addSql(`
      alter table workspaces
        add column smtp_password text,
        add column whatsapp_access_token text,
        add column whatsapp_app_secret text,
        add column whatsapp_verify_token text,
        add column email_webhook_key text;`);
    this.addSql(`
      alter table messages
        add column channel text not null default 'SMS' check (channel in ('SMS', 'WHATSAPP', 'EMAIL')),
        add column tracking_token text;`);
    this.addSql(`create unique index messages_tracking_token_key on messages (tracking_token) where tracking_token is not null;`);
    this.addSql(`alter table outbox add column channel text not null default 'SMS' check (channel in ('SMS', 'WHATSAPP', 'EMAIL'));`);
    this.addSql(`alter table contacts add column whatsapp_inbound_at timestamptz;`);
  }
}
