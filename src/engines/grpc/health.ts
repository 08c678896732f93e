import * as grpc from '@grpc/grpc-js';
import type { EngineError } from '../errors.js';
import type { EngineReadiness } from '../readiness.js';
import { fromGrpcError } from './errors.js';
import { grpcTarget, loadEnginesPackage, type ServingStatus, type WireEngineInfo } from './proto.js';

export interface EngineServerHealth {
  status: ServingStatus;
  asr: { name: string; sampleRate: number } | null;
  tts: { name: string; voice: string; sampleRate: number | null } | null;
}

/**
 * Asks an engine server whether it serves and what (for /readyz of the call tier and for
 * operators). Rejects with EngineUnavailableError / EngineTimeoutError when it cannot be asked.
 */
export async function checkEngineServer(url: string, options: { timeoutMs: number; service?: '' | 'asr' | 'tts' }): Promise<EngineServerHealth> {
  const target = grpcTarget(url);
  const name = `engine-server(${target})`;
  const { Health } = loadEnginesPackage();
  const client = new Health(target, grpc.credentials.createInsecure());
  try {
    const reply = await new Promise<{ status: ServingStatus; asr?: WireEngineInfo | null; tts?: WireEngineInfo | null }>((resolve, reject) => {
      client.Check({ service: options.service ?? '' }, { deadline: Date.now() + options.timeoutMs }, (err: grpc.ServiceError | null, res: any) =>
        err ? reject(err) : resolve(res),
      );
    });
    return {
      status: reply.status,
      asr: reply.asr ? { name: reply.asr.name, sampleRate: reply.asr.sampleRate } : null,
      tts: reply.tts ? { name: reply.tts.name, voice: reply.tts.voice, sampleRate: reply.tts.sampleRate || null } : null,
    };
  } catch (err) {
    throw fromGrpcError(name, err, options.timeoutMs) as EngineError;
  } finally {
    client.close();
  }
}

/** An engine server's answer for one engine, as /readyz reports it (a Health.Check round trip). */
export async function remoteReadiness(url: string, service: 'asr' | 'tts', timeoutMs: number): Promise<EngineReadiness> {
  const health = await checkEngineServer(url, { timeoutMs, service });
  const engine = health[service];
  const what = engine ? `${engine.name}${'voice' in engine ? ` ${engine.voice}` : ''}` : service;
  return { ready: health.status === 'SERVING', detail: `engine server ${grpcTarget(url)}: ${what} ${health.status}` };
}
