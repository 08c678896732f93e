import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import { readWav } from '../src/audio/wav.js';
import { MelodyReader } from '../src/dialog/melody-reader.js';
import { pauseMelody } from '../src/dialog/prosody.js';

/**
 * The melody at a caller's pause (does the voice fall, as at the end of a sentence?) is read on a
 * thread of its own: on the thread that paces every call's audio, its 6–20 ms per pause stalled
 * them all. The reading must be the same wherever it is done, and a missing or late thread must
 * never leave the turn's decision waiting.
 */
const { pcm, sampleRate } = await readWav('fixtures/audio/outage.wav');
/** The last 1.5 s of speech before pauses at several points of a real question. */
const slices = [0.8, 1.4, 2.0, 2.6, 3.2].map((s) => pcm.slice(Math.max(0, Math.round((s - 1.5) * sampleRate)), Math.round(s * sampleRate)));

describe('the melody at a pause', () => {
  const reader = new MelodyReader({ timeoutMs: 5000 });
  afterAll(() => reader.close());

  it('is the same reading on the melody thread as on the call thread', async () => {
    reader.warm();
    for (const slice of slices) expect(await reader.read(slice, sampleRate)).toEqual(pauseMelody(slice, sampleRate));
    expect(reader.fallbacks).toEqual({ failed: 0, late: 0 });
  });

  it('takes its CPU off the call thread', async () => {
    const busy = async (read: () => Promise<unknown>) => {
      const before = performance.eventLoopUtilization();
      for (let i = 0; i < 10; i++) await Promise.all(slices.map(read));
      return performance.eventLoopUtilization(before).active;
    };
    let i = 0;
    // Event-loop time is wall time: on a loaded machine the scheduler stretches either side, so
    // the best of three rounds is taken (contention only ever adds).
    const rounds: Array<{ onThread: number; here: number }> = [];
    for (let round = 0; round < 3; round++) {
      const onThread = await busy(() => reader.read(slices[i++ % slices.length], sampleRate));
      const here = await busy(async () => pauseMelody(slices[i++ % slices.length], sampleRate));
      rounds.push({ onThread, here });
      if (onThread < here / 3) break;
    }
    const best = rounds.reduce((a, b) => (b.onThread / b.here < a.onThread / a.here ? b : a));
    expect(reader.fallbacks).toEqual({ failed: 0, late: 0 });
    // Posting the audio and taking the reply is a small part of computing the reading.
    const said = rounds.map((r) => `${r.onThread.toFixed(1)} ms via the thread, ${r.here.toFixed(1)} ms computed here`).join('; ');
    expect(best.onThread, `call-thread time: ${said}`).toBeLessThan(best.here / 3);
  });

  it('is read on the call thread when the melody thread is late, and counted', async () => {
    const impatient = new MelodyReader({ timeoutMs: 0 });
    const melody = await impatient.read(slices[2], sampleRate);
    expect(melody).toEqual(pauseMelody(slices[2], sampleRate));
    expect(impatient.fallbacks.late).toBe(1);
    await impatient.close();
  });

  it('is read on the call thread once the melody thread is gone, and counted', async () => {
    const closing = new MelodyReader({ timeoutMs: 5000 });
    closing.warm();
    const inFlight = closing.read(slices[1], sampleRate);
    await closing.close();
    expect(await inFlight).toEqual(pauseMelody(slices[1], sampleRate));
    expect(await closing.read(slices[3], sampleRate)).toEqual(pauseMelody(slices[3], sampleRate));
    expect(closing.fallbacks.failed).toBe(1);
  });

  it('does not keep a process alive once its work is done (an evaluation run ends by itself)', () => {
    const script = join(mkdtempSync(join(tmpdir(), 'pasokh-melody-')), 'read.mts');
    writeFileSync(script, `import { MelodyReader } from '${resolve('src/dialog/melody-reader.ts')}';
      const reader = new MelodyReader({ timeoutMs: 5000 });
      const pcm = new Int16Array(12000).map((_, i) => 8000 * Math.sin(i / 20));
      for (let i = 0; i < 3; i++) await reader.read(pcm, 8000);
      console.log(JSON.stringify(reader.fallbacks));`);
    const run = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 30_000 });
    expect(run.signal, `still running after 30 s; stderr: ${run.stderr}`).toBeNull();
    expect(run.status, run.stderr).toBe(0);
    // Read on the thread, not locally: the thread's replies are what used to hold the process.
    expect(JSON.parse(run.stdout)).toEqual({ failed: 0, late: 0 });
  });
});
