/**
 * A local stand-in for api.twilio.com, speaking the Messages API as Twilio documents it
 * (https://www.twilio.com/docs/messaging/api/message-resource): Basic auth AccountSid:AuthToken,
 * `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` (form-encoded To, From, Body,
 * StatusCallback) answered 201 with the Message resource, `GET …/Messages/{Sid}.json` answering
 * the resource with its current `status`, and errors as `{code, message, more_info, status}`.
 * Like Twilio it calls back: `callBack(sid, status)` posts a status callback to the message's
 * StatusCallback URL, signed with X-Twilio-Signature. Tests program outages (`failures`, `down`),
 * change a message's status behind our back (`setStatus`) and stay silent (the default: no
 * automatic callbacks) or not (`autoCallback`).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { twilioSignature } from '../../src/tracking/webhooks/signatures';

/** Twilio's message statuses (the ones a stored message can be in). */
export type TwilioStatus = 'queued' | 'sending' | 'sent' | 'delivered' | 'undelivered' | 'failed' | 'read';

export interface TwilioMessage {
  sid: string;
  accountSid: string;
  to: string;
  from: string;
  body: string;
  status: TwilioStatus;
  statusCallback?: string;
  createdAt: Date;
}

/** One programmed failure of a create request: an HTTP status with Twilio's error code, or no answer. */
export type TwilioFailure = { status: number; code: number; message?: string } | 'hang';

export class TwilioServer {
  readonly messages = new Map<string, TwilioMessage>();
  /** Every request, in order: method and path. */
  readonly requests: { method: string; path: string }[] = [];
  /** Failures served to the next create requests, in order (then normal answers again). */
  readonly failures: TwilioFailure[] = [];
  /** Failures served to the next fetch-by-SID requests, in order (then normal answers again). */
  readonly fetchFailures: TwilioFailure[] = [];
  /** While set, every create request gets this failure (an outage); `recover()` ends it. */
  down?: TwilioFailure;
  /** When set, each accepted message is called back with this status shortly after (as Twilio does). */
  autoCallback?: TwilioStatus;
  /** Status callbacks posted (and their HTTP answers). */
  readonly callbacks: { sid: string; status: TwilioStatus; answer: number }[] = [];
  baseUrl = '';
  private readonly tokens = new Map<string, string>();
  private readonly pending = new Set<Promise<unknown>>();
  private server!: Server;

  /** Accepts `authToken` for `accountSid`. */
  allow(accountSid: string, authToken: string): this {
    this.tokens.set(accountSid, authToken);
    return this;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.pending]);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  recover(): void {
    this.down = undefined;
  }

  /** Changes a message's status at "Twilio" without calling back (what reconciliation must find). */
  setStatus(sid: string, status: TwilioStatus): void {
    const m = this.messages.get(sid);
    if (!m) throw new Error(`no message ${sid}`);
    m.status = status;
  }

  /** Sets the status and posts the signed status callback; resolves with our server's HTTP status. */
  async callBack(sid: string, status: TwilioStatus): Promise<number> {
    const m = this.messages.get(sid);
    if (!m?.statusCallback) throw new Error(`no message ${sid} with a StatusCallback`);
    m.status = status;
    const params = { AccountSid: m.accountSid, MessageSid: sid, SmsSid: sid, MessageStatus: status, SmsStatus: status, To: m.to, From: m.from, ApiVersion: '2010-04-01' };
    const res = await fetch(m.statusCallback, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(this.tokens.get(m.accountSid)!, m.statusCallback, params) },
      body: new URLSearchParams(params).toString(),
    });
    await res.arrayBuffer();
    this.callbacks.push({ sid, status, answer: res.status });
    return res.status;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const path = req.url ?? '';
    this.requests.push({ method: req.method ?? '', path });
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const error = (status: number, code: number, message: string) => json(status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });

    const match = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Messages(?:\/(SM[0-9a-f]{32}))?\.json$/.exec(path);
    if (!match) return error(404, 20404, 'The requested resource was not found');
    const [, accountSid, messageSid] = match;
    const token = this.tokens.get(accountSid!);
    if (!token || req.headers.authorization !== 'Basic ' + Buffer.from(`${accountSid}:${token}`).toString('base64')) return error(401, 20003, 'Authenticate');

    if (req.method === 'GET' && messageSid) {
      const failure = this.fetchFailures.shift();
      if (failure === 'hang') return;
      if (failure) return error(failure.status, failure.code, failure.message ?? 'Service Unavailable');
      const m = this.messages.get(messageSid);
      if (!m || m.accountSid !== accountSid) return error(404, 20404, `The requested resource /2010-04-01/Accounts/${accountSid}/Messages/${messageSid}.json was not found`);
      return json(200, resource(m));
    }
    if (req.method !== 'POST' || messageSid) return error(405, 20004, 'Method not allowed');

    const failure = this.down ?? this.failures.shift();
    if (failure === 'hang') return; // never answers
    if (failure) return error(failure.status, failure.code, failure.message ?? 'Service Unavailable');
    const form = Object.fromEntries(new URLSearchParams(raw));
    if (!form.To || !/^(whatsapp:)?\+[1-9]\d{6,14}$/.test(form.To)) return error(400, 21211, `The 'To' number ${form.To ?? ''} is not a valid phone number.`);
    const m: TwilioMessage = {
      sid: 'SM' + randomBytes(16).toString('hex'),
      accountSid: accountSid!,
      to: form.To,
      from: form.From ?? '',
      body: form.Body ?? '',
      status: 'queued',
      statusCallback: form.StatusCallback,
      createdAt: new Date(),
    };
    this.messages.set(m.sid, m);
    json(201, resource(m));
    if (this.autoCallback && m.statusCallback) {
      const status = this.autoCallback;
      const p = new Promise((r) => setTimeout(r, 50)).then(() => this.callBack(m.sid, status)).catch(() => undefined);
      this.pending.add(p);
      void p.finally(() => this.pending.delete(p));
    }
  }
}

/** The Message resource as Twilio answers it (the fields a client reads, plus the usual others). */
function resource(m: TwilioMessage) {
  const created = m.createdAt.toUTCString();
  const failed = m.status === 'failed' || m.status === 'undelivered';
  return {
    account_sid: m.accountSid,
    api_version: '2010-04-01',
    body: m.body,
    date_created: created,
    date_sent: m.status === 'queued' ? null : created,
    date_updated: new Date().toUTCString(),
    direction: 'outbound-api',
    error_code: failed ? 30003 : null,
    error_message: failed ? 'Unreachable destination handset' : null,
    from: m.from,
    messaging_service_sid: null,
    num_media: '0',
    num_segments: '1',
    price: null,
    price_unit: 'USD',
    sid: m.sid,
    status: m.status,
    to: m.to,
    uri: `/2010-04-01/Accounts/${m.accountSid}/Messages/${m.sid}.json`,
  };
}
