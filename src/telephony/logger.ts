/**
 * The slice of a structured logger the telephony layer uses. A pino logger fits as is; tests pass
 * a recording one. Objects first, message second (pino's argument order).
 */
export interface TelephonyLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: TelephonyLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
