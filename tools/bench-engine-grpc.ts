/**
 * What the remote inference tier costs and what a lost engine server costs a call:
 *   npx tsx tools/bench-engine-grpc.ts [--asr-model DIR] [--rounds N]
 * Starts a real engine server process on this machine (loopback, so network time is ~0 and the
 * figures are the gRPC + process overhead), then measures for the same inputs:
 *   - TTS time to first audio and total time, in-process vs over gRPC;
 *   - ASR finalisation latency (finalize() → final text), in-process vs over gRPC;
 *   - fallback: the engine server is killed mid-utterance; time from finalize() to the text
 *     (the local model recognising the kept audio) and whether the text matched.
 * Prints a table and ends with one JSON line.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { readWav } from '../src/audio/wav.js';
import { resample } from '../src/audio/resample.js';
import { createOnnxAsr } from '../src/engines/asr/onnx.js';
import type { AsrEngine } from '../src/engines/asr/types.js';
import { withAsrFallback } from '../src/engines/asr/fallback.js';
import { createEspeakTts } from '../src/engines/tts/espeak/engine.js';
import type { TtsEngine } from '../src/engines/tts/types.js';
import { createGrpcAsr } from '../src/engines/grpc/asr-client.js';
import { createGrpcTts } from '../src/engines/grpc/tts-client.js';

const { values } = parseArgs({
  options: { 'asr-model': { type: 'string', default: 'models/asr-fa' }, rounds: { type: 'string', default: '10' } },
});
const modelDir = values['asr-model']!;
const rounds = Math.max(1, Number(values.rounds));
const FIXTURES = ['fixtures/audio/operator.wav', 'fixtures/audio/outage.wav', 'fixtures/audio/slow.wav'];
const SENTENCES = ['سلام، به پشتیبانی خوش آمدید.', 'لطفا شماره اشتراک خود را بگویید.', 'قطعی اینترنت در منطقه شما تا ساعت ۱۸ برطرف می‌شود.'];

function startServer(): Promise<{ url: string; kill(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/engines/grpc/main.ts', '--port', '0', '--host', '127.0.0.1', '--asr-model', modelDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, PASOKH_LOG_LEVEL: 'info' },
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`engine server exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const l = JSON.parse(line);
        if (l.msg === 'engine server listening') {
          resolve({
            url: `127.0.0.1:${l.port}`,
            kill: async () => {
              child.kill('SIGKILL');
              await exited;
            },
          });
        }
      } catch {
        /* not a log line */
      }
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.95) - 1)];
const round1 = (x: number) => Math.round(x * 10) / 10;

async function ttsTimes(engine: TtsEngine): Promise<{ first: number[]; total: number[] }> {
  const first: number[] = [];
  const total: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const text of SENTENCES) {
      const t0 = performance.now();
      let f: number | null = null;
      for await (const _ of engine.synthesize(text)) f ??= performance.now() - t0;
      first.push(f ?? NaN);
      total.push(performance.now() - t0);
    }
  }
  return { first, total };
}

async function asrTimes(engine: AsrEngine, audio: Int16Array[]): Promise<{ finalize: number[]; texts: string[] }> {
  const finalize: number[] = [];
  const texts: string[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const pcm of audio) {
      const stream = engine.createStream();
      const frame = engine.sampleRate / 50;
      for (let at = 0; at < pcm.length; at += frame) stream.push(pcm.subarray(at, at + frame));
      await new Promise((res) => setTimeout(res, 20)); // audio in flight reaches the engine, as during speech
      const t0 = performance.now();
      const final = await stream.finalize();
      finalize.push(performance.now() - t0);
      if (r === 0) texts.push(final.text);
    }
  }
  return { finalize, texts };
}

