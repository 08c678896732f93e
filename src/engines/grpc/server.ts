import * as grpc from '@grpc/grpc-js';
import { z } from 'zod';
import { Resampler } from '../../audio/resample.js';
import type { AsrEngine, AsrPartial, AsrStream } from '../asr/types.js';
import type { TtsEngine } from '../tts/types.js';
import {
  bytesToPcm,
  loadEnginesPackage,
  pcmMessages,
  type EngineLogger,
  type WireEngineInfo,
  type WireHealthResponse,
  type WireRecognizeRequest,
  type WireRecognizeResponse,
  type WireSynthesizeRequest,
  type WireSynthesizeResponse,
} from './proto.js';

export interface EngineServerOptions {
  /** 0 picks a free port (tests); the bound port is returned. */
  port: number;
  /** Listen address; default 0.0.0.0 (the inference tier is reached from other machines). */
  host?: string;
  asr?: AsrEngine;
  tts?: TtsEngine;
  logger?: EngineLogger;
  /** Longest utterance accepted on one Recognize stream (default 60 s). */
  maxUtteranceSeconds?: number;
  /** Longest text accepted by Synthesize (default 5000 characters). */
  maxTextChars?: number;
  /** How long close() lets running streams finish before cutting them (default 5 s). */
  shutdownGraceMs?: number;
  /**
   * Most Recognize streams + Synthesize calls served at once; more are refused at once with
   * RESOURCE_EXHAUSTED (clients then use their local engine) rather than queued behind a saturated
   * CPU. 0 = no limit (default).
   */
  maxStreams?: number;
}

export interface EngineServer {
  port: number;
  close(): Promise<void>;
}

const silentLogger: EngineLogger = { info() {}, warn() {}, error() {} };

// ---- validation of what clients send ---------------------------------------------------------

const recognizeRequestSchema = z.discriminatedUnion(
  'request',
  [
    z.object({
      request: z.literal('config'),
      config: z.object({
        sampleRate: z
          .number()
          .int()
          .min(8000, 'config.sample_rate must be between 8000 and 48000 Hz')
          .max(48000, 'config.sample_rate must be between 8000 and 48000 Hz'),
        hotwords: z
          .array(z.string().max(200, 'each hotword must be at most 200 characters'))
          .max(5000, 'at most 5000 hotwords'),
        partials: z.boolean(),
      }),
    }),
    z.object({
      request: z.literal('audio'),
      audio: z
        .instanceof(Buffer)
        .refine((b) => b.length % 2 === 0, 'audio must hold whole 16-bit samples (even byte length)'),
    }),
    z.object({ request: z.literal('finalize'), finalize: z.literal(true) }),
  ],
  { error: 'RecognizeRequest must set exactly one of config, audio or finalize' },
);

