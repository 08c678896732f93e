import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { createOnnxAsr } from '../src/engines/asr/onnx.js';
import type { AsrEngine, AsrFinal, AsrPartial } from '../src/engines/asr/types.js';
import { readWav } from '../src/audio/wav.js';
import { resample } from '../src/audio/resample.js';
import { createGrpcAsr } from '../src/engines/grpc/asr-client.js';
import { checkEngineServer } from '../src/engines/grpc/health.js';
import { loadEnginesPackage, pcmToBytes } from '../src/engines/grpc/proto.js';
import { EngineError, EngineUnavailableError } from '../src/engines/errors.js';
import { spawnEngineServer, type EngineServerProcess } from './helpers/grpc_engine_server.js';

const MODEL_DIR = 'models/asr-fa';
const FIXTURES = ['fixtures/audio/operator.wav', 'fixtures/audio/outage.wav', 'fixtures/audio/slow.wav'];

/**
 * Pushes audio in 20 ms frames, as the call session does, yielding to the event loop every
 * 100 ms of audio (the session receives frames over a socket) so partial decoding can run; then finalises.
 */
async function recognise(
  engine: AsrEngine,
  pcm: Int16Array,
  options: { hotwords?: string[]; onPartial?: (p: AsrPartial) => void } = {},
  pauseMs = 5,
): Promise<AsrFinal> {
  const stream = engine.createStream(options);
  const frame = engine.sampleRate / 50;
  for (let at = 0, n = 0; at < pcm.length; at += frame, n++) {
    stream.push(pcm.subarray(at, at + frame));
    if (n % 5 === 4) await new Promise((r) => setTimeout(r, pauseMs));
  }
  return stream.finalize();
}

