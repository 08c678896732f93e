import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/load.js';
import { Speaker } from '../src/dialog/speaker.js';
import { EngineTimeoutError, type EngineFallbackEvent } from '../src/engines/errors.js';
import { FALLBACK_FIRST_AUDIO_MS, withTtsFallback } from '../src/engines/tts/fallback.js';
import type { SynthesisOptions, TtsEngine } from '../src/engines/tts/types.js';
import { RecordingChannel, ToneTts } from './helpers/scripted-call.js';

const TEXT = 'اشتراک شما تا پانزدهم مهر ماه فعال است.';

/** A voice that is connected but never sends a chunk (a frozen engine server); it ends only when aborted. */
function silentVoice(name: string): TtsEngine {
  return {
    name,
    voice: name,
    async *synthesize(_text: string, options: SynthesisOptions = {}) {
      await new Promise<never>((_, reject) => options.signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
    },
    async close() {},
  };
}

function speakWatched(speaker: Speaker) {
  const state: { firstAudioMs?: number; failure?: Error } = {};
  const utterance = speaker.speak(TEXT);
  utterance.firstAudio.then(
    (ms) => (state.firstAudioMs = ms),
    (err: Error) => (state.failure = err),
  );
  return { utterance, state };
}

describe('the first audio of a turn waits on one deadline, tts.timeoutMs', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('plays the local voice once a silent remote voice has had tts.timeoutMs, and the turn is no engine error', async () => {
    vi.useFakeTimers();
    const channel = new RecordingChannel();
    const events: EngineFallbackEvent[] = [];
    const tts = withTtsFallback(silentVoice('remote'), new ToneTts(), { timeoutMs: 3000, onFallback: (e) => events.push(e) });
    const { utterance, state } = speakWatched(new Speaker(channel, tts, 3000));

    await vi.advanceTimersByTimeAsync(2999);
    expect(channel.played[0].samples).toBe(0);
    expect(events).toEqual([]);

    await vi.advanceTimersByTimeAsync(1);
    expect(events).toMatchObject([{ engine: 'tts', from: 'remote', to: 'tone', cause: 'timeout' }]);
    expect(channel.played[0].samples).toBeGreaterThan(0);
    expect(state.failure).toBeUndefined();
    expect(state.firstAudioMs).toBeDefined();
    await vi.advanceTimersByTimeAsync(1000);
    expect(await utterance.done).toBe('played');
  });

  it('counts the turn as an engine error only when the fallback voice is silent too, its budget after tts.timeoutMs', async () => {
    vi.useFakeTimers();
    const channel = new RecordingChannel();
    const tts = withTtsFallback(silentVoice('remote'), silentVoice('local'), { timeoutMs: 3000 });
    const { state } = speakWatched(new Speaker(channel, tts, 3000));

    await vi.advanceTimersByTimeAsync(3000 + FALLBACK_FIRST_AUDIO_MS - 1);
    expect(state.failure).toBeUndefined();

    await vi.advanceTimersByTimeAsync(1);
    expect(state.failure).toBeInstanceOf(EngineTimeoutError);
    expect(state.failure?.message).toContain(String(3000 + FALLBACK_FIRST_AUDIO_MS));
    expect(channel.played[0].samples).toBe(0);
  });
});

describe('a site config that still sets dialog.engineTimeoutMs', () => {
  it('is read as tts.timeoutMs, with one warning naming the new key', () => {
    const warnings: string[] = [];
    const config = loadConfig({}, { dialog: { engineTimeoutMs: 4500, botName: 'پاسخ' } }, { warn: (m) => warnings.push(m) });
    expect(config.tts.timeoutMs).toBe(4500);
    expect(config.dialog).not.toHaveProperty('engineTimeoutMs');
    expect(config.dialog.botName).toBe('پاسخ');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/dialog\.engineTimeoutMs.*tts\.timeoutMs = 4500/);
  });

  it('gives way to tts.timeoutMs when both are set, and says the old key is ignored', () => {
    const warnings: string[] = [];
    const config = loadConfig({}, { dialog: { engineTimeoutMs: 4500 }, tts: { timeoutMs: 2000 } }, { warn: (m) => warnings.push(m) });
    expect(config.tts.timeoutMs).toBe(2000);
    expect(warnings).toEqual([expect.stringMatching(/dialog\.engineTimeoutMs.*ignored.*tts\.timeoutMs \(2000\)/)]);
  });

  it('from a PASOKH_CONFIG file starts with a Node deprecation warning on stderr, once however often it is loaded', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pasokh-config-')), 'site.json');
    writeFileSync(file, JSON.stringify({ dialog: { engineTimeoutMs: 5000 } }));
    const seen: Error[] = [];
    const onWarning = (w: Error) => seen.push(w);
    process.on('warning', onWarning);
    try {
      expect(loadConfig({ PASOKH_CONFIG: file }).tts.timeoutMs).toBe(5000);
      expect(loadConfig({ PASOKH_CONFIG: file }).tts.timeoutMs).toBe(5000);
      // process.emitWarning delivers on the next tick.
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    const ours = seen.filter((w) => w.message.includes('dialog.engineTimeoutMs'));
    expect(ours).toHaveLength(1);
    expect(ours[0].name).toBe('DeprecationWarning');
  });

  it('with a value that is no deadline is refused, the error naming tts.timeoutMs', () => {
    expect(() => loadConfig({}, { dialog: { engineTimeoutMs: 'fast' } }, { warn: () => {} })).toThrow(ConfigError);
    expect(() => loadConfig({}, { dialog: { engineTimeoutMs: -1 } }, { warn: () => {} })).toThrow(/tts\.timeoutMs/);
  });

  it('is not warned about when absent: the default deadline stays 3000 ms', () => {
    const warnings: string[] = [];
    expect(loadConfig({}, {}, { warn: (m) => warnings.push(m) }).tts.timeoutMs).toBe(3000);
    expect(warnings).toEqual([]);
  });
});
