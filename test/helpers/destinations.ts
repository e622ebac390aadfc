/**
 * Local stand-ins for a workspace's own destinations (alerts, scheduled reports): an HTTP receiver
 * that checks each POST's X-Splitcast-Signature (the generic scheme) and a real SMTP server
 * (smtp-server) whose messages are parsed with mailparser.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { verifyGenericSignature } from '../../src/tracking/webhooks/signatures';

export interface SignedPost<T> {
  path: string;
  headers: IncomingMessage['headers'];
  body: T;
  signatureOk: boolean;
}

/** Answers 204 to a POST signed with `secret`, 401 otherwise; records every one. */
export async function startSignedReceiver<T>(secret: string): Promise<{ url: string; received: SignedPost<T>[]; close(): Promise<void> }> {
  const received: SignedPost<T>[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const header = req.headers['x-splitcast-signature'];
      const signatureOk = verifyGenericSignature(secret, raw, typeof header === 'string' ? header : undefined, Math.floor(Date.now() / 1000)).ok;
      received.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(raw) as T, signatureOk });
      res.writeHead(signatureOk ? 204 : 401).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    async close() {
      server.closeAllConnections(); // the app's fetch keeps connections alive
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A plain SMTP server (no TLS, no auth) on loopback collecting parsed messages. */
export async function startMailbox(): Promise<{ port: number; mails: ParsedMail[]; close(): Promise<void> }> {
  const mails: ParsedMail[] = [];
  const smtp = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS', 'AUTH'],
    onData(stream, _session, cb) {
      simpleParser(stream).then(
        (mail) => {
          mails.push(mail);
          cb();
        },
        (err: Error) => cb(err),
      );
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  return { port: (smtp.server.address() as AddressInfo).port, mails, close: () => new Promise<void>((r) => smtp.close(() => r())) };
}

/** A loopback port nothing listens on (a destination that cannot be reached). */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
