import * as grpc from '@grpc/grpc-js';
import { RemoteUtterance, remoteAsrEngine } from '../asr/remote.js';
import type { AsrEngine, AsrFinal, AsrStream, AsrStreamOptions } from '../asr/types.js';
import type { EngineError } from '../errors.js';
import { fromGrpcError } from './errors.js';
import { remoteReadiness } from './health.js';
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

  function createStream(streamOptions: AsrStreamOptions): AsrStream {
    const call: grpc.ClientDuplexStream<WireRecognizeRequest, WireRecognizeResponse> = client.Recognize({
      deadline: Date.now() + maxStreamMs,
    });
    const utterance = new RemoteUtterance(name, timeoutMs, streamOptions.onError);
    let final: AsrFinal | null = null;

    const failWith = (err: EngineError) => {
      if (utterance.failure || final || utterance.cancelled) return;
      utterance.fail(err, () => {
        utterance.clearDeadline();
        call.cancel();
      });
    };

    call.on('data', (msg: WireRecognizeResponse) => {
      if (utterance.cancelled || utterance.failure) return;
      if (msg.result === 'partial') {
        if (!utterance.finalizing) streamOptions.onPartial?.({ text: msg.partial.text });
      } else if (msg.result === 'final') {
        const f = msg.final;
        final = {
          text: f.text,
          audioSeconds: f.audioSeconds,
          ...(f.hasConfidence ? { confidence: f.confidence } : {}),
          ...(f.alternatives?.length ? { alternatives: f.alternatives } : {}),
        };
        utterance.clearDeadline();
        utterance.resolve(final);
      }
    });
    call.on('error', (err) => {
      if (utterance.cancelled) return;
      failWith(fromGrpcError(name, err, timeoutMs));
    });
    call.on('end', () => {
      if (!final && !utterance.cancelled && !utterance.failure) {
        failWith(fromGrpcError(name, { code: grpc.status.UNAVAILABLE, details: 'stream ended without a result' }, timeoutMs));
      }
    });

    call.write({ request: 'config', config: { sampleRate: options.sampleRate, hotwords: [...(streamOptions.hotwords ?? [])], partials: !!streamOptions.onPartial } });

    return {
      push(pcm: Int16Array) {
        // After a failure the audio has nowhere to go; the owner learns of it via onError/finalize.
        if (utterance.cancelled || utterance.failure || utterance.finalizing || pcm.length === 0) return;
        for (const audio of pcmMessages(pcm)) call.write({ request: 'audio', audio });
      },
      finalize() {
        return utterance.finalize(() => {
          if (final) return final;
          call.write({ request: 'finalize', finalize: true });
          call.end();
        }, failWith);
      },
      cancel() {
        if (utterance.cancelled) return;
        utterance.cancelled = true;
        utterance.clearDeadline();
        if (!final && !utterance.failure) call.cancel();
        utterance.rejectCancelled();
      },
    };
  }

  return remoteAsrEngine({
    name,
    sampleRate: options.sampleRate,
    createStream,
    // A Health.Check round trip (cheap; no model work on the server).
    probe: () => remoteReadiness(options.url, 'asr', Math.min(timeoutMs, 1500)),
    close: () => client.close(),
  });
}
