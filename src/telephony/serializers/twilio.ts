import { z } from 'zod';
import { ProtocolError } from '../errors.js';
import { DTMF_DIGIT, type FrameSerializer, type InboundEvent, type OutboundFrame } from '../serializer.js';
import { decodeBase64, numeric, parseJsonEvent, validate } from './json.js';

/**
 * Twilio Media Streams (https://www.twilio.com/docs/voice/media-streams/websocket-messages).
 * In: connected, start, media, dtmf, mark, stop. Out: media, mark, clear — all carrying streamSid.
 * Audio is base64 μ-law 8 kHz without headers. Twilio echoes a mark once the audio sent before it
 * has played, and echoes every pending mark right away after a `clear`.
 */

const startSchema = z.object({
  event: z.literal('start'),
  sequenceNumber: numeric.optional(),
  streamSid: z.string().min(1).max(128).optional(),
  start: z.object({
    streamSid: z.string().min(1).max(128),
    accountSid: z.string().max(128).optional(),
    callSid: z.string().min(1).max(128),
    tracks: z.array(z.string().max(32)).max(4).default(['inbound']),
    customParameters: z.record(z.string().max(128), z.union([z.string().max(1024), z.number(), z.boolean()])).default({}),
    mediaFormat: z.object({
      encoding: z.string().max(64),
      sampleRate: z.number().int(),
      channels: z.number().int().default(1),
    }),
  }),
});

const mediaSchema = z.object({
  event: z.literal('media'),
  sequenceNumber: numeric.optional(),
  streamSid: z.string().max(128).optional(),
  media: z.object({
    track: z.string().max(32).default('inbound'),
    chunk: numeric.optional(),
    timestamp: numeric.optional(),
    payload: z.string(),
  }),
});

const dtmfSchema = z.object({
  event: z.literal('dtmf'),
  streamSid: z.string().max(128).optional(),
  dtmf: z.object({ track: z.string().max(32).optional(), digit: z.string().regex(DTMF_DIGIT) }),
});

const markSchema = z.object({
  event: z.literal('mark'),
  streamSid: z.string().max(128).optional(),
  mark: z.object({ name: z.string().max(256) }),
});

const stopSchema = z.object({
  event: z.literal('stop'),
  streamSid: z.string().max(128).optional(),
  stop: z.object({ accountSid: z.string().optional(), callSid: z.string().optional() }).partial().optional(),
});

const connectedSchema = z.object({ event: z.literal('connected'), protocol: z.string().optional(), version: z.string().optional() });

export class TwilioSerializer implements FrameSerializer {
  readonly protocol = 'twilio' as const;
  readonly supportsMarks = true;
  /** Twilio plays media from its own buffer in order; `clear` empties it. */
  readonly leadMs = 300;
  private streamSid: string | null = null;
  private lastChunk: number | null = null;

  parse(data: Uint8Array, binary: boolean): InboundEvent[] {
    const { event, body } = parseJsonEvent(data, binary);
    switch (event) {
      case 'connected':
        validate(connectedSchema, body, 'connected message');
        return [{ type: 'ignored', what: 'connected' }];
      case 'start': {
        const m = validate(startSchema, body, 'start message', { fatal: true });
        const fmt = m.start.mediaFormat;
        if (fmt.encoding !== 'audio/x-mulaw' || fmt.sampleRate !== 8000 || fmt.channels !== 1) {
          throw new ProtocolError(
            'unsupported_codec',
            `unsupported mediaFormat ${fmt.encoding}/${fmt.sampleRate}/${fmt.channels} (Twilio streams are audio/x-mulaw/8000/1)`,
            { fatal: true },
          );
        }
        this.streamSid = m.start.streamSid;
        const params: Record<string, string> = {};
        for (const [k, v] of Object.entries(m.start.customParameters)) params[k] = String(v);
        const token = params.token ?? null;
        const from = params.from ?? params.From ?? params.caller ?? null;
        const to = params.to ?? params.To ?? null;
        // The secret never travels on into call records; the numbers live in CallInfo.from/to only.
        for (const k of ['token', 'from', 'From', 'caller', 'to', 'To']) delete params[k];
        params.streamSid = m.start.streamSid;
        if (m.start.accountSid) params.accountSid = m.start.accountSid;
        params.tracks = m.start.tracks.join(',');
        return [
          {
            type: 'start',
            callId: m.start.callSid,
            providerCallId: m.start.callSid,
            // Twilio's start carries no numbers; TwiML passes them as <Parameter name="from" value="{{From}}"/>.
            from,
            to,
            params,
            codec: 'pcmu',
            sampleRate: 8000,
            token,
          },
        ];
      }
      case 'media': {
        const m = validate(mediaSchema, body, 'media message');
        const payload = decodeBase64(m.media.payload);
        // With track="both_tracks" Twilio also streams what the caller hears (our own audio): skip it.
        if (m.media.track !== 'inbound' && m.media.track !== 'inbound_track') return [{ type: 'ignored', what: `media:${m.media.track}` }];
        // `chunk` counts the track's media messages from 1: a jump means frames lost upstream.
        const events: InboundEvent[] = [];
        const chunk = m.media.chunk;
        if (chunk !== undefined) {
          if (this.lastChunk !== null && chunk > this.lastChunk + 1) events.push({ type: 'gap', frames: Math.min(chunk - this.lastChunk - 1, 1_000_000) });
          if (this.lastChunk === null || chunk > this.lastChunk) this.lastChunk = chunk;
        }
        events.push({ type: 'audio', payload });
        return events;
      }
      case 'dtmf':
        return [{ type: 'dtmf', digit: validate(dtmfSchema, body, 'dtmf message').dtmf.digit }];
      case 'mark':
        return [{ type: 'mark', name: validate(markSchema, body, 'mark message').mark.name }];
      case 'stop':
        validate(stopSchema, body, 'stop message');
        return [{ type: 'stop', reason: 'stop' }];
      default:
        throw new ProtocolError('unknown_event', `unknown Twilio event "${event.slice(0, 40)}"`);
    }
  }

  private sid(): string {
    // Only reachable after start: the channel sends nothing before the call exists.
    return this.streamSid ?? '';
  }

  audio(encoded: Uint8Array): OutboundFrame {
    const payload = Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength).toString('base64');
    return { kind: 'text', text: JSON.stringify({ event: 'media', streamSid: this.sid(), media: { payload } }) };
  }

  mark(name: string): OutboundFrame {
    return { kind: 'text', text: JSON.stringify({ event: 'mark', streamSid: this.sid(), mark: { name } }) };
  }

  clear(): OutboundFrame {
    return { kind: 'text', text: JSON.stringify({ event: 'clear', streamSid: this.sid() }) };
  }

  hangup(): OutboundFrame | null {
    // Media Streams has no in-band hang-up: closing the WebSocket ends a <Connect><Stream>.
    return null;
  }
}
