/**
 * Telephony and audio DSP benchmark.
 *
 *   npm run bench:telephony -- [--calls 20] [--seconds 10] [--lead 2]
 *
 * 1. DSP throughput on one core: resampling (windowed-sinc) and G.711, as multiples of real time.
 * 2. Pacing under load: this process serves /media/twilio; a child process plays N Twilio callers
 *    (separate event loop, like a real far end) that stream μ-law in real time while the bot streams
 *    `--seconds` of 16 kHz audio back (resampled, encoded, paced). The callers measure the gaps between
 *    bot frames as they arrive: an "underrun" is a gap over 40 ms (the definition), and "late"
 *    is how far the last frame arrived behind the audio's own duration.
 *    The server's CPU time per call-minute covers the telephony layer only (no engines).
 * Ends with one JSON line of the figures.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { ulawDecode, ulawEncode } from '../src/audio/g711.js';
import { sineWave } from '../src/audio/pcm.js';
import { Resampler, resample } from '../src/audio/resample.js';
import { configSchema } from '../src/config/schema.js';
import { attachMediaEndpoints } from '../src/telephony/ws_endpoints.js';
import { createTelephonyCounters } from '../src/telephony/metrics.js';

const TOKEN = 'bench-media-token-0123456789';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function quantile(xs: number[], q: number): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

/** Pseudo-speech: a few harmonics with a wobbling pitch and noise, so the filters work on broadband input. */
function speechLike(rate: number, seconds: number): Int16Array {
  const n = Math.round(rate * seconds);
  const out = new Int16Array(n);
  let phase = 0;
  let seed = 1;
  for (let i = 0; i < n; i++) {
    const f0 = 140 + 40 * Math.sin((2 * Math.PI * i) / rate / 0.7);
    phase += (2 * Math.PI * f0) / rate;
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    let v = 0;
    for (let h = 1; h <= 12; h++) v += Math.sin(h * phase) / h;
    out[i] = Math.round(5000 * v + ((seed / 0x7fffffff) * 2 - 1) * 1500);
  }
  return out;
}

function timeCpu(fn: () => void): number {
  const t = process.cpuUsage();
  fn();
  const d = process.cpuUsage(t);
  return (d.user + d.system) / 1e6;
}

function dspFigures(): Record<string, number> {
  const seconds = 60;
  const figures: Record<string, number> = {};
  for (const [from, to] of [
    [16000, 8000],
    [8000, 16000],
    [22050, 8000],
    [24000, 8000],
    [48000, 16000],
  ] as const) {
    const input = speechLike(from, seconds);
    resample(input.subarray(0, from), from, to); // warm the filter table and the JIT
    const cpu = timeCpu(() => {
      // Streaming, in 20 ms chunks, the way the channel uses it.
      const r = new Resampler(from, to);
      const step = from / 50;
      for (let i = 0; i < input.length; i += step) r.push(input.subarray(i, i + step));
      r.flush();
    });
    figures[`resample_${from}_${to}_x_realtime`] = Math.round(seconds / cpu);
  }
  const pcm = speechLike(8000, seconds);
  const cpuEnc = timeCpu(() => {
    for (let k = 0; k < 10; k++) ulawEncode(pcm);
  });
  const bytes = ulawEncode(pcm);
  const cpuDec = timeCpu(() => {
    for (let k = 0; k < 10; k++) ulawDecode(bytes);
  });
  figures.ulaw_encode_x_realtime = Math.round((10 * seconds) / cpuEnc);
  figures.ulaw_decode_x_realtime = Math.round((10 * seconds) / cpuDec);
  return figures;
}

// ---- child: the far ends ------------------------------------------------------------------------

interface CallStats {
  frames: number;
  gaps: number[];
  lateMs: number;
  /** Frames that arrived after a far end with a `lead`-frame buffer needed them. */
  playoutUnderruns: number;
}

