import { concatPcm } from '../../audio/pcm.js';
import type { AsrEngine, AsrStream, AsrStreamOptions } from '../../engines/asr/types.js';
import type { CallRecorder, TurnRecord } from '../types.js';
import type { RecordingStore } from './store.js';

interface HeardAudio {
  texts: string[];
  pcm: Int16Array;
  sampleRate: number;
}

/** Longest utterance kept in memory for a turn (the endpointer cuts far earlier: maxUtteranceMs). */
const MAX_UTTERANCE_SECONDS = 60;
/** Recognised utterances remembered until a turn claims one (most are claimed at once). */
const KEEP_UTTERANCES = 4;

/**
 * Taps one call for recordings without touching the call session: the session gets a view of the
 * recogniser that keeps a copy of each utterance's audio (exactly what the recogniser heard, at its
 * rate), and a view of the recorder that, when a speech turn is recorded, hands the audio of the
 * utterance it was heard from to the recording store under the turn's seq. The copy is a memcpy of
 * samples already in hand; the store writes in the background.
 */
export function tapCallForRecordings(
  store: RecordingStore,
  callId: string,
  deps: { asr: AsrEngine; recorder: CallRecorder },
): { asr: AsrEngine; recorder: CallRecorder } {
  const heard: HeardAudio[] = [];
  const inner = deps.asr;
  const asr: AsrEngine = {
    get name() {
      return inner.name;
    },
    get sampleRate() {
      return inner.sampleRate;
    },
    createStream(options?: AsrStreamOptions): AsrStream {
      const stream = inner.createStream(options);
      const rate = inner.sampleRate;
      let chunks: Int16Array[] = [];
      let samples = 0;
      return {
        push(pcm) {
          if (samples < MAX_UTTERANCE_SECONDS * rate) {
            chunks.push(pcm.slice());
            samples += pcm.length;
          }
          stream.push(pcm);
        },
        async finalize() {
          const final = await stream.finalize();
          const texts = [final.text, ...(final.alternatives ?? [])].map((t) => t.trim()).filter(Boolean);
          if (texts.length && chunks.length) {
            heard.push({ texts, pcm: concatPcm(chunks), sampleRate: rate });
            if (heard.length > KEEP_UTTERANCES) heard.shift();
          }
          chunks = [];
          return final;
        },
        cancel() {
          chunks = [];
          stream.cancel();
        },
        // The end-of-turn decision reads the speech so far (src/dialog/turn_end.ts) where the engine can.
        heardSoFar: stream.heardSoFar ? () => stream.heardSoFar!() : undefined,
      };
    },
    close: async () => undefined, // the shared engine is closed by the service, not by a call
    readiness: inner.readiness ? () => inner.readiness!() : undefined,
  };

  const recorder: CallRecorder = {
    callStarted: (call) => deps.recorder.callStarted(call),
    event: (event) => deps.recorder.event(event),
    callEnded: (end) => deps.recorder.callEnded(end),
    flush: (timeoutMs) => deps.recorder.flush(timeoutMs),
    turn(turn: TurnRecord) {
      deps.recorder.turn(turn);
      if (turn.input !== 'speech' || !turn.heardText) return;
      const text = turn.heardText.trim();
      // The newest utterance that gave this text (or this reading of it) is the turn's audio.
      for (let i = heard.length - 1; i >= 0; i--) {
        if (heard[i].texts.includes(text)) {
          store.saveTurn(callId, turn.seq, heard[i].pcm, heard[i].sampleRate);
          heard.splice(0, i + 1);
          return;
        }
      }
    },
  };
  return { asr, recorder };
}
