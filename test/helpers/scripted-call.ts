/**
 * Test doubles for unit tests of the dialog logic only: a channel that records what the bot
 * plays, a recogniser that returns scripted transcripts, a TTS that returns a tone per text.
 * End-to-end tests use the real engines over real sockets instead.
 */
import type { PcmChunk } from '../../src/audio/types.js';
import type { AsrEngine, AsrStream } from '../../src/engines/asr/types.js';
import type { TtsEngine } from '../../src/engines/tts/types.js';
import type { CallEnd, CallEventRecord, CallRecord, CallRecorder, TurnRecord } from '../../src/store/types.js';
import type { AudioListener, CallChannel, CallInfo, Playback, PlaybackOutcome } from '../../src/telephony/types.js';

export class RecordingChannel implements CallChannel {
  readonly sampleRate = 8000;
  readonly played: { text?: string; samples: number; outcome?: PlaybackOutcome }[] = [];
  clears = 0;
  hungUp: string | null = null;
  private audio: AudioListener[] = [];
  private dtmf: ((d: string) => void)[] = [];
  private end: ((r: string) => void)[] = [];
  private active = new Set<(o: PlaybackOutcome) => void>();

  /** Divides real playback time: 20 plays 1 s of audio in 50 ms. */
  playbackSpeedup = 20;
  constructor(readonly info: CallInfo = { callId: `call-${Math.random().toString(36).slice(2)}`, protocol: 'raw', from: '+989121234567', to: null, providerCallId: null, params: {} }) {}

  onAudio(l: AudioListener) { this.audio.push(l); }
  onDtmf(l: (d: string) => void) { this.dtmf.push(l); }
  onEnd(l: (r: string) => void) { this.end.push(l); }

  startPlayback(): Playback {
    const entry: { samples: number; outcome?: PlaybackOutcome } = { samples: 0 };
    this.played.push(entry);
    let resolve!: (o: PlaybackOutcome) => void;
    const done = new Promise<PlaybackOutcome>((r) => (resolve = r));
    const finish = (o: PlaybackOutcome) => {
      if (entry.outcome) return;
      entry.outcome = o;
      this.active.delete(finish);
      resolve(o);
    };
    this.active.add(finish);
    return {
      write: (chunk: PcmChunk) => { entry.samples += chunk.pcm.length; },
      // "Plays" quickly: 1 ms per 20 ms of audio keeps tests fast but ordered.
      end: () => setTimeout(() => finish('played'), Math.max(5, entry.samples / 8 / this.playbackSpeedup)),
      done,
    };
  }

  clear() {
    this.clears++;
    for (const f of [...this.active]) f('cleared');
  }
  hangup(reason: string) { this.hungUp = reason; for (const f of [...this.active]) f('hangup'); }

  /** Caller side */
  say(pcm: Int16Array) { for (const l of this.audio) l(pcm, false); }
  press(digit: string) { for (const l of this.dtmf) l(digit); }
  hangUpCaller() { for (const f of [...this.active]) f('hangup'); for (const l of this.end) l('caller hung up'); }
}

/** A scripted utterance the recogniser reads one way but also could another (best first). */
export interface ScriptedReadings {
  text: string;
  alternatives: string[];
  /** The recogniser's own confidence in `text` (0..1); absent = the engine does not say. */
  confidence?: number;
}

/** Each utterance is "recognised" as the next scripted text; an Error entry makes it fail. */
export class ScriptedAsr implements AsrEngine {
  readonly name = 'scripted';
  readonly sampleRate = 8000;
  constructor(private readonly script: (string | ScriptedReadings | Error | 'hang')[]) {}
  createStream(): AsrStream {
    const next = this.script.shift() ?? '';
    return {
      push: () => {},
      finalize: async () => {
        if (next === 'hang') return new Promise(() => {});
        if (next instanceof Error) throw next;
        if (typeof next !== 'string') return { ...next, audioSeconds: 1 };
        return { text: next, audioSeconds: 1 };
      },
      cancel: () => {},
    };
  }
  async close() {}
}

export class ToneTts implements TtsEngine {
  readonly name = 'tone';
  readonly voice = 'tone';
  readonly spoken: string[] = [];
  constructor(private readonly failWith: Error | null = null, private readonly samplesPerChar = 80) {}
  async *synthesize(text: string): AsyncIterable<PcmChunk> {
    this.spoken.push(text);
    if (this.failWith) throw this.failWith;
    yield { pcm: new Int16Array(text.length * this.samplesPerChar).fill(1000), sampleRate: 8000 };
  }
  async close() {}
}

export class MemoryRecorder implements CallRecorder {
  calls: CallRecord[] = [];
  turns: TurnRecord[] = [];
  events: CallEventRecord[] = [];
  ends: CallEnd[] = [];
  callStarted(c: CallRecord) { this.calls.push(c); }
  turn(t: TurnRecord) { this.turns.push(t); }
  event(e: CallEventRecord) { this.events.push(e); }
  callEnded(e: CallEnd) { this.ends.push(e); }
  async flush() {}
}
