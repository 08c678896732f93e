import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { createTtsEngine } from '../src/engines/factory.js';
import { startService, type RunningService } from '../src/service.js';
import { heldOutTurn } from '../src/store/corrections.js';
import { fetchStoredCall, speechFor } from '../src/sim/cli.js';
import { simulateTwilioCall } from '../src/sim/twilio-caller.js';

// The whole loop on a few clips: calls are recorded, an ops user corrects them through the API, the
// corrections are exported through the API, the stock model is adapted on them (a short CPU run of
// the recipe), scored, promoted without a restart, and the next call is heard by the promoted model.
// The site's live recogniser here is a poor one (the random-weight test model), so that a short run
// is certain to beat it; whether adaptation helps a good model is measured in docs/BENCHMARKS.md.
const trainingTools = (() => {
  try {
    execFileSync(process.env.PASOKH_PYTHON ?? '/usr/bin/python3', ['-c', 'import torch, onnx'], { stdio: 'ignore' });
    execFileSync('sox', ['--version'], { stdio: 'ignore' });
    execFileSync('espeak-ng', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const ADMIN = 'loop-admin-key-0123456789';
const TOKEN = 'loop-media-token-0123456789';
const POOR_MODEL = 'fixtures/asr/tiny-wav2vec2';
const SENTENCE = 'اینترنتم قطع شده چیکار کنم';
let service: RunningService;
let speech: Int16Array;
const work = mkdtempSync(join(tmpdir(), 'pasokh-loop-'));

/** Call ids whose speech turn (seq 1, after the greeting) falls in the split wanted. */
function callIds(heldOut: boolean, n: number): string[] {
  const ids: string[] = [];
  for (let i = 0; ids.length < n; i++) if (heldOutTurn(`CAloop${i}`, 1) === heldOut) ids.push(`CAloop${i}`);
  return ids;
}

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${service.url}${path}`, { ...init, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' } });

async function call(callSid: string) {
  await simulateTwilioCall({ url: `${service.url.replace('http', 'ws')}/media/twilio`, token: TOKEN, callSid, steps: [{ kind: 'speech', pcm: speech, label: 'q', listenMs: 1000 }], hangUpAtEnd: true });
  return (await fetchStoredCall(service.url, ADMIN, callSid))!;
}

describe.skipIf(!trainingTools)('the learning loop, from calls to a promoted model (needs /usr/bin/python3 with torch, sox, espeak-ng)', () => {
  beforeAll(async () => {
    const config = loadConfig({}, {
      port: 0,
      host: '127.0.0.1',
      dataDir: join(work, 'data'),
      logLevel: 'silent',
      security: { adminKeys: [ADMIN], mediaTokens: [TOKEN] },
      asr: { modelDir: POOR_MODEL, beamWidth: 4 },
    });
    // The callers' question is synthesised while the service starts.
    const spoken = (async () => {
      const tts = await createTtsEngine(config);
      const pcm = await speechFor(tts, SENTENCE);
      await tts.close();
      return pcm;
    })();
    service = await startService(config);
    speech = await spoken;
  }, 120_000);

  afterAll(async () => {
    await service?.stop();
  });

  it('records, corrects, exports, adapts, scores and promotes; the next call is heard by the new model', async () => {
    // 1. Calls heard by the poor live model, recorded, corrected by an ops user.
    //    The calls are independent and spend their time on audio paced in real time: all at once.
    const ids = [...callIds(false, 3), ...callIds(true, 1)];
    await Promise.all(
      ids.map(async (id) => {
        const stored = await call(id);
        const turn = stored.turns.find((t) => t.input === 'speech');
        expect(turn?.seq, JSON.stringify(stored.turns)).toBe(1);
        expect((await api(`/api/calls/${id}/turns/1/audio`)).status).toBe(200);
        const put = await api(`/api/calls/${id}/turns/1/transcript`, { method: 'PUT', body: JSON.stringify({ text: SENTENCE }) });
        expect(put.status).toBe(200);
      }),
    );

    // 2. Export through the running service's API.
    const exportDir = join(work, 'export');
    const run = promisify(execFile);
    const exported = await run('npx', ['tsx', 'tools/asr-export.ts', '--out', exportDir, '--url', service.url], { env: { ...process.env, PASOKH_ADMIN_KEY: ADMIN } });
    expect(JSON.parse(exported.stdout.trim().split('\n').pop()!)).toMatchObject({ turns: 4, missingAudio: 0 });
    const lines = readFileSync(join(exportDir, 'manifest.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.split === 'heldout')).toHaveLength(1);

    // 3. Adapt the stock model on the training turns (a short run), with a small synthetic mix.
    const modelDir = join(work, 'model');
    const adapted = await run(
      'npx',
      ['tsx', 'tools/asr-adapt.ts', '--manifest', join(exportDir, 'manifest.jsonl'), '--out', modelDir, '--base', 'models/asr-fa', '--minutes', '0.6',
        '--synthetic', join(work, 'synthetic'), '--synthetic-size', '24', '--synthetic-shards', '1', '--real-repeat', '2', '--steps', '6'],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    const summary = JSON.parse(adapted.stdout.trim().split('\n').pop()!);
    expect(summary).toMatchObject({ name: expect.stringMatching(/\+site-/), data: { trainingTurns: 3, heldOutTurnsLeftOut: 1 } });
    const manifest = JSON.parse(readFileSync(join(modelDir, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ lm: { corpus: 'lm-corpus.txt' }, adaptation: { base: { name: 'pasokh-asr-fa-telephone' } }, scores: { adaptation: { steps: expect.any(Number) } } });

    // 4. Evaluate the folder with the same tool as any model.
    const evaluated = await run('npx', ['tsx', 'tools/eval-asr.ts', '--manifest', 'fixtures/asr/heldout_synthetic.jsonl', '--model', modelDir, '--limit', '5']);
    expect(JSON.parse(evaluated.stdout.trim().split('\n').pop()!)).toMatchObject({ utterances: 5, model: `onnx:${manifest.name}` });

    // 5. Promote: scored against the live model on the held-out turn, made live without a restart.
    const promoted = await (await api('/api/asr/models', { method: 'POST', body: JSON.stringify({ dir: modelDir }) })).json();
    expect(promoted, JSON.stringify(promoted)).toMatchObject({ promoted: true, heldOut: 1, previous: expect.stringContaining('tiny-wav2vec2') });
    expect(promoted.scores.candidate.cer).toBeLessThan(promoted.scores.live.cer);
    expect(await (await api('/api/asr/models')).json()).toMatchObject({ live: { engine: `onnx:${manifest.name}` } });

    // 6. The next call is heard by the promoted model, and understood.
    await call('CAloop-after');
    const next = (await (await api('/api/calls/CAloop-after')).json()) as { events: { type: string; data: object }[]; turns: { input: string; intent: string | null }[] };
    expect(next.events.find((e) => e.type === 'asr-model')?.data).toMatchObject({ engine: `onnx:${manifest.name}` });
    expect(next.turns.find((t) => t.input === 'speech')).toMatchObject({ intent: 'internet_outage' });

    // A model that is not better is refused, and the previous one can be brought back.
    const refused = await (await api('/api/asr/models', { method: 'POST', body: JSON.stringify({ dir: POOR_MODEL }) })).json();
    expect(refused).toMatchObject({ promoted: false });
    expect((await api('/api/asr/models', { method: 'POST', body: JSON.stringify({ dir: '/nonexistent' }) })).status).toBe(400);
    expect(await (await api('/api/asr/models/rollback', { method: 'POST' })).json()).toMatchObject({ live: { dir: expect.stringContaining('tiny-wav2vec2') } });
  }, 600_000);
});
