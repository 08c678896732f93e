/**
 * The one logging surface every module takes: pino's argument order (object first, message
 * second), so the service's pino logger fits as is and tests pass a recording one. A module that
 * only warns asks for `Pick<Logger, 'warn'>`, which keeps its test doubles small.
 */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
