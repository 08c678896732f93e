import { randomUUID } from 'node:crypto';
import { bytesPerSample, decodeLine, encodeLine, silenceByte, type LineCodec } from '../audio/g711.js';
import { Resampler } from '../audio/resample.js';
import type { PcmChunk } from '../audio/types.js';
import { ProtocolError } from './errors.js';
import type { TelephonyLogger } from './logger.js';
import type { TelephonyMetrics } from './metrics.js';
import { gapTicker, MediaClock } from './media_clock.js';
import { FramePacer } from './pacer.js';
import type { FrameSerializer, InboundEvent, OutboundFrame, StartEvent } from './serializer.js';
import type { AudioListener, CallChannel, CallInfo, Playback, PlaybackOutcome, Protocol } from './types.js';

/**
 * The one place where a protocol (a FrameSerializer) meets a socket (a FrameTransport) and becomes a
 * CallChannel: inbound frames → decoded PCM, DTMF and hang-up; bot audio → resampled, encoded,
 * paced in real time; barge-in → the protocol's flush. Nothing a far end sends can throw out of here.
 */

export interface FrameTransport {
  send(frame: OutboundFrame): void;
  /** Bytes accepted by send() but not yet written to the network. */
  readonly bufferedBytes: number;
  /** Close with a WebSocket-style code and reason (TCP transports log the reason and end). */
  close(code: number, reason: string): void;
  readonly remoteAddress: string;
}

export interface MediaConnectionOptions {
  serializer: FrameSerializer;
  transport: FrameTransport;
  /** Whether this stream may become a call; gets the token found inside the protocol, if any. */
  authorize: (protocolToken: string | null) => boolean;
  onCall: (channel: CallChannel) => void;
  logger: TelephonyLogger;
  metrics?: TelephonyMetrics;
  /** Frames larger than this are dropped (and counted). */
  maxFrameBytes: number;
  /** Close the stream if no start arrives within this time (default 15 s). */
  startTimeoutMs?: number;
  /**
   * A pause in caller media longer than this is delivered as silence on the wall clock (default
   * 120 ms; see MediaClock). Whether the peer is still there is the transport's business (WebSocket
   * ping/pong, TCP state): a call is never ended for lack of media.
   */
  mediaGapMs?: number;
  /** Frames sent ahead of real time (default: the serializer's leadMs in this call's frames). */
  leadFrames?: number;
  /** Twilio: how long after the expected playout end to wait for a mark before giving up (default 3 s). */
  markGraceMs?: number;
  /** Extra call information from the connection itself (query parameters such as from/to). */
  extraInfo?: { from?: string | null; to?: string | null; params?: Record<string, string> };
}

/** WebSocket close codes used for the reasons below. */
export const CLOSE = { normal: 1000, goingAway: 1001, unsupported: 1003, policy: 1008, tooBig: 1009, internal: 1011 } as const;

/** Stop logging each dropped frame after this many per call (they are still counted). */
const LOG_DROPS_PER_CALL = 5;
/** Refuse to queue more than this many bytes on a socket the far end is not reading. */
const MAX_BUFFERED_BYTES = 512 * 1024;

interface QueuedPlayback {
  pb: PlaybackImpl;
}

export class MediaConnection {
  readonly id = randomUUID();
  private readonly o: MediaConnectionOptions;
  private readonly protocol: Protocol;
  private call: LineCall | null = null;
  private closed = false;
  private drops = 0;
  private startTimer: NodeJS.Timeout | null;

  constructor(options: MediaConnectionOptions) {
    this.o = options;
    this.protocol = options.serializer.protocol;
    this.startTimer = setTimeout(() => {
      this.fail(CLOSE.policy, 'no start message received', 'start_timeout');
    }, options.startTimeoutMs ?? 15_000);
    this.startTimer.unref?.();
  }

  get log(): TelephonyLogger {
    return this.o.logger;
  }

  /** One frame from the far end. Never throws. */
  handleFrame(data: Uint8Array, binary: boolean): void {
    if (this.closed) return;
    try {
      if (data.length > this.o.maxFrameBytes) {
        throw new ProtocolError('oversize', `frame of ${data.length} bytes exceeds the ${this.o.maxFrameBytes}-byte limit`);
      }
      const events = this.o.serializer.parse(data, binary);
      for (const ev of events) {
        if (this.closed) break;
        this.handleEvent(ev);
      }
    } catch (err) {
      if (err instanceof ProtocolError) this.protocolError(err);
      else {
        // A bug, not the peer's fault: keep the call, say loudly what happened.
        this.log.error({ protocol: this.protocol, conn: this.id, err }, 'internal error handling a media frame');
        this.o.metrics?.frameDropped?.(this.protocol, 'internal_error');
      }
    }
  }

