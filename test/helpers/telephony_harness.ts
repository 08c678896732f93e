/**
 * Test harness for the telephony adapters: a real HTTP server on 127.0.0.1:0 with the media
 * endpoints attached, a trivial "session" driven by keypad digits, and small client helpers.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { configSchema, type Config } from '../../src/config/schema.js';
import { sineWave } from '../../src/audio/pcm.js';
import { attachMediaEndpoints } from '../../src/telephony/ws_endpoints.js';
import { createTelephonyCounters, type TelephonyCounters } from '../../src/telephony/metrics.js';
import type { TelephonyLogger } from '../../src/telephony/logger.js';
import type { CallChannel, PlaybackOutcome } from '../../src/telephony/types.js';

export const TOKEN = 'test-media-token-0123456789abcdef';

export interface LogLine {
  level: string;
  obj: object;
  msg?: string;
}

export function recordingLogger(): TelephonyLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj, msg });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** What the test session saw of one call. */
export interface SessionRecord {
  channel: CallChannel;
  /** Audio the far end sent (and losses it reported), without the silence filled for pauses. */
  samples: Int16Array[];
  /** Samples of silence filled in for pauses in the far end's media. */
  filled: number;
  digits: string[];
  outcomes: PlaybackOutcome[];
  /** performance.now() when each outcome settled, in the same order. */
  outcomeAt: number[];
  ended: string | null;
  endedAt: Promise<string>;
}

/**
 * Keypad-driven session: 1 → play 300 ms of 1 kHz at 16 kHz (exercises resampling), 2 → play 3 s,
 * 3 → clear (barge-in), 4 → two playbacks back to back, 9 → hang up.
 */
export function keypadSession(records: SessionRecord[]) {
  return (channel: CallChannel) => {
    let endResolve!: (r: string) => void;
    const rec: SessionRecord = { channel, samples: [], filled: 0, digits: [], outcomes: [], outcomeAt: [], ended: null, endedAt: new Promise((r) => (endResolve = r)) };
    records.push(rec);
    const play = (ms: number, freq = 1000) => {
      const pb = channel.startPlayback();
      const pcm = sineWave(freq, 16000, (16000 * ms) / 1000, 0.5);
      // Written in uneven chunks, as a streaming TTS would.
      for (let i = 0; i < pcm.length; i += 1234) pb.write({ pcm: pcm.subarray(i, i + 1234), sampleRate: 16000 });
      pb.end();
      void pb.done.then((o) => {
        rec.outcomes.push(o);
        rec.outcomeAt.push(performance.now());
      });
    };
    channel.onAudio((pcm, filled) => {
      if (filled) rec.filled += pcm.length;
      else rec.samples.push(pcm);
    });
    channel.onDtmf((d) => {
      rec.digits.push(d);
      if (d === '1') play(300);
      if (d === '2') play(3000);
      if (d === '3') channel.clear();
      if (d === '4') {
        play(200, 500);
        play(200, 1500);
      }
      if (d === '9') channel.hangup('caller pressed 9');
    });
    channel.onEnd((r) => {
      rec.ended = r;
      endResolve(r);
    });
  };
}

export interface Harness {
  server: Server;
  port: number;
  url(path: string): string;
  records: SessionRecord[];
  counters: TelephonyCounters;
  logger: ReturnType<typeof recordingLogger>;
  config: Config;
  close(): Promise<void>;
}

export async function startHarness(overrides: { maxFrameBytes?: number; startTimeoutMs?: number; keepaliveMs?: number } = {}): Promise<Harness> {
  const config = configSchema.parse({
    security: { mediaTokens: [TOKEN] },
    telephony: { maxFrameBytes: overrides.maxFrameBytes ?? 64 * 1024 },
  });
  const server = createServer((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  const records: SessionRecord[] = [];
  const counters = createTelephonyCounters();
  const logger = recordingLogger();
  const endpoints = attachMediaEndpoints(server, {
    config,
    onCall: keypadSession(records),
    logger,
    metrics: counters,
    startTimeoutMs: overrides.startTimeoutMs,
    keepaliveMs: overrides.keepaliveMs,
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: (path) => `ws://127.0.0.1:${port}${path}`,
    records,
    counters,
    logger,
    config,
    async close() {
      await endpoints.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export interface Received {
  at: number;
  data: Buffer;
  binary: boolean;
}

/** A WebSocket client that records everything it receives, with arrival times. */
export class TestClient {
  readonly ws: WebSocket;
  readonly received: Received[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Array<() => void> = [];

  constructor(url: string, headers: Record<string, string> = {}, protocols?: string[]) {
    this.ws = protocols ? new WebSocket(url, protocols, { headers }) : new WebSocket(url, { headers });
    this.ws.on('error', () => {});
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    this.closed = new Promise((resolve) => this.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    this.ws.on('message', (data, binary) => {
      this.received.push({ at: performance.now(), data: data as Buffer, binary });
      for (const w of this.waiters.splice(0)) w();
    });
  }

  sendJson(obj: unknown): void {
    this.ws.send(JSON.stringify(obj));
  }

  sendText(text: string): void {
    this.ws.send(text);
  }

  sendBinary(bytes: Uint8Array): void {
    this.ws.send(bytes, { binary: true });
  }

  texts(): string[] {
    return this.received.filter((r) => !r.binary).map((r) => r.data.toString());
  }

  jsons(): Array<Record<string, any>> {
    return this.texts().map((t) => JSON.parse(t));
  }

  binaries(): Received[] {
    return this.received.filter((r) => r.binary);
  }

  /** Wait until `pred` holds over what has been received. */
  async until(pred: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 50));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }
}

export async function waitFor(pred: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Level of one frequency (dBFS of a sine of that amplitude), by single-bin DFT with a Hann window. */
export function toneLevelDb(pcm: Int16Array, rate: number, freq: number): number {
  let re = 0;
  let im = 0;
  let wsum = 0;
  for (let i = 0; i < pcm.length; i++) {
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (pcm.length - 1));
    const a = (2 * Math.PI * freq * i) / rate;
    re += w * pcm[i] * Math.cos(a);
    im -= w * pcm[i] * Math.sin(a);
    wsum += w;
  }
  return 20 * Math.log10((2 * Math.hypot(re, im)) / wsum / 32767);
}
