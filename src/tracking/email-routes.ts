/**
 * Email tracking routes, reached by recipients' mail clients without a key:
 *
 * - `GET /o/:token`: the open pixel. Records OPENED once per message (idempotency `open:<token>`)
 *   and always answers a 1×1 GIF that must not be cached — for an unknown token too, so a mail
 *   client never shows a broken image. Opens are approximate: clients that block images hide
 *   opens, privacy proxies (Apple Mail Privacy Protection) and scanners load pixels nobody saw.
 * - `GET /u/:token`: a page asking to confirm; changes nothing (scanners prefetch links).
 * - `POST /u/:token`: unsubscribes (an OPTED_OUT event for the message's campaign and contact,
 *   idempotency `unsubscribe:<token>`, source `email:unsubscribe`): RFC 8058's one-click POST
 *   (`List-Unsubscribe=One-Click`, answered in plain text) or the page's form (answered in HTML).
 *   Answered directly, never by a redirect (RFC 8058 §3.2: redirected POSTs are unreliable).
 *
 * All go through the ingestion pipeline; the answer comes once the event is committed.
 */
import { ContactService } from '../contacts/contact.service';
import { Channel } from '../domain/channel';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppDeps } from '../graphql/context';
import { EventType } from '../domain/event-type';
import { formParams } from './webhooks/routes';
import { isOneClick, maskEmail, NO_CACHE_HEADERS, plausibleToken, TRANSPARENT_GIF, unsubscribedPage, unsubscribePage } from './email-pages';

type TokenParams = { Params: { token: string } };

interface TrackedMessage {
  id: string;
  workspace_id: string;
  campaign_id: string;
  contact_id: string;
  email: string | null;
  workspace_name: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** multipart/form-data bodies of POST /u/:token, kept as text (see isOneClick). */
    multipartBody?: string;
  }
}

export async function registerEmailRoutes(fastify: FastifyInstance, deps: AppDeps): Promise<void> {
  const find = async (token: string): Promise<TrackedMessage | undefined> => {
    if (!plausibleToken(token)) return undefined;
    const [m] = await deps.orm.em.fork().execute<TrackedMessage[]>(
      `select m.id, m.workspace_id, m.campaign_id, m.contact_id, c.email, w.name as workspace_name
       from messages m join contacts c on c.id = m.contact_id and c.workspace_id = m.workspace_id join workspaces w on w.id = m.workspace_id
       where m.tracking_token = ?`,
      [token],
    );
    return m;
  };

  const ingest = (m: TrackedMessage, type: EventType, idempotencyKey: string, source: string) =>
    deps.ingestion.ingest(
      m.workspace_id,
      [{ campaignId: m.campaign_id, contactId: m.contact_id, type, variantId: null, occurredAt: new Date(), value: null, sentiment: null, url: null, merchantId: null, idempotencyKey, messageId: m.id }],
      source,
    );

  const notFound = (reply: FastifyReply) =>
    reply.status(404).send({ error: { code: 'NOT_FOUND', message: 'This unsubscribe link is not valid: it may have been mistyped' } });

  fastify.get<TokenParams>('/o/:token', async (request, reply) => {
    const { token } = request.params;
    try {
      // HEAD (fastify answers it with this handler) is a link checker, not a mail client showing the image.
      const m = request.method === 'GET' ? await find(token) : undefined;
      if (m) {
        const [outcome] = await ingest(m, EventType.OPENED, `open:${token}`, 'email:open');
        if (outcome !== 'ACCEPTED' && outcome !== 'DUPLICATE') request.log.warn({ token, outcome }, 'open not recorded');
      }
    } catch (err) {
      // The image still loads: a broken image in the recipient's mail is worse than a lost open.
      request.log.error({ err, token }, 'open not recorded');
    }
    return reply.headers(NO_CACHE_HEADERS).type('image/gif').send(TRANSPARENT_GIF);
  });

  await fastify.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, formParams(body as string)));
    scope.addContentTypeParser('multipart/form-data', { parseAs: 'string' }, (req, body, done) => {
      req.multipartBody = body as string;
      done(null, undefined);
    });

    scope.get<TokenParams>('/u/:token', async (request, reply) => {
      const m = await find(request.params.token);
      if (!m) return notFound(reply);
      return reply.headers(NO_CACHE_HEADERS).type('text/html; charset=utf-8').send(unsubscribePage(maskEmail(m.email ?? ''), m.workspace_name));
    });

    scope.post<TokenParams>('/u/:token', async (request, reply) => {
      const { token } = request.params;
      const m = await find(token);
      if (!m) return notFound(reply);
      const [outcome] = await ingest(m, EventType.OPTED_OUT, `unsubscribe:${token}`, 'email:unsubscribe');
      if (outcome !== 'ACCEPTED' && outcome !== 'DUPLICATE') {
        // Not a recipient any more (cannot happen while the message row exists): say so, change nothing.
        request.log.error({ token, outcome }, 'unsubscribe not recorded');
        return reply.status(409).send({ error: { code: 'CONFLICT', message: 'This unsubscribe link no longer matches a recipient; reply to the email instead' } });
      }
      // The link was used before; the contact may have opted back in since. Every use unsubscribes.
      if (outcome === 'DUPLICATE') {
        await new ContactService(deps.orm.em.fork(), m.workspace_id).setOptedOut(m.contact_id, Channel.EMAIL, true, { source: 'email:unsubscribe' });
      }
      const oneClick = isOneClick(request.headers['content-type'], request.body as Record<string, string | string[]> | undefined, request.multipartBody);
      if (oneClick) return reply.type('text/plain; charset=utf-8').send('Unsubscribed.\n');
      return reply.headers(NO_CACHE_HEADERS).type('text/html; charset=utf-8').send(unsubscribedPage(maskEmail(m.email ?? ''), m.workspace_name));
    });
  });
}