  /** The transport closed (by either side). Never throws. */
  handleClose(reason: string): void {
    this.clearTimers();
    if (this.closed && !this.call) return;
    this.closed = true;
    this.call?.finish(reason);
  }

  private clearStartTimer(): void {
    if (this.startTimer) clearTimeout(this.startTimer);
    this.startTimer = null;
  }

  private clearTimers(): void {
    this.clearStartTimer();
  }

  private protocolError(err: ProtocolError): void {
    this.o.metrics?.frameDropped?.(this.protocol, err.code);
    if (err.fatal) {
      this.fail(err.code === 'unsupported_codec' ? CLOSE.unsupported : CLOSE.policy, err.message, err.code);
      return;
    }
    this.drops++;
    if (this.drops <= LOG_DROPS_PER_CALL || this.drops % 1000 === 0) {
      this.log.warn(
        { protocol: this.protocol, conn: this.id, callId: this.call?.info.callId, code: err.code, dropped: this.drops },
        `dropped a media frame: ${err.message}`,
      );
    }
  }

  /** Close the stream for a reason worth a log line. */
  fail(code: number, reason: string, logCode: string): void {
    if (this.closed) return;
    this.log.warn({ protocol: this.protocol, conn: this.id, remote: this.o.transport.remoteAddress, code: logCode }, `closing media stream: ${reason}`);
    this.closeTransport(code, reason);
  }

  private closeTransport(code: number, reason: string): void {
    this.clearTimers();
    this.closed = true;
    try {
      this.o.transport.close(code, reason.slice(0, 120)); // WS close reasons are limited to 123 bytes
    } catch (err) {
      this.log.debug({ conn: this.id, err }, 'transport close failed');
    }
    this.call?.finish(`closed: ${reason}`);
  }

  private handleEvent(ev: InboundEvent): void {
    switch (ev.type) {
      case 'start':
        return this.start(ev);
      case 'ignored':
        return;
      case 'stop':
        if (!this.call) {
          this.closeTransport(CLOSE.normal, `stream ended before start (${ev.reason})`);
          return;
        }
        this.call.finish(`${ev.reason}`);
        this.closeTransport(CLOSE.normal, ev.reason);
        return;
    }
    if (!this.call) throw new ProtocolError('media_before_start', `${ev.type} before the stream started`);
    switch (ev.type) {
      case 'audio':
        return this.call.deliverAudio(ev.payload);
      case 'gap':
        this.dropped('upstream_gap', ev.frames);
        return this.call.concealGap(ev.frames);
      case 'dtmf':
        return this.call.deliverDtmf(ev.digit);
      case 'mark':
        return this.call.markPlayed(ev.name);
      case 'pause':
        return this.call.pacer.pause();
      case 'resume':
        return this.call.pacer.resume();
    }
  }

  private start(ev: StartEvent): void {
    if (this.call) throw new ProtocolError('duplicate_start', 'a second start on the same stream');
    this.clearStartTimer();
    if (!this.o.authorize(ev.token)) {
      this.o.metrics?.authRejected?.(this.protocol, 'invalid_token');
      this.log.warn(
        { protocol: this.protocol, conn: this.id, remote: this.o.transport.remoteAddress, callId: ev.callId },
        'media stream rejected: missing or invalid media token',
      );
      this.closeTransport(CLOSE.policy, 'invalid or missing media token');
      return;
    }
    const extra = this.o.extraInfo ?? {};
    const info: CallInfo = {
      callId: ev.callId,
      protocol: this.protocol,
      from: ev.from ?? extra.from ?? null,
      to: ev.to ?? extra.to ?? null,
      providerCallId: ev.providerCallId,
      params: { ...(extra.params ?? {}), ...ev.params },
    };
    this.call = new LineCall(this, info, ev);
    for (const frame of this.o.serializer.accepted?.() ?? []) this.send(frame);
    this.o.metrics?.callStarted?.(this.protocol);
    this.log.info({ protocol: this.protocol, conn: this.id, callId: info.callId, codec: ev.codec, rate: ev.sampleRate, remote: this.o.transport.remoteAddress }, 'call started');
    try {
      this.o.onCall(this.call);
    } catch (err) {
      this.log.error({ protocol: this.protocol, callId: info.callId, err }, 'onCall threw; hanging up');
      this.call.hangup('internal error');
    }
  }

