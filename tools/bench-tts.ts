/**
 * Speech-synthesis benchmark: real-time factor, time to first audio (uncached short sentence,
 * uncached whole answer, cached from memory, cached from the database after a restart) and the
 * answer-cache hit rate over a simulated day of calls.
 *
 *   npm run bench:tts                      # espeak, 8 kHz output, embedded PGlite
 *   npm run bench:tts -- --calls 2000 --listen data/tts-listen   # also write WAVs to listen to
 *
 * Prints a table of figures, then one JSON line with all of them.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { concatPcm } from '../src/audio/pcm.js';
import type { PcmChunk } from '../src/audio/types.js';
import { writeWav } from '../src/audio/wav.js';
import { fixedPrompts } from '../src/dialog/prompts.js';
import { createAnswerCache } from '../src/engines/tts/cache.js';
import { createEspeakTts } from '../src/engines/tts/espeak/engine.js';
import { closeSharedEspeakHost, sharedEspeakHost } from '../src/engines/tts/espeak/host.js';
import type { TtsEngine } from '../src/engines/tts/types.js';
import { openDatabase } from '../src/store/db.js';

const { values: args } = parseArgs({
  options: {
    calls: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '8000' },
    listen: { type: 'string' },
    seed: { type: 'string', default: '1403' },
  },
});
const outputRate = Number(args.rate);
const callCount = Number(args.calls);

// Deterministic pseudo-random numbers, so two runs simulate the same day.
let seed = Number(args.seed);
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];

const catalogue = JSON.parse(readFileSync('fixtures/faq/catalogue.json', 'utf8')) as { faqs: { id: string; answer: string }[] };
const answers = catalogue.faqs.map((f) => f.answer);
const prompts = fixedPrompts({ companyName: 'نت‌آسا', botName: 'پاسخ' });

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

async function timed(engine: TtsEngine, text: string): Promise<{ firstMs: number; totalMs: number; audioSeconds: number; audio: PcmChunk }> {
  const start = performance.now();
  let firstMs = -1;
  const parts: Int16Array[] = [];
  let sampleRate = outputRate;
  for await (const c of engine.synthesize(text)) {
    if (firstMs < 0) firstMs = performance.now() - start;
    parts.push(c.pcm);
    sampleRate = c.sampleRate;
  }
  const totalMs = performance.now() - start;
  const pcm = concatPcm(parts);
  return { firstMs, totalMs, audioSeconds: pcm.length / sampleRate, audio: { pcm, sampleRate } };
}

// Short sentences never seen before: a different number in each defeats any cache.
const shortSentence = (i: number) => `کد پیگیری شما ${1000 + i} است.`;
const dynamicText = () =>
  pick([
    () => `کد پیگیری درخواست شما ${Math.floor(1e7 + random() * 9e7)} است.`,
    () => `شما نفر ${1 + Math.floor(random() * 12)} در صف هستید. زمان تقریبی انتظار ${1 + Math.floor(random() * 9)} دقیقه است.`,
    () => `بدهی شما ${(Math.floor(random() * 900) + 100) * 1000} تومان است.`,
    () => `${pick(['علی', 'مریم', 'رضا', 'زهرا', 'حسین', 'فاطمه'])} عزیز، عصر بخیر. به نت‌آسا خوش آمدید.`,
  ])();

async function main() {
  const started = Date.now();
  const host = await sharedEspeakHost(); // loads the WASM and warms it up, as service start-up does
  const engine = await createEspeakTts({ outputRate });
  const database = await openDatabase({});

  // 1. Real-time factor and first audio over every FAQ answer, uncached.
  const answerRuns = [];
  for (const a of answers) answerRuns.push(await timed(engine, a));
  const rtf = answerRuns.reduce((s, r) => s + r.totalMs / 1000, 0) / answerRuns.reduce((s, r) => s + r.audioSeconds, 0);

  // 2. First audio for short uncached sentences.
  const shortRuns = [];
  for (let i = 0; i < 40; i++) shortRuns.push(await timed(engine, shortSentence(i)));

  // 3. Cached: warm the answer cache from the FAQ and the prompts, then time hits.
  const cache = await createAnswerCache({ database, inner: engine, outputRate, recordingRefreshMs: 0 });
  const warmStart = performance.now();
  await cache.warm([...answers, ...Object.values(prompts)]);
  await cache.idle();
  const warmSeconds = (performance.now() - warmStart) / 1000;
  const memoryHits = [];
  for (let i = 0; i < 200; i++) memoryHits.push((await timed(cache, pick(answers))).firstMs);
  // A restarted instance: memory empty, audio read from the database on first use.
  const restarted = await createAnswerCache({ database, inner: engine, outputRate, recordingRefreshMs: 0 });
  const dbHits = [];
  for (const a of answers) dbHits.push((await timed(restarted, a)).firstMs);
  // What a restarted service does at start-up: warm() finds the stored audio (no synthesis) and
  // loads it into memory, so the first call after a restart is a memory hit too.
  const rewarmed = await createAnswerCache({ database, inner: engine, outputRate, recordingRefreshMs: 0 });
  const rewarmStart = performance.now();
  await rewarmed.warm([...answers, ...Object.values(prompts)]);
  await rewarmed.idle();
  const rewarmSeconds = (performance.now() - rewarmStart) / 1000;
  const rewarmedHits = [];
  for (const a of answers) rewarmedHits.push((await timed(rewarmed, a)).firstMs);

  // 4. A simulated day: each call hears a greeting, one to three FAQ answers (popular ones more
  //    often, Zipf-like), sometimes a dynamic text (tracking code, queue position, amount, name),
  //    «anything else?» and goodbye.
  const day = await createAnswerCache({ database: await openDatabase({}), inner: engine, outputRate, recordingRefreshMs: 0 });
  await day.warm([...answers, ...Object.values(prompts)]);
  await day.idle();
  const zipf = answers.map((_, i) => 1 / (i + 1));
  const zipfTotal = zipf.reduce((a, b) => a + b, 0);
  const popularAnswer = () => {
    let r = random() * zipfTotal;
    for (let i = 0; i < answers.length; i++) if ((r -= zipf[i]) <= 0) return answers[i];
    return answers[0];
  };
  const greetings = Object.keys(prompts).filter((k) => k.startsWith('greeting_'));
  let utterances = 0;
  const daySpeakStart = performance.now();
  const dayFirst: number[] = [];
  for (let c = 0; c < callCount; c++) {
    const texts = [prompts[pick(greetings)]];
    const turns = 1 + Math.floor(random() * 3);
    for (let t = 0; t < turns; t++) texts.push(random() < 0.25 ? dynamicText() : popularAnswer());
    texts.push(prompts.anythingElse, prompts.goodbye);
    for (const text of texts) {
      const start = performance.now();
      let first = -1;
      for await (const _ of day.synthesize(text)) if (first < 0) first = performance.now() - start;
      dayFirst.push(first);
      utterances++;
    }
  }
  const daySeconds = (performance.now() - daySpeakStart) / 1000;
  const dayStats = day.stats();

  // 5. Optional: WAVs of normalised sentences for a listening check.
  const listenFiles: string[] = [];
  if (args.listen) {
    mkdirSync(args.listen, { recursive: true });
    const samples: Record<string, string> = {
      'date-and-amount': 'قبض شما به مبلغ ۱,۲۵۰,۰۰۰ تومان تا ۱۲ مرداد ۱۴۰۳ مهلت پرداخت دارد.',
      'numeric-date-time': 'نوبت نصب شما 1403/05/12 ساعت 14:30 است.',
      'mobile-number': 'با شماره‌ی ۰۹۱۲۱۲۳۴۵۶۷ تماس می‌گیریم.',
      'tracking-code': 'کد پیگیری شما ۱۲۳۴۵۶۷۸۹۰ است.',
      'isp-terms': 'اگر چراغ ADSL یا Internet مودم خاموش است، رمز Wi-Fi را در 192.168.1.1 بررسی کنید.',
      'sms-short-code': 'عدد یک را به سامانه‌ی پیامکی ۳۰۰۰۱۲۳۴ بفرستید.',
    };
    const wide = await createEspeakTts({});
    for (const [name, text] of Object.entries(samples)) {
      const { audio } = await timed(wide, text);
      const file = join(args.listen, `${name}.wav`);
      await writeWav(file, audio);
      listenFiles.push(file);
      console.log(`${file}: ${wide.spokenForm!(text)}`);
    }
  }

  const figures = {
    bench: 'tts',
    engine: engine.name,
    voice: engine.voice,
    native_rate: host.sampleRate,
    output_rate: outputRate,
    rtf: round(rtf, 4),
    uncached_short_first_audio_ms_p50: round(percentile(shortRuns.map((r) => r.firstMs), 50)),
    uncached_short_first_audio_ms_p95: round(percentile(shortRuns.map((r) => r.firstMs), 95)),
    uncached_answer_first_audio_ms_p50: round(percentile(answerRuns.map((r) => r.firstMs), 50)),
    uncached_answer_first_audio_ms_p95: round(percentile(answerRuns.map((r) => r.firstMs), 95)),
    uncached_answer_total_ms_p50: round(percentile(answerRuns.map((r) => r.totalMs), 50)),
    answer_audio_seconds_p50: round(percentile(answerRuns.map((r) => r.audioSeconds), 50), 2),
    cached_memory_first_audio_ms_p50: round(percentile(memoryHits, 50), 3),
    cached_memory_first_audio_ms_p95: round(percentile(memoryHits, 95), 3),
    // Entries not warmed since the restart (e.g. dynamic texts stored by earlier calls) read from the database.
    cached_db_first_audio_ms_p50: round(percentile(dbHits, 50), 2),
    cached_db_first_audio_ms_p95: round(percentile(dbHits, 95), 2),
    restart_rewarm_seconds: round(rewarmSeconds, 2),
    restart_rewarm_synthesised: rewarmed.stats().warmed,
    restart_first_audio_ms_p95: round(percentile(rewarmedHits, 95), 3),
    warm_seconds: round(warmSeconds, 2),
    warm_texts: answers.length + Object.keys(prompts).length,
    day_calls: callCount,
    day_utterances: utterances,
    day_hit_rate: round(dayStats.hitRate, 4),
    day_hits: dayStats.hits,
    day_misses: dayStats.misses,
    day_first_audio_ms_p50: round(percentile(dayFirst, 50), 3),
    day_first_audio_ms_p95: round(percentile(dayFirst, 95), 2),
    day_wall_seconds: round(daySeconds, 1),
    listen_files: listenFiles.length,
    wall_seconds: round((Date.now() - started) / 1000, 1),
  };
  console.table(Object.entries(figures).map(([figure, value]) => ({ figure, value })));
  console.log(JSON.stringify(figures));
  await closeSharedEspeakHost();
  await database.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
