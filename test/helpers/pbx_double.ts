/**
 * A stand-in for a real Asterisk, built from what Asterisk does rather than what a simulator would
 * like it to do:
 *  - no media at all while the caller's side is quiet (`Wait()`, Local channels, silence suppression);
 *    `silence` steps send recorded silence instead, as `Playback(silence/…)` would;
 *  - chan_websocket: connects to `/media/asterisk` with the `media` subprotocol, Basic auth from
 *    websocket_client.conf, `v(…)` URI parameters, MEDIA_START as plain text or JSON (`f(json)`)
 *    with `channel_variables`, DTMF_END, MEDIA_XOFF/XON; obeys FLUSH_MEDIA and HANGUP;
 *  - AudioSocket: TCP, a UUID frame, signed-linear 8 kHz frames, DTMF and hang-up frames.
 * Bot audio is timed on arrival so a test can measure from the real end of the caller's speech.
 */
import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';
import { l16Decode, l16Encode, ulawDecode, ulawEncode } from '../../src/audio/g711.js';
import { AS_KIND, AudioSocketDeframer, audioSocketFrame } from '../../src/telephony/serializers/audiosocket.js';

/** What the caller's side of the PBX does, in order. PCM is 8 kHz mono. */
export type PbxStep =
  | { speak: Int16Array }
  /** Nothing is sent: the PBX is quiet (Wait(n)). */
  | { wait: number }
  /** Recorded silence is streamed (Playback of a silent file). */
  | { silence: number }
  | { dtmf: string }
  /** Wait, sending nothing, until the bot has sent audio and then been quiet for this many ms. */
  | { untilBotQuiet: number; maxMs?: number }
  /** Wait, sending nothing, until bot audio arrives after the end of the caller's last speech. */
  | { untilBotSpeaks: number };

export interface BotAudioFrame {
  at: number;
  pcm: Int16Array;
}

export interface PbxCallResult {
  /** performance.now() of the last speech frame of each `speak` step (the real end of speech). */
  speechEnds: number[];
  frames: BotAudioFrame[];
  commands: string[];
  closed: boolean;
}

const FRAME_SAMPLES = 160;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The part every PBX flavour shares: running the caller's script in real time. */
abstract class PbxLine {
  readonly frames: BotAudioFrame[] = [];
  readonly commands: string[] = [];
  readonly speechEnds: number[] = [];
  closed = false;
  protected closedResolve!: () => void;
  readonly whenClosed = new Promise<void>((r) => (this.closedResolve = r));

  protected abstract sendAudio(pcm: Int16Array): void;
  protected abstract sendDtmf(digit: string): void;
  abstract hangup(): void;

  protected botAudio(pcm: Int16Array): void {
    this.frames.push({ at: performance.now(), pcm });
  }

  protected markClosed(): void {
    this.closed = true;
    this.closedResolve();
  }

  /** Paced 20 ms frames, as a channel reads them from the caller. */
  private async stream(pcm: Int16Array): Promise<void> {
    const t0 = performance.now();
    for (let i = 0, n = 0; i < pcm.length && !this.closed; i += FRAME_SAMPLES, n++) {
      const frame = new Int16Array(FRAME_SAMPLES);
      frame.set(pcm.subarray(i, i + FRAME_SAMPLES));
      this.sendAudio(frame);
      const due = t0 + (n + 1) * 20 - performance.now();
      if (due > 0) await sleep(due);
    }
  }

  async run(steps: PbxStep[]): Promise<PbxCallResult> {
    for (const step of steps) {
      if (this.closed) break;
      if ('speak' in step) {
        await this.stream(step.speak);
        this.speechEnds.push(performance.now());
      } else if ('wait' in step) {
        await Promise.race([sleep(step.wait), this.whenClosed]);
      } else if ('silence' in step) {
        await this.stream(new Int16Array((step.silence * 8000) / 1000));
      } else if ('dtmf' in step) {
        this.sendDtmf(step.dtmf);
      } else if ('untilBotSpeaks' in step) {
        const deadline = performance.now() + step.untilBotSpeaks;
        const since = this.speechEnds[this.speechEnds.length - 1] ?? 0;
        while (!this.closed && performance.now() < deadline && this.firstBotAudioAfter(since) === null) await sleep(20);
      } else {
        const deadline = performance.now() + (step.maxMs ?? 60_000);
        const heardSince = this.frames.length;
        while (!this.closed && performance.now() < deadline) {
          const last = this.frames[this.frames.length - 1];
          if (this.frames.length > heardSince && performance.now() - last.at >= step.untilBotQuiet) break;
          await sleep(20);
        }
      }
    }
    return { speechEnds: this.speechEnds, frames: this.frames, commands: this.commands, closed: this.closed };
  }

  /** Bot audio that arrived after `since`, in ms of audio. */
  botAudioMsSince(since: number): number {
    return this.frames.filter((f) => f.at > since).reduce((ms, f) => ms + f.pcm.length / 8, 0);
  }

