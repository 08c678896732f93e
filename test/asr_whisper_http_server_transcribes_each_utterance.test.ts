import { afterEach, describe, expect, it } from 'vitest';
import { sineWave } from '../src/audio/pcm.js';
import { loadConfig } from '../src/config/load.js';
import { createAsrEngine } from '../src/engines/factory.js';
import { withAsrFallback } from '../src/engines/asr/fallback.js';
import { createWhisperHttpAsr } from '../src/engines/asr/whisper-http.js';
import { fixedLocalAsr, recognise, startWhisperStandin } from './helpers/asr_standins.js';

const oneAndHalfSeconds = sineWave(300, 8000, 12000, 0.3);

describe('the Whisper-HTTP backend against an OpenAI-style transcription server', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  it('uploads the utterance as one 16 kHz WAV in a multipart POST /v1/audio/transcriptions and returns its text', async () => {
    const whisper = await startWhisperStandin({ text: ' اینترنتم  قطع شده ' });
    closers.push(whisper.close);
    const engine = createWhisperHttpAsr({ url: whisper.url, sampleRate: 8000, model: 'Systran/faster-whisper-small', language: 'fa', apiKey: 'k-123', timeoutMs: 2000 });
    const final = await recognise(engine, oneAndHalfSeconds, { hotwords: ['مودم', 'اینترنت'] });
    expect(final).toEqual({ text: 'اینترنتم قطع شده', audioSeconds: 1.5 });
    const [request] = whisper.requests;
    expect(request.fields).toEqual({ model: 'Systran/faster-whisper-small', language: 'fa', response_format: 'json', temperature: '0', prompt: 'مودم اینترنت' });
    expect(request.file).toEqual({ name: 'utterance.wav', type: 'audio/wav', sampleRate: 16000, samples: 24000 });
    expect(request.authorization).toBe('Bearer k-123');
    await engine.close();
  });

  it('sends nothing for an utterance that was cancelled (barge-in dropped, call ended)', async () => {
    const whisper = await startWhisperStandin({ text: 'x' });
    closers.push(whisper.close);
    const engine = createWhisperHttpAsr({ url: whisper.url, sampleRate: 8000, timeoutMs: 2000 });
    const stream = engine.createStream();
    stream.push(oneAndHalfSeconds);
    stream.cancel();
    await expect(stream.finalize()).rejects.toThrow(/cancelled/);
    expect(whisper.requests).toHaveLength(0);
  });

  it('falls back to the local model when the server is slow, failing or gone', async () => {
    const slow = await startWhisperStandin({ text: 'دیر', delayMs: 3000 });
    const failing = await startWhisperStandin({ text: 'x', status: 503 });
    closers.push(slow.close, failing.close);
    for (const url of [slow.url, failing.url, 'http://127.0.0.1:9']) {
      const local = fixedLocalAsr('محلی');
      const causes: string[] = [];
      const engine = withAsrFallback(createWhisperHttpAsr({ url, sampleRate: 8000, timeoutMs: 500 }), local, { timeoutMs: 500, onFallback: (e) => causes.push(e.cause) });
      expect((await recognise(engine, oneAndHalfSeconds)).text, url).toBe('محلی');
      expect(local.heardSamples).toEqual([oneAndHalfSeconds.length]);
      expect(causes).toEqual([url === slow.url ? 'timeout' : 'unavailable']);
      await engine.close();
    }
  });

  it('is chosen by one line of config, with the local model behind it', async () => {
    const whisper = await startWhisperStandin({ text: 'ساعت کاری' });
    closers.push(whisper.close);
    const engine = await createAsrEngine(loadConfig({}, { asr: { backend: 'whisper-http', whisperUrl: whisper.url } }));
    expect(engine.name).toMatch(/^whisper-http\(127\.0\.0\.1:\d+\)\|/);
    expect((await recognise(engine, oneAndHalfSeconds)).text).toBe('ساعت کاری');
    expect(whisper.requests[0].fields).toMatchObject({ model: 'whisper-1', language: 'fa' });
    await engine.close();
  });
});
