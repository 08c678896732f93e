import { Socket } from 'node:net';
import WebSocket from 'ws';
import { EngineError, EngineTimeoutError, EngineUnavailableError } from '../errors.js';
import type { EngineReadiness } from '../readiness.js';
import { RemoteUtterance, remoteAsrEngine } from './remote.js';
import type { AsrEngine, AsrFinal, AsrStream, AsrStreamOptions } from './types.js';

export interface VoskAsrOptions {
  /** ws://host:port of a Vosk/Kaldi server (alphacep/vosk-server websocket/asr_server.py). */
  url: string;
  /** Rate of the audio the session pushes; sent as `config.sample_rate` (Vosk resamples). */
  sampleRate: number;
  /** How long the server may take for the final result after the end of the utterance (and to connect). */
  timeoutMs: number;
  /** Alternatives asked for (`config.max_alternatives`); 0 = the plain result. */
  maxAlternatives?: number;
}

/** Bytes per audio message: 0.1 s at 8 kHz; the server answers every message, so not too small. */
const CHUNK_SAMPLES_PER_SECOND = 10;

interface VoskResult {
  partial?: string;
  text?: string;
  alternatives?: { text: string; confidence?: number }[];
  result?: { conf?: number }[];
}

/**
 * A Vosk/Kaldi server as the recogniser, one WebSocket per utterance, as its protocol has it: a JSON
 * config message (`{"config": {"sample_rate", "max_alternatives"}}`), binary 16-bit mono PCM (each
 * message answered with `{"partial"}` or, where Kaldi's own endpointer closed a segment,
 * `{"text", "result"}`), then `{"eof" : 1}`, answered with the last result before the server closes.
 * Segments finalised mid-utterance are joined. Hotwords are not sent: Vosk's `phrase_list` is a
 * closed grammar, not a bias, and would make every other word unrecognisable.
 */
