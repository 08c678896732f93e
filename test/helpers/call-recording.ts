import wavefile from 'wavefile';
import { ulawDecode, ulawEncode } from '../../src/audio/g711.js';

const { WaveFile } = wavefile;

/** A two-channel whole-call WAV read with an independent reader (wavefile), one array per channel. */
export function readCallWav(bytes: Uint8Array): { sampleRate: number; channels: number; caller: Int16Array; bot: Int16Array } {
  const wav = new WaveFile(bytes);
  const fmt = wav.fmt as { numChannels: number; sampleRate: number; bitsPerSample: number };
  if (fmt.bitsPerSample !== 16) throw new Error(`expected 16-bit PCM, got ${fmt.bitsPerSample}`);
  const samples = wav.getSamples(false, Int16Array) as unknown as Int16Array[] | Int16Array;
  const [caller, bot] = fmt.numChannels === 1 ? [samples as Int16Array, new Int16Array(0)] : (samples as Int16Array[]);
  return { sampleRate: fmt.sampleRate, channels: fmt.numChannels, caller, bot };
}

/**
 * Audio as a μ-law line carries it, as bytes to search: each sample rounded to the value its μ-law
 * code decodes to. Compared this way, what one end sent and what the other received match sample
 * for sample (codes themselves do not: 0x7F and 0xFF both mean silence).
 */
function onTheLine(pcm: Int16Array): Buffer {
  const q = ulawDecode(ulawEncode(pcm));
  return Buffer.from(q.buffer, q.byteOffset, q.byteLength);
}

/** Sample index of `needle` in `hay` (both onTheLine bytes) at or after sample `from`, or -1. */
function indexOfSamples(hay: Buffer, needle: Buffer, from: number): number {
  for (let at = hay.indexOf(needle, from * 2); at >= 0; at = hay.indexOf(needle, at + 1)) if (at % 2 === 0) return at / 2;
  return -1;
}

/** Every place where `needle` occurs in `haystack`, as audio that crossed a μ-law line once. */
export function findUlaw(haystack: Int16Array, needle: Int16Array): number[] {
  const hay = onTheLine(haystack);
  const pin = onTheLine(needle);
  const found: number[] = [];
  for (let at = indexOfSamples(hay, pin, 0); at >= 0; at = indexOfSamples(hay, pin, at + 1)) found.push(at);
  return found;
}

export function rms(pcm: Int16Array): number {
  let sum = 0;
  for (const v of pcm) sum += v * v;
  return pcm.length ? Math.sqrt(sum / pcm.length) : 0;
}

/**
 * Where the loud 20 ms frames of `heard` (what a caller received, frame by frame) lie in
 * `recorded`, searched in order: each must come after the one before. Quiet frames are skipped
 * (silence matches anywhere). `extraSamples` is how much longer the stretch is in the recording
 * than in what was heard: pauses where the voice fell behind real time, which the caller heard as
 * a quiet line and the simulated caller's frame list does not show. Null `missing` = all found.
 */
export function followFrames(recorded: Int16Array, heard: Int16Array, frame = 160): { found: number; missing: number | null; start: number; extraSamples: number } {
  const rec = onTheLine(recorded);
  const line = onTheLine(heard);
  let found = 0;
  let from = 0;
  let first: { rec: number; heard: number } | null = null;
  let last: { rec: number; heard: number } | null = null;
  for (let at = 0; at + frame <= heard.length; at += frame) {
    if (rms(heard.subarray(at, at + frame)) < 200) continue;
    const pos = indexOfSamples(rec, line.subarray(at * 2, (at + frame) * 2), from);
    if (pos < 0) return { found, missing: at, start: first ? first.rec - first.heard : -1, extraSamples: 0 };
    found++;
    first ??= { rec: pos, heard: at };
    last = { rec: pos, heard: at };
    from = pos + frame;
  }
  const extraSamples = first && last ? last.rec - first.rec - (last.heard - first.heard) : 0;
  return { found, missing: null, start: first ? first.rec - first.heard : -1, extraSamples };
}
