import { MPEGDecoder } from 'mpg123-decoder';
import { float32ToInt16 } from '../../audio/pcm.js';
import type { PcmChunk } from '../../audio/types.js';
import { decodeWav, WavFormatError } from '../../audio/wav.js';

/** Why an uploaded recording was refused; `status` is the HTTP status the admin API answers with. */
export class AudioUploadError extends Error {
  constructor(
    readonly status: 413 | 415 | 422,
    readonly code: 'too_large' | 'unsupported_audio' | 'corrupt_audio' | 'too_short' | 'too_long' | 'silent' | 'clipped',
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AudioUploadError';
  }
}

export interface UploadLimits {
  /** Longest recording accepted (default 60 s): a phone answer longer than that loses the caller. */
  maxSeconds: number;
  minSeconds: number;
  /** A 20 ms frame louder than this counts as sound (default −45 dBFS). */
  activeDbfs: number;
  /** Less sound than this in total is "silence" (default 0.3 s). */
  minActiveSeconds: number;
  /** More than this share of sounding samples at full scale is a clipped recording (default 5 %). */
  maxClippedFraction: number;
  /** Quiet recordings are raised to about this RMS over their sounding part (default −20 dBFS). */
  targetDbfs: number;
}

export const DEFAULT_UPLOAD_LIMITS: UploadLimits = {
  maxSeconds: 60,
  minSeconds: 0.2,
  activeDbfs: -45,
  minActiveSeconds: 0.3,
  maxClippedFraction: 0.05,
  targetDbfs: -20,
};

export interface LevelReport {
  durationMs: number;
  activeMs: number;
  /** RMS of the sounding frames, dBFS. */
  activeDbfs: number;
  peakDbfs: number;
  clippedFraction: number;
  /** Gain applied to bring a quiet recording up (dB; 0 = untouched). */
  gainDb: number;
}

type Format = 'wav' | 'mp3';