  firstBotAudioAfter(since: number): number | null {
    return this.frames.find((f) => f.at > since)?.at ?? null;
  }
}

export interface ChanWebSocketOptions {
  /** ws://host:port/media/asterisk */
  url: string;
  /** websocket_client.conf `password` (sent as Basic auth, as Asterisk does). */
  token: string;
  /** Dial-string `v(…)` URI parameters, e.g. { from: '09121234567' }. */
  uriParams?: Record<string, string>;
  /** `f(json)` in the dial string: control messages as JSON. */
  json?: boolean;
  channel?: string;
  channelVariables?: Record<string, string>;
  /** Answer pings (a live peer). False makes a peer that vanished without closing. */
  autoPong?: boolean;
}

/** Asterisk's chan_websocket, dialled as `WebSocket/pasokh/c(ulaw)v(from=…)`. */
export class ChanWebSocketDouble extends PbxLine {
  readonly channel: string;
  readonly connectionId = randomUUID();
  private readonly ws: WebSocket;
  private readonly opts: ChanWebSocketOptions;

  private constructor(opts: ChanWebSocketOptions, ws: WebSocket) {
    super();
    this.opts = opts;
    this.ws = ws;
    this.channel = opts.channel ?? `WebSocket/pasokh-${Math.floor(Math.random() * 1e8).toString(16).padStart(8, '0')}`;
    ws.on('message', (data, binary) => {
      if (binary) return this.botAudio(ulawDecode(data as Buffer));
      const text = data.toString();
      const command = text.startsWith('{') ? String(JSON.parse(text).command) : text.trim();
      this.commands.push(command);
      if (command === 'HANGUP') ws.close(1000, 'hangup');
    });
    ws.on('close', () => this.markClosed());
  }

  static async dial(opts: ChanWebSocketOptions): Promise<ChanWebSocketDouble> {
    const url = new URL(opts.url);
    for (const [k, v] of Object.entries(opts.uriParams ?? {})) url.searchParams.set(k, v);
    const ws = new WebSocket(url, ['media'], {
      headers: { authorization: `Basic ${Buffer.from(`asterisk:${opts.token}`).toString('base64')}` },
      autoPong: opts.autoPong ?? true,
    });
    ws.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
    const line = new ChanWebSocketDouble(opts, ws);
    line.control('MEDIA_START', {
      connection_id: line.connectionId,
      channel: line.channel,
      format: 'ulaw',
      optimal_frame_size: 160,
      ptime: 20,
      ...(opts.channelVariables ? { channel_variables: opts.channelVariables } : {}),
    });
    return line;
  }

  /** A control message in the format the dial string chose. */
  control(event: string, fields: Record<string, unknown> = {}): void {
    if (this.opts.json) return this.ws.send(JSON.stringify({ event, ...fields }));
    // The plain format has no place for channel variables: they exist only in JSON.
    const plain = Object.entries(fields).filter(([, v]) => typeof v !== 'object').map(([k, v]) => `${k}:${v}`);
    this.ws.send([event, ...plain].join(' '));
  }

  protected sendAudio(pcm: Int16Array): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(ulawEncode(pcm), { binary: true });
  }

  protected sendDtmf(digit: string): void {
    this.control('DTMF_END', { digit });
  }

  hangup(): void {
    this.ws.close(1000);
  }
}

/** Asterisk's AudioSocket (`AudioSocket(uuid,host:port)` or `Dial(AudioSocket/host:port/uuid)`). */
export class AudioSocketDouble extends PbxLine {
  readonly uuid = randomUUID();
  private readonly deframer = new AudioSocketDeframer();

  private constructor(private readonly socket: Socket) {
    super();
    socket.on('data', (chunk) => {
      for (const frame of this.deframer.push(chunk)) {
        if (frame[0] === AS_KIND.slin) this.botAudio(l16Decode(frame.subarray(3)));
        else if (frame[0] === AS_KIND.hangup) this.commands.push('HANGUP');
      }
    });
    socket.on('close', () => this.markClosed());
    socket.on('error', () => {});
  }

  static async dial(port: number, host = '127.0.0.1'): Promise<AudioSocketDouble> {
    const socket = connect(port, host);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    const line = new AudioSocketDouble(socket);
    socket.write(audioSocketFrame(AS_KIND.uuid, Buffer.from(line.uuid.replace(/-/g, ''), 'hex')));
    return line;
  }

  protected sendAudio(pcm: Int16Array): void {
    if (!this.socket.destroyed) this.socket.write(audioSocketFrame(AS_KIND.slin, l16Encode(pcm)));
  }

  protected sendDtmf(digit: string): void {
    this.socket.write(audioSocketFrame(AS_KIND.dtmf, Buffer.from(digit)));
  }

  hangup(): void {
    if (!this.socket.destroyed) this.socket.end(audioSocketFrame(AS_KIND.hangup));
  }
}
