import * as grpc from '@grpc/grpc-js';
import type { AsrEngine, AsrFinal, AsrStream, AsrStreamOptions } from '../asr/types.js';
import { EngineError, EngineTimeoutError } from '../errors.js';
import { finalizeRefusal, noFinalResult } from '../deadline.js';
import { fromGrpcError } from './errors.js';
import { remoteReadiness } from './health.js';
import { cachedProbe } from '../readiness.js';
import { grpcTarget, loadEnginesPackage, pcmMessages, type WireRecognizeRequest, type WireRecognizeResponse } from './proto.js';

export interface GrpcAsrOptions {
  /** host:port of an engine server. */
  url: string;
  /** Rate of the audio the session will push; the server resamples if its model wants another. */
  sampleRate: number;
  /** How long the server may take to answer after finalize (and the bound on connecting). */
  timeoutMs: number;
  /** Hard gRPC deadline on one utterance stream, from its start (default 5 minutes). */
  maxStreamMs?: number;
}

/** Shared gRPC channel options for engine clients: fail fast and notice dead servers. */
export const CLIENT_CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.keepalive_permit_without_calls': 1,
  // Reconnect quickly once a restarted engine server is back. The fallback wrappers' cool-down
  // must be longer than the longest back-off, or the first attempt after it finds the channel
  // still backing off and fails without trying.
  'grpc.initial_reconnect_backoff_ms': 200,
  'grpc.max_reconnect_backoff_ms': 1_000,
};

/**
 * Speech recognition on a remote engine server (`npm run engine-server`): one bidirectional
 * Recognize stream per utterance. Failures surface as EngineUnavailableError / EngineTimeoutError,
 * through `onError` as soon as they happen and from `finalize`.
 */
export function createGrpcAsr(options: GrpcAsrOptions): AsrEngine {
  const target = grpcTarget(options.url);
  if (!Number.isInteger(options.sampleRate) || options.sampleRate < 8000 || options.sampleRate > 48000) {
    throw new RangeError(`gRPC ASR sampleRate must be 8000–48000 Hz, got ${options.sampleRate}`);
  }
  const name = `grpc-asr(${target})`;
  const timeoutMs = options.timeoutMs;
  const maxStreamMs = options.maxStreamMs ?? 5 * 60_000;
  const { Asr } = loadEnginesPackage();
  const client = new Asr(target, grpc.credentials.createInsecure(), CLIENT_CHANNEL_OPTIONS);
  let closed = false;

  function createStream(streamOptions: AsrStreamOptions = {}): AsrStream {
    if (closed) throw new EngineError(name, `${name} is closed`);
    const call: grpc.ClientDuplexStream<WireRecognizeRequest, WireRecognizeResponse> = client.Recognize({
      deadline: Date.now() + maxStreamMs,
    });
    let failure: EngineError | null = null;
    let final: AsrFinal | null = null;
    let cancelled = false;
    let finalizing = false;
    let settle: { resolve(f: AsrFinal): void; reject(e: Error): void } | null = null;
    let timer: NodeJS.Timeout | null = null;

    const finish = () => {
      if (timer) clearTimeout(timer);
      timer = null;
    };
    const failWith = (err: EngineError) => {
      if (failure || final || cancelled) return;
      failure = err;
      finish();
      call.cancel();
      if (settle) settle.reject(err);
      else streamOptions.onError?.(err);
    };

    call.on('data', (msg: WireRecognizeResponse) => {
      if (cancelled || failure) return;
      if (msg.result === 'partial') {
        if (!finalizing) streamOptions.onPartial?.({ text: msg.partial.text });
      } else if (msg.result === 'final') {
        const f = msg.final;
        final = {
          text: f.text,
          audioSeconds: f.audioSeconds,
          ...(f.hasConfidence ? { confidence: f.confidence } : {}),
          ...(f.alternatives?.length ? { alternatives: f.alternatives } : {}),
        };
        finish();
        settle?.resolve(final);
      }
    });
    call.on('error', (err) => {
      if (cancelled) return;
      failWith(fromGrpcError(name, err, timeoutMs));
    });
    call.on('end', () => {
      if (!final && !cancelled && !failure) {
        failWith(fromGrpcError(name, { code: grpc.status.UNAVAILABLE, details: 'stream ended without a result' }, timeoutMs));
      }
    });

    call.write({ request: 'config', config: { sampleRate: options.sampleRate, hotwords: [...(streamOptions.hotwords ?? [])], partials: !!streamOptions.onPartial } });

    return {
      push(pcm: Int16Array) {
        // After a failure the audio has nowhere to go; the owner learns of it via onError/finalize.
        if (cancelled || failure || finalizing || pcm.length === 0) return;
        for (const audio of pcmMessages(pcm)) call.write({ request: 'audio', audio });
      },
      finalize() {
        const refused = finalizeRefusal(name, { failure, cancelled, finalizing });
        if (refused) return Promise.reject(refused);
        finalizing = true;
        return new Promise<AsrFinal>((resolve, reject) => {
          settle = { resolve, reject };
          if (final) return resolve(final);
          call.write({ request: 'finalize', finalize: true });
          call.end();
          timer = setTimeout(() => failWith(noFinalResult(name, timeoutMs)), timeoutMs);
        });
      },
      cancel() {
        if (cancelled) return;
        cancelled = true;
        finish();
        if (!final && !failure) call.cancel();
        settle?.reject(new EngineError(name, 'utterance was cancelled'));
      },
    };
  }

  const probe = cachedProbe(() => remoteReadiness(options.url, 'asr', Math.min(timeoutMs, 1500)));

  return {
    name,
    sampleRate: options.sampleRate,
    createStream,
    async close() {
      closed = true;
      client.close();
    },
    // A Health.Check round trip (cheap; no model work on the server), at most once per 2 s.
    readiness: () => (closed ? Promise.resolve({ ready: false, detail: `${name} is closed` }) : probe()),
  };
}
