import { and, eq, gt, lt, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from './db.js';
import { authFailures } from './schema/instances.js';

export const AUTH_CHANNEL = 'pasokh_auth_failures';

/** A NOTIFY payload is at most 8000 bytes: failures are announced in batches well below it. */
const MAX_BATCH = 40;

const message = z.object({
  from: z.string(),
  door: z.string(),
  failures: z.array(z.tuple([z.string().max(100), z.number()])).max(MAX_BATCH),
});

/** The part of AuthThrottle shared here (src/http/auth-throttle.ts). */
export interface SharedThrottle {
  record(address: string, at: number): void;
}

export interface AuthFailureSharing {
  /** Give to AuthThrottle as `onFailure`: the failure is written and announced to the other instances. */
  onFailure(address: string, at: number): void;
  /** Loads the failures of the window from the table and starts hearing the other instances. */
  attach(throttle: SharedThrottle): Promise<void>;
  close(): Promise<void>;
}

/**
 * Failed authentications shared by the instances on one database, per door (admin API, media,
 * desk …), so that a flood of guesses spread by a load balancer over N instances gets one budget,
 * not N. Each instance still decides on its own, synchronously, from its memory (the media upgrade
 * path cannot wait on the database); the others' failures reach that memory through NOTIFY within
 * milliseconds, and an instance that starts later reads the window's failures from `auth_failures`.
 *
 * Writes are batched (at most one insert and one NOTIFY per `flushMs`), so a flood costs the
 * database a bounded number of statements whatever its rate. A database that is down only means
 * each instance counts alone for a while: a failure to share is logged, never thrown.
 */
export function shareAuthFailures(
  database: Database,
  options: { door: string; instanceId: string; windowSeconds: number; flushMs?: number; onError?: (err: unknown) => void },
): AuthFailureSharing {
  const { door, instanceId } = options;
  let pending: [string, number][] = [];
  let timer: NodeJS.Timeout | null = null;
  let stopListening: (() => Promise<void>) | null = null;
  let lastPrune = 0;

  const flush = async () => {
    timer = null;
    const batch = pending.splice(0, pending.length);
    for (let i = 0; i < batch.length; i += MAX_BATCH) {
      const part = batch.slice(i, i + MAX_BATCH);
      try {
        await database.db.insert(authFailures).values(part.map(([address, at]) => ({ door, address, at: new Date(at), instanceId })));
        await database.notify(AUTH_CHANNEL, JSON.stringify({ from: instanceId, door, failures: part }));
      } catch (err) {
        options.onError?.(err);
      }
    }
    // Rows older than the window decide nothing: pruned now and then by whichever instance writes.
    if (Date.now() - lastPrune > options.windowSeconds * 1000) {
      lastPrune = Date.now();
      await database.db
        .delete(authFailures)
        .where(lt(authFailures.at, sql`now() - make_interval(secs => ${options.windowSeconds})`))
        .catch((err) => options.onError?.(err));
    }
  };

  return {
    onFailure(address, at) {
      pending.push([address, at]);
      timer ??= setTimeout(() => void flush(), options.flushMs ?? 50);
    },
    async attach(throttle) {
      const recent = await database.db
        .select({ address: authFailures.address, at: authFailures.at })
        .from(authFailures)
        .where(and(eq(authFailures.door, door), gt(authFailures.at, sql`now() - make_interval(secs => ${options.windowSeconds})`)));
      for (const r of recent) throttle.record(r.address, r.at.getTime());
      stopListening = await database.listen(AUTH_CHANNEL, (payload) => {
        if (!payload) return; // a reconnect: what was missed stays missed (the window is short)
        let parsed: z.infer<typeof message>;
        try {
          parsed = message.parse(JSON.parse(payload));
        } catch {
          return;
        }
        if (parsed.from === instanceId || parsed.door !== door) return;
        for (const [address, at] of parsed.failures) throttle.record(address, at);
      });
    },
    async close() {
      if (timer) {
        clearTimeout(timer);
        await flush();
      }
      await stopListening?.();
    },
  };
}
