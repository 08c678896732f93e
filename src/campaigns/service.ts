import { hostname } from 'node:os';
import type { CampaignsConfig } from './config.js';
import type { CallTakeover, CallIO } from '../dialog/types.js';
import type { Database } from '../store/db.js';
import type { CallInfo } from '../telephony/types.js';
import { AmiDialer } from './dialers/ami.js';
import { SimulatorDialer } from './dialers/simulator.js';
import { TwilioDialer } from './dialers/twilio.js';
import { ATTEMPT_PARAM, type DialEvent, type Dialer, type DialerContext } from './dialers/types.js';
import { runCampaignFlow, type FlowResult } from './flow.js';
import { inWindow } from './schedule.js';
import { CampaignStore, type Claimed } from './store.js';
import type { Campaign } from './types.js';

export interface CampaignServiceOptions {
  database: Database;
  settings: Pick<CampaignsConfig, 'tickMs' | 'instanceId' | 'staleDialSeconds' | 'maxCallSeconds'>;
  /** Named in the greeting («از … تماس می‌گیرم»). */
  companyName: string;
  /** Queue for callees who ask for a person when the campaign names none. */
  defaultQueue: string;
  mediaToken: string;
  /** This instance's base URL (the simulator's callees connect to it). */
  localUrl(): string;
  /** Persian speech for simulated callees who speak. */
  speech?(text: string): Promise<Int16Array>;
  logger?: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
  /** The clock (tests move it); default the wall clock. */
  now?(): Date;
  /** Replaces the dialer a campaign's config names (tests). */
  createDialer?(campaign: Campaign, context: DialerContext): Dialer | null;
}

