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

/** Encode mono 16-bit PCM as a canonical RIFF/WAVE file. */
export function encodeWav(chunk: PcmChunk): Uint8Array {
  const wav = new WaveFile();
  wav.fromScratch(1, chunk.sampleRate, '16', chunk.pcm);
  return wav.toBuffer();
}

export async function readWav(path: string): Promise<PcmChunk> {
  return decodeWav(await readFile(path));
}

export async function writeWav(path: string, chunk: PcmChunk): Promise<void> {
  await writeFile(path, encodeWav(chunk));
}
