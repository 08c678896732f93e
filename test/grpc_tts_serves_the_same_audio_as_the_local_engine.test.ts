import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEspeakTts } from '../src/engines/tts/espeak/engine.js';
import type { TtsEngine } from '../src/engines/tts/types.js';
import type { PcmChunk } from '../src/audio/types.js';
import { createGrpcTts } from '../src/engines/grpc/tts-client.js';
import { checkEngineServer } from '../src/engines/grpc/health.js';
import { EngineRequestError, EngineUnavailableError } from '../src/engines/errors.js';
import { spawnEngineServer, type EngineServerProcess } from './helpers/grpc_engine_server.js';

const ANSWER = 'برای پیگیری سفارش، کد ۴۵۶۷۸ را به ۳۰۰۰۱۲ پیامک کنید. هزینه اشتراک ماهانه ۲۵۰ هزار تومان است.';
const LONG =
  'مشترک گرامی، سرعت اینترنت شما به دلیل اتمام حجم بسته کاهش یافته است. ' .repeat(1) +
  'برای خرید بسته جدید می‌توانید از اپلیکیشن یا سایت استفاده کنید. '.repeat(8);

function concat(chunks: PcmChunk[]): Int16Array {
  const out = new Int16Array(chunks.reduce((n, c) => n + c.pcm.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c.pcm, at);
    at += c.pcm.length;
  }
  return out;
}

/** 20 ms frame energies: what a listener hears, robust to eSpeak's few-sample run-to-run jitter. */
function envelope(pcm: Int16Array, sampleRate: number): number[] {
  const frame = Math.round(sampleRate / 50);
  const out: number[] = [];
  for (let start = 0; start + frame <= pcm.length; start += frame) {
    let sum = 0;
    for (let i = start; i < start + frame; i++) sum += pcm[i] * pcm[i];
    out.push(Math.sqrt(sum / frame));
  }
  return out;
}

