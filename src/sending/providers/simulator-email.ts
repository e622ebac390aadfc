/**
 * The simulator's email: Mailgun's event webhook for delivery outcomes (signed `delivered`, or
 * `failed` with severity permanent — a hard bounce), and the recipient's mail client for the rest:
 * an open loads the real pixel `/o/<token>`, a 'STOP' reply becomes the RFC 8058 one-click POST to
 * `/u/<token>` (an email recipient unsubscribes; they do not text STOP). Other replies: nothing,
 * Splitcast receives no inbound email.
 */
import { randomBytes } from 'node:crypto';
import { EMAIL_PROVIDER } from '../../tracking/webhooks/mailgun';
import { mailgunSignature } from '../../tracking/webhooks/signatures';
import type { PlaybackContext, SimulatedChannel } from './simulator-channel';

export const SIMULATED_EMAIL: SimulatedChannel = {
  webhookProvider: EMAIL_PROVIDER,
  opens: true,

  async status(ctx, delivered) {
    const now = Date.now();
    await postMailgun(ctx, {
      event: delivered ? 'delivered' : 'failed',
      ...(delivered ? {} : { severity: 'permanent', reason: 'bounce', 'delivery-status': { code: 550, message: '5.1.1 The email account that you tried to reach does not exist (simulated)' } }),
      id: randomBytes(11).toString('base64url'),
      timestamp: now / 1000,
      recipient: ctx.message.to,
      message: { headers: { 'message-id': ctx.providerMessageId, to: ctx.message.to, subject: ctx.message.subject ?? '' } },
    });
  },

  async open(ctx) {
    const token = ctx.message.trackingToken;
    if (!token) return;
    const res = await ctx.request(`/o/${encodeURIComponent(token)}`, { method: 'GET' });
    if (res.status !== 200) ctx.warn({ status: res.status, token }, 'simulated email open was not accepted');
  },

  async reply(ctx, body) {
    const token = ctx.message.trackingToken;
    if (body !== 'STOP' || !token) return;
    const res = await ctx.request(`/u/${encodeURIComponent(token)}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    if (res.status !== 200) ctx.warn({ status: res.status, body: res.body.slice(0, 500), token }, 'simulated one-click unsubscribe was not accepted');
  },
};

/** POSTs one Mailgun event, signed as Mailgun signs (timestamp + token, HMAC-SHA256, hex). */
async function postMailgun(ctx: PlaybackContext, eventData: Record<string, unknown>): Promise<void> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const token = randomBytes(25).toString('hex'); // 50 characters, like Mailgun's
  const body = JSON.stringify({ signature: { timestamp, token, signature: mailgunSignature(ctx.secret, timestamp, token) }, 'event-data': eventData });
  const res = await ctx.request(`/webhooks/email/${encodeURIComponent(ctx.workspace.id)}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
  if (res.status < 200 || res.status >= 300) ctx.warn({ status: res.status, body: res.body.slice(0, 500) }, 'simulated Mailgun webhook was not accepted');
}
