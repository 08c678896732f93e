/**
 * The learning loop measured on real speech. The two speakers of fa-speech-real play a site's
 * callers: each of their sentences 01–12 is one call (the simulated Twilio caller, 8 kHz μ-law),
 * the speech turn is corrected through the API with the true sentence, the corrections are exported
 * through the API, the model is adapted (npm run asr:adapt), and CER is measured on sentences 13–18
 * of the same speakers (unseen sentences, through the same 8 kHz μ-law line) before and after,
 * with the synthetic held-out set beside it.
 *
 *   npx tsx tools/asr-loop-real.ts --data ../shared/datasets/fa-speech-real --work models/asr-fa/work/loop
 *        [--minutes 15] [--longform] [--ivr] [--model NAME] [--adapt-args="--lr 8e-4 …"] [--phase calls|adapt|eval|all]
 *
 * --ivr adds the 79 VOIZ IVR prompt recordings (digits, numbers, units; another speaker, telephone
 * band) to the adaptation data: the recorded prompts a call centre already owns, with their texts.
 * --model names the adapted model's folder under WORK (default `model`), so variants sit side by side.
 *
 * Phases can be run one at a time (calls → adapt → eval); results land in WORK/results.json.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ulawDecode, ulawEncode } from '../src/audio/g711.js';
import { resample } from '../src/audio/resample.js';
import { readWav, writeWav } from '../src/audio/wav.js';
import { loadConfig } from '../src/config/load.js';
import { startService } from '../src/service.js';
import { fetchStoredCall } from '../src/sim/cli.js';
import { simulateTwilioCall } from '../src/sim/twilio-caller.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/datasets/fa-speech-real' },
    work: { type: 'string', default: 'models/asr-fa/work/loop' },
    minutes: { type: 'string', default: '15' },
    longform: { type: 'boolean', default: false },
    phase: { type: 'string', default: 'all' },
    base: { type: 'string', default: 'models/asr-fa' },
    concurrency: { type: 'string', default: '3' },
    ivr: { type: 'boolean', default: false },
    model: { type: 'string', default: 'model' },
    'adapt-args': { type: 'string', default: '' },
  },
});
const data = resolve(values.data);
const work = resolve(values.work);
mkdirSync(work, { recursive: true });
const resultsPath = join(work, 'results.json');
const results: Record<string, unknown> = existsSync(resultsPath) ? JSON.parse(readFileSync(resultsPath, 'utf8')) : {};
// Variants may be adapted and scored side by side (--model): merge their entries with what is on disk.
const save = () => {
  const onDisk: Record<string, unknown> = existsSync(resultsPath) ? JSON.parse(readFileSync(resultsPath, 'utf8')) : {};
  for (const key of ['adapt', 'eval'] as const) {
    if (results[key] && onDisk[key]) results[key] = { ...(onDisk[key] as object), ...(results[key] as object) };
  }
  writeFileSync(resultsPath, JSON.stringify(results, null, 2) + '\n');
};

interface Clip {
  audio: string;
  text: string;
  speaker: string;
  index: number;
}
const clips: Clip[] = readFileSync(join(data, 'manifest.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as { audio: string; text: string; speaker: string; subset: string })
  .filter((r) => r.subset === 'read-colloquial-sentences')
  .map((r) => ({ audio: r.audio, text: r.text, speaker: r.speaker, index: Number(/(\d+)\.wav$/.exec(r.audio)![1]) }));
const train = clips.filter((c) => c.index >= 1 && c.index <= 12);
const test = clips.filter((c) => c.index >= 13 && c.index <= 18);

/** The clip as a caller's line carries it: 8 kHz, μ-law. */
async function telephone(path: string): Promise<Int16Array> {
  const { pcm, sampleRate } = await readWav(path);
  return ulawDecode(ulawEncode(sampleRate === 8000 ? pcm : resample(pcm, sampleRate, 8000)));
}

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((done, fail) => {
    console.error(`$ ${cmd} ${args.join(' ')}`);
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      process.stderr.write(d);
    });
    child.on('error', fail);
    child.on('exit', (code) => (code === 0 ? done(out) : fail(new Error(`${cmd} ${args[0]} exited ${code}`))));
  });
}
const lastJson = (out: string) => JSON.parse(out.trim().split('\n').filter((l) => l.startsWith('{')).pop()!);

