/**
 * Why a frame from the far end could not be used. Non-fatal errors drop the frame (and are counted);
 * fatal ones end the stream, because nothing after them can be understood either.
 */
export type ProtocolErrorCode =
  | 'bad_json'
  | 'bad_message'
  | 'unknown_event'
  | 'bad_payload'
  | 'oversize'
  | 'media_before_start'
  | 'duplicate_start'
  | 'unsupported_codec'
  | 'unexpected_frame_type';

export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode;
  readonly fatal: boolean;
  constructor(code: ProtocolErrorCode, message: string, options: { fatal?: boolean } = {}) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
    this.fatal = options.fatal ?? false;
  }
}