describe('ASR over gRPC from a real engine-server process', () => {
  let server: EngineServerProcess;
  let local: AsrEngine;
  let remote: AsrEngine;
  const audio: Int16Array[] = [];

  beforeAll(async () => {
    [server, local] = await Promise.all([
      spawnEngineServer(['--engines', 'asr', '--asr-model', MODEL_DIR]),
      createOnnxAsr({ modelDir: MODEL_DIR }),
    ]);
    remote = createGrpcAsr({ url: server.url, sampleRate: local.sampleRate, timeoutMs: 10_000 });
    for (const path of FIXTURES) {
      const wav = await readWav(path);
      audio.push(resample(wav.pcm, wav.sampleRate, local.sampleRate));
    }
  });
  afterAll(async () => {
    await remote?.close();
    await local?.close();
    expect(await server?.stop()).toBe(0);
  });

  it('says it serves ASR at the model rate and no TTS', async () => {
    const health = await checkEngineServer(server.url, { timeoutMs: 5000 });
    expect(health.status).toBe('SERVING');
    expect(health.asr?.sampleRate).toBe(local.sampleRate);
    expect(health.tts).toBeNull();
  });

  it('gives the same transcript, alternatives, confidence and duration as the in-process engine for each fixture', async () => {
    for (const pcm of audio) {
      const [viaGrpc, inProcess] = await Promise.all([recognise(remote, pcm), recognise(local, pcm)]);
      expect(inProcess.text.length).toBeGreaterThan(5);
      expect(viaGrpc.text).toBe(inProcess.text);
      // The other readings travel too, so understanding can use them whichever engine heard the caller.
      expect(viaGrpc.alternatives ?? []).toEqual(inProcess.alternatives ?? []);
      expect(viaGrpc.audioSeconds).toBeCloseTo(inProcess.audioSeconds, 6);
      expect(viaGrpc.confidence).toBeCloseTo(inProcess.confidence!, 5);
    }
  });

  it('sends the hotwords along: they change the transcript on the server exactly as in process', async () => {
    // A near-miss of a word the model hears makes the bias visible whatever the model's accuracy:
    // find one that changes the in-process transcript, then the server must change it the same way.
    const plain = await recognise(local, audio[1]);
    const candidates = plain.text.split(' ').filter((w) => w.length >= 3).flatMap((w) => [[w.slice(0, -1)], [`${w}ه`], [`${w}ی`]]);
    let hotwords: string[] | null = null;
    let biased = plain;
    for (const candidate of candidates) {
      biased = await recognise(local, audio[1], { hotwords: candidate });
      if (biased.text !== plain.text) {
        hotwords = candidate;
        break;
      }
    }
    expect(hotwords, `no near-miss hotword changed «${plain.text}»`).not.toBeNull();
    const viaGrpc = await recognise(remote, audio[1], { hotwords: hotwords! });
    expect(viaGrpc.text).toBe(biased.text);
  });

  it('streams partial hypotheses while the caller speaks', async () => {
    const partials: string[] = [];
    // At 5× real time, so the audio arrives spread out as from a caller and partials have time to run.
    await recognise(remote, audio[1], { onPartial: (p) => partials.push(p.text) }, 20);
    const localPartials: string[] = [];
    await recognise(local, audio[1], { onPartial: (p) => localPartials.push(p.text) }, 20);
    expect(localPartials.length).toBeGreaterThan(0);
    expect(partials.length).toBeGreaterThan(0);
  });

  it('accepts audio at another rate than the model rate and resamples it on the server', async () => {
    // A wideband client (16 kHz, e.g. WebRTC) talking to the 8 kHz telephone model.
    const clientRate = local.sampleRate === 16000 ? 8000 : 16000;
    const wideband = createGrpcAsr({ url: server.url, sampleRate: clientRate, timeoutMs: 10_000 });
    try {
      const pcm = resample(audio[1], local.sampleRate, clientRate);
      const stream = wideband.createStream();
      stream.push(pcm);
      const final = await stream.finalize();
      expect(final.audioSeconds).toBeCloseTo(audio[1].length / local.sampleRate, 2);
      expect(final.text).toBe((await recognise(local, audio[1])).text);
    } finally {
      await wideband.close();
    }
  });

  it('drops the utterance on the server when the caller barges in (stream cancelled)', async () => {
    const stream = remote.createStream();
    stream.push(audio[2].subarray(0, local.sampleRate));
    await new Promise((r) => setTimeout(r, 200));
    stream.cancel();
    await server.waitForLog((l) => l.msg === 'asr stream cancelled by client', 10_000);
    await expect(stream.finalize()).rejects.toThrow(EngineError);
  });

  it('reports an unreachable server as EngineUnavailableError, also before finalize', async () => {
    const nowhere = createGrpcAsr({ url: '127.0.0.1:1', sampleRate: local.sampleRate, timeoutMs: 5000 });
    try {
      const early = new Promise<Error>((resolve) => {
        const stream = nowhere.createStream({ onError: resolve });
        stream.push(audio[0]);
      });
      expect(await early).toBeInstanceOf(EngineUnavailableError);
      const stream = nowhere.createStream();
      stream.push(audio[0]);
      await expect(stream.finalize()).rejects.toThrow(EngineUnavailableError);
    } finally {
      await nowhere.close();
    }
  });

  describe('refuses malformed streams with INVALID_ARGUMENT and a message that says what is wrong', () => {
    type Msg = Record<string, unknown>;
    async function send(messages: Msg[]): Promise<grpc.ServiceError> {
      const { Asr } = loadEnginesPackage();
      const client = new Asr(server.url, grpc.credentials.createInsecure());
      try {
        return await new Promise<grpc.ServiceError>((resolve, reject) => {
          const call = client.Recognize({ deadline: Date.now() + 10_000 });
          call.on('data', () => {});
          call.on('error', resolve);
          call.on('end', () => reject(new Error('stream ended without an error')));
          for (const m of messages) call.write(m);
          call.end();
        });
      } finally {
        client.close();
      }
    }
    const config = (sampleRate: number) => ({ config: { sampleRate, hotwords: [], partials: false } });

    it('audio before config', async () => {
      const err = await send([{ audio: pcmToBytes(new Int16Array(160)) }, { finalize: true }]);
      expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err.details).toMatch(/audio before config/);
    });
    it('an impossible sample rate', async () => {
      const err = await send([config(1000), { finalize: true }]);
      expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err.details).toMatch(/sample_rate must be between 8000 and 48000/);
    });
    it('half a sample of audio', async () => {
      const err = await send([config(local.sampleRate), { audio: Buffer.from([1, 2, 3]) }, { finalize: true }]);
      expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err.details).toMatch(/even byte length/);
    });
    it('config twice', async () => {
      const err = await send([config(local.sampleRate), config(local.sampleRate), { finalize: true }]);
      expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err.details).toMatch(/config sent twice/);
    });
    it('an empty message', async () => {
      const err = await send([{}]);
      expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err.details).toMatch(/exactly one of config, audio or finalize/);
    });
    it('closing the stream without finalize', async () => {
      const err = await send([config(local.sampleRate), { audio: pcmToBytes(new Int16Array(160)) }]);
      expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err.details).toMatch(/closed before finalize/);
    });
    it('and keeps serving good streams afterwards', async () => {
      const final = await recognise(remote, audio[0]);
      expect(final.audioSeconds).toBeGreaterThan(1);
    });
  });
});