  /** Used by LineCall. */
  send(frame: OutboundFrame | null): boolean {
    if (!frame || this.closed) return false;
    try {
      this.o.transport.send(frame);
      return true;
    } catch (err) {
      this.log.debug({ conn: this.id, err }, 'send failed');
      return false;
    }
  }

  get transport(): FrameTransport {
    return this.o.transport;
  }

  get options(): MediaConnectionOptions {
    return this.o;
  }

  dropped(reason: string, count = 1): void {
    this.o.metrics?.frameDropped?.(this.protocol, reason, count);
  }

  hangupFromCall(reason: string): void {
    if (this.closed) return;
    this.send(this.o.serializer.hangup(reason));
    this.log.info({ protocol: this.protocol, conn: this.id, callId: this.call?.info.callId, reason }, 'hanging up');
    this.closeTransport(CLOSE.normal, reason);
  }
}

/** The CallChannel the session sees. */
class LineCall implements CallChannel {
  readonly info: CallInfo;
  readonly sampleRate: number;
  readonly codec: LineCodec;
  readonly pacer: FramePacer;
  private readonly conn: MediaConnection;
  private readonly frameBytes: number;
  private readonly frameMs: number;
  private readonly audioListeners: Array<AudioListener> = [];
  private readonly dtmfListeners: Array<(digit: string) => void> = [];
  private readonly endListeners: Array<(reason: string) => void> = [];
  private endReason: string | null = null;
  private readonly queue: QueuedPlayback[] = [];
  private readonly pendingMarks = new Map<string, PlaybackImpl>();
  /** Fully sent playbacks (no-mark protocols) waiting for the far end to finish playing them. */
  private readonly draining = new Set<PlaybackImpl>();
  private playbackSeq = 0;
  private lastListenerErrorLog = 0;
  private readonly clock: MediaClock;
  private readonly stopGapTicks: () => void;
  private gapsFilled = 0;

  constructor(conn: MediaConnection, info: CallInfo, start: StartEvent) {
    this.conn = conn;
    this.info = info;
    this.codec = start.codec;
    this.sampleRate = start.sampleRate;
    const bps = bytesPerSample(start.codec);
    const standard = (start.sampleRate / 50) * bps; // 20 ms
    let frameBytes = standard;
    const asked = start.frameBytes;
    if (asked !== undefined) {
      const ms = (asked / bps / start.sampleRate) * 1000;
      if (asked % bps === 0 && ms >= 10 && ms <= 60) frameBytes = asked;
      else conn.log.warn({ callId: info.callId, asked }, 'ignoring implausible frame size from the far end; using 20 ms');
    }
    this.frameBytes = frameBytes;
    this.frameMs = (frameBytes / bps / start.sampleRate) * 1000;
    this.pacer = new FramePacer({ frameMs: this.frameMs, leadFrames: conn.options.leadFrames ?? Math.round(conn.options.serializer.leadMs / this.frameMs), next: () => this.nextFrame() });
    this.clock = new MediaClock(conn.options.mediaGapMs ?? 120);
    this.stopGapTicks = gapTicker.add(() => this.fillGap());
  }

  // ---- inbound -------------------------------------------------------------------------------

  deliverAudio(payload: Uint8Array): void {
    if (this.endReason) return;
    const bps = bytesPerSample(this.codec);
    if (payload.length === 0) return;
    if (payload.length % bps !== 0) throw new ProtocolError('bad_payload', `audio payload of ${payload.length} bytes is not whole ${bps}-byte samples`);
    const pcm = decodeLine(this.codec, payload);
    this.clock.real((pcm.length / this.sampleRate) * 1000);
    this.emit(pcm);
  }

  /**
   * Frames lost upstream: hand the listeners silence of the same length (up to 200 ms, less what
   * the gap filler already gave), so downstream timing stays aligned with the caller's clock.
   */
  concealGap(frames: number): void {
    if (this.endReason) return;
    const ms = this.clock.conceal(Math.min(frames, 10) * this.frameMs);
    this.emitSilence(ms, false);
  }

