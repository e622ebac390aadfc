/**
 * EMAIL over the workspace's own SMTP server (nodemailer). One pooled transport per workspace,
 * kept while its SMTP settings (host, port, secure, requireTls, username, password) stay the same
 * and rebuilt when they change; all closed by `close()`.
 *
 * Without `secure`, nodemailer upgrades with STARTTLS when the server offers it and otherwise goes on
 * in clear — password included, so anyone on the path who strips the offer reads it. `requireTls`
 * (default: on when there is a username) makes it insist on STARTTLS and fail before AUTH instead.
 *
 * SMTP has no idempotency: a send retried after a crash between the server's 250 and our commit
 * goes out twice. It carries the same Message-ID (derived from the idempotency key), which many
 * mail clients use to hide the duplicate, and our records keep one message for it.
 *
 * The server's answer decides: 4xx, lost connections and timeouts may pass later (retryable); 5xx
 * will not. A recipient refused as non-existent (RCPT TO: 550/551/553, or an enhanced status
 * 5.1.x) is a hard bounce: the result says `bounced` so the address is suppressed.
 */
import { createHash } from 'node:crypto';
import { createTransport } from 'nodemailer';
import type { Channel } from '../../domain/channel';
import type { SmtpSettings } from '../../workspaces/workspace.entity';
import { EMAIL_PROVIDER } from '../../tracking/webhooks/mailgun';
import type { MessagingProvider, OutboundMessage, ProviderWorkspace, SendResult } from './provider';

type Transport = ReturnType<typeof createTransport>;

export interface SmtpProviderOptions {
  /** Budgets of one SMTP conversation (ms): connecting, the greeting, silence on the socket. */
  connectionTimeoutMs?: number;
  greetingTimeoutMs?: number;
  socketTimeoutMs?: number;
  /** Connections per workspace pool. */
  maxConnections?: number;
}

export class SmtpProvider implements MessagingProvider {
  readonly name = 'smtp';
  /** workspace id → its pool and the settings it was built from. */
  private readonly transports = new Map<string, { key: string; transport: Transport }>();
  private closed = false;

  constructor(private readonly options: SmtpProviderOptions = {}) {}

  webhookProvider(_channel: Channel): string {
    return EMAIL_PROVIDER;
  }

  /**
   * Per workspace: an SMTP login does not identify an account (SendGrid's username is `apikey` for
   * every customer; the password is the account), so workspaces sharing a relay must not share its
   * send rate, its circuit or see each other's errors.
   */
  accountKey(_channel: Channel, ws: ProviderWorkspace): string {
    const s = ws.smtp;
    return s ? `smtp:${s.host}:${s.port}:${s.username ?? ''}:${ws.id}` : `smtp:${ws.id}`;
  }

  async send(message: OutboundMessage, workspace: ProviderWorkspace): Promise<SendResult> {
    if (this.closed) return { ok: false, retryable: true, error: 'the SMTP provider is closed' };
    const smtp = workspace.smtp;
    if (!smtp) return { ok: false, retryable: false, error: 'the workspace has no SMTP settings' };
    const messageId = smtpMessageId(message.idempotencyKey, smtp.from);
    try {
      await this.transport(workspace).sendMail({
        from: smtp.from,
        to: message.to,
        subject: message.subject ?? '',
        text: message.body,
        ...(message.html !== undefined ? { html: message.html } : {}),
        headers: message.headers ?? {},
        messageId: `<${messageId}>`,
      });
      return { ok: true, providerMessageId: messageId };
    } catch (e) {
      return classifySmtpError(e);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const { transport } of this.transports.values()) transport.close();
    this.transports.clear();
  }

  private transport(ws: ProviderWorkspace): Transport {
    const s = ws.smtp!;
    const key = JSON.stringify([s.host, s.port, s.secure, smtpRequiresTls(s), s.username ?? null, s.password ?? null]);
    const cached = this.transports.get(ws.id);
    if (cached?.key === key) return cached.transport;
    cached?.transport.close(); // the settings changed: the old pool goes
    const transport = createTransport(smtpTransportOptions(s, this.options));
    this.transports.set(ws.id, { key, transport });
    return transport;
  }
}

