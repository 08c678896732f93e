import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { LineCodec } from '../../audio/g711.js';
import { ProtocolError } from '../errors.js';
import { DTMF_DIGIT, textOf, type FrameSerializer, type InboundEvent, type OutboundFrame } from '../serializer.js';

/**
 * Asterisk `chan_websocket` (Asterisk 20.16+, 21.11+, 22.6+, 23+;
 * https://docs.asterisk.org/Configuration/Channel-Drivers/WebSocket/).
 *
 * BINARY frames are raw media in the channel's codec (160 bytes / 20 ms for ulaw and alaw);
 * TEXT frames are control messages. Two control formats exist:
 *  - plain text (the default): `MEDIA_START connection_id:… channel:… format:ulaw optimal_frame_size:160`,
 *    `DTMF_END digit:5`, `MEDIA_XOFF`, `MEDIA_XON` …; commands are bare words (`FLUSH_MEDIA`, `HANGUP`).
 *  - JSON (20.18+/22.8+, `f(json)` in the dial string): `{"event":"MEDIA_START", …}` and commands
 *    `{"command":"FLUSH_MEDIA"}`.
 * We answer in whichever format MEDIA_START arrived in.
 *
 * Where the docs are thin:
 *  - `slin`/`slin16` byte order is not stated; Asterisk's signed-linear formats are host order, which is
 *    little-endian on every platform Asterisk ships for, so we read and write little-endian.
 *  - The docs list `HANGUP` only as a command to Asterisk; Asterisk ends a call by closing the socket.
 *    We also accept a `HANGUP` text from the far end as the end of the call (some proxies send it).
 *  - Only ulaw, alaw, slin (8 kHz) and slin16 are accepted; other formats (opus needs passthrough
 *    framing, g722 …) close the stream with a clear reason so the dialplan can be fixed.
 */

const FORMATS: Record<string, { codec: LineCodec; sampleRate: number }> = {
  ulaw: { codec: 'pcmu', sampleRate: 8000 },
  alaw: { codec: 'pcma', sampleRate: 8000 },
  slin: { codec: 'l16', sampleRate: 8000 },
  slin16: { codec: 'l16', sampleRate: 16000 },
};

const mediaStartSchema = z.object({
  connection_id: z.string().min(1).max(256).optional(),
  channel: z.string().min(1).max(256).optional(),
  channel_id: z.string().max(256).optional(),
  format: z.string().min(1).max(32),
  optimal_frame_size: z.coerce.number().int().nonnegative().max(65500).optional(),
  ptime: z.coerce.number().int().positive().max(1000).optional(),
  channel_variables: z.record(z.string().max(256), z.string().max(1024)).optional(),
});

const dtmfSchema = z.object({ digit: z.string().regex(DTMF_DIGIT) });

/** Notifications that are valid but need nothing from us. */
const INFORMATIONAL = new Set(['STATUS', 'MEDIA_BUFFERING_COMPLETED', 'QUEUE_DRAINED', 'DTMF_BEGIN']);

/** `NAME key:value key:value …` → { event, fields }. A value keeps any ':' after the first. */
function parsePlain(text: string): { event: string; fields: Record<string, string> } {
  const parts = text.trim().split(/\s+/);
  const event = parts.shift() ?? '';
  const fields: Record<string, string> = {};
  for (const p of parts) {
    const i = p.indexOf(':');
    if (i > 0) fields[p.slice(0, i)] = p.slice(i + 1);
    else fields[`arg${Object.keys(fields).length}`] = p; // e.g. MEDIA_BUFFERING_COMPLETED <id>
  }
  return { event, fields };
}

export interface AsteriskOptions {
  /**
   * Send ANSWER once the stream is accepted: for dial strings with the `n` option (no auto-answer),
   * so the caller is answered only when Pasokh is really there. Set with `?answer=1` on the URI.
   */
  answer?: boolean;
}

export class AsteriskSerializer implements FrameSerializer {
  readonly protocol = 'asterisk' as const;
  readonly supportsMarks = false;
  /** chan_websocket re-times queued media itself (MEDIA_XOFF when its queue fills); FLUSH_MEDIA empties it. */
  readonly leadMs = 300;
  private json = false;
  private readonly answer: boolean;