  /** Gap-ticker callback: a pause in the caller's media past the jitter allowance is silence. */
  private fillGap(): void {
    if (this.endReason) return;
    const ms = this.clock.due();
    if (ms <= 0) return;
    if (this.gapsFilled++ === 0) this.conn.log.debug({ callId: this.info.callId, ms: Math.round(ms) }, 'caller media paused; counting the pause as silence');
    this.emitSilence(ms, true);
  }

  private emitSilence(ms: number, filled: boolean): void {
    const samples = Math.round((ms * this.sampleRate) / 1000);
    if (samples > 0) this.emit(new Int16Array(samples), filled);
  }

  private emit(pcm: Int16Array, filled = false): void {
    for (const l of this.audioListeners) this.safely(() => l(pcm, filled));
  }

  deliverDtmf(digit: string): void {
    if (this.endReason) return;
    for (const l of this.dtmfListeners) this.safely(() => l(digit));
  }

  markPlayed(name: string): void {
    const pb = this.pendingMarks.get(name);
    if (!pb) return; // echoes of marks we already resolved (e.g. after clear)
    this.pendingMarks.delete(name);
    pb.settle('played');
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      const now = Date.now();
      if (now - this.lastListenerErrorLog > 1000) {
        this.lastListenerErrorLog = now;
        this.conn.log.error({ callId: this.info.callId, err }, 'call listener threw');
      }
    }
  }

  // ---- CallChannel ---------------------------------------------------------------------------

  onAudio(listener: AudioListener): void {
    this.audioListeners.push(listener);
  }

  onDtmf(listener: (digit: string) => void): void {
    this.dtmfListeners.push(listener);
  }

  onEnd(listener: (reason: string) => void): void {
    if (this.endReason !== null) {
      const reason = this.endReason;
      queueMicrotask(() => this.safely(() => listener(reason)));
      return;
    }
    this.endListeners.push(listener);
  }

  startPlayback(): Playback {
    const pb = new PlaybackImpl(this, ++this.playbackSeq);
    if (this.endReason) pb.settle('hangup');
    else this.queue.push({ pb });
    return pb;
  }

  clear(): void {
    if (this.endReason) return;
    let had = false;
    for (const { pb } of this.queue.splice(0)) {
      had = true;
      pb.settle('cleared');
    }
    for (const pb of [...this.pendingMarks.values(), ...this.draining]) {
      had = true;
      pb.settle('cleared');
    }
    this.pendingMarks.clear();
    this.draining.clear();
    this.pacer.reset();
    // Send the flush even when we think nothing is queued: the lead frames may still be buffered there.
    this.conn.send(this.conn.options.serializer.clear());
    if (had) this.conn.log.debug({ callId: this.info.callId }, 'playback cleared (barge-in)');
  }

  hangup(reason: string): void {
    if (this.endReason) return;
    this.conn.hangupFromCall(reason);
  }

  /** The call is over (far-end hang-up, stop, close or our hang-up). Idempotent. */
  finish(reason: string): void {
    if (this.endReason !== null) return;
    this.endReason = reason;
    this.stopGapTicks();
    this.pacer.stop();
    for (const { pb } of this.queue.splice(0)) pb.settle('hangup');
    for (const pb of [...this.pendingMarks.values(), ...this.draining]) pb.settle('hangup');
    this.pendingMarks.clear();
    this.draining.clear();
    this.conn.options.metrics?.callEnded?.(this.info.protocol, reason);
    this.conn.log.info({ protocol: this.info.protocol, callId: this.info.callId, reason }, 'call ended');
    for (const l of this.endListeners.splice(0)) this.safely(() => l(reason));
  }

  get ended(): boolean {
    return this.endReason !== null;
  }

  // ---- outbound (used by PlaybackImpl and the pacer) -----------------------------------------

  get lineFrameBytes(): number {
    return this.frameBytes;
  }

  kick(): void {
    this.pacer.kick();
  }

  /** Pacer callback: send the next due frame of the head playback. */
  private nextFrame(): number | null {
    while (this.queue.length) {
      const head = this.queue[0].pb;
      if (head.settled) {
        this.queue.shift();
        continue;
      }
      const frame = head.takeFrame();
      if (frame) {
        if (this.conn.transport.bufferedBytes > MAX_BUFFERED_BYTES) {
          this.conn.dropped('backpressure');
        } else {
          this.conn.send(this.conn.options.serializer.audio(frame));
        }
        return this.frameMs;
      }
      if (!head.ended) return null; // waiting for more audio from the session
      // All of this playback's audio has been sent.
      this.queue.shift();
      this.finishPlayback(head);
      // Continue with the next playback without a gap (zero air time for the bookkeeping).
    }
    return null;
  }

  private finishPlayback(pb: PlaybackImpl): void {
    const serializer = this.conn.options.serializer;
    const playoutEndsIn = Math.max(0, this.pacer.playoutEndsAt - this.pacer.now());
    if (serializer.supportsMarks) {
      const name = `pasokh-${pb.seq}`;
      this.pendingMarks.set(name, pb);
      this.conn.send(serializer.mark(name));
      // Safety net: a far end that never echoes the mark must not leave the session waiting forever.
      const grace = this.conn.options.markGraceMs ?? 3000;
      setTimeout(() => {
        if (this.pendingMarks.get(name) === pb) {
          this.pendingMarks.delete(name);
          this.conn.log.warn({ callId: this.info.callId, mark: name }, 'mark never came back; assuming played');
          pb.settle('played');
        }
      }, playoutEndsIn + grace).unref?.();
    } else {
      // No marks in this protocol: done when the far end has played the last paced frame.
      this.draining.add(pb);
      pb.settleAfter(playoutEndsIn, () => this.draining.delete(pb));
    }
  }
}