function synthesizeRequestSchema(maxTextChars: number) {
  return z.object({
    text: z
      .string()
      .refine((t) => t.trim().length > 0, 'text is empty')
      .refine((t) => t.length <= maxTextChars, `text is longer than ${maxTextChars} characters`),
    voice: z.string().max(500),
  });
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

function statusError(code: grpc.status, details: string): Partial<grpc.StatusObject> {
  return { code, details };
}

// ---- server ----------------------------------------------------------------------------------

/**
 * Serves in-process engines over gRPC (proto/pasokh/engines.proto) so that the call tier can run
 * them on another machine. Each Recognize stream is one utterance; each Synthesize call one text.
 * A client hanging up cancels the engine's work; slow clients hold synthesis back rather than
 * letting audio pile up in memory.
 */
export async function startEngineServer(options: EngineServerOptions): Promise<EngineServer> {
  const { asr, tts } = options;
  const log = options.logger ?? silentLogger;
  const maxUtteranceSeconds = options.maxUtteranceSeconds ?? 60;
  const maxTextChars = options.maxTextChars ?? 5000;
  const synthSchema = synthesizeRequestSchema(maxTextChars);
  const pkg = loadEnginesPackage();
  let closing = false;
  const maxStreams = options.maxStreams ?? 0;
  let inFlight = 0;
  /** Takes a slot, or returns null when the server is at its limit; the release runs once. */
  const admit = (): (() => void) | null => {
    if (maxStreams > 0 && inFlight >= maxStreams) return null;
    inFlight++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      inFlight--;
    };
  };
  const busy = () => `engine server busy: ${maxStreams} streams in progress`;

  const server = new grpc.Server({
    'grpc.max_receive_message_length': 1024 * 1024,
    // Let clients' keep-alive pings through so they notice a dead server quickly.
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 5000,
  });

  function recognize(call: grpc.ServerDuplexStream<WireRecognizeRequest, WireRecognizeResponse>): void {
    const peer = call.getPeer();
    let stream: AsrStream | null = null;
    let resampler: Resampler | null = null;
    let clientRate = 0;
    let samples = 0;
    let finalizing = false;
    let done = false;
    const release = admit();
    if (!release) {
      log.warn({ peer, maxStreams }, 'asr stream refused: busy');
      call.emit('error', statusError(grpc.status.RESOURCE_EXHAUSTED, busy()));
      return;
    }
    // Every way a stream ends (result, refusal, cancellation, error) closes the call: free the slot then.
    call.on('close', release);
    call.on('finish', release);
    // Partials are superseded by the next one: when the client reads slowly, keep only the latest.
    let partialInFlight = false;
    let pendingPartial: AsrPartial | null = null;

    const fail = (code: grpc.status, details: string) => {
      if (done) return;
      done = true;
      stream?.cancel();
      log.warn({ peer, code: grpc.status[code], details }, 'asr stream refused');
      call.emit('error', statusError(code, details));
    };
    const sendPartial = (partial: AsrPartial) => {
      if (done || finalizing) return;
      if (partialInFlight) {
        pendingPartial = partial;
        return;
      }
      partialInFlight = true;
      const flushed = call.write({ result: 'partial', partial: { text: partial.text } } satisfies WireRecognizeResponse);
      const release = () => {
        partialInFlight = false;
        const next = pendingPartial;
        pendingPartial = null;
        if (next) sendPartial(next);
      };
      if (flushed) release();
      else call.once('drain', release);
    };

    call.on('cancelled', () => {
      if (done) return;
      done = true;
      stream?.cancel();
      log.info({ peer }, 'asr stream cancelled by client');
    });
    call.on('error', () => {
      // Status errors we emit ourselves land here too; the engine stream is already cancelled.
      if (!done) {
        done = true;
        stream?.cancel();
      }
    });

    call.on('data', (raw: unknown) => {
      if (done) return;
      if (finalizing) return fail(grpc.status.INVALID_ARGUMENT, 'message after finalize');
      const parsed = recognizeRequestSchema.safeParse(raw);
      if (!parsed.success) return fail(grpc.status.INVALID_ARGUMENT, describeIssues(parsed.error));
      const msg = parsed.data;
      if (msg.request === 'config') {
        if (stream) return fail(grpc.status.INVALID_ARGUMENT, 'config sent twice; send it once, first');
        if (!asr) return fail(grpc.status.UNIMPLEMENTED, 'this engine server runs no ASR engine');
        clientRate = msg.config.sampleRate;
        if (clientRate !== asr.sampleRate) resampler = new Resampler(clientRate, asr.sampleRate);
        try {
          stream = asr.createStream({
            hotwords: msg.config.hotwords,
            onPartial: msg.config.partials ? sendPartial : undefined,
          });
        } catch (err) {
          return fail(grpc.status.INTERNAL, `ASR engine could not start a stream: ${(err as Error).message}`);
        }
        log.info({ peer, sampleRate: clientRate, hotwords: msg.config.hotwords.length, inFlight }, 'asr stream started');
        return;
      }
      if (!stream) return fail(grpc.status.INVALID_ARGUMENT, `${msg.request} before config; send config first`);
      if (msg.request === 'audio') {
        const pcm = bytesToPcm(msg.audio);
        samples += pcm.length;
        if (samples > maxUtteranceSeconds * clientRate) {
          return fail(grpc.status.INVALID_ARGUMENT, `utterance longer than ${maxUtteranceSeconds} s; finalize sooner`);
        }
        const engineAudio = resampler ? resampler.push(pcm) : pcm;
        try {
          if (engineAudio.length > 0) stream.push(engineAudio);
        } catch (err) {
          fail(grpc.status.INTERNAL, `ASR engine rejected audio: ${(err as Error).message}`);
        }
        return;
      }
      // finalize
      finalizing = true;
      const active = stream;
      try {
        const tail = resampler?.flush();
        if (tail && tail.length > 0) active.push(tail);
      } catch (err) {
        return fail(grpc.status.INTERNAL, `ASR engine rejected audio: ${(err as Error).message}`);
      }
      const started = Date.now();
      active.finalize().then(
        (final) => {
          if (done) return;
          done = true;
          call.write({
            result: 'final',
            final: {
              text: final.text,
              confidence: final.confidence ?? 0,
              hasConfidence: final.confidence !== undefined,
              audioSeconds: final.audioSeconds,
              alternatives: final.alternatives ?? [],
            },
          } satisfies WireRecognizeResponse);
          call.end();
          log.info({ peer, audioSeconds: final.audioSeconds, finalizeMs: Date.now() - started }, 'asr utterance recognised');
        },
        (err: Error) => fail(grpc.status.INTERNAL, `ASR engine failed: ${err.message}`),
      );
    });

    call.on('end', () => {
      // The client half-closed. After finalize that is the normal end; before it the utterance is
      // abandoned: stop the engine now. A cancelled call also ends the read side, a moment before
      // 'cancelled' arrives, so only call it a bad request if no cancellation follows.
      if (finalizing) return;
      stream?.cancel();
      setTimeout(() => {
        if (!done && !call.cancelled) fail(grpc.status.INVALID_ARGUMENT, 'stream closed before finalize; utterance dropped');
      }, 100).unref();
    });
  }

  async function synthesize(call: grpc.ServerWritableStream<WireSynthesizeRequest, WireSynthesizeResponse>): Promise<void> {
    const peer = call.getPeer();
    const fail = (code: grpc.status, details: string) => {
      log.warn({ peer, code: grpc.status[code], details }, 'tts request refused');
      call.emit('error', statusError(code, details));
    };
    if (!tts) return fail(grpc.status.UNIMPLEMENTED, 'this engine server runs no TTS engine');
    const parsed = synthSchema.safeParse(call.request);
    if (!parsed.success) return fail(grpc.status.INVALID_ARGUMENT, describeIssues(parsed.error));
    const { text, voice } = parsed.data;
    if (voice !== '' && voice !== tts.voice) {
      return fail(grpc.status.NOT_FOUND, `voice "${voice}" is not served here; this server speaks "${tts.voice}"`);
    }
    const release = admit();
    if (!release) return fail(grpc.status.RESOURCE_EXHAUSTED, busy());
    try {
      await synthesizeAdmitted(call, text);
    } finally {
      release();
    }
  }

  async function synthesizeAdmitted(call: grpc.ServerWritableStream<WireSynthesizeRequest, WireSynthesizeResponse>, text: string): Promise<void> {
    const peer = call.getPeer();
    const tts = options.tts!;
    const fail = (code: grpc.status, details: string) => {
      log.warn({ peer, code: grpc.status[code], details }, 'tts request refused');
      call.emit('error', statusError(code, details));
    };

    const abort = new AbortController();
    call.on('cancelled', () => abort.abort());
    // Back-pressure: wait for the client to take what is queued before synthesising more.
    const drained = () =>
      new Promise<void>((resolve) => {
        const done = () => {
          call.off('drain', done);
          abort.signal.removeEventListener('abort', done);
          resolve();
        };
        call.on('drain', done);
        abort.signal.addEventListener('abort', done);
      });

    const started = Date.now();
    let firstChunkMs: number | null = null;
    let samples = 0;
    try {
      for await (const chunk of tts.synthesize(text, { signal: abort.signal })) {
        if (abort.signal.aborted) break;
        firstChunkMs ??= Date.now() - started;
        samples += chunk.pcm.length;
        for (const pcm of pcmMessages(chunk.pcm)) {
          const ok = call.write({ pcm, sampleRate: chunk.sampleRate } satisfies WireSynthesizeResponse);
          if (!ok) await drained();
          if (abort.signal.aborted) break;
        }
      }
    } catch (err) {
      if (!abort.signal.aborted) return fail(grpc.status.INTERNAL, `TTS engine failed: ${(err as Error).message}`);
    }
    if (abort.signal.aborted) {
      log.info({ peer }, 'tts synthesis cancelled by client');
      return;
    }
    call.end();
    log.info({ peer, chars: text.length, samples, firstChunkMs, totalMs: Date.now() - started }, 'tts text synthesised');
  }

  const info = (engine: AsrEngine | TtsEngine | undefined, kind: 'asr' | 'tts'): WireEngineInfo | null => {
    if (!engine) return null;
    return kind === 'asr'
      ? { name: engine.name, sampleRate: (engine as AsrEngine).sampleRate, voice: '' }
      : { name: engine.name, sampleRate: (engine as TtsEngine).outputRate ?? 0, voice: (engine as TtsEngine).voice };
  };

  function check(call: grpc.ServerUnaryCall<{ service: string }, WireHealthResponse>, callback: grpc.sendUnaryData<WireHealthResponse>): void {
    const service = call.request.service;
    let status: WireHealthResponse['status'];
    if (closing) status = 'NOT_SERVING';
    else if (service === '') status = asr || tts ? 'SERVING' : 'NOT_SERVING';
    else if (service === 'asr') status = asr ? 'SERVING' : 'NOT_SERVING';
    else if (service === 'tts') status = tts ? 'SERVING' : 'NOT_SERVING';
    else status = 'SERVICE_UNKNOWN';
    callback(null, { status, asr: info(asr, 'asr'), tts: info(tts, 'tts') });
  }

  server.addService(pkg.Asr.service, { Recognize: recognize });
  server.addService(pkg.Tts.service, { Synthesize: synthesize });
  server.addService(pkg.Health.service, { Check: check });

  const host = options.host ?? '0.0.0.0';
  const address = host.includes(':') && !host.startsWith('[') ? `[${host}]:${options.port}` : `${host}:${options.port}`;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound)));
  });
  log.info({ host, port, asr: asr?.name ?? null, tts: tts?.name ?? null }, 'engine server listening');

  let closed: Promise<void> | null = null;
  return {
    port,
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing = true;
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, options.shutdownGraceMs ?? 5000);
        force.unref();
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      return closed;
    },
  };
}