function sniff(bytes: Uint8Array): Format | null {
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  if (bytes.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WAVE') return 'wav';
  if (bytes.length >= 3 && ascii(0, 3) === 'ID3') return 'mp3';
  // An MPEG audio frame header: 11 sync bits, layer III.
  if (bytes.length >= 2 && bytes[0] === 0xff && (bytes[1] & 0xe0) === 0xe0 && (bytes[1] & 0x06) === 0x02) return 'mp3';
  return null;
}

async function decodeMp3(bytes: Uint8Array): Promise<PcmChunk> {
  const decoder = new MPEGDecoder();
  await decoder.ready;
  try {
    const { channelData, samplesDecoded, sampleRate, errors } = decoder.decode(bytes);
    if (samplesDecoded === 0 || channelData.length === 0) {
      throw new AudioUploadError(422, 'corrupt_audio', 'The MP3 file holds no decodable audio', { errors: errors.length });
    }
    const mono = new Float32Array(samplesDecoded);
    for (const channel of channelData) for (let i = 0; i < samplesDecoded; i++) mono[i] += channel[i] / channelData.length;
    return { pcm: float32ToInt16(mono), sampleRate };
  } finally {
    decoder.free();
  }
}

/** WAV (any PCM/float/μ-law/A-law layout, via wavefile) or MP3 (mpg123 in WASM) → mono 16-bit PCM. */
export async function decodeUpload(bytes: Uint8Array): Promise<PcmChunk> {
  const format = sniff(bytes);
  if (format === null) {
    throw new AudioUploadError(415, 'unsupported_audio', 'Upload a WAV or MP3 file; this is neither', {
      accepted: ['audio/wav', 'audio/mpeg'],
    });
  }
  if (format === 'mp3') return decodeMp3(bytes);
  try {
    const audio = decodeWav(bytes);
    if (!(audio.sampleRate > 0)) throw new WavFormatError('sample rate is 0');
    return audio;
  } catch (err) {
    if (err instanceof WavFormatError) {
      const unsupported = /unsupported/i.test(err.message);
      throw new AudioUploadError(unsupported ? 415 : 422, unsupported ? 'unsupported_audio' : 'corrupt_audio', `The WAV file cannot be read: ${err.message}`);
    }
    throw new AudioUploadError(422, 'corrupt_audio', `The WAV file cannot be read: ${(err as Error).message}`);
  }
}

const dbfsOf = (rms: number) => (rms <= 0 ? -Infinity : 20 * Math.log10(rms / 32768));

/**
 * Refuses what would sound broken on a call (silence, nothing but clipping, too short or too long)
 * and raises a quiet recording to a level comparable with the synthesised voice. Returns the audio
 * to store and what was measured.
 */
export function checkRecording(audio: PcmChunk, limits: UploadLimits = DEFAULT_UPLOAD_LIMITS): { audio: PcmChunk; levels: LevelReport } {
  const { pcm, sampleRate } = audio;
  const seconds = pcm.length / sampleRate;
  if (seconds < limits.minSeconds) {
    throw new AudioUploadError(422, 'too_short', `The recording is ${seconds.toFixed(2)} s long; at least ${limits.minSeconds} s is needed`);
  }
  if (seconds > limits.maxSeconds) {
    throw new AudioUploadError(422, 'too_long', `The recording is ${seconds.toFixed(1)} s long; the limit is ${limits.maxSeconds} s`, {
      seconds: Math.round(seconds * 10) / 10,
      maxSeconds: limits.maxSeconds,
    });
  }
  const frame = Math.max(1, Math.round(sampleRate / 50));
  const activeRms = 32768 * 10 ** (limits.activeDbfs / 20);
  let activeSamples = 0;
  let activeEnergy = 0;
  let clipped = 0;
  let peak = 0;
  for (let start = 0; start < pcm.length; start += frame) {
    const end = Math.min(pcm.length, start + frame);
    let energy = 0;
    for (let i = start; i < end; i++) energy += pcm[i] * pcm[i];
    if (Math.sqrt(energy / (end - start)) < activeRms) continue;
    activeSamples += end - start;
    activeEnergy += energy;
    for (let i = start; i < end; i++) {
      const a = Math.abs(pcm[i]);
      if (a > peak) peak = a;
      if (a >= 32767) clipped++;
    }
  }
  const activeMs = (activeSamples / sampleRate) * 1000;
  if (activeMs < limits.minActiveSeconds * 1000) {
    throw new AudioUploadError(422, 'silent', 'The recording is silent (or too quiet to hear on a phone line)', {
      activeMs: Math.round(activeMs),
    });
  }
  const clippedFraction = clipped / activeSamples;
  if (clippedFraction > limits.maxClippedFraction) {
    throw new AudioUploadError(422, 'clipped', `The recording is distorted: ${(clippedFraction * 100).toFixed(1)} % of its samples are clipped`, {
      clippedFraction: Math.round(clippedFraction * 1000) / 1000,
    });
  }
  const level = dbfsOf(Math.sqrt(activeEnergy / activeSamples));
  // Raise quiet recordings, never above −1 dBFS peak; loud ones are left as they are.
  const headroomDb = dbfsOf(32767 * 10 ** (-1 / 20)) - dbfsOf(peak);
  const gainDb = level < limits.targetDbfs - 6 ? Math.max(0, Math.min(limits.targetDbfs - level, headroomDb)) : 0;
  let out = pcm;
  if (gainDb > 0.5) {
    const g = 10 ** (gainDb / 20);
    out = new Int16Array(pcm.length);
    for (let i = 0; i < pcm.length; i++) out[i] = Math.max(-32768, Math.min(32767, Math.round(pcm[i] * g)));
  }
  return {
    audio: { pcm: out, sampleRate },
    levels: {
      durationMs: Math.round(seconds * 1000),
      activeMs: Math.round(activeMs),
      activeDbfs: Math.round(level * 10) / 10,
      peakDbfs: Math.round(dbfsOf(peak) * 10) / 10,
      clippedFraction: Math.round(clippedFraction * 10000) / 10000,
      gainDb: gainDb > 0.5 ? Math.round(gainDb * 10) / 10 : 0,
    },
  };
}
