import { z } from 'zod';
import { ProtocolError } from '../errors.js';
import { textOf } from '../serializer.js';

/** Parse a text frame as a JSON object with a string `event`, or throw the matching ProtocolError. */
export function parseJsonEvent(data: Uint8Array, binary: boolean, eventKey = 'event'): { event: string; body: Record<string, unknown> } {
  if (binary) throw new ProtocolError('unexpected_frame_type', 'expected a JSON text frame, got binary');
  let body: unknown;
  try {
    body = JSON.parse(textOf(data));
  } catch {
    throw new ProtocolError('bad_json', 'frame is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ProtocolError('bad_message', 'JSON frame is not an object');
  }
  const event = (body as Record<string, unknown>)[eventKey];
  if (typeof event !== 'string') throw new ProtocolError('bad_message', `JSON frame has no string "${eventKey}"`);
  return { event, body: body as Record<string, unknown> };
}

/**
 * zod parse that throws a ProtocolError naming the first problem. Start messages are validated as fatal:
 * a stream whose start cannot be read will never become a call, so it is closed with the reason
 * instead of waiting for the start timeout.
 */
export function validate<T>(schema: z.ZodType<T>, body: unknown, what: string, options: { fatal?: boolean } = {}): T {
  const r = schema.safeParse(body);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new ProtocolError('bad_message', `invalid ${what}: ${issue.path.join('.') || '(root)'}: ${issue.message}`, options);
  }
  return r.data;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict base64 (Buffer.from silently skips junk, which would turn garbage into noise on the line). */
export function decodeBase64(text: string): Uint8Array {
  if (!BASE64.test(text)) throw new ProtocolError('bad_payload', 'payload is not valid base64');
  return Buffer.from(text, 'base64');
}

/** Twilio sends numbers as strings ("sequenceNumber": "2"); accept either. */
export const numeric = z.union([z.string().regex(/^\d{1,15}$/), z.number().int().nonnegative()]).transform(Number);
