/**
 * End-of-turn evaluation: does the bot wait through a caller's pause in the middle of a sentence,
 * and how soon does it answer when the caller has finished?
 *
 * The set, built here deterministically:
 * - eSpeak NG voices speaking held-out caller questions (fixtures/faq/test.jsonl): each once as it
 *   is (a normal end) and once with a pause of 400, 600 or 800 ms at a word boundary (30–70 % of
 *   its words, seeded). The pause is put inside the sentence as spoken whole (at the quietest
 *   30 ms near where the first words end), so the words before it keep the melody of a sentence
 *   that goes on; `--construction halves` synthesises the two halves apart and joins them, as the
 *   first version of this set did, which gives the first half the fall and lengthening of a
 *   sentence's end. A pause where the source text has a comma or full stop is a pause *between
 *   clauses*; every other is *mid-clause*; both are reported;
 * - the real read sentences of fa-speech-real (two speakers, 36 clips): as recorded, and with a
 *   pause of 400–800 ms inserted at the quietest point of their middle part (a word boundary).
 * Each case runs through the call's own ears (Listener: Silero VAD → endpointer → recogniser,
 * the NLU of the sample FAQ) in both modes: `silence` (audio.endSilenceMs) and `smart`
 * (src/dialog/turn_end.ts). A paused case is cut short when a turn ends inside its pause; the
 * latency of a normal case is the silence waited after the last speech (audio time), plus the
 * recogniser's final decode (wall time on this machine).
 *
 *   npm run eval:turn-end [-- --limit 40 --offset 0 --real ../shared/datasets/fa-speech-real --voices fa,fa+m3
 *     --construction inside|halves --modes silence,smart]
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resample } from '../src/audio/resample.js';
import { SileroModel } from '../src/audio/vad.js';
import { readWav } from '../src/audio/wav.js';
import { loadConfig } from '../src/config/load.js';
import type { TurnEndOptions } from '../src/dialog/turn_end.js';
import { createLocalAsr, createLocalTts } from '../src/engines/factory.js';
import { speechFor } from '../src/sim/cli.js';
import { listen, quietestIn, sampleNlu } from './lib/turn-end-run.js';

const { values } = parseArgs({
  options: {
    limit: { type: 'string', default: '40' },
    /** Skip this many questions first: a second set, e.g. `--offset 40 --limit 100`. */
    offset: { type: 'string', default: '0' },
    real: { type: 'string', default: '../shared/datasets/fa-speech-real' },
    voices: { type: 'string', default: 'fa,fa+m3,fa+f3' },
    'complete-ms': { type: 'string', default: '200' },
    'max-ms': { type: 'string', default: '1200' },
    construction: { type: 'string', default: 'inside' },
    modes: { type: 'string', default: 'silence,smart' },
    /** The smart mode's melody threshold (audio.turnEndFallSemitones); 'off' = words and silence only. */
    'fall-semitones': { type: 'string' },
    /** Silence after a likely request whose voice fell (audio.turnEndLikelyFallMs); 'off' = it waits turnEndLikelyMs. */
    'likely-fall-ms': { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
});

interface Case {
  id: string;
  source: 'espeak' | 'real';
  pcm: Int16Array;
  /** For a paused case: where the pause lies (ms from the start). */
  pause: { startMs: number; endMs: number } | null;
  /** For a paused case: between clauses (a comma or full stop at the split in the source text), mid-clause, or unknown (real clips). */
  condition?: 'between-clauses' | 'mid-clause' | 'real';
  pauseMs?: number;
}

