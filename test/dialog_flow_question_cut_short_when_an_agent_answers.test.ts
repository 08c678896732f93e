import { describe, expect, it } from 'vitest';
import { SileroModel } from '../src/audio/vad.js';
import { loadConfig } from '../src/config/load.js';
import { CallSession } from '../src/dialog/session.js';
import type { NluEngine } from '../src/engines/nlu/types.js';
import { MemoryRecorder, RecordingChannel, ScriptedAsr, ToneTts } from './helpers/scripted-call.js';

const silentNlu: NluEngine = {
  name: 'none', threshold: 0.5, vocabulary: () => [],
  parse: () => ({ intent: null, confidence: 0, action: null, answer: null, queue: null, alternatives: [], slots: {}, system: null, kbVersion: 1 }),
};

describe('a flow running inside the call (the queue wait)', () => {
  it('can cut its question short when something better happens, and the caller hears it stop', async () => {
    const silero = await SileroModel.load();
    const channel = new RecordingChannel();
    channel.playbackSpeedup = 1;
    const recorder = new MemoryRecorder();
    const session = new CallSession(channel, {
      config: loadConfig({}, {}),
      asr: new ScriptedAsr([]),
      tts: new ToneTts(null, 400),
      nlu: { current: () => silentNlu },
      createVad: () => silero.createDetector(8000),
      recorder,
    });
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 300);
    // The question's own no-input wait is far beyond the test's timeout, so only the abort can end it.
    const reply = await session.ask('اگر مایلید با شما تماس بگیریم، کلید یک را بزنید.', { signal: stop.signal, timeoutMs: 3_600_000 });
    expect(reply).toEqual({ kind: 'no-input' });
    expect(channel.played[0].outcome).toBe('cleared');
    // What the bot said outside a turn is on the record too.
    expect(recorder.events.find((e) => e.type === 'bot-said')?.data.text).toContain('کلید یک');
  });
});
