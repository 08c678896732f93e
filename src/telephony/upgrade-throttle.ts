import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { clientAddress, retryAfterSeconds, type AuthThrottle } from '../http/auth-throttle.js';
import { errorBody } from '../http/errors.js';
import { mediaTokenValid, requestToken } from './auth.js';

/** The media endpoints' share of `security.authThrottle` (one throttle for all media paths). */
export interface MediaAuthThrottle {
  throttle: AuthThrottle;
  trustedProxies: () => readonly string[];
}

/**
 * First thing on a media upgrade: the client's address, or null when the upgrade was refused with
 * `429 Too Many Requests` and `Retry-After` (the socket is then closed; no WebSocket is made).
 *
 * Refused: an address over its limit whose upgrade carries a media token (query, Bearer, Basic)
 * that is wrong; that attempt is counted too. An upgrade with the right token always goes on, and
 * so does one with no token at all: Twilio and raw streams send theirs in the first message, from
 * addresses a provider shares between its customers, so `countMediaAuth` judges it there (a wrong
 * one is counted and the stream closed with 1008 as before).
 */
export function admitMediaUpgrade(
  guard: MediaAuthThrottle | undefined,
  tokens: readonly string[],
  req: IncomingMessage,
  url: URL,
  socket: Duplex,
  onRefused?: () => void,
): { address: string } | null {
  const address = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], guard?.trustedProxies() ?? []);
  if (!guard || guard.throttle.retryAfterMs(address) === 0) return { address };
  const token = requestToken(req, url);
  if (token === null || mediaTokenValid(tokens, token)) return { address };
  const wait = guard.throttle.fail(address);
  const body = JSON.stringify(errorBody('too_many_attempts', 'Too many failed media authentications from this address; retry later'));
  socket.end(
    `HTTP/1.1 429 Too Many Requests\r\nRetry-After: ${retryAfterSeconds(wait)}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  onRefused?.();
  return null;
}

/** The result of a media token check, counted against the address when it failed. */
export function countMediaAuth(guard: MediaAuthThrottle | undefined, address: string, ok: boolean): boolean {
  if (!ok) guard?.throttle.fail(address);
  return ok;
}