/** A small seeded generator, so the set is the same on every run. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}
const PAUSES = [400, 600, 800];
const silence = (ms: number) => new Int16Array(Math.round((ms / 1000) * 8000));
const concat = (...parts: Int16Array[]) => {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

async function espeakCases(limit: number, voices: string[]): Promise<Case[]> {
  const PUNCT = /[،,.!؟?؛;]/g;
  const sources = readFileSync('fixtures/faq/test.jsonl', 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => (JSON.parse(l) as { text: string }).text)
    .filter((t) => t.replace(PUNCT, ' ').trim().split(/\s+/).length >= 4)
    .slice(Number(values.offset), Number(values.offset) + limit);
  const lines = sources.map((t) => t.replace(PUNCT, ' ').replace(/\s+/g, ' ').trim());
  // Words followed by punctuation in the source: a split after one falls between clauses.
  const clauseEnds = sources.map((t) => new Set(t.split(/\s+/).filter(Boolean).flatMap((w, i) => (/[،,.!؟?؛;]$/.test(w) ? [i + 1] : []))));
  const cases: Case[] = [];
  const random = rng(19);
  for (const voice of voices) {
    const tts = await createLocalTts(loadConfig({}, { tts: { voice } }));
    for (const [i, text] of lines.entries()) {
      const words = text.split(' ');
      const cut = Math.min(words.length - 1, Math.max(1, Math.round(words.length * (0.3 + 0.4 * random()))));
      const pauseMs = PAUSES[Math.floor(random() * PAUSES.length)];
      const whole = await speechFor(tts, text);
      const first = await speechFor(tts, words.slice(0, cut).join(' '));
      cases.push({ id: `${voice}#${i}`, source: 'espeak', pcm: whole, pause: null });
      const condition = clauseEnds[i].has(cut) ? 'between-clauses' : 'mid-clause';
      let at: number;
      let paused: Int16Array;
      if (values.construction === 'halves') {
        const second = await speechFor(tts, words.slice(cut).join(' '));
        at = first.length;
        paused = concat(first, silence(pauseMs), second);
      } else {
        // Said alone, the first words end with a sentence's final lengthening: inside the whole
        // sentence they end a little earlier. The quietest 30 ms just before is the word boundary.
        at = quietestIn(whole, Math.round(first.length * 0.7), Math.min(whole.length - 240, first.length + 400));
        paused = concat(whole.slice(0, at), silence(pauseMs), whole.slice(at));
      }
      const firstMs = (at / 8000) * 1000;
      cases.push({ id: `${voice}#${i}/${cut}+${pauseMs}`, source: 'espeak', pcm: paused, pause: { startMs: firstMs, endMs: firstMs + pauseMs }, condition, pauseMs });
    }
    await tts.close();
  }
  return cases;
}

/** The quietest 30 ms in the middle 30–70 % of the voiced span: where a word ends. */
function quietestMiddle(pcm: Int16Array): number {
  const frame = 80; // 10 ms
  const energy: number[] = [];
  for (let i = 0; i + frame <= pcm.length; i += frame) {
    let e = 0;
    for (let j = i; j < i + frame; j++) e += pcm[j] * pcm[j];
    energy.push(e / frame);
  }
  const loud = Math.max(...energy) * 0.01;
  const first = energy.findIndex((e) => e > loud);
  const last = energy.length - 1 - [...energy].reverse().findIndex((e) => e > loud);
  let best = -1;
  let bestE = Infinity;
  for (let k = Math.round(first + (last - first) * 0.3); k <= Math.round(first + (last - first) * 0.7) - 3; k++) {
    const e = energy[k] + energy[k + 1] + energy[k + 2];
    if (e < bestE) [bestE, best] = [e, k + 1];
  }
  return best * frame;
}

async function realCases(dir: string): Promise<Case[]> {
  const manifest = join(dir, 'manifest.jsonl');
  if (!existsSync(manifest)) return [];
  const rows = readFileSync(manifest, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { audio: string; subset: string })
    .filter((r) => r.subset === 'read-colloquial-sentences');
  const random = rng(7);
  const cases: Case[] = [];
  for (const r of rows) {
    const wav = await readWav(join(dir, r.audio));
    const pcm = wav.sampleRate === 8000 ? wav.pcm : resample(wav.pcm, wav.sampleRate, 8000);
    const at = quietestMiddle(pcm);
    const pauseMs = PAUSES[Math.floor(random() * PAUSES.length)];
    cases.push({ id: r.audio, source: 'real', pcm, pause: null });
    const startMs = (at / 8000) * 1000;
    cases.push({ id: `${r.audio}@${Math.round(startMs)}+${pauseMs}`, source: 'real', pcm: concat(pcm.slice(0, at), silence(pauseMs), pcm.slice(at)), pause: { startMs, endMs: startMs + pauseMs }, condition: 'real', pauseMs });
  }
  return cases;
}

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]);
};