const silent = { info() {}, warn() {} };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Outbound campaigns on one instance: the scheduler (claims due contacts within windows and pacing,
 * hands them to the campaign's dialer), what dialers report (ring outcomes, provider durations),
 * and the takeover that runs the campaign flow when an attempt's media stream reaches a session.
 * Every instance may run one; all of them share the database and never dial a contact twice.
 */
export class CampaignService {
  readonly store: CampaignStore;
  readonly instance: string;
  private readonly dialers = new Map<string, { key: string; dialer: Dialer }>();
  private readonly pending = new Set<Promise<unknown>>();
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<number> | null = null;
  private stopped = false;
  private readonly logger;
  private readonly now: () => Date;

  constructor(private readonly options: CampaignServiceOptions) {
    this.store = new CampaignStore(options.database);
    this.instance = options.settings.instanceId ?? `${hostname()}:${process.pid}`;
    this.logger = options.logger ?? silent;
    this.now = options.now ?? (() => new Date());
  }

  clock(): Date {
    return this.now();
  }

  /** Starts ticking (config.campaigns.tickMs). */
  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => void this.tick().catch((err) => this.logger.warn({ err: String(err) }, 'campaign tick failed')), this.options.settings.tickMs);
    this.timer.unref();
  }

  /**
   * One round: end attempts nobody will report on, dial what is due in every running campaign that
   * is inside a calling window, and complete campaigns with nothing left. Returns calls placed.
   * Rounds never overlap on one instance.
   */
  tick(): Promise<number> {
    if (this.ticking) return this.ticking;
    this.ticking = this.round().finally(() => (this.ticking = null));
    return this.ticking;
  }

  private async round(): Promise<number> {
    if (this.stopped) return 0;
    const now = this.now();
    const cfg = this.options.settings;
    for (const stale of await this.store.staleAttempts(now, cfg.staleDialSeconds, cfg.maxCallSeconds)) {
      await this.store.finishAttempt(stale.id, { outcome: 'lost', at: now, detail: 'no report from the instance that placed it' });
    }
    let placed = 0;
    const running = await this.store.running();
    for (const campaign of running) {
      if (!inWindow(campaign.schedule, now)) continue;
      const claimed = await this.store.claimDue(campaign, now, this.instance);
      for (const c of claimed) this.place(campaign, c);
      placed += claimed.length;
    }
    await this.store.completeFinished(now);
    await this.closeIdleDialers(new Set(running.map((c) => c.id)));
    return placed;
  }

  /** A dialer whose campaign stopped running and has no call in flight lets go of its connection (AMI). */
  private async closeIdleDialers(running: Set<string>): Promise<void> {
    for (const [id, { dialer }] of this.dialers) {
      if (running.has(id)) continue;
      const campaign = await this.store.get(id);
      if (campaign?.status === 'paused') continue; // it will go on
      if ((await this.store.counts(id)).inFlight > 0) continue;
      this.dialers.delete(id);
      await dialer.close().catch(() => {});
    }
  }

  private dialerFor(campaign: Campaign): Dialer {
    const key = JSON.stringify(campaign.dialer);
    const known = this.dialers.get(campaign.id);
    if (known && known.key === key) return known.dialer;
    void known?.dialer.close();
    const context: DialerContext = { mediaToken: this.options.mediaToken, localUrl: this.options.localUrl, speech: this.options.speech, logger: this.logger };
    const dialer =
      this.options.createDialer?.(campaign, context) ??
      (campaign.dialer.kind === 'twilio'
        ? new TwilioDialer(campaign.dialer, context)
        : campaign.dialer.kind === 'ami'
          ? new AmiDialer(campaign.dialer, context)
          : new SimulatorDialer(campaign.dialer, context));
    this.dialers.set(campaign.id, { key, dialer });
    return dialer;
  }

  /** The dialer of a campaign on this instance, if one was made (the benchmark reads the simulator's figures). */
  dialerOf(campaignId: string): Dialer | null {
    return this.dialers.get(campaignId)?.dialer ?? null;
  }

  private track<T>(p: Promise<T>): void {
    const tracked = p.catch((err) => this.logger.warn({ err: String(err) }, 'campaign attempt bookkeeping failed')).finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  private place(campaign: Campaign, { attempt, contact }: Claimed): void {
    const dialer = this.dialerFor(campaign);
    const placing = dialer
      .place(
        { attemptId: attempt.id, campaignId: campaign.id, to: contact.phone, callerId: campaign.options.callerId, contact, params: { [ATTEMPT_PARAM]: attempt.id } },
        (event) => this.track(this.onDialEvent(attempt.id, event)),
      )
      .then(
        async ({ providerCallId }) => {
          if (providerCallId) await this.store.setProviderCallId(attempt.id, providerCallId);
        },
        async (err: Error) => {
          this.logger.warn({ attempt: attempt.id, err: err.message }, 'call not placed');
          await this.store.finishAttempt(attempt.id, { outcome: 'failed', at: this.now(), detail: err.message });
        },
      );
    this.track(placing);
  }

  /** What a dialer (or Twilio's status webhook) says about an attempt. */
  async onDialEvent(attemptId: string, event: DialEvent): Promise<void> {
    if (event.kind === 'answered') return;
    if (event.outcome !== 'completed') {
      await this.store.finishAttempt(attemptId, { outcome: event.outcome, at: this.now(), detail: event.detail });
      return;
    }
    let attempt = await this.store.attempt(attemptId);
    // The call ended; its media stream may have been written a moment ago on another instance.
    if (attempt?.status === 'dialing') {
      await sleep(1500);
      attempt = await this.store.attempt(attemptId);
    }
    if (!attempt) return;
    if (attempt.status === 'dialing') {
      await this.store.finishAttempt(attemptId, { outcome: 'failed', at: this.now(), durationSeconds: event.durationSeconds, detail: 'answered, but no media stream reached Pasokh' });
    } else if (event.durationSeconds !== undefined) await this.store.setDuration(attemptId, event.durationSeconds);
  }

  /** The session's hook: a stream that names an attempt runs the campaign flow instead of the greeting. */
  takeover = (info: CallInfo): CallTakeover | null => {
    const attemptId = info.params[ATTEMPT_PARAM];
    if (!attemptId) return null;
    return (io) => this.runAttempt(attemptId, io);
  };

  private async runAttempt(attemptId: string, io: CallIO): ReturnType<CallTakeover> {
    const attempt = await this.store.attempt(attemptId).catch(() => null);
    const campaign = attempt ? await this.store.get(attempt.campaignId) : null;
    const contact = attempt ? await this.store.contact(attempt.contactId) : null;
    if (!attempt || !campaign || !contact || attempt.status === 'ended') {
      io.note('campaign-unknown-attempt', { attemptId: attemptId.slice(0, 64) });
      return { outcome: 'error' };
    }
    await this.store.markAnswered(attempt.id, io.callId, this.now()).catch((err) => io.note('error', { stage: 'campaign-answered', message: String(err) }));
    io.note('campaign-attempt', { campaignId: campaign.id, attemptId: attempt.id, contactId: contact.id, seq: attempt.seq });
    let result: FlowResult;
    try {
      result = await runCampaignFlow(io, {
        campaign,
        contact,
        companyName: this.options.companyName,
        now: this.now(),
        queue: campaign.options.queue ?? this.options.defaultQueue,
        lastAttempt: attempt.seq >= campaign.retry.maxAttempts,
        optOut: async () => {
          await this.store.addDnc([contact.phone], 'opt-out key during a call', 'call', campaign.id);
        },
      });
    } catch (err) {
      io.note('error', { stage: 'campaign-flow', message: String((err as Error)?.message ?? err) });
      result = { outcome: 'failed' };
    }
    io.note('campaign-outcome', { outcome: result.outcome, confirmed: result.confirmed ?? null });
    // The write may not fail the call: a database hiccup is retried a few times, then logged.
    for (let i = 0; i < 5; i++) {
      try {
        await this.store.finishAttempt(attempt.id, { outcome: result.outcome, at: this.now(), confirmed: result.confirmed, answers: result.answers ?? null });
        break;
      } catch (err) {
        if (i === 4) this.logger.warn({ attempt: attempt.id, err: String(err) }, 'attempt outcome not stored');
        else await sleep(200 * 2 ** i);
      }
    }
    const outcome = result.outcome === 'hangup' || result.outcome === 'partial' ? 'abandoned' : result.outcome === 'failed' ? 'error' : 'completed';
    return { outcome, handoffQueue: result.handoffQueue };
  }

  /** Resolves once every placed call's bookkeeping so far has settled (not the calls themselves). */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ticking?.catch(() => {});
    for (const { dialer } of this.dialers.values()) await dialer.close().catch(() => {});
    this.dialers.clear();
  }
}
