import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { concatPcm, dbfs } from '../audio/pcm.js';
import { resample } from '../audio/resample.js';
import { readWav, writeWav } from '../audio/wav.js';
import { loadConfig } from '../config/load.js';
import { resolveSecrets } from '../config/secrets.js';
import type { TtsEngine } from '../engines/tts/types.js';
import { simulateTwilioCall, type CallerStep, type SimulatedCallResult } from './twilio-caller.js';

const storedTurn = z.object({
  seq: z.number(),
  input: z.string(),
  heardText: z.string().nullable(),
  intent: z.string().nullable(),
  confidence: z.number().nullable(),
  action: z.string(),
  botText: z.string().nullable(),
  timings: z.object({ totalMs: z.number().nullable().optional() }).passthrough(),
});
const storedCall = z.object({
  id: z.string(),
  outcome: z.string().nullable(),
  handoffReason: z.string().nullable().optional(),
  endedAt: z.string().nullable(),
  turns: z.array(storedTurn),
});
export type StoredCall = z.infer<typeof storedCall>;

export interface CallReport {
  turns: { heard: string | null; intent: string | null; confidence: number | null; action: string; botText: string | null; latencyMs: number | null }[];
  summary: Record<string, unknown>;
}

/** Text → 8 kHz caller speech with the project's own TTS, as a telephone would carry it. */
export async function speechFor(tts: TtsEngine, text: string): Promise<Int16Array> {
  const chunks: Int16Array[] = [];
  let rate = 8000;
  for await (const chunk of tts.synthesize(text)) {
    chunks.push(chunk.pcm);
    rate = chunk.sampleRate;
  }
  const pcm = concatPcm(chunks);
  return trimSilence(rate === 8000 ? pcm : resample(pcm, rate, 8000), 8000);
}

/**
 * Cuts the synthesiser's leading and trailing silence (keeping 20 ms), so that the caller's last
 * frame is the real end of speech and measured latencies start there.
 */
export function trimSilence(pcm: Int16Array, sampleRate: number, thresholdDbfs = -45): Int16Array {
  const frame = Math.round(sampleRate * 0.01);
  const loud = (i: number) => dbfs(pcm.subarray(i, i + frame)) > thresholdDbfs;
  let start = 0;
  while (start < pcm.length && !loud(start)) start += frame;
  let end = pcm.length - frame;
  while (end > start && !loud(end)) end -= frame;
  const keep = frame * 2;
  return pcm.slice(Math.max(0, start - keep), Math.min(pcm.length, end + frame + keep));
}

/**
 * Reads back what the service stored for the call. The service writes asynchronously and, on a busy
 * machine, the end of the call can land many seconds after the caller hung up: poll until the call
 * is stored as ended, and at the deadline return what is stored so far (its `endedAt` still null)
 * rather than claim that nothing was stored.
 */
