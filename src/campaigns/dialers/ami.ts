import type { z } from 'zod';
import { AmiClient, type AmiMessage } from '../../telephony/ami/client.js';
import { fillPhoneTemplate } from '../phone.js';
import type { amiDialerSchema } from '../types.js';
import type { DialEvent, Dialer, DialerContext, PlaceRequest, RingOutcome } from './types.js';

type AmiDialerConfig = z.infer<typeof amiDialerSchema>;

/** Asterisk's OriginateResponse `Reason` → how ringing went (4 = answered). */
export function originateOutcome(reason: number | null): RingOutcome | 'answered' {
  switch (reason) {
    case 4:
      return 'answered';
    case 5:
      return 'busy';
    case 1: // hung up / rejected before answer
    case 3: // rang out
      return 'no-answer';
    default: // 0 failed, 8 congestion, anything else
      return 'failed';
  }
}

/** Only letters, digits and a few marks go into the dial string: a value there could change the dial. */
const safe = (s: string) => s.replace(/[^\w.\-+]/g, '');

/**
 * Places calls through the Asterisk Manager Interface: `Originate` of the contact's channel
 * (`PJSIP/{national}@trunk`) with `Application: Dial` and
 * `Data: WebSocket/{connection}/c(ulaw)v(campaignAttempt=…)`, `Async: true`. When the callee answers,
 * Asterisk dials Pasokh's chan_websocket connection and the call session finds the attempt in the
 * URI parameters; `OriginateResponse` says answered, busy, no answer or failed, and the channel's
 * `Hangup` event says when an answered call ended. One AMI connection per dialer, opened on demand.
 */
export class AmiDialer implements Dialer {
  readonly kind = 'ami';
  private client: Promise<AmiClient> | null = null;
  /** Answered calls waiting for their channel's Hangup, by the uniqueid we gave them. */
  private readonly live = new Map<string, (event: DialEvent) => void>();

  constructor(
    private readonly config: AmiDialerConfig,
    private readonly context: DialerContext,
  ) {}

  private connect(): Promise<AmiClient> {
    if (!this.client) {
      const c = this.config;
      this.client = AmiClient.connect({ host: c.host, port: c.port, username: c.username, secret: c.secret, events: 'call' }).then((client) => {
        client.on('event', (m) => this.onEvent(m));
        client.on('close', () => {
          this.client = null;
        });
        return client;
      });
      this.client.catch(() => (this.client = null));
    }
    return this.client;
  }

  private onEvent(m: AmiMessage): void {
    if ((m.event ?? '').toLowerCase() !== 'hangup') return;
    const id = m.get('Uniqueid') ?? '';
    const report = this.live.get(id) ?? this.live.get(m.get('Linkedid') ?? '');
    if (!report) return;
    this.live.delete(id);
    report({ kind: 'ended', outcome: 'completed', detail: m.get('Cause-txt') });
  }

  async place(request: PlaceRequest, onEvent: (event: DialEvent) => void): Promise<{ providerCallId: string | null }> {
    const c = this.config;
    const client = await this.connect();
    const uri = Object.entries(request.params)
      .map(([k, v]) => `${safe(k)}=${safe(v)}`)
      .join(',');
    const channelId = `pasokh-${safe(request.attemptId)}`.slice(0, 60);
    const originate = client.originate({
      channel: fillPhoneTemplate(c.channel, request.to),
      application: 'Dial',
      data: `WebSocket/${c.connection}/c(ulaw)v(${uri})`,
      callerId: request.callerId,
      ringTimeoutMs: c.ringTimeoutSeconds * 1000,
      channelId,
      variables: { PASOKH_ATTEMPT: request.attemptId },
    });
    // The action is queued at once; how the ringing went arrives with OriginateResponse.
    void originate.then(
      (result) => {
        const outcome = originateOutcome(result.reason);
        if (outcome === 'answered') {
          this.live.set(result.uniqueid ?? channelId, onEvent);
          onEvent({ kind: 'answered' });
        } else onEvent({ kind: 'ended', outcome, detail: `OriginateResponse reason ${result.reason ?? '?'}` });
      },
      (err: Error) => onEvent({ kind: 'ended', outcome: 'failed', detail: err.message }),
    );
    return { providerCallId: channelId };
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (client) await client.then((c) => c.close()).catch(() => {});
  }
}
