import { z } from 'zod';
import { ProtocolError } from '../errors.js';
import { DTMF_DIGIT, type FrameSerializer, type InboundEvent, type OutboundFrame } from '../serializer.js';
import { parseJsonEvent, validate } from './json.js';

/**
 * Pasokh's own minimal protocol for media forks that are neither Twilio nor Asterisk
 * (FreeSWITCH mod_audio_stream, SIP gateways, scripts). Specified in docs/protocols/raw.md.
 */

const startSchema = z.object({
  event: z.literal('start'),
  callId: z.string().min(1).max(128),
  from: z.string().max(64).nullable().optional(),
  to: z.string().max(64).nullable().optional(),
  codec: z.enum(['pcmu', 'pcma', 'l16']),
  sampleRate: z.union([z.literal(8000), z.literal(16000)]),
  token: z.string().max(512).optional(),
  providerCallId: z.string().min(1).max(256).optional(),
  params: z.record(z.string().max(64), z.string().max(512)).optional(),
});
const dtmfSchema = z.object({ event: z.literal('dtmf'), digit: z.string().regex(DTMF_DIGIT) });
const stopSchema = z.object({ event: z.literal('stop'), reason: z.string().max(256).optional() });

export class RawSerializer implements FrameSerializer {
  readonly protocol = 'raw' as const;
  readonly supportsMarks = false;
  /** docs/protocols/raw.md: frames are played as they arrive, sent 40 ms (two 20 ms frames) ahead. */
  readonly leadMs = 40;

  parse(data: Uint8Array, binary: boolean): InboundEvent[] {
    if (binary) return [{ type: 'audio', payload: data }];
    const { event, body } = parseJsonEvent(data, false);
    switch (event) {
      case 'start': {
        // Check the codec before the full schema so a wrong codec gets its own, fatal, error.
        const codec = body.codec;
        const rate = body.sampleRate;
        if (codec !== 'pcmu' && codec !== 'pcma' && codec !== 'l16') {
          throw new ProtocolError('unsupported_codec', `unsupported codec ${JSON.stringify(codec)?.slice(0, 32)}: use pcmu, pcma or l16`, { fatal: true });
        }
        if (rate !== 8000 && rate !== 16000) {
          throw new ProtocolError('unsupported_codec', `unsupported sampleRate ${JSON.stringify(rate)?.slice(0, 16)}: use 8000 or 16000`, { fatal: true });
        }
        if (codec !== 'l16' && rate !== 8000) {
          throw new ProtocolError('unsupported_codec', `${codec} is 8000 Hz only (G.711); use l16 for 16000 Hz`, { fatal: true });
        }
        const m = validate(startSchema, body, 'start message', { fatal: true });
        return [
          {
            type: 'start',
            callId: m.callId,
            from: m.from ?? null,
            to: m.to ?? null,
            providerCallId: m.providerCallId ?? null,
            params: { ...(m.params ?? {}) },
            codec: m.codec,
            sampleRate: m.sampleRate,
            token: m.token ?? null,
          },
        ];
      }
      case 'dtmf':
        return [{ type: 'dtmf', digit: validate(dtmfSchema, body, 'dtmf message').digit }];
      case 'stop':
        return [{ type: 'stop', reason: validate(stopSchema, body, 'stop message').reason ?? 'stop' }];
      default:
        throw new ProtocolError('unknown_event', `unknown event "${event.slice(0, 40)}"`);
    }
  }

  audio(encoded: Uint8Array): OutboundFrame {
    return { kind: 'binary', bytes: encoded };
  }

  mark(): null {
    return null;
  }

  clear(): OutboundFrame {
    return { kind: 'text', text: JSON.stringify({ event: 'clear' }) };
  }

  hangup(reason: string): OutboundFrame {
    return { kind: 'text', text: JSON.stringify({ event: 'hangup', reason }) };
  }
}
