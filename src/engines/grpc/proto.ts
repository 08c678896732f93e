import { fileURLToPath } from 'node:url';
import { endianness } from 'node:os';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { Logger } from '../../logger.js';

/**
 * Loads `proto/pasokh/engines.proto` at run time (no code generation step) and describes the wire
 * messages as TypeScript types. Shared by the engine server and the gRPC clients so both read the
 * same file with the same loader options.
 */
export const ENGINES_PROTO_PATH = fileURLToPath(new URL('../../../proto/pasokh/engines.proto', import.meta.url));

/** Largest audio payload per message; big pushes are split so no message nears gRPC's 4 MB cap. */
export const MAX_AUDIO_BYTES_PER_MESSAGE = 64 * 1024;

// Wire shapes as proto-loader decodes them (camelCase, oneof name in a virtual field, bytes as Buffer).
export interface WireRecognizeConfig {
  sampleRate: number;
  hotwords: string[];
  partials: boolean;
}
export type WireRecognizeRequest =
  | { request: 'config'; config: WireRecognizeConfig }
  | { request: 'audio'; audio: Buffer }
  | { request: 'finalize'; finalize: true };
export type WireRecognizeResponse =
  | { result: 'partial'; partial: { text: string } }
  | {
      result: 'final';
      final: { text: string; confidence: number; hasConfidence: boolean; audioSeconds: number; alternatives?: string[] };
    };
export interface WireSynthesizeRequest {
  text: string;
  voice: string;
}
export interface WireSynthesizeResponse {
  pcm: Buffer;
  sampleRate: number;
}
export type ServingStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';
export interface WireEngineInfo {
  name: string;
  sampleRate: number;
  voice: string;
}
export interface WireHealthResponse {
  status: ServingStatus;
  asr?: WireEngineInfo | null;
  tts?: WireEngineInfo | null;
}

export interface EnginesPackage {
  Asr: grpc.ServiceClientConstructor;
  Tts: grpc.ServiceClientConstructor;
  Health: grpc.ServiceClientConstructor;
}

let cached: EnginesPackage | null = null;

export function loadEnginesPackage(): EnginesPackage {
  if (cached) return cached;
  const definition = protoLoader.loadSync(ENGINES_PROTO_PATH, {
    keepCase: false,
    longs: Number,
    enums: String,
    bytes: Buffer,
    defaults: true,
    oneofs: true,
  });
  const root = grpc.loadPackageDefinition(definition) as any;
  const pkg = root.pasokh.engines.v1;
  cached = { Asr: pkg.Asr, Tts: pkg.Tts, Health: pkg.Health };
  return cached;
}

const LITTLE_ENDIAN = endianness() === 'LE';

/** Int16 samples → little-endian bytes (the wire format), copying so the caller may reuse its buffer. */
export function pcmToBytes(pcm: Int16Array): Buffer {
  const out = Buffer.allocUnsafe(pcm.length * 2);
  if (LITTLE_ENDIAN) {
    Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength).copy(out);
  } else {
    for (let i = 0; i < pcm.length; i++) out.writeInt16LE(pcm[i], i * 2);
  }
  return out;
}

/** Little-endian bytes → Int16 samples. The copy also fixes alignment (a Buffer may start at an odd offset). */
export function bytesToPcm(bytes: Uint8Array): Int16Array {
  const samples = bytes.length >> 1;
  const out = new Int16Array(samples);
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes.subarray(0, samples * 2));
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, samples * 2);
    for (let i = 0; i < samples; i++) out[i] = view.getInt16(i * 2, true);
  }
  return out;
}

/** Splits PCM into wire messages of at most MAX_AUDIO_BYTES_PER_MESSAGE. */
export function* pcmMessages(pcm: Int16Array): Generator<Buffer> {
  const step = MAX_AUDIO_BYTES_PER_MESSAGE / 2;
  for (let start = 0; start < pcm.length; start += step) {
    yield pcmToBytes(pcm.subarray(start, Math.min(pcm.length, start + step)));
  }
}

/** `host:port`, `[v6]:port` or `dns:///host:port`; a bare `grpc://` scheme is tolerated and stripped. */
export function grpcTarget(url: string): string {
  const trimmed = url.trim();
  if (trimmed.length === 0) throw new TypeError('gRPC engine URL is empty; set e.g. "10.0.0.5:50051"');
  return trimmed.replace(/^grpc:\/\//, '');
}

/** The service's Logger; debug is optional so a plain console-like logger serves the engine server. */
export type EngineLogger = Omit<Logger, 'debug'> & Partial<Pick<Logger, 'debug'>>;