async function runCallers(port: number, calls: number, lead: number): Promise<void> {
  const tone = ulawEncode(sineWave(300, 8000, 160, 0.2));
  const payload = Buffer.from(tone).toString('base64');
  const one = (i: number) =>
    new Promise<CallStats>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/media/twilio`);
      const streamSid = `MZbench${i}`;
      const arrivals: number[] = [];
      let sender: NodeJS.Timeout | null = null;
      ws.on('error', reject);
      ws.on('open', () => {
        ws.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
        ws.send(
          JSON.stringify({
            event: 'start',
            sequenceNumber: '1',
            streamSid,
            start: { streamSid, callSid: `CAbench${i}`, tracks: ['inbound'], customParameters: { token: TOKEN }, mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } },
          }),
        );
        // The caller's side of the line, in real time like Twilio.
        let chunk = 0;
        const t0 = performance.now();
        const tick = () => {
          while (t0 + chunk * 20 <= performance.now()) {
            chunk++;
            ws.send(JSON.stringify({ event: 'media', streamSid, media: { track: 'inbound', chunk: String(chunk), timestamp: String(chunk * 20), payload } }));
          }
          sender = setTimeout(tick, 20 - ((performance.now() - t0) % 20));
        };
        tick();
      });
      ws.on('message', (data) => {
        const m = JSON.parse(String(data));
        if (m.event === 'media') arrivals.push(performance.now());
        if (m.event === 'mark') {
          if (sender) clearTimeout(sender);
          ws.send(JSON.stringify({ event: 'mark', streamSid, mark: m.mark }));
          ws.send(JSON.stringify({ event: 'stop', streamSid }));
          const gaps = arrivals.slice(1).map((t, k) => t - arrivals[k]);
          // Frame k is due (k - lead) × 20 ms after the first; lateness of the last frame = accumulated drift.
          const lateMs = arrivals.length ? arrivals[arrivals.length - 1] - arrivals[0] - (arrivals.length - 1 - lead) * 20 : 0;
          // A far end that starts playing on the first frame, with the lead frames as its buffer:
          // each underrun restarts the clock from the late frame (it waited, then played on).
          let playoutUnderruns = 0;
          let clock = arrivals[0] ?? 0;
          let played = 0;
          for (let k = 0; k < arrivals.length; k++) {
            const needAt = clock + (k - played) * 20;
            if (arrivals[k] > needAt + 1) {
              playoutUnderruns++;
              clock = arrivals[k];
              played = k;
            }
          }
          resolve({ frames: arrivals.length, gaps, lateMs, playoutUnderruns });
        }
      });
    });
  const results = await Promise.all(Array.from({ length: calls }, (_, i) => one(i)));
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

// ---- parent: the service side -------------------------------------------------------------------

async function main(): Promise<void> {
  if (process.argv.includes('--callers')) {
    await runCallers(arg('port', 0), arg('calls', 20), arg('lead', 2));
    return;
  }
  const calls = arg('calls', 20);
  const seconds = arg('seconds', 10);
  const lead = arg('lead', 2);

  const config = configSchema.parse({ security: { mediaTokens: [TOKEN] } });
  const counters = createTelephonyCounters();
  const server = createServer();
  const botAudio = speechLike(16000, seconds);
  const endpoints = attachMediaEndpoints(server, {
    config,
    metrics: counters,
    leadFrames: lead,
    onCall: (channel) => {
      channel.onAudio(() => {});
      const pb = channel.startPlayback();
      // Stream it like a fast TTS: 200 ms chunks every 50 ms.
      let i = 0;
      const step = 3200;
      const feed = setInterval(() => {
        if (i >= botAudio.length) {
          clearInterval(feed);
          pb.end();
          return;
        }
        pb.write({ pcm: botAudio.subarray(i, i + step), sampleRate: 16000 });
        i += step;
      }, 50);
      channel.onEnd(() => clearInterval(feed));
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;

  console.log(`Pacing: ${calls} concurrent Twilio calls, ${seconds} s of bot audio each (16 kHz → μ-law 8 kHz), lead ${lead} frames`);
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [...process.execArgv, self, '--callers', '--port', String(port), '--calls', String(calls), '--lead', String(lead)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  await new Promise<void>((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`callers exited with ${code}`)))));
  const cpu = process.cpuUsage(cpu0);
  const wall = (performance.now() - wall0) / 1000;
  loop.disable();
  await endpoints.close();
  await new Promise<void>((r) => server.close(() => r()));

  // DSP after the pacing run, so its garbage does not land in the pacing measurement.
  console.log('DSP throughput (one core, streaming 20 ms chunks, pseudo-speech input):');
  const dsp = dspFigures();
  for (const [k, v] of Object.entries(dsp)) console.log(`  ${k.padEnd(32)} ${v}×`);

  const stats = JSON.parse(out.trim().split('\n').pop()!) as CallStats[];
  const gaps = stats.flatMap((s) => s.gaps);
  const underruns = gaps.filter((g) => g > 40).length;
  const expectedFrames = Math.ceil((seconds * 1000) / 20);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const figures = {
    calls,
    seconds_per_call: seconds,
    lead_frames: lead,
    frames_per_call_min: Math.min(...stats.map((s) => s.frames)),
    frames_expected: expectedFrames,
    gap_p50_ms: +quantile(gaps, 0.5).toFixed(1),
    gap_p99_ms: +quantile(gaps, 0.99).toFixed(1),
    gap_max_ms: +Math.max(...gaps).toFixed(1),
    underruns_over_40ms: underruns,
    playout_underruns: stats.reduce((a, s) => a + s.playoutUnderruns, 0),
    last_frame_late_ms_max: +Math.max(...stats.map((s) => s.lateMs)).toFixed(1),
    server_loop_delay_p99_ms: +(loop.percentile(99) / 1e6).toFixed(1),
    server_loop_delay_max_ms: +(loop.max / 1e6).toFixed(1),
    server_cpu_s_per_call_minute: +((cpuSeconds / (calls * seconds)) * 60).toFixed(3),
    wall_s: +wall.toFixed(1),
    dropped_frames: Object.values(counters.dropped).reduce((a, b) => a + b, 0),
    ...dsp,
  };
  console.log(`  frames per call ≥ ${figures.frames_per_call_min} (expected ${expectedFrames})`);
  console.log(`  inter-frame gap p50 ${figures.gap_p50_ms} ms, p99 ${figures.gap_p99_ms} ms, max ${figures.gap_max_ms} ms`);
  console.log(`  underruns (gaps > 40 ms): ${underruns} of ${gaps.length} gaps`);
  console.log(`  playout underruns (far end buffering only the ${lead} lead frames): ${figures.playout_underruns}`);
  console.log(`  last frame behind schedule (max over calls): ${figures.last_frame_late_ms_max} ms`);
  console.log(`  server CPU: ${figures.server_cpu_s_per_call_minute} s per call-minute (telephony layer only)`);
  console.log(`  server event-loop delay p99 ${figures.server_loop_delay_p99_ms} ms, max ${figures.server_loop_delay_max_ms} ms`);
  console.log(JSON.stringify(figures));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