export function createVoskAsr(options: VoskAsrOptions): AsrEngine {
  const url = new URL(options.url);
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new RangeError(`Vosk URL must be ws:// or wss://, got ${options.url}`);
  const name = `vosk(${url.host})`;
  const chunkSamples = Math.round(options.sampleRate / CHUNK_SAMPLES_PER_SECOND);
  const sockets = new Set<WebSocket>();

  function createStream(streamOptions: AsrStreamOptions): AsrStream {
    const ws = new WebSocket(options.url, { handshakeTimeout: options.timeoutMs });
    sockets.add(ws);
    const utterance = new RemoteUtterance(name, options.timeoutMs, streamOptions.onError);
    let done = false;
    let eofSent = false;
    /** Messages the server has yet to answer: it answers each audio message and the eof, in order. */
    let unanswered = 0;
    let pending: Int16Array[] = [];
    let pendingSamples = 0;
    let audioSamples = 0;
    const segments: string[] = [];
    let alternatives: string[] = [];
    let confidence: number | undefined;

    const stop = () => {
      utterance.clearDeadline();
      sockets.delete(ws);
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.terminate();
    };
    const failWith = (err: EngineError) => {
      if (utterance.failure || done || utterance.cancelled) return;
      utterance.fail(err, stop);
    };
    const final = (): AsrFinal => ({
      text: segments.filter(Boolean).join(' ').replace(/\s+/g, ' ').trim(),
      audioSeconds: audioSamples / options.sampleRate,
      ...(confidence !== undefined ? { confidence } : {}),
      ...(alternatives.length ? { alternatives } : {}),
    });
    const sendAudio = (pcm: Int16Array) => {
      unanswered++;
      ws.send(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
    };
    const sendEof = () => {
      eofSent = true;
      unanswered++;
      ws.send('{"eof" : 1}');
    };
    const complete = () => {
      done = true;
      stop();
      utterance.resolve(final());
    };
    const flush = (all: boolean) => {
      while (pendingSamples >= chunkSamples || (all && pendingSamples > 0)) {
        const joined = new Int16Array(pendingSamples);
        let o = 0;
        for (const p of pending) {
          joined.set(p, o);
          o += p.length;
        }
        const n = all ? joined.length : chunkSamples;
        sendAudio(joined.subarray(0, n));
        pending = n < joined.length ? [joined.slice(n)] : [];
        pendingSamples = joined.length - n;
      }
    };

    const connectTimer = setTimeout(() => {
      if (ws.readyState === WebSocket.CONNECTING) failWith(new EngineTimeoutError(name, options.timeoutMs, `${name} did not accept the connection within ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    ws.on('open', () => {
      clearTimeout(connectTimer);
      if (utterance.cancelled || utterance.failure) return;
      ws.send(JSON.stringify({ config: { sample_rate: options.sampleRate, ...(options.maxAlternatives ? { max_alternatives: options.maxAlternatives } : {}) } }));
      flush(utterance.finalizing);
      if (utterance.finalizing) sendEof();
    });
    ws.on('message', (data, isBinary) => {
      if (utterance.cancelled || utterance.failure || done || isBinary) return;
      unanswered--;
      let msg: VoskResult;
      try {
        msg = JSON.parse(data.toString()) as VoskResult;
      } catch {
        return failWith(new EngineError(name, `${name} sent something that is not JSON`));
      }
      if (typeof msg.partial === 'string') {
        if (!utterance.finalizing && msg.partial) streamOptions.onPartial?.({ text: [...segments, msg.partial].join(' ').trim() });
        if (eofSent && unanswered <= 0) complete();
        return;
      }
      if (msg.alternatives?.length) {
        segments.push(msg.alternatives[0].text ?? '');
        alternatives = msg.alternatives.slice(1).map((a) => [...segments.slice(0, -1), a.text].join(' ').trim());
        confidence = msg.alternatives[0].confidence;
      } else if (typeof msg.text === 'string') {
        segments.push(msg.text);
        const confs = (msg.result ?? []).map((w) => w.conf).filter((c): c is number => typeof c === 'number');
        if (confs.length) confidence = confs.reduce((a, b) => a + b, 0) / confs.length;
      }
      // The answer to `eof` is the last one: the utterance is recognised.
      if (eofSent && unanswered <= 0) complete();
    });
    ws.on('error', (err) => failWith(new EngineUnavailableError(name, `${name}: ${err.message}`, { cause: err })));
    ws.on('close', () => {
      clearTimeout(connectTimer);
      sockets.delete(ws);
      if (utterance.cancelled || utterance.failure || done) return;
      // The server closes after answering `eof`; before that, a close is the server going away.
      failWith(new EngineUnavailableError(name, `${name} closed the connection before the final result`));
    });

    return {
      push(pcm: Int16Array) {
        if (utterance.cancelled || utterance.failure || utterance.finalizing || pcm.length === 0) return;
        audioSamples += pcm.length;
        pending.push(pcm.slice());
        pendingSamples += pcm.length;
        if (ws.readyState === WebSocket.OPEN) flush(false);
      },
      finalize() {
        return utterance.finalize(() => {
          // Before the connection opens, the open handler sends the rest and the eof.
          if (ws.readyState === WebSocket.OPEN) {
            flush(true);
            sendEof();
          }
        }, failWith);
      },
      cancel() {
        if (utterance.cancelled) return;
        utterance.cancelled = true;
        clearTimeout(connectTimer);
        stop();
        utterance.rejectCancelled();
      },
    };
  }

  return remoteAsrEngine({
    name,
    sampleRate: options.sampleRate,
    createStream,
    probe: () => tcpReachable(url, Math.min(options.timeoutMs, 1500), name),
    close() {
      for (const ws of sockets) ws.terminate();
      sockets.clear();
    },
  });
}

/** Whether the server's port accepts a connection (no recognition work on the server). */
export function tcpReachable(url: URL, timeoutMs: number, name: string): Promise<EngineReadiness> {
  const port = Number(url.port || (url.protocol === 'wss:' || url.protocol === 'https:' ? 443 : 80));
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ready: boolean, detail: string) => {
      socket.destroy();
      resolve({ ready, detail });
    };
    socket.setTimeout(timeoutMs, () => done(false, `${name} did not accept a connection within ${timeoutMs} ms`));
    socket.once('error', (err) => done(false, `${name}: ${err.message}`));
    socket.connect(port, url.hostname, () => done(true, `${name} accepts connections`));
  });
}