function correlation(a: number[], b: number[]): number {
  const n = Math.min(a.length, b.length);
  const mean = (x: number[]) => x.slice(0, n).reduce((s, v) => s + v, 0) / n;
  const ma = mean(a);
  const mb = mean(b);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

/** eSpeak NG's output length varies from run to run (±10 ms on a 5 s sentence); far below a syllable. */
const SAME_LENGTH_TOLERANCE_S = 0.03;

async function collect(engine: TtsEngine, text: string): Promise<PcmChunk[]> {
  const chunks: PcmChunk[] = [];
  for await (const chunk of engine.synthesize(text)) chunks.push(chunk);
  return chunks;
}

describe('TTS over gRPC from a real engine-server process', () => {
  let server: EngineServerProcess;
  let local: TtsEngine;
  let remote: TtsEngine;

  beforeAll(async () => {
    [server, local] = await Promise.all([spawnEngineServer(['--engines', 'tts']), createEspeakTts({ voice: 'fa' })]);
    remote = createGrpcTts({ url: server.url, voice: local.voice, timeoutMs: 10_000 });
  });
  afterAll(async () => {
    await remote?.close();
    expect(await server?.stop()).toBe(0);
  });

  it('says it serves TTS with the configured voice and no ASR', async () => {
    const health = await checkEngineServer(server.url, { timeoutMs: 5000 });
    expect(health.status).toBe('SERVING');
    expect(health.tts?.voice).toBe(local.voice);
    expect(health.asr).toBeNull();
    expect((await checkEngineServer(server.url, { timeoutMs: 5000, service: 'asr' })).status).toBe('NOT_SERVING');
  });

  it('returns the same audio as the in-process engine: same rate, same length, same loudness contour', async () => {
    const [viaGrpc, inProcess] = await Promise.all([collect(remote, ANSWER), collect(local, ANSWER)]);
    const rate = inProcess[0].sampleRate;
    expect(viaGrpc.every((c) => c.sampleRate === rate)).toBe(true);
    const a = concat(viaGrpc);
    const b = concat(inProcess);
    expect(b.length / rate).toBeGreaterThan(2);
    expect(Math.abs(a.length - b.length) / rate).toBeLessThan(SAME_LENGTH_TOLERANCE_S);
    expect(correlation(envelope(a, rate), envelope(b, rate))).toBeGreaterThan(0.95);
  });

  it('streams: a long answer arrives as many chunks, not one block at the end', async () => {
    const chunks = await collect(remote, LONG);
    expect(chunks.length).toBeGreaterThan(5);
  });

  it('serves several calls at once', async () => {
    const texts = ['سلام، خوش آمدید.', 'لطفا شماره اشتراک خود را بگویید.', 'آیا کار دیگری هست که بتوانم برایتان انجام دهم؟'];
    const [remoteAudio, localAudio] = await Promise.all([
      Promise.all(texts.map((t) => collect(remote, t).then(concat))),
      Promise.all(texts.map((t) => collect(local, t).then(concat))),
    ]);
    const rate = (await collect(local, texts[0]))[0].sampleRate;
    for (let i = 0; i < texts.length; i++) {
      expect(Math.abs(remoteAudio[i].length - localAudio[i].length) / rate).toBeLessThan(SAME_LENGTH_TOLERANCE_S);
    }
  });

  it('holds synthesis back while the client reads slowly (back-pressure), instead of buffering the whole answer', async () => {
    const text = 'برای خرید بسته جدید می‌توانید از اپلیکیشن یا سایت استفاده کنید. '.repeat(6);
    const finished = () => server.logs.filter((l) => l.msg === 'tts text synthesised');
    const before = finished().length;
    let chunks = 0;
    const started = Date.now();
    for await (const _ of remote.synthesize(text)) {
      chunks++;
      await new Promise((r) => setTimeout(r, 10));
    }
    const readMs = Date.now() - started;
    await server.waitForLog(() => finished().length > before);
    const serverMs = Number(finished().at(-1)!.totalMs);
    expect(chunks).toBeGreaterThan(200);
    expect(readMs).toBeGreaterThan(2000);
    // The server can only finish once the reader has taken all but the few dozen chunks that fit
    // in the HTTP/2 window and stream buffers (≈ 0.5 s of reading here). Without back-pressure it
    // finishes as fast as eSpeak synthesises, long before the reader is done.
    expect(serverMs).toBeGreaterThan(readMs - 1200);
  });

  it('stops synthesising on the server when the caller barges in', async () => {
    const stop = new AbortController();
    let received = 0;
    for await (const chunk of remote.synthesize(LONG, { signal: stop.signal })) {
      received += chunk.pcm.length;
      stop.abort();
    }
    expect(received).toBeGreaterThan(0);
    await server.waitForLog((l) => l.msg === 'tts synthesis cancelled by client', 10_000);
  });

  it('refuses an empty text with a clear error instead of silence', async () => {
    await expect(collect(remote, '   ')).rejects.toThrow(EngineRequestError);
    await expect(collect(remote, '   ')).rejects.toThrow(/text is empty/);
  });

  it('refuses a voice it does not speak, naming the one it has', async () => {
    const wrongVoice = createGrpcTts({ url: server.url, voice: 'espeak:fa+f3@200/50', timeoutMs: 5000 });
    try {
      await expect(collect(wrongVoice, ANSWER)).rejects.toThrow(EngineRequestError);
      await expect(collect(wrongVoice, ANSWER)).rejects.toThrow(local.voice);
    } finally {
      await wrongVoice.close();
    }
  });

  it('reports an unreachable server as EngineUnavailableError', async () => {
    const nowhere = createGrpcTts({ url: '127.0.0.1:1', voice: local.voice, timeoutMs: 5000 });
    try {
      await expect(collect(nowhere, ANSWER)).rejects.toThrow(EngineUnavailableError);
    } finally {
      await nowhere.close();
    }
  });
});
