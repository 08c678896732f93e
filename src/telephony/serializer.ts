import type { LineCodec } from '../audio/g711.js';
import type { Protocol } from './types.js';

/**
 * One provider's wire format, Pipecat-style: turn inbound frames into typed events and build
 * outbound frames. Serializers hold per-connection state (e.g. Twilio's streamSid), so there is one
 * instance per connection. They never touch sockets, timers or audio processing: `channel.ts` does.
 */

export interface StartEvent {
  type: 'start';
  callId: string;
  from: string | null;
  to: string | null;
  /** See CallInfo.providerCallId. */
  providerCallId: string | null;
  params: Record<string, string>;
  codec: LineCodec;
  sampleRate: number;
  /** Token carried inside the protocol (Twilio customParameters.token, raw start.token). */
  token: string | null;
  /** Bytes the far end wants per outbound frame (Asterisk optimal_frame_size); default 20 ms. */
  frameBytes?: number;
}

export type InboundEvent =
  | StartEvent
  /** Line-coded audio from the caller, not yet decoded. */
  | { type: 'audio'; payload: Uint8Array }
  /** The far end's sequence numbers show `frames` media frames lost on the way. */
  | { type: 'gap'; frames: number }
  | { type: 'dtmf'; digit: string }
  /** The far end has played up to this mark (Twilio). */
  | { type: 'mark'; name: string }
  /** Flow control: stop / resume sending audio (Asterisk MEDIA_XOFF / MEDIA_XON). */
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop'; reason: string }
  /** A well-formed message that needs no action (Twilio `connected`, Asterisk `STATUS` …). */
  | { type: 'ignored'; what: string };

export type OutboundFrame = { kind: 'text'; text: string } | { kind: 'binary'; bytes: Uint8Array };

export interface FrameSerializer {
  readonly protocol: Protocol;
  /** True when the far end echoes marks once audio has really been played. */
  readonly supportsMarks: boolean;
  /**
   * Milliseconds of bot audio to send ahead of real time. Where the far end keeps its own playout
   * queue and clear() empties it (Twilio, Asterisk chan_websocket), sending well ahead costs
   * nothing at barge-in and rides out a busy event loop; where it plays frames as they arrive
   * (AudioSocket, raw), audio sent ahead cannot be taken back, so only jitter is covered. In time,
   * not frames: the far end chooses the frame size (Asterisk's optimal_frame_size, 10–60 ms).
   */
  readonly leadMs: number;
  /** @throws ProtocolError on anything that is not a valid message of this protocol. */
  parse(data: Uint8Array, binary: boolean): InboundEvent[];
  /** One paced frame of line-coded bot audio. */
  audio(encoded: Uint8Array): OutboundFrame;
  mark(name: string): OutboundFrame | null;
  /** Drop whatever the far end has buffered (barge-in), or null when the protocol has no such thing. */
  clear(): OutboundFrame | null;
  /** Tell the far end we are hanging up (sent before the transport closes), or null. */
  hangup(reason: string): OutboundFrame | null;
  /** Frames to send once the call has been accepted (e.g. Asterisk ANSWER), if any. */
  accepted?(): OutboundFrame[];
}

export const DTMF_DIGIT = /^[0-9*#A-D]$/;

export function textOf(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
}
