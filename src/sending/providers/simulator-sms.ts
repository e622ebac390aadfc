/**
 * The simulator's SMS: Twilio's protocol. Status callbacks and inbound replies are form posts to
 * `/webhooks/twilio/:workspaceId`, signed with X-Twilio-Signature as Twilio signs them.
 */
import { twilioSignature } from '../../tracking/webhooks/signatures';
import { newSid, type PlaybackContext, type SimulatedChannel } from './simulator-channel';

export const SIMULATED_SMS: SimulatedChannel = {
  webhookProvider: 'twilio',
  opens: false,

  async status(ctx, delivered) {
    const status = delivered ? 'delivered' : 'failed';
    const from = ctx.workspace.twilioFrom;
    await postTwilio(ctx, {
      ...accountParams(ctx),
      ...(from ? { From: from } : {}),
      To: ctx.message.to,
      MessageSid: ctx.providerMessageId,
      SmsSid: ctx.providerMessageId,
      MessageStatus: status,
      SmsStatus: status,
    });
  },

  async reply(ctx, body) {
    const sid = newSid();
    const to = ctx.workspace.twilioFrom;
    await postTwilio(ctx, {
      ...accountParams(ctx),
      From: ctx.message.to,
      ...(to ? { To: to } : {}),
      Body: body,
      MessageSid: sid,
      SmsSid: sid,
      SmsMessageSid: sid,
      NumMedia: '0',
      NumSegments: '1',
      SmsStatus: 'received',
    });
  },
};

function accountParams(ctx: PlaybackContext): Record<string, string> {
  const sid = ctx.workspace.twilioAccountSid;
  return sid ? { AccountSid: sid, ApiVersion: '2010-04-01' } : { ApiVersion: '2010-04-01' };
}

/** POSTs Twilio-style form params to the workspace's Twilio webhook, signed as Twilio signs. */
async function postTwilio(ctx: PlaybackContext, params: Record<string, string>): Promise<void> {
  const path = `/webhooks/twilio/${encodeURIComponent(ctx.workspace.id)}`;
  const signature = twilioSignature(ctx.secret, ctx.signatureBaseUrl + path, params);
  const res = await ctx.request(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': signature },
    body: new URLSearchParams(params).toString(),
  });
  if (res.status < 200 || res.status >= 300) {
    ctx.warn({ status: res.status, body: res.body.slice(0, 500), params }, 'simulated Twilio webhook was not accepted');
  }
}
