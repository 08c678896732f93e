import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Counter, type Registry } from 'prom-client';
import { errorBody } from './http/errors.js';
import type { Logger } from './logger.js';
import { MEDIA_PATHS } from './telephony/ws_endpoints.js';
import type { CallChannel } from './telephony/types.js';

type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** What `attachMediaEndpoints` needs of a server (src/telephony/ws_endpoints.ts). */
export interface UpgradeEmitter {
  on(event: 'upgrade', listener: UpgradeListener): unknown;
  off(event: 'upgrade', listener: UpgradeListener): unknown;
}

/** One live call as the drain sees it: who to tell and what to hang up, and when it is over. */
export interface DrainedCall {
  channel: Pick<CallChannel, 'hangup' | 'info'>;
  /** The session's event log (CallSession.note): the drain's end reason is recorded there. */
  note(type: string, data?: Record<string, unknown>): void;
  /** Settles once the session has recorded the call's end. */
  done: Promise<unknown>;
}

export interface CallDrainOptions {
  /** shutdown.drainSeconds: how long live calls may run on after draining begins. */
  drainSeconds: number;
  logger?: Pick<Logger, 'info' | 'warn'>;
  /** Where `pasokh_calls_refused_total` is registered (the service's metrics registry). */
  registry?: Registry;
}

/** Why a refused caller's PBX was turned away (the WebSocket 503 body, AudioSocket's hang-up). */
export const DRAINING_REASON = 'instance draining: takes no new calls';
/** The end reason of a call still live when the drain's time ran out. */
export const DRAIN_DEADLINE_REASON = 'instance shut down: drain deadline passed';

/**
 * Graceful shutdown of the call tier. Once `drain()` begins, the instance takes no new calls —
 * readiness says "draining" so the load balancer sends them elsewhere, and media upgrades or
 * AudioSocket calls that still arrive are refused and counted — while the calls already live run to
 * their own end, for at most `drainSeconds`. Whatever is still live then is hung up with a recorded
 * reason, so the call's record says the instance ended it, not the caller.
 */
export class CallDrain {
  private readonly live = new Set<DrainedCall>();
  private drainingSince: number | null = null;
  private draining_: Promise<{ finished: number; cut: number }> | null = null;
  private readonly refused: Counter<'protocol' | 'reason'> | null;
  private emptied: (() => void) | null = null;

  constructor(private readonly options: CallDrainOptions) {
    this.refused = options.registry
      ? new Counter({
          name: 'pasokh_calls_refused_total',
          help: 'Calls refused before they started, by protocol and reason (draining: the instance is shutting down)',
          labelNames: ['protocol', 'reason'],
          registers: [options.registry],
        })
      : null;
  }

  get draining(): boolean {
    return this.drainingSince !== null;
  }

  /** Calls in progress on this instance. */
  get liveCalls(): number {
    return this.live.size;
  }

  /** The readiness answer while draining (null: not draining, ask the engines as usual). */
  readinessDetail(): string | null {
    if (this.drainingSince === null) return null;
    const left = Math.max(0, Math.ceil((this.drainingSince + this.options.drainSeconds * 1000 - Date.now()) / 1000));
    return `draining: ${this.live.size} live call(s), stopping within ${left} s; no new calls`;
  }

  /**
   * The server as the media endpoints should see it: while draining, an upgrade to a media path is
   * answered `503 Service Unavailable` (JSON error `draining`) before a WebSocket is made, so the
   * PBX can try another instance; other upgrades (the agent desk) pass as before.
   */
  gateUpgrades(server: UpgradeEmitter): UpgradeEmitter {
    const wrapped = new Map<UpgradeListener, UpgradeListener>();
    return {
      on: (event, listener) => {
        const gate: UpgradeListener = (req, socket, head) => {
          const protocol = this.draining ? mediaProtocolOf(req) : null;
          if (!protocol) return listener(req, socket, head);
          socket.on('error', () => {});
          const body = JSON.stringify(errorBody('draining', `This instance is shutting down (${DRAINING_REASON}); call another instance`));
          socket.end(`HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
          this.countRefusal(protocol, req.socket.remoteAddress ?? 'unknown');
        };
        wrapped.set(listener, gate);
        return server.on(event, gate);
      },
      off: (event, listener) => {
        const gate = wrapped.get(listener);
        wrapped.delete(listener);
        return server.off(event, gate ?? listener);
      },
    };
  }

  /**
   * First thing for every new call: false (and the call hung up, counted) while draining. This is
   * what turns away AudioSocket calls, which have no upgrade to refuse, and a WebSocket whose start
   * message came after the drain began.
   */
  admit(channel: Pick<CallChannel, 'hangup' | 'info'>): boolean {
    if (!this.draining) return true;
    this.countRefusal(channel.info.protocol, channel.info.callId);
    channel.hangup(DRAINING_REASON);
    return false;
  }

  /** Follows an admitted call until `done` settles. */
  track(call: DrainedCall): void {
    this.live.add(call);
    void call.done.finally(() => {
      this.live.delete(call);
      if (this.live.size === 0) this.emptied?.();
    });
  }

  /**
   * Stops taking calls and waits for the live ones to end, at most `drainSeconds`; those still live
   * then are hung up (event `shutdown` on their record, with the reason) and their records awaited.
   * Calling it again returns the same drain.
   */
  drain(): Promise<{ finished: number; cut: number }> {
    if (this.draining_) return this.draining_;
    this.drainingSince = Date.now();
    const started = this.live.size;
    this.options.logger?.info({ liveCalls: started, drainSeconds: this.options.drainSeconds }, 'draining: no new calls; live calls run to their end');
    this.draining_ = (async () => {
      const allEnded = new Promise<void>((resolve) => {
        this.emptied = resolve;
        if (this.live.size === 0) resolve();
      });
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'deadline'>((resolve) => (timer = setTimeout(() => resolve('deadline'), this.options.drainSeconds * 1000)));
      const first = await Promise.race([allEnded.then(() => 'ended' as const), deadline]);
      clearTimeout(timer);
      if (first === 'ended') return { finished: started, cut: 0 };
      const cut = [...this.live];
      this.options.logger?.warn({ liveCalls: cut.length, drainSeconds: this.options.drainSeconds }, 'drain deadline passed: ending the calls still live');
      for (const call of cut) {
        call.note('shutdown', { reason: DRAIN_DEADLINE_REASON, drainSeconds: this.options.drainSeconds });
        call.channel.hangup(DRAIN_DEADLINE_REASON);
      }
      await this.settle(5000);
      return { finished: Math.max(0, started - cut.length), cut: cut.length };
    })();
    return this.draining_;
  }

  /** Waits (at most `ms`) for the sessions still running to record their end. */
  async settle(ms: number): Promise<void> {
    if (this.live.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.live].map((c) => c.done)), new Promise((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
  }

  private countRefusal(protocol: string, who: string): void {
    this.refused?.inc({ protocol, reason: 'draining' });
    this.options.logger?.warn({ protocol, who }, `call refused: ${DRAINING_REASON}`);
  }
}

function mediaProtocolOf(req: IncomingMessage): string | null {
  try {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '');
    return MEDIA_PATHS[path]?.protocol ?? null;
  } catch {
    return null;
  }
}