async function phaseCalls(): Promise<void> {
  const dataDir = join(work, 'service');
  rmSync(dataDir, { recursive: true, force: true });
  const ADMIN = 'loop-admin-key-0123456789';
  const TOKEN = 'loop-media-token-0123456789';
  const service = await startService(
    loadConfig({}, { port: 0, host: '127.0.0.1', dataDir, logLevel: 'warn', security: { adminKeys: [ADMIN], mediaTokens: [TOKEN] }, asr: { modelDir: resolve(values.base) } }),
  );
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${service.url}${path}`, { ...init, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' } });
  const calls: { clip: string; callId: string; speechTurns: number; corrected: boolean; heard: string[] }[] = [];
  try {
    const queue = [...train];
    const worker = async () => {
      for (let clip = queue.shift(); clip; clip = queue.shift()) {
        const pcm = await telephone(join(data, clip.audio));
        const result = await simulateTwilioCall({ url: `${service.url.replace('http', 'ws')}/media/twilio`, token: TOKEN, steps: [{ kind: 'speech', pcm, label: clip.audio }], hangUpAtEnd: true });
        const stored = await fetchStoredCall(service.url, ADMIN, result.callSid);
        const speech = (stored?.turns ?? []).filter((t) => t.input === 'speech');
        // An ops user hears the turn and types what was said. A sentence the endpointer cut in two
        // cannot be given one transcript per part without listening; such calls are left out.
        let corrected = false;
        if (speech.length === 1) {
          const res = await api(`/api/calls/${result.callSid}/turns/${speech[0].seq}/transcript`, { method: 'PUT', body: JSON.stringify({ text: clip.text }) });
          corrected = res.ok;
          if (!res.ok) console.error(clip.audio, res.status, await res.text());
        }
        calls.push({ clip: clip.audio, callId: result.callSid, speechTurns: speech.length, corrected, heard: speech.map((t) => t.heardText ?? '') });
        console.error(`${clip.audio}: ${speech.length} speech turn(s), corrected ${corrected} — heard «${speech.map((t) => t.heardText).join(' | ')}»`);
      }
    };
    await Promise.all(Array.from({ length: Number(values.concurrency) }, worker));
    await new Promise((r) => setTimeout(r, 1000));
    const exportDir = join(work, 'export');
    rmSync(exportDir, { recursive: true, force: true });
    const exported = lastJson(await run('npx', ['tsx', 'tools/asr-export.ts', '--out', exportDir, '--url', service.url], { PASOKH_ADMIN_KEY: ADMIN }));
    const lines = readFileSync(join(exportDir, 'manifest.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { split: string; audio: string });
    let trainSeconds = 0;
    for (const l of lines.filter((x) => x.split === 'train')) {
      const { pcm, sampleRate } = await readWav(join(exportDir, l.audio));
      trainSeconds += pcm.length / sampleRate;
    }
    results.calls = {
      made: calls.length,
      corrected: calls.filter((c) => c.corrected).length,
      split: calls.filter((c) => c.speechTurns > 1).length,
      noSpeech: calls.filter((c) => c.speechTurns === 0).length,
      exported,
      trainingTurns: lines.filter((l) => l.split === 'train').length,
      heldOutTurns: lines.filter((l) => l.split === 'heldout').length,
      trainingSecondsOfRealAudio: Number(trainSeconds.toFixed(1)),
      calls,
    };
    save();
  } finally {
    await service.stop();
  }

  // The test: sentences 13–18 of the same speakers, through the same line.
  const testDir = join(work, 'test');
  mkdirSync(testDir, { recursive: true });
  const lines: string[] = [];
  for (const clip of test) {
    await writeWav(join(testDir, clip.audio), { pcm: await telephone(join(data, clip.audio)), sampleRate: 8000 });
    lines.push(JSON.stringify({ audio: clip.audio, text: clip.text, subset: clip.speaker }));
  }
  writeFileSync(join(testDir, 'manifest.jsonl'), lines.join('\n') + '\n');
}

async function phaseAdapt(): Promise<void> {
  const started = Date.now();
  const extra: string[] = [];
  if (values.ivr) {
    // The IVR prompts as one more manifest of training lines (absolute paths: no copies).
    const ivr = join(work, 'ivr');
    mkdirSync(ivr, { recursive: true });
    const rows = readFileSync(join(data, 'manifest.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { audio: string; text: string; subset: string })
      .filter((r) => r.subset === 'ivr-telephone-numbers-8k');
    writeFileSync(join(ivr, 'manifest.jsonl'), rows.map((r) => JSON.stringify({ audio: join(data, r.audio), text: r.text })).join('\n') + '\n');
    extra.push('--manifest', join(ivr, 'manifest.jsonl'));
  }
  const out = await run('npx', [
    'tsx', 'tools/asr-adapt.ts',
    '--manifest', join(work, 'export', 'manifest.jsonl'),
    ...extra,
    '--out', join(work, values.model),
    '--base', values.base,
    '--minutes', values.minutes,
    '--eval-manifest', join(work, 'test', 'manifest.jsonl'),
    ...(values.longform ? ['--longform', join(data, 'manifest_longform.jsonl')] : []),
    ...values['adapt-args'].split(' ').filter(Boolean),
  ]);
  (results.adapt as Record<string, unknown>) ??= {};
  (results.adapt as Record<string, unknown>)[values.model] = { ...lastJson(out), ivr: values.ivr, adaptArgs: values['adapt-args'], wallMinutes: Number(((Date.now() - started) / 60_000).toFixed(1)) };
  save();
}

async function phaseEval(): Promise<void> {
  const score = async (manifest: string, model: string) => {
    const s = lastJson(await run('npx', ['tsx', 'tools/eval-asr.ts', '--manifest', manifest, '--model', model]));
    return { cer: s.cer, wer: s.wer, greedyCer: s.greedyCer, n: s.utterances, subsets: s.subsets };
  };
  const realTest = join(work, 'test', 'manifest.jsonl');
  const synthetic = resolve('fixtures/asr/heldout_synthetic.jsonl');
  const before = { realUnseenSentences: await score(realTest, values.base), syntheticHeldOut: await score(synthetic, values.base) };
  const model = join(work, values.model);
  const after = { realUnseenSentences: await score(realTest, model), syntheticHeldOut: await score(synthetic, model) };
  (results.eval as Record<string, unknown>) ??= {};
  (results.eval as Record<string, unknown>)[values.model] = {
    before,
    after,
    realCerRelativeChange: Number(((after.realUnseenSentences.cer - before.realUnseenSentences.cer) / before.realUnseenSentences.cer).toFixed(3)),
    syntheticCerPointsChange: Number(((after.syntheticHeldOut.cer - before.syntheticHeldOut.cer) * 100).toFixed(2)),
  };
  save();
}

if (values.phase === 'all' || values.phase === 'calls') await phaseCalls();
if (values.phase === 'all' || values.phase === 'adapt') await phaseAdapt();
if (values.phase === 'all' || values.phase === 'eval') await phaseEval();
console.log(JSON.stringify({ ...results, calls: results.calls ? { ...(results.calls as object), calls: undefined } : undefined }));
process.exit(0);
