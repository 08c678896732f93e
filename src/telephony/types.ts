import type { PcmChunk } from '../audio/types.js';

export type Protocol = 'twilio' | 'asterisk' | 'audiosocket' | 'raw';

export interface CallInfo {
  callId: string;
  protocol: Protocol;
  /** Caller number (E.164 or as the PBX sent it), when known. */
  from: string | null;
  to: string | null;
  /**
   * The id the PBX or provider knows this call by, for acting on it from outside the media stream
   * (hand-off, hang-up): Twilio's CallSid, Asterisk's channel name (chan_websocket), the AudioSocket
   * UUID, or the raw protocol's `providerCallId`. Null when the stream did not say.
   */
  providerCallId: string | null;
  /** Provider-specific extras: Twilio customParameters, Asterisk channel, … */
  params: Record<string, string>;
}

/**
 * Caller audio at the line rate. `filled` marks silence that stands for a pause in the far end's
 * media (no frames arrived: see MediaClock), as opposed to audio the far end sent.
 */
export type AudioListener = (pcm: Int16Array, filled: boolean) => void;

export type PlaybackOutcome = 'played' | 'cleared' | 'hangup';

/** One utterance of bot audio on its way to the caller. */
export interface Playback {
  /** Queue PCM (any rate: the channel resamples and encodes to the line codec). */
  write(chunk: PcmChunk): void;
  /** No more audio for this playback. */
  end(): void;
  /** Resolves when the far end has played everything (Twilio mark, paced out), or was cleared. */
  readonly done: Promise<PlaybackOutcome>;
}

/**
 * What the call session sees of a call, whatever the protocol. Adapters decode the line codec,
 * pace bot audio in 20 ms frames and map barge-in to the protocol's flush (`clear`, FLUSH_MEDIA…).
 */
export interface CallChannel {
  readonly info: CallInfo;
  /** Sample rate of the PCM delivered to `onAudio` (the line rate: 8000 or 16000). */
  readonly sampleRate: number;
  onAudio(listener: AudioListener): void;
  onDtmf(listener: (digit: string) => void): void;
  /** Called once when the far end hangs up or the stream closes. */
  onEnd(listener: (reason: string) => void): void;
  startPlayback(): Playback;
  /** Drop all queued and playing bot audio now (barge-in). */
  clear(): void;
  hangup(reason: string): void;
}
