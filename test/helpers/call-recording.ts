import wavefile from 'wavefile';
import { ulawEncode } from '../../src/audio/g711.js';

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
 * Every place where `needle` occurs in `haystack`, compared as μ-law codes: audio that crossed a
 * μ-law line once is compared code for code with what the other end sent or received.
 */
export function findUlaw(haystack: Int16Array, needle: Int16Array): number[] {
  const hay = Buffer.from(ulawEncode(haystack));
  const pin = Buffer.from(ulawEncode(needle));
  const found: number[] = [];
  for (let at = hay.indexOf(pin); at >= 0; at = hay.indexOf(pin, at + 1)) found.push(at);
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
  const rec = Buffer.from(ulawEncode(recorded));
  const codes = Buffer.from(ulawEncode(heard));
  let found = 0;
  let from = 0;
  let first: { rec: number; heard: number } | null = null;
  let last: { rec: number; heard: number } | null = null;
  for (let at = 0; at + frame <= heard.length; at += frame) {
    if (rms(heard.subarray(at, at + frame)) < 200) continue;
    const pos = rec.indexOf(codes.subarray(at, at + frame), from);
    if (pos < 0) return { found, missing: at, start: first ? first.rec - first.heard : -1, extraSamples: 0 };
    found++;
    first ??= { rec: pos, heard: at };
    last = { rec: pos, heard: at };
    from = pos + frame;
  }
  const extraSamples = first && last ? last.rec - first.rec - (last.heard - first.heard) : 0;
  return { found, missing: null, start: first ? first.rec - first.heard : -1, extraSamples };
}