/** Whether the conversation must be encrypted before anything else is said (see the file's comment). Pure. */
export function smtpRequiresTls(s: Pick<SmtpSettings, 'requireTls' | 'username'>): boolean {
  return s.requireTls ?? Boolean(s.username);
}

/** nodemailer's pooled SMTP transport options for a workspace's settings. Pure. */
export function smtpTransportOptions(s: SmtpSettings & { password?: string | null }, options: SmtpProviderOptions = {}) {
  return {
    pool: true as const,
    host: s.host,
    port: s.port,
    secure: s.secure,
    // With `secure` the connection is TLS from the first byte and nodemailer ignores requireTLS.
    requireTLS: smtpRequiresTls(s),
    ...(s.username ? { auth: { user: s.username, pass: s.password ?? '' } } : {}),
    maxConnections: options.maxConnections ?? 5,
    connectionTimeout: options.connectionTimeoutMs ?? 10_000,
    greetingTimeout: options.greetingTimeoutMs ?? 10_000,
    socketTimeout: options.socketTimeoutMs ?? 30_000,
  };
}

/**
 * The Message-ID of a send, without angle brackets: the SHA-256 of the idempotency key (first 32
 * hex digits) at the From address's domain. The same send retried carries the same id. Pure.
 */
export function smtpMessageId(idempotencyKey: string, from: string): string {
  const hash = createHash('sha256').update(idempotencyKey, 'utf8').digest('hex').slice(0, 32);
  return `${hash}@${fromDomain(from)}`;
}

/** The domain of `a@b.example` or `Name <a@b.example>`; `splitcast.invalid` when there is none. Pure. */
export function fromDomain(from: string): string {
  const m = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from.trim());
  return m ? m[1]!.toLowerCase() : 'splitcast.invalid';
}

interface SmtpErrorLike {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  message?: string;
}

/** Error codes nodemailer gives to failures of the connection itself: worth another try. */
const TRANSIENT_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EPROXY', 'EMAXLIMIT']);

/** A nodemailer error → SendResult (the server's reply kept as the reason). Pure. */
export function classifySmtpError(e: unknown): Extract<SendResult, { ok: false }> {
  const err = (e ?? {}) as SmtpErrorLike;
  const code = typeof err.responseCode === 'number' ? err.responseCode : undefined;
  const reply = typeof err.response === 'string' ? err.response.trim() : undefined;
  const error = reply ? `SMTP ${reply}` : `SMTP ${err.code ?? 'error'}: ${err.message ?? String(e)}`;
  // A refused STARTTLS (typically: not offered, and requireTls insists) stops before AUTH: say what to change.
  if (err.command === 'STARTTLS' && code !== undefined && code >= 500) {
    return {
      ok: false,
      retryable: false,
      error: `SMTP server refused STARTTLS (${reply}): nothing was sent, credentials included. Enable STARTTLS on the server or use secure (port 465); only on a trusted network, smtp.requireTls: false sends in clear to a server without STARTTLS`,
    };
  }
  if (code !== undefined) {
    if (code >= 400 && code < 500) return { ok: false, retryable: true, error };
    if (code >= 500 && code < 600) {
      const bounced = err.command === 'RCPT TO' && isBadMailbox(code, reply ?? '');
      return { ok: false, retryable: false, error, ...(bounced ? { bounced: true } : {}) };
    }
  }
  const retryable = TRANSIENT_CODES.has(err.code ?? '') || /^E(CONNREFUSED|CONNRESET|PIPE|HOSTUNREACH|NETUNREACH|AI_AGAIN)$/.test(err.code ?? '');
  return { ok: false, retryable, error };
}

/**
 * A permanent refusal of the address itself: RFC 3463's enhanced status 5.1.x (bad destination
 * mailbox, system or syntax) when the reply has one, else the basic codes 550, 551 and 553. A
 * policy refusal (5.7.x: spam, relay) says nothing about the address and does not suppress it.
 */
function isBadMailbox(code: number, reply: string): boolean {
  const enhanced = /^\d{3}[ -](\d)\.(\d{1,3})\.\d{1,3}\b/.exec(reply);
  if (enhanced) return enhanced[1] === '5' && enhanced[2] === '1';
  return code === 550 || code === 551 || code === 553;
}
