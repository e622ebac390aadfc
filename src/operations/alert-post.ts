/**
 * The alert webhook's POST (./alerts.ts), over node:http(s) rather than fetch for two reasons:
 * - `lookup`: the addresses checked against the internal ranges are the ones connected to. A check
 *   before fetch resolved the name once and fetch resolved it again, so a name answering a public
 *   address to the check and an internal one to the connection (DNS rebinding) got through;
 * - no keep-alive (`agent: false`): an alert is one request per minute at most, and a pooled socket
 *   held open after the run kept the process (and jest) from exiting.
 * Redirects are never followed (a 3xx is an answer like any other).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { isInternalHost } from '../workspaces/provider-urls';

/** Every address a name resolves to (tests stand in for DNS with it). */
export type Resolve = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolve: Resolve = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));

/** Why a connection was refused: the name resolves to an internal address. */
export const INTERNAL_ADDRESS = 'EINTERNALADDRESS';
/** The resolver's own code for a name without (usable) addresses (a socket error code, not an API reason). */
const NO_ADDRESS = 'ENOTFOUND';

/**
 * A net.connect `lookup` that refuses a name when any of its addresses is internal
 * (isInternalHost), and otherwise hands those same addresses to the connection. An IP literal
 * never reaches a lookup: checkAlertWebhookUrl judged it already.
 */
export function publicOnlyLookup(resolve: Resolve = systemResolve): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (all) => {
        const internal = all.find((a) => isInternalHost(a.address));
        if (internal) {
          callback(Object.assign(new Error(`${hostname} resolves to an internal address (${internal.address})`), { code: INTERNAL_ADDRESS }), '', 0);
          return;
        }
        const addresses = options.family === 4 || options.family === 6 ? all.filter((a) => a.family === options.family) : all;
        if (addresses.length === 0) {
          callback(Object.assign(new Error(`${hostname} has no address`), { code: NO_ADDRESS }), '', 0);
          return;
        }
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}

export class PostTimeout extends Error {
  override readonly name = 'TimeoutError';
}

/**
 * POSTs `body` and answers the response's status once its headers arrive (the body is not read).
 * Rejects on a connection error, a refused lookup, or no answer within `timeoutMs`.
 */
export function postOnce(url: string, headers: OutgoingHttpHeaders, body: string, timeoutMs: number, lookup?: LookupFunction): Promise<number> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<number>((resolve, reject) => {
    const req = send(target, { method: 'POST', agent: false, headers: { ...headers, 'content-length': Buffer.byteLength(body) }, ...(lookup ? { lookup } : {}) }, (res) => {
      clearTimeout(timer);
      resolve(res.statusCode ?? 0);
      res.destroy();
    });
    const timer = setTimeout(() => req.destroy(new PostTimeout(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(body);
  });
}
