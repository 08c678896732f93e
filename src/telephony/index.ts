/** Telephony: protocol adapters that turn media streams into CallChannels. */
export { attachMediaEndpoints, MEDIA_PATHS, type MediaEndpointOptions } from './ws_endpoints.js';
export { startAudioSocketServer, type AudioSocketServerOptions } from './audiosocket_server.js';
export { createTelephonyCounters, type TelephonyCounters, type TelephonyMetrics } from './metrics.js';
export type { TelephonyLogger } from './logger.js';
export { ProtocolError, type ProtocolErrorCode } from './errors.js';
export type { CallChannel, CallInfo, Playback, PlaybackOutcome, Protocol } from './types.js';
