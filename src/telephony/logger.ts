// The telephony layer's logger is the service's one Logger (src/logger.ts); the old names stay so
// the protocol modules need no edit.
export { silentLogger, type Logger as TelephonyLogger } from '../logger.js';