const server = await startServer();
const [localTts, localAsr] = await Promise.all([createEspeakTts({ voice: 'fa' }), createOnnxAsr({ modelDir })]);
const remoteTts = createGrpcTts({ url: server.url, voice: localTts.voice, timeoutMs: 5000 });
const remoteAsr = createGrpcAsr({ url: server.url, sampleRate: localAsr.sampleRate, timeoutMs: 5000 });
const audio = await Promise.all(FIXTURES.map(async (f) => {
  const wav = await readWav(f);
  return resample(wav.pcm, wav.sampleRate, localAsr.sampleRate);
}));

// Warm both paths (model sessions, channel connection) before timing.
await ttsTimes(localTts);
await asrTimes(localAsr, audio.slice(0, 1));
for await (const _ of remoteTts.synthesize(SENTENCES[0]));
await asrTimes(remoteAsr, audio.slice(0, 1));

const ttsLocal = await ttsTimes(localTts);
const ttsGrpc = await ttsTimes(remoteTts);
const asrLocal = await asrTimes(localAsr, audio);
const asrGrpc = await asrTimes(remoteAsr, audio);
const sameText = asrLocal.texts.every((t, i) => t === asrGrpc.texts[i]);

// Fallback: kill the server with half of an utterance sent.
const events: string[] = [];
const keepOpen: AsrEngine = { name: localAsr.name, sampleRate: localAsr.sampleRate, createStream: (o) => localAsr.createStream(o), close: async () => {} };
const wrapped = withAsrFallback(remoteAsr, keepOpen, { timeoutMs: 5000, onFallback: (e) => events.push(e.cause) });
const stream = wrapped.createStream();
const pcm = audio[1];
const half = Math.floor(pcm.length / 2);
stream.push(pcm.subarray(0, half));
await new Promise((r) => setTimeout(r, 100));
const killedAt = performance.now();
await server.kill();
stream.push(pcm.subarray(half));
const t0 = performance.now();
const final = await stream.finalize();
const fallbackFinalizeMs = performance.now() - t0;
const killToTextMs = performance.now() - killedAt;
const fallbackMatched = final.text === asrLocal.texts[1];

const result = {
  bench: 'engine-grpc',
  asrModel: modelDir,
  rounds,
  tts_first_audio_ms_p50: { local: round1(median(ttsLocal.first)), grpc: round1(median(ttsGrpc.first)) },
  tts_first_audio_ms_p95: { local: round1(p95(ttsLocal.first)), grpc: round1(p95(ttsGrpc.first)) },
  tts_total_ms_p50: { local: round1(median(ttsLocal.total)), grpc: round1(median(ttsGrpc.total)) },
  asr_finalize_ms_p50: { local: round1(median(asrLocal.finalize)), grpc: round1(median(asrGrpc.finalize)) },
  asr_finalize_ms_p95: { local: round1(p95(asrLocal.finalize)), grpc: round1(p95(asrGrpc.finalize)) },
  asr_same_text_grpc_vs_local: sameText,
  fallback: { cause: events[0] ?? null, finalize_ms: round1(fallbackFinalizeMs), kill_to_text_ms: round1(killToTextMs), text_matched_local: fallbackMatched },
};
console.log(`TTS first audio p50 (ms): in-process ${result.tts_first_audio_ms_p50.local}, gRPC ${result.tts_first_audio_ms_p50.grpc}`);
console.log(`TTS first audio p95 (ms): in-process ${result.tts_first_audio_ms_p95.local}, gRPC ${result.tts_first_audio_ms_p95.grpc}`);
console.log(`ASR finalize p50 (ms):    in-process ${result.asr_finalize_ms_p50.local}, gRPC ${result.asr_finalize_ms_p50.grpc}`);
console.log(`ASR finalize p95 (ms):    in-process ${result.asr_finalize_ms_p95.local}, gRPC ${result.asr_finalize_ms_p95.grpc}`);
console.log(`ASR same text over gRPC:  ${sameText}`);
console.log(`Fallback after kill:      cause ${result.fallback.cause}, finalize ${result.fallback.finalize_ms} ms, text matched ${fallbackMatched}`);
console.log(JSON.stringify(result));
await Promise.all([remoteTts.close(), localAsr.close()]);
process.exit(0);
