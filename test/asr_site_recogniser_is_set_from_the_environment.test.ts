import { afterEach, describe, expect, it } from 'vitest';
import { sineWave } from '../src/audio/pcm.js';
import { loadConfig } from '../src/config/load.js';
import { createAsrEngine } from '../src/engines/factory.js';
import { recognise, startVoskStandin, startWhisperStandin } from './helpers/asr_standins.js';

// A site plugs in the recogniser it already runs the way the rest of a deployment is configured:
// PASOKH_… variables in the service's environment (systemd unit, container), no JSON file needed.
const utterance = sineWave(300, 8000, 12000, 0.3);

describe("a site's own recogniser named in the environment", () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  it('maps PASOKH_ASR_VOSK_URL, PASOKH_ASR_WHISPER_URL, _MODEL and _API_KEY onto asr.*', () => {
    const config = loadConfig({
      PASOKH_ASR_BACKEND: 'whisper-http',
      PASOKH_ASR_VOSK_URL: 'ws://10.0.0.7:2700',
      PASOKH_ASR_WHISPER_URL: 'http://10.0.0.8:8000',
      PASOKH_ASR_WHISPER_MODEL: 'Systran/faster-whisper-small',
      PASOKH_ASR_WHISPER_API_KEY: 'site-key-42',
    });
    expect(config.asr).toMatchObject({
      backend: 'whisper-http',
      voskUrl: 'ws://10.0.0.7:2700',
      whisperUrl: 'http://10.0.0.8:8000',
      whisperModel: 'Systran/faster-whisper-small',
      whisperApiKey: 'site-key-42',
    });
  });

  it('treats an empty variable as unset, and lets explicit overrides win over the environment', () => {
    const empty = loadConfig({ PASOKH_ASR_VOSK_URL: '', PASOKH_ASR_WHISPER_URL: '', PASOKH_ASR_WHISPER_MODEL: '' });
    expect(empty.asr.voskUrl).toBeUndefined();
    expect(empty.asr.whisperUrl).toBeUndefined();
    expect(empty.asr.whisperModel).toBe('whisper-1');
    const over = loadConfig({ PASOKH_ASR_VOSK_URL: 'ws://10.0.0.7:2700' }, { asr: { voskUrl: 'ws://127.0.0.1:2700' } });
    expect(over.asr.voskUrl).toBe('ws://127.0.0.1:2700');
  });

  it('reaches a Vosk server named only in the environment', async () => {
    const vosk = await startVoskStandin({ segments: ['قطعی اینترنت'] });
    closers.push(vosk.close);
    const engine = await createAsrEngine(loadConfig({ PASOKH_ASR_BACKEND: 'vosk', PASOKH_ASR_VOSK_URL: vosk.url }));
    expect(engine.name).toMatch(/^vosk\(127\.0\.0\.1:\d+\)\|/);
    expect((await recognise(engine, utterance)).text).toBe('قطعی اینترنت');
    await engine.close();
  });

  it('reaches a Whisper-HTTP server named only in the environment, with its model and key', async () => {
    const whisper = await startWhisperStandin({ text: 'ساعت کاری' });
    closers.push(whisper.close);
    const engine = await createAsrEngine(
      loadConfig({ PASOKH_ASR_BACKEND: 'whisper-http', PASOKH_ASR_WHISPER_URL: whisper.url, PASOKH_ASR_WHISPER_MODEL: 'large-v3', PASOKH_ASR_WHISPER_API_KEY: 'site-key-42' }),
    );
    expect((await recognise(engine, utterance)).text).toBe('ساعت کاری');
    expect(whisper.requests[0].fields).toMatchObject({ model: 'large-v3' });
    expect(whisper.requests[0].authorization).toBe('Bearer site-key-42');
    await engine.close();
  });

  it('names the variable to set when the backend is chosen without its server', async () => {
    await expect(createAsrEngine(loadConfig({ PASOKH_ASR_BACKEND: 'vosk' }))).rejects.toThrow(/PASOKH_ASR_VOSK_URL/);
    await expect(createAsrEngine(loadConfig({ PASOKH_ASR_BACKEND: 'whisper-http' }))).rejects.toThrow(/PASOKH_ASR_WHISPER_URL/);
  });
});
