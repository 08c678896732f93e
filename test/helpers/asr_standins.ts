import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { decodeWav } from '../../src/audio/wav.js';
import type { AsrEngine, AsrStream } from '../../src/engines/asr/types.js';

/** What a stand-in saw of one utterance. */
export interface VoskSession {
  config: Record<string, unknown> | null;
  audioBytes: number;
  messages: number;
  eofText: string | null;
}

/**
 * A stand-in Vosk server speaking alphacep/vosk-server's WebSocket protocol (websocket/asr_server.py):
 * a text `{"config": {...}}` message, then binary PCM messages each answered with one JSON message
 * (`{"partial" : "…"}`, or `{"result": [...], "text": "…"}` where its endpointer closes a segment),
 * and the text message `{"eof" : 1}`, answered with the final result, after which it closes.
 * It "recognises" by script: `segments` are the texts of the segments it finalises, one per
 * `segmentBytes` of audio, the last at eof.
 */
export async function startVoskStandin(script: { segments: string[]; segmentBytes?: number; delayFinalMs?: number; dropAfterBytes?: number }) {
  const server = createServer();
  const wss = new WebSocketServer({ server });
  const sessions: VoskSession[] = [];
  wss.on('connection', (ws: WebSocket) => {
    const session: VoskSession = { config: null, audioBytes: 0, messages: 0, eofText: null };
    sessions.push(session);
    let segment = 0;
    let sinceSegment = 0;
    ws.on('message', (data, isBinary) => {
      session.messages++;
      if (!isBinary) {
        const text = data.toString();
        if (text === '{"eof" : 1}') {
          session.eofText = text;
          const finalText = script.segments.slice(segment).join(' ');
          setTimeout(() => {
            ws.send(JSON.stringify({ result: finalText.split(' ').filter(Boolean).map((word) => ({ word, conf: 0.8, start: 0, end: 0 })), text: finalText }));
            ws.close();
          }, script.delayFinalMs ?? 0);
          return;
        }
        if (text.includes('config')) {
          session.config = JSON.parse(text).config;
          return;
        }
        ws.send(JSON.stringify({ partial: '' }));
        return;
      }
      session.audioBytes += (data as Buffer).length;
      sinceSegment += (data as Buffer).length;
      if (script.dropAfterBytes !== undefined && session.audioBytes >= script.dropAfterBytes) {
        ws.terminate();
        return;
      }
      if (script.segmentBytes && sinceSegment >= script.segmentBytes && segment < script.segments.length - 1) {
        sinceSegment = 0;
        const text = script.segments[segment++];
        ws.send(JSON.stringify({ result: [{ word: text, conf: 1, start: 0, end: 0 }], text }));
      } else {
        ws.send(JSON.stringify({ partial: script.segments[segment] ?? '' }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}`,
    sessions,
    close: () => closeServer(server, () => wss.clients.forEach((c) => c.terminate())),
  };
}

export interface WhisperRequest {
  path: string;
  authorization: string | null;
  fields: Record<string, string>;
  file: { name: string; type: string; sampleRate: number; samples: number } | null;
}

/**
 * A stand-in for an OpenAI-compatible transcription server (faster-whisper-server / speaches,
 * whisper.cpp's server with --inference-path): `POST /v1/audio/transcriptions`, multipart/form-data
 * with `file` and the usual fields, answered `{"text": "…"}` (response_format=json).
 */
export async function startWhisperStandin(script: { text: string; status?: number; delayMs?: number }) {
  const requests: WhisperRequest[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    if (req.method !== 'POST' || req.url !== '/v1/audio/transcriptions') {
      res.writeHead(404).end();
      return;
    }
    const form = await new Request(`http://x${req.url}`, { method: 'POST', headers: { 'content-type': req.headers['content-type'] ?? '' }, body }).formData();
    const fields: Record<string, string> = {};
    let file: WhisperRequest['file'] = null;
    for (const [k, v] of form as unknown as Iterable<[string, string | File]>) {
      if (typeof v === 'string') fields[k] = v;
      else {
        const wav = decodeWav(new Uint8Array(await v.arrayBuffer()));
        file = { name: v.name, type: v.type, sampleRate: wav.sampleRate, samples: wav.pcm.length };
      }
    }
    requests.push({ path: req.url, authorization: req.headers.authorization ?? null, fields, file });
    setTimeout(() => {
      if (res.destroyed) return;
      const status = script.status ?? 200;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(status === 200 ? { text: script.text } : { error: { message: 'model not loaded' } }));
    }, script.delayMs ?? 0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => closeServer(server) };
}

function closeServer(server: Server, before?: () => void): Promise<void> {
  before?.();
  server.closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A local engine that always hears the same words: what a fallback would say. */
export function fixedLocalAsr(text: string, sampleRate = 8000): AsrEngine & { heardSamples: number[] } {
  const heardSamples: number[] = [];
  return {
    name: 'local-standin',
    sampleRate,
    heardSamples,
    createStream(): AsrStream {
      let samples = 0;
      return {
        push: (pcm) => void (samples += pcm.length),
        finalize: async () => {
          heardSamples.push(samples);
          return { text, audioSeconds: samples / sampleRate };
        },
        cancel: () => undefined,
      };
    },
    close: async () => undefined,
  };
}

/** Pushes `pcm` in 20 ms frames, as the call session does, and finalises. */
export async function recognise(engine: AsrEngine, pcm: Int16Array, options: Parameters<AsrEngine['createStream']>[0] = {}) {
  const stream = engine.createStream(options);
  const frame = engine.sampleRate / 50;
  for (let i = 0; i < pcm.length; i += frame) stream.push(pcm.subarray(i, i + frame));
  return stream.finalize();
}