async function main() {
  const config = loadConfig({}, {});
  const silero = await SileroModel.load();
  const asr = await createLocalAsr(config);
  const nlu = sampleNlu();
  const started = Date.now();
  const cases = [...(await espeakCases(Number(values.limit), values.voices!.split(',').filter(Boolean))), ...(await realCases(values.real!))];
  const modes: Record<string, TurnEndOptions> = {
    silence: { mode: 'silence', silenceMs: config.audio.endSilenceMs, completeMs: 200, likelyMs: 850, maxMs: 1200 },
    smart: {
      mode: 'smart',
      silenceMs: config.audio.endSilenceMs,
      completeMs: Number(values['complete-ms']),
      likelyMs: config.audio.turnEndLikelyMs,
      maxMs: Number(values['max-ms']),
      ...(values['fall-semitones'] === 'off' ? {} : { fallSemitones: values['fall-semitones'] !== undefined ? Number(values['fall-semitones']) : (config.audio.turnEndFallSemitones ?? undefined) }),
      ...(values['likely-fall-ms'] === 'off' ? {} : { likelyFallMs: values['likely-fall-ms'] !== undefined ? Number(values['likely-fall-ms']) : (config.audio.turnEndLikelyFallMs ?? undefined) }),
    },
  };
  const report: Record<string, unknown> = { construction: values.construction, cases: cases.length, paused: cases.filter((c) => c.pause).length };
  const wanted = new Set(values.modes!.split(','));
  for (const [name, turnEnd] of Object.entries(modes).filter(([n]) => wanted.has(n))) {
    const bySource: Record<string, { paused: number; cut: number; cutOtherIntent: number; normal: number; splitNormal: number; waits: number[]; totals: number[]; early: number }> = {};
    const intentOf = (text: string) => nlu.parse(text, { spoken: true }).intent;
    const byCondition: Record<string, { paused: number; cut: number }> = {};
    for (const c of cases) {
      const s = (bySource[c.source] ??= { paused: 0, cut: 0, cutOtherIntent: 0, normal: 0, splitNormal: 0, waits: [], totals: [], early: 0 });
      const heard = await listen(c.pcm, { silero, asr, nlu, turnEnd });
      if (c.pause) {
        s.paused++;
        const cutAt = heard.findIndex((h) => h.endedAtMs > c.pause!.startMs && h.endedAtMs <= c.pause!.endMs + 100);
        const cut = cutAt >= 0;
        if (cut) s.cut++;
        for (const k of [c.condition ?? 'unknown', `${c.pauseMs ?? 0} ms`]) {
          const b = (byCondition[k] ??= { paused: 0, cut: 0 });
          b.paused++;
          if (cut) b.cut++;
        }
        // Harm: what the bot would act on after the cut is not what the whole sentence asks.
        if (cut && intentOf(heard[cutAt].text) !== intentOf(heard.map((h) => h.text).join(' '))) s.cutOtherIntent++;
        if (cut && values.verbose) console.error(`[${name}] cut ${c.id} (${c.condition}): ${heard.map((h) => `«${h.text}» ${h.endpointMs}ms ${h.turnEnd ?? ''}`).join(' | ')}`);
      } else {
        s.normal++;
        if (heard.length > 1) s.splitNormal++;
        const last = heard.at(-1);
        if (last) {
          s.waits.push(last.endpointMs);
          s.totals.push(last.endpointMs + last.asrMs);
          if (last.turnEnd === 'complete' || last.turnEnd === 'likely, voice fell') s.early++;
        }
      }
    }
    const all = Object.values(bySource);
    const sum = (k: 'paused' | 'cut' | 'cutOtherIntent' | 'normal' | 'splitNormal' | 'early') => all.reduce((n, s) => n + s[k], 0);
    report[name] = {
      pausedCutShort: sum('cut'),
      paused: sum('paused'),
      cutRate: sum('paused') ? Number((sum('cut') / sum('paused')).toFixed(3)) : null,
      cutToAnotherIntent: sum('cutOtherIntent'),
      normalEndWaitP50Ms: pct(all.flatMap((s) => s.waits), 50),
      normalEndWaitP95Ms: pct(all.flatMap((s) => s.waits), 95),
      endpointPlusAsrP50Ms: pct(all.flatMap((s) => s.totals), 50),
      byCondition: Object.fromEntries(Object.entries(byCondition).map(([k, b]) => [k, { ...b, rate: Number((b.cut / b.paused).toFixed(3)) }])),
      answeredEarly: sum('early'),
      normal: sum('normal'),
      normalSplitByNaturalPauses: sum('splitNormal'),
      bySource: Object.fromEntries(
        Object.entries(bySource).map(([src, s]) => [src, { paused: s.paused, cut: s.cut, cutToAnotherIntent: s.cutOtherIntent, normal: s.normal, waitP50Ms: pct(s.waits, 50), waitP95Ms: pct(s.waits, 95), answeredEarly: s.early, split: s.splitNormal }]),
      ),
    };
    console.error(`${name}: ${JSON.stringify(report[name])}`);
  }
  report.seconds = Math.round((Date.now() - started) / 1000);
  await asr.close();
  console.log(JSON.stringify(report));
}

await main();
