import * as grpc from '@grpc/grpc-js';
import type { PcmChunk } from '../../audio/types.js';
import type { SynthesisOptions, TtsEngine } from '../tts/types.js';
import { EngineError, EngineTimeoutError } from '../errors.js';
import { CLIENT_CHANNEL_OPTIONS } from './asr-client.js';
import { fromGrpcError } from './errors.js';
import { remoteReadiness } from './health.js';
import { cachedProbe } from '../readiness.js';
import { bytesToPcm, grpcTarget, loadEnginesPackage, type WireSynthesizeRequest, type WireSynthesizeResponse } from './proto.js';

export interface GrpcTtsOptions {
  /** host:port of an engine server. */
  url: string;
  /** Voice the server must speak (checked by the server); part of the answer-cache key. */
  voice: string;
  /** Longest wait for the first chunk and between chunks. */
  timeoutMs: number;
  /** Hard gRPC deadline on one text (default 2 minutes). */
  maxSynthesisMs?: number;
}

/**
 * Speech synthesis on a remote engine server: one server-streaming Synthesize call per text,
 * chunks yielded as they arrive. Reading lazily is the back-pressure: gRPC flow control stops
 * the server when the consumer (the paced playback) is behind.
 */
export function createGrpcTts(options: GrpcTtsOptions): TtsEngine {
  const target = grpcTarget(options.url);
  const name = `grpc-tts(${target})`;
  const { timeoutMs, voice } = options;
  const maxSynthesisMs = options.maxSynthesisMs ?? 120_000;
  const { Tts } = loadEnginesPackage();
  const client = new Tts(target, grpc.credentials.createInsecure(), CLIENT_CHANNEL_OPTIONS);
  let closed = false;

  async function* synthesize(text: string, synthOptions: SynthesisOptions = {}): AsyncGenerator<PcmChunk> {
    if (closed) throw new EngineError(name, `${name} is closed`);
    const signal = synthOptions.signal;
    if (signal?.aborted) return;
    const call: grpc.ClientReadableStream<WireSynthesizeResponse> = client.Synthesize(
      { text, voice } satisfies WireSynthesizeRequest,
      { deadline: Date.now() + maxSynthesisMs },
    );
    const onAbort = () => call.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    const messages = call[Symbol.asyncIterator]() as AsyncIterator<WireSynthesizeResponse>;
    try {
      while (true) {
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), timeoutMs);
        });
        const next = messages.next();
        let step: IteratorResult<WireSynthesizeResponse> | 'timeout';
        try {
          step = await Promise.race([next, timedOut]);
        } catch (err) {
          if (signal?.aborted) return;
          throw fromGrpcError(name, err, timeoutMs);
        } finally {
          clearTimeout(timer);
        }
        if (step === 'timeout') {
          next.catch(() => {}); // settles with CANCELLED once we cancel below
          call.cancel();
          throw new EngineTimeoutError(name, timeoutMs, `${name} sent no audio for ${timeoutMs} ms`);
        }
        if (step.done) return;
        if (signal?.aborted) return;
        const pcm = bytesToPcm(step.value.pcm);
        if (pcm.length > 0) yield { pcm, sampleRate: step.value.sampleRate };
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      // Consumer stopped early (barge-in) or we failed: stop the server's work too.
      call.cancel();
    }
  }

  const probe = cachedProbe(() => remoteReadiness(options.url, 'tts', Math.min(timeoutMs, 1500)));

  return {
    name,
    voice,
    synthesize,
    async close() {
      closed = true;
      client.close();
    },
    // A Health.Check round trip (cheap; no model work on the server), at most once per 2 s.
    readiness: () => (closed ? Promise.resolve({ ready: false, detail: `${name} is closed` }) : probe()),
  };
}
