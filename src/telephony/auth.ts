import type { IncomingMessage } from 'node:http';
import { secretMatches } from '../http/auth.js';

/**
 * Where a media token can come from on the HTTP upgrade request: `?token=`, `Authorization: Bearer`,
 * or the password of `Authorization: Basic` (Asterisk's websocket_client.conf can only send the latter
 * two or a URI parameter). Protocol-level tokens (Twilio customParameters, raw start) are checked later.
 */
export function requestToken(req: IncomingMessage, url: URL): string | null {
  const q = url.searchParams.get('token');
  if (q) return q;
  const header = req.headers.authorization ?? '';
  const bearer = /^Bearer\s+(.+)$/i.exec(header);
  if (bearer) return bearer[1].trim();
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i >= 0) return decoded.slice(i + 1);
  }
  return null;
}

/**
 * Constant-time check of either token. With no tokens configured every stream is refused: the service
 * generates a token on first start, so an empty list means misconfiguration, not "open to all".
 */
export function mediaTokenValid(tokens: readonly string[], ...candidates: Array<string | null>): boolean {
  let ok = false;
  for (const c of candidates) if (secretMatches(c, tokens)) ok = true; // no early exit: same work either way
  return ok;
}

/** AudioSocket source-address allow-list; IPv4-mapped IPv6 addresses match their IPv4 form. */
export function addressAllowed(address: string | undefined, allow: readonly string[]): boolean {
  if (!address) return false;
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  return allow.some((a) => a === '*' || a === address || a === plain);
}
