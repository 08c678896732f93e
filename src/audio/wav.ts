import { readFile, writeFile } from 'node:fs/promises';
import wavefile from 'wavefile';
import type { PcmChunk } from './types.js';

const { WaveFile } = wavefile;

export class WavFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WavFormatError';
  }
}

/**
 * Decode a WAV file (PCM 8/16/24/32-bit, float, μ-law or A-law; any channel count) into mono 16-bit
 * PCM at the file's own rate. Channels are averaged; resampling is the caller's choice.
 */
export function decodeWav(bytes: Uint8Array): PcmChunk {
  const wav = new WaveFile();
  try {
    wav.fromBuffer(bytes);
  } catch (err) {
    throw new WavFormatError(`not a readable WAV file: ${(err as Error).message}`);
  }
  // Copy the header fields now: the conversions below rebuild `wav.fmt` in place.
  const { audioFormat, numChannels, sampleRate } = wav.fmt as { audioFormat: number; numChannels: number; sampleRate: number };
  const fmt = { audioFormat, numChannels, sampleRate };
  try {
    if (fmt.audioFormat === 7) wav.fromMuLaw('16');
    else if (fmt.audioFormat === 6) wav.fromALaw('16');
    else if (wav.bitDepth !== '16') wav.toBitDepth('16');
  } catch (err) {
    throw new WavFormatError(`unsupported WAV encoding (format ${fmt.audioFormat}, ${wav.bitDepth} bit): ${(err as Error).message}`);
  }
  const channels = Math.max(1, fmt.numChannels);
  const interleaved = wav.getSamples(true, Int16Array) as unknown as Int16Array;
  if (channels === 1) return { pcm: Int16Array.from(interleaved), sampleRate: fmt.sampleRate };
  const frames = Math.floor(interleaved.length / channels);
  const pcm = new Int16Array(frames);
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += interleaved[i * channels + c];
    pcm[i] = Math.round(sum / channels);
  }
  return { pcm, sampleRate: fmt.sampleRate };
}

export const WAV_HEADER_BYTES = 44;

/** A canonical 16-bit PCM WAV header for `frames` sample frames of `channels` interleaved channels. */
export function wavHeader(frames: number, sampleRate: number, channels = 1): Buffer {
  const data = frames * channels * 2;
  const h = Buffer.alloc(WAV_HEADER_BYTES);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + data, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * 2 * channels, 28);
  h.writeUInt16LE(2 * channels, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(data, 40);
  return h;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Encode mono 16-bit PCM as a canonical RIFF/WAVE file: the header and the samples' bytes. Not
 * through wavefile, which packs sample by sample: every turn's recording is encoded on the call
 * thread, and at 60 calls that was half a second of it in bursts (CPU profile, 2026-12-06).
 */
export function encodeWav(chunk: PcmChunk): Uint8Array {
  const out = Buffer.allocUnsafe(WAV_HEADER_BYTES + chunk.pcm.length * 2);
  wavHeader(chunk.pcm.length, chunk.sampleRate).copy(out, 0);
  if (LITTLE_ENDIAN) {
    out.set(new Uint8Array(chunk.pcm.buffer, chunk.pcm.byteOffset, chunk.pcm.byteLength), WAV_HEADER_BYTES);
  } else {
    for (let i = 0; i < chunk.pcm.length; i++) out.writeInt16LE(chunk.pcm[i], WAV_HEADER_BYTES + i * 2);
  }
  return out;
}

export async function readWav(path: string): Promise<PcmChunk> {
  return decodeWav(await readFile(path));
}

export async function writeWav(path: string, chunk: PcmChunk): Promise<void> {
  await writeFile(path, encodeWav(chunk));
}