export async function fetchStoredCall(apiBase: string, adminKey: string, callId: string, timeoutMs = 30_000): Promise<StoredCall | null> {
  const deadline = Date.now() + timeoutMs;
  let seen: StoredCall | null = null;
  for (;;) {
    const left = deadline - Date.now();
    const res = await fetch(`${apiBase}/api/calls/${encodeURIComponent(callId)}`, {
      headers: { authorization: `Bearer ${adminKey}` },
      signal: AbortSignal.timeout(Math.max(1000, Math.min(10_000, left))),
    }).catch(() => null);
    if (res?.ok) {
      const parsed = storedCall.safeParse(await res.json().catch(() => null));
      if (parsed.success) {
        seen = parsed.data;
        if (seen.endedAt) return seen;
      }
    }
    if (Date.now() >= deadline) return seen;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Merges what the caller measured with what the service stored, one line per caller turn. */
export function reportCall(result: SimulatedCallResult, stored: StoredCall | null): CallReport {
  const callerTurns = (stored?.turns ?? []).filter((t) => t.input !== 'greeting').sort((a, b) => a.seq - b.seq);
  const turns = callerTurns.map((t, i) => ({
    heard: t.heardText,
    intent: t.intent,
    confidence: t.confidence,
    action: t.action,
    botText: t.botText,
    latencyMs: result.steps[i]?.latencyMs != null ? Math.round(result.steps[i].latencyMs!) : (t.timings.totalMs ?? null),
  }));
  return {
    turns,
    summary: {
      callId: result.callSid,
      outcome: stored?.outcome ?? null,
      handoffReason: stored?.handoffReason ?? null,
      turns: turns.length,
      greetingMs: Math.round(result.greetingMs),
      underruns: result.underruns,
      closedBy: result.closedBy,
      stored: stored !== null,
      storedAsEnded: Boolean(stored?.endedAt),
    },
  };
}

/** `npm run call -- --text "…" [--text "…"] [--wav f.wav] [--dtmf 0] [--save-audio DIR] [--url …] [--answer-timeout S]` */
export async function runCallCommand(argv: string[], createTts: () => Promise<TtsEngine>): Promise<number> {
  const { values, tokens } = parseArgs({
    args: argv,
    tokens: true,
    options: {
      text: { type: 'string', multiple: true },
      wav: { type: 'string', multiple: true },
      dtmf: { type: 'string', multiple: true },
      url: { type: 'string' },
      token: { type: 'string' },
      'admin-key': { type: 'string' },
      from: { type: 'string' },
      'save-audio': { type: 'string' },
      // How long the caller waits for the bot to start speaking (greeting, each answer) before hanging up.
      'answer-timeout': { type: 'string' },
    },
  });
  const config = loadConfig();
  const secrets = resolveSecrets(config);
  const base = (values.url ?? `http://127.0.0.1:${config.port}`).replace(/\/$/, '');
  const steps: CallerStep[] = [];
  let tts: TtsEngine | null = null;
  for (const t of tokens ?? []) {
    if (t.kind !== 'option' || t.value === undefined) continue;
    if (t.name === 'text') {
      tts ??= await createTts();
      steps.push({ kind: 'speech', label: t.value, pcm: await speechFor(tts, t.value) });
    } else if (t.name === 'wav') {
      const wav = await readWav(t.value);
      steps.push({ kind: 'speech', label: t.value, pcm: wav.sampleRate === 8000 ? wav.pcm : resample(wav.pcm, wav.sampleRate, 8000) });
    } else if (t.name === 'dtmf') {
      for (const digit of t.value) steps.push({ kind: 'dtmf', digit });
    }
  }
  await tts?.close();
  if (steps.length === 0) {
    console.error('Nothing to say: give --text "…", --wav file.wav or --dtmf digits');
    return 2;
  }
  const answerTimeout = z.coerce.number().positive().max(600).default(15).safeParse(values['answer-timeout']);
  if (!answerTimeout.success) {
    console.error(`--answer-timeout must be a number of seconds between 0 and 600, not ${JSON.stringify(values['answer-timeout'])}`);
    return 2;
  }
  const wsUrl = `${base.replace(/^http/, 'ws')}/media/twilio`;
  let result: SimulatedCallResult;
  try {
    result = await simulateTwilioCall({ url: wsUrl, token: values.token ?? secrets.mediaTokens[0], from: values.from, steps, answerTimeoutMs: answerTimeout.data * 1000 });
  } catch (err) {
    console.error(`Cannot reach Pasokh at ${wsUrl} (${(err as Error).message}). Is the service running (npm start)? Use --url to point elsewhere.`);
    return 1;
  }
  const stored = await fetchStoredCall(base, values['admin-key'] ?? secrets.adminKeys[0], result.callSid);
  const report = reportCall(result, stored);
  for (const turn of report.turns) console.log(JSON.stringify(turn));
  if (values['save-audio']) {
    mkdirSync(values['save-audio'], { recursive: true });
    const file = join(values['save-audio'], `${result.callSid}.wav`);
    await writeWav(file, { pcm: concatPcm(result.botAudio), sampleRate: 8000 });
    report.summary.savedAudio = file;
  }
  console.log(JSON.stringify(report.summary));
  return stored ? 0 : 1;
}