  constructor(options: AsteriskOptions = {}) {
    this.answer = options.answer ?? false;
  }

  accepted(): OutboundFrame[] {
    return this.answer ? [this.command('ANSWER')] : [];
  }

  parse(data: Uint8Array, binary: boolean): InboundEvent[] {
    if (binary) return [{ type: 'audio', payload: data }];
    const text = textOf(data);
    if (text.length > 8192) throw new ProtocolError('bad_message', 'control message too long');
    let event: string;
    let fields: Record<string, unknown>;
    let isJson = false;
    if (text.trimStart().startsWith('{')) {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new ProtocolError('bad_json', 'control message looks like JSON but does not parse');
      }
      if (typeof body !== 'object' || body === null || typeof (body as { event?: unknown }).event !== 'string') {
        throw new ProtocolError('bad_message', 'JSON control message has no string "event"');
      }
      ({ event, ...fields } = body as { event: string });
      isJson = true;
    } else {
      ({ event, fields } = parsePlain(text));
    }
    if (!/^[A-Z_]{1,64}$/.test(event)) throw new ProtocolError('bad_message', 'control message has no event name');

    switch (event) {
      case 'MEDIA_START': {
        // The format decides whether this stream can be carried at all: check it first.
        if (typeof fields.format === 'string' && !FORMATS[fields.format]) {
          throw new ProtocolError('unsupported_codec', `unsupported format "${fields.format.slice(0, 32)}": dial with c(ulaw), c(alaw), c(slin) or c(slin16)`, {
            fatal: true,
          });
        }
        const r = mediaStartSchema.safeParse(fields);
        if (!r.success) {
          throw new ProtocolError('bad_message', `invalid MEDIA_START: ${r.error.issues[0].path.join('.')}: ${r.error.issues[0].message}`, { fatal: true });
        }
        const m = r.data;
        const fmt = FORMATS[m.format];
        this.json = isJson;
        const params: Record<string, string> = { format: m.format };
        if (m.connection_id) params.connectionId = m.connection_id;
        if (m.channel) params.channel = m.channel;
        if (m.channel_id) params.channelId = m.channel_id;
        for (const [k, v] of Object.entries(m.channel_variables ?? {})) params[`var.${k}`] = v;
        return [
          {
            type: 'start',
            // A stream that names nothing still needs an id of its own: calls must never share one.
            callId: m.channel_id ?? m.connection_id ?? m.channel ?? `asterisk-${randomUUID()}`,
            // AMI actions take the channel name (or its unique id); the name is what logs show.
            providerCallId: m.channel ?? m.channel_id ?? null,
            // MEDIA_START has no caller number; the dialplan can pass v(from=…,to=…) in the URI instead.
            from: null,
            to: null,
            params,
            codec: fmt.codec,
            sampleRate: fmt.sampleRate,
            token: null,
            frameBytes: m.optimal_frame_size || undefined,
          },
        ];
      }
      case 'DTMF_END': {
        const r = dtmfSchema.safeParse(fields);
        if (!r.success) throw new ProtocolError('bad_message', 'DTMF_END without a valid digit');
        return [{ type: 'dtmf', digit: r.data.digit }];
      }
      case 'MEDIA_XOFF':
        return [{ type: 'pause' }];
      case 'MEDIA_XON':
        return [{ type: 'resume' }];
      case 'HANGUP':
        return [{ type: 'stop', reason: 'hangup' }];
      default:
        if (INFORMATIONAL.has(event)) return [{ type: 'ignored', what: event }];
        throw new ProtocolError('unknown_event', `unknown chan_websocket event "${event}"`);
    }
  }

  private command(name: string): OutboundFrame {
    return { kind: 'text', text: this.json ? JSON.stringify({ command: name }) : name };
  }

  audio(encoded: Uint8Array): OutboundFrame {
    return { kind: 'binary', bytes: encoded };
  }

  mark(): null {
    return null;
  }

  clear(): OutboundFrame {
    return this.command('FLUSH_MEDIA');
  }

  hangup(): OutboundFrame {
    return this.command('HANGUP');
  }
}
