/**
 * Runs caller audio through the call's own ears (Listener: Silero VAD → endpointer with the
 * end-of-turn decision → the ASR stream) and reports each utterance it took as a turn, with the
 * silence it waited. Shared by `npm run eval:turn-end` and the tests.
 */
import { readFileSync } from 'node:fs';
import { SileroModel } from '../../src/audio/vad.js';
import { Listener, type HeardUtterance } from '../../src/dialog/listener.js';
import type { TurnEndOptions } from '../../src/dialog/turn_end.js';
import type { AsrEngine } from '../../src/engines/asr/types.js';
import { createNluEngine } from '../../src/engines/nlu/engine.js';
import { parseUpload } from '../../src/knowledge/parse.js';
import { validateFaqs } from '../../src/knowledge/validate.js';
import type { NluEngine } from '../../src/engines/nlu/types.js';

export function sampleNlu(): NluEngine {
  const parsed = parseUpload(readFileSync('fixtures/faq/catalogue.json'), { filename: 'catalogue.json' });
  return createNluEngine({ version: 1, faqs: validateFaqs(parsed.rows, parsed.rowNumbers).faqs });
}

export interface Heard extends HeardUtterance {
  /** Audio time (ms from the start of the audio) at which the turn was taken as over. */
  endedAtMs: number;
}

/** Pushes `pcm` (8 kHz) in 20 ms frames, then `tailMs` of silence; resolves with the utterances. */
export async function listen(
  pcm: Int16Array,
  deps: { silero: SileroModel; asr: AsrEngine; nlu: NluEngine; turnEnd: TurnEndOptions; tailMs?: number },
): Promise<Heard[]> {
  const heard: Heard[] = [];
  let pushedMs = 0;
  const pending: Promise<void>[] = [];
  const vad = deps.silero.createDetector(8000);
  const listener = new Listener(
    8000,
    vad,
    deps.asr,
    { threshold: 0.5, endSilenceMs: deps.turnEnd.silenceMs, minSpeechMs: 200, maxUtteranceMs: 15_000 },
    10_000,
    {
      speechStart: () => {},
      utterance: (u) => heard.push({ ...u, endedAtMs: 0 }),
      asrError: () => {},
    },
    { options: deps.turnEnd, faqConfident: (text) => deps.nlu.parse(text, { spoken: true }).intent !== null },
  );
  // As in a call: the recogniser is biased towards the knowledge base's words.
  listener.setHotwords(deps.nlu.vocabulary());
  const ends: number[] = [];
  // The endpointer's frames are chained; waiting for them after each push gives audio-time order.
  const endpointer = (listener as unknown as { endpointer: { drain(): Promise<void>; speaking: boolean } }).endpointer;
  const frame = 160;
  const total = new Int16Array(pcm.length + Math.round(((deps.tailMs ?? 2000) / 1000) * 8000));
  total.set(pcm);
  let wasSpeaking = false;
  for (let i = 0; i < total.length; i += frame) {
    listener.push(total.subarray(i, Math.min(total.length, i + frame)));
    await endpointer.drain();
    pushedMs = ((i + frame) / 8000) * 1000;
    if (wasSpeaking && !endpointer.speaking) ends.push(pushedMs);
    wasSpeaking = endpointer.speaking;
  }
  await Promise.all(pending);
  for (let tries = 0; tries < 500 && heard.length < ends.length; tries++) await new Promise((r) => setTimeout(r, 10));
  listener.close();
  return heard.map((h, i) => ({ ...h, endedAtMs: ends[i] ?? pushedMs }));
}

/** The sample at the middle of the quietest 30 ms between samples `from` and `to` (10 ms steps). */
export function quietestIn(pcm: Int16Array, from: number, to: number): number {
  let best = from;
  let bestE = Infinity;
  for (let i = Math.max(0, from); i + 240 <= Math.min(pcm.length, to + 240); i += 80) {
    let e = 0;
    for (let j = i; j < i + 240; j++) e += pcm[j] * pcm[j];
    if (e < bestE) [bestE, best] = [e, i + 120];
  }
  return best;
}
