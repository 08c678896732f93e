import type { IncomingHttpHeaders } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { errorBody } from './errors.js';

export interface AuthThrottleOptions {
  /** Failed attempts from one address within the window before further failures are answered 429. */
  maxFailures: number;
  /** Length of the sliding window, in seconds. */
  windowSeconds: number;
  /** Addresses remembered at once; past it the least recently failing one is forgotten. */
  maxAddresses: number;
  now?: () => number;
  /** Told of each failure counted here (not of those `record`ed from elsewhere): other instances share them. */
  onFailure?: (address: string, at: number) => void;
}

/**
 * Counts failed authentications per source address in a sliding window. Memory is bounded on both
 * axes: an address keeps at most `maxFailures + 1` timestamps, the map at most `maxAddresses` entries,
 * and entries whose newest failure has left the window are dropped as new failures arrive (the map
 * is kept in order of last failure, so the expired ones are always at its head; no timer needed).
 *
 * It never decides whether a credential is right: callers check it, report failures with `fail()`
 * and ask `retryAfterMs()` whether an address is over the limit.
 */
export class AuthThrottle {
  /** address → failure times (ms), oldest first; Map order = order of each address's last failure. */
  private readonly failures = new Map<string, number[]>();
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(private readonly options: AuthThrottleOptions) {
    this.windowMs = options.windowSeconds * 1000;
    this.now = options.now ?? Date.now;
  }

  /** Records one failure; returns how long the address must now wait (0 = still under the limit). */
  fail(address: string): number {
    const now = this.now();
    this.add(address, now, now);
    this.options.onFailure?.(address, now);
    return this.retryAfterMs(address, now);
  }

  /**
   * Counts a failure another instance saw at `at` (ms): behind a load balancer an address's
   * guesses are spread over every instance, and each must count them all.
   */
  record(address: string, at: number): void {
    const now = this.now();
    if (now - at >= this.windowMs) return;
    this.add(address, at, now);
  }

  private add(address: string, at: number, now: number): void {
    this.expire(now);
    const times = (this.failures.get(address) ?? []).filter((t) => now - t < this.windowMs);
    // Kept oldest first; a failure reported late by another instance goes in its place.
    let i = times.length;
    while (i > 0 && times[i - 1] > at) i--;
    times.splice(i, 0, at);
    // Only the newest maxFailures + 1 matter for the decision: older ones are dropped, not counted.
    if (times.length > this.options.maxFailures + 1) times.splice(0, times.length - this.options.maxFailures - 1);
    this.failures.delete(address); // re-inserted at the tail: most recent failure last
    this.failures.set(address, times);
    while (this.failures.size > this.options.maxAddresses) this.failures.delete(this.failures.keys().next().value!);
  }

  /**
   * Milliseconds until the address is within its limit again (0 = it is): more than `maxFailures`
   * failures in the window put it over, until the oldest of them leaves the window.
   */
  retryAfterMs(address: string, now: number = this.now()): number {
    const times = this.failures.get(address)?.filter((t) => now - t < this.windowMs);
    if (!times || times.length <= this.options.maxFailures) return 0;
    return times[times.length - this.options.maxFailures - 1] + this.windowMs - now;
  }

  /** Addresses currently remembered (tests, metrics). */
  get size(): number {
    return this.failures.size;
  }

  private expire(now: number): void {
    for (const [address, times] of this.failures) {
      if (now - times[times.length - 1] < this.windowMs) break; // the rest failed more recently
      this.failures.delete(address);
    }
  }
}

/** Whole seconds for a `Retry-After` header (at least 1: 0 would invite an immediate retry). */
export const retryAfterSeconds = (ms: number) => String(Math.max(1, Math.ceil(ms / 1000)));

/** IPv4 clients on a dual-stack socket appear as `::ffff:a.b.c.d`; one address, one bucket. */
const plainAddress = (a: string) => (a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a);

/**
 * The client's address: the socket's peer, unless that peer is one of `trustedProxies` (exact
 * addresses), in which case X-Forwarded-For is read from the right, skipping trusted proxies.
 * X-Forwarded-For is never believed from anyone else: a client could name any address it likes
 * and get a fresh budget of failures with each request.
 */
export function clientAddress(socketAddress: string | undefined, forwardedFor: string | string[] | undefined, trustedProxies: readonly string[]): string {
  let address = plainAddress(socketAddress ?? 'unknown');
  if (trustedProxies.length === 0 || !trustedProxies.includes(address)) return address;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? ''))
    .split(',')
    .map((h) => plainAddress(h.trim()))
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    address = hops[i];
    if (!trustedProxies.includes(address)) break;
  }
  return address;
}

/** The address of a request on Hono's node server (`c.env.incoming`); 'unknown' elsewhere (app.request in tests). */
export function requestAddress(c: Context, trustedProxies: readonly string[]): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string }; headers?: IncomingHttpHeaders } } | undefined)?.incoming;
  return clientAddress(incoming?.socket?.remoteAddress, incoming?.headers?.['x-forwarded-for'], trustedProxies);
}

declare module 'hono' {
  interface ContextVariableMap {
    /** Set by a credential check that refused the request's credential (src/http/auth.ts). */
    authFailed: boolean;
  }
}

/** What a credential check calls when the credential it was given is wrong (counted by `throttleAuthFailures`). */
export function noteAuthFailure(c: Context): void {
  c.set('authFailed', true);
}

/**
 * Put in front of a credential check (the admin key, a console session): lets every request
 * through to it, and when the check refused a credential (`noteAuthFailure`), counts the failure
 * for the client's address; past the limit the refusal becomes 429 with `Retry-After`.
 *
 * A right credential is never refused, delayed or counted, whatever the address did before: admin
 * keys are long secrets (16 characters at least, generated ones 192 bits) that a flood of guesses
 * cannot find, and the operator behind the same NAT or proxy as a misbehaving client must still get
 * in. What this stops is the flood itself: each address gets a small budget of failures, after
 * which it is told to go away and for how long. (Short secrets, the agents' PINs, are refused
 * before they are checked once an address is over its limit: see the desk's login.)
 */
export function throttleAuthFailures(throttle: AuthThrottle, trustedProxies: () => readonly string[] = () => []): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (!c.get('authFailed')) return;
    const wait = throttle.fail(requestAddress(c, trustedProxies()));
    if (wait > 0) {
      c.res = c.json(errorBody('too_many_attempts', 'Too many failed authentications from this address; retry later', { retryAfterSeconds: Number(retryAfterSeconds(wait)) }), 429, {
        'retry-after': retryAfterSeconds(wait),
      });
    }
  };
}