class PlaybackImpl implements Playback {
  readonly seq: number;
  readonly done: Promise<PlaybackOutcome>;
  private resolve!: (o: PlaybackOutcome) => void;
  private readonly call: LineCall;
  private resampler: Resampler | null = null;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private frames: Uint8Array[] = [];
  private frameHead = 0;
  private _ended = false;
  private _settled = false;
  private settleTimer: NodeJS.Timeout | null = null;

  constructor(call: LineCall, seq: number) {
    this.call = call;
    this.seq = seq;
    this.done = new Promise((r) => (this.resolve = r));
  }

  get ended(): boolean {
    return this._ended;
  }

  get settled(): boolean {
    return this._settled;
  }

  write(chunk: PcmChunk): void {
    if (this._settled || this._ended) return;
    if (!(chunk?.pcm instanceof Int16Array) || !Number.isInteger(chunk.sampleRate) || chunk.sampleRate <= 0) {
      throw new TypeError('Playback.write expects { pcm: Int16Array, sampleRate: positive integer }');
    }
    if (!this.resampler || this.resampler.from !== chunk.sampleRate) {
      if (this.resampler) this.encode(this.resampler.flush());
      this.resampler = new Resampler(chunk.sampleRate, this.call.sampleRate);
    }
    this.encode(this.resampler.push(chunk.pcm));
    this.call.kick();
  }

  end(): void {
    if (this._settled || this._ended) return;
    if (this.resampler) this.encode(this.resampler.flush());
    // Pad the last partial frame with silence: Asterisk drops partial frames, and every protocol
    // is happier with whole 20 ms frames.
    if (this.pendingBytes > 0) {
      const pad = new Uint8Array(this.call.lineFrameBytes - this.pendingBytes).fill(silenceByte(this.call.codec));
      this.appendBytes(pad);
    }
    this._ended = true;
    this.call.kick();
  }

  private encode(pcm: Int16Array): void {
    if (pcm.length) this.appendBytes(encodeLine(this.call.codec, pcm));
  }

  private appendBytes(bytes: Uint8Array): void {
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    const fb = this.call.lineFrameBytes;
    if (this.pendingBytes < fb) return;
    const all = Buffer.concat(this.pending);
    let off = 0;
    for (; off + fb <= all.length; off += fb) this.frames.push(new Uint8Array(all.subarray(off, off + fb)));
    this.pending = off < all.length ? [new Uint8Array(all.subarray(off))] : [];
    this.pendingBytes = all.length - off;
  }

  takeFrame(): Uint8Array | null {
    if (this.frameHead >= this.frames.length) return null;
    const f = this.frames[this.frameHead++];
    if (this.frameHead > 256) {
      this.frames = this.frames.slice(this.frameHead);
      this.frameHead = 0;
    }
    return f;
  }

  settle(outcome: PlaybackOutcome): void {
    if (this._settled) return;
    this._settled = true;
    this._ended = true;
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.frames = [];
    this.pending = [];
    this.resolve(outcome);
  }

  settleAfter(ms: number, then: () => void): void {
    if (this._settled) return;
    this.settleTimer = setTimeout(() => {
      this.settle('played');
      then();
    }, ms);
  }
}
