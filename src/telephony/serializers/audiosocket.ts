import { ProtocolError } from '../errors.js';
import { DTMF_DIGIT, type FrameSerializer, type InboundEvent, type OutboundFrame } from '../serializer.js';

/**
 * Asterisk AudioSocket (https://docs.asterisk.org/Configuration/Channel-Drivers/AudioSocket/):
 * TCP, each message = 1-byte kind + 2-byte big-endian payload length + payload.
 *   0x00 hang-up · 0x01 UUID (16 bytes) · 0x03 DTMF (1 ASCII byte) · 0x10 slin 8 kHz mono LE · 0xff error
 * Asterisk neither paces nor buffers much of what it receives: the bot sends 20 ms (320-byte) frames
 * in real time. There is no flush: with real-time pacing nothing is queued at the far end.
 */

export const AS_KIND = { hangup: 0x00, uuid: 0x01, dtmf: 0x03, slin: 0x10, error: 0xff } as const;
export const AS_HEADER_BYTES = 3;

export function audioSocketFrame(kind: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  if (payload.length > 0xffff) throw new RangeError('AudioSocket payload longer than 65535 bytes');
  const out = new Uint8Array(AS_HEADER_BYTES + payload.length);
  out[0] = kind;
  out[1] = payload.length >> 8;
  out[2] = payload.length & 0xff;
  out.set(payload, AS_HEADER_BYTES);
  return out;
}

function formatUuid(b: Uint8Array): string {
  const h = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Splits a TCP byte stream into whole AudioSocket messages. Holds at most one partial message
 * (≤ 65538 bytes), so a peer cannot make us buffer without bound.
 */
export class AudioSocketDeframer {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Uint8Array): Uint8Array[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : Buffer.from(chunk);
    const frames: Uint8Array[] = [];
    let off = 0;
    while (this.pending.length - off >= AS_HEADER_BYTES) {
      const len = this.pending.readUInt16BE(off + 1);
      if (this.pending.length - off < AS_HEADER_BYTES + len) break;
      frames.push(new Uint8Array(this.pending.subarray(off, off + AS_HEADER_BYTES + len)));
      off += AS_HEADER_BYTES + len;
    }
    this.pending = off === this.pending.length ? Buffer.alloc(0) : Buffer.from(this.pending.subarray(off));
    return frames;
  }
}

export class AudioSocketSerializer implements FrameSerializer {
  readonly protocol = 'audiosocket' as const;
  /** Asterisk writes AudioSocket audio to the channel as it comes, and there is no flush. */
  readonly leadMs = 40;
  readonly supportsMarks = false;

  /** `data` is one whole message from AudioSocketDeframer. */
  parse(data: Uint8Array): InboundEvent[] {
    if (data.length < AS_HEADER_BYTES) throw new ProtocolError('bad_message', 'short AudioSocket header');
    const kind = data[0];
    const payload = data.subarray(AS_HEADER_BYTES);
    switch (kind) {
      case AS_KIND.hangup:
        return [{ type: 'stop', reason: 'hangup' }];
      case AS_KIND.uuid: {
        if (payload.length !== 16) throw new ProtocolError('bad_payload', `UUID payload must be 16 bytes, got ${payload.length}`);
        const uuid = formatUuid(payload);
        return [{ type: 'start', callId: uuid, providerCallId: uuid, from: null, to: null, params: { uuid }, codec: 'l16', sampleRate: 8000, token: null }];
      }
      case AS_KIND.dtmf: {
        const digit = String.fromCharCode(payload[0] ?? 0).toUpperCase();
        if (payload.length !== 1 || !DTMF_DIGIT.test(digit)) throw new ProtocolError('bad_payload', 'DTMF payload must be one digit');
        return [{ type: 'dtmf', digit }];
      }
      case AS_KIND.slin:
        if (payload.length % 2) throw new ProtocolError('bad_payload', 'slin payload has an odd number of bytes');
        return [{ type: 'audio', payload }];
      case AS_KIND.error:
        return [{ type: 'stop', reason: `error:${payload.length ? payload[0] : 0}` }];
      default:
        throw new ProtocolError('unknown_event', `unknown AudioSocket kind 0x${kind.toString(16).padStart(2, '0')}`);
    }
  }

  audio(encoded: Uint8Array): OutboundFrame {
    return { kind: 'binary', bytes: audioSocketFrame(AS_KIND.slin, encoded) };
  }

  mark(): null {
    return null;
  }

  clear(): null {
    return null;
  }

  hangup(): OutboundFrame {
    return { kind: 'binary', bytes: audioSocketFrame(AS_KIND.hangup) };
  }
}
