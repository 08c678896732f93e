import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeWav } from '../src/audio/wav.js';
import { sineWave } from '../src/audio/pcm.js';
import { RecordingStore } from '../src/store/recordings/store.js';

const DAY = 86_400_000;
const second = (freq = 440) => sineWave(freq, 8000, 8000, 0.3);

describe('the recording store', () => {
  let dir: string;
  let clock: number;
  const now = () => new Date(clock);
  const warnings: object[] = [];
  const open = (over: Partial<Parameters<typeof RecordingStore.open>[0]> = {}) =>
    RecordingStore.open({ dir, retentionDays: 30, maxTotalBytes: 10 * 1024 * 1024, now, logger: { warn: (o) => warnings.push(o) }, ...over });

  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'pasokh-rec-')), 'recordings');
    clock = Date.parse('2026-12-01T09:00:00Z');
    warnings.length = 0;
  });
  afterEach(() => {
    vi.useRealTimers();
    rmSync(join(dir, '..'), { recursive: true, force: true });
  });

  it('keeps a turn as a WAV only its owner can read, in a folder only its owner can enter', async () => {
    const store = await open();
    store.saveTurn('CA-1', 3, second(), 8000);
    await store.idle();
    const wav = await store.turnAudio('CA-1', 3);
    expect(decodeWav(wav!)).toMatchObject({ sampleRate: 8000 });
    expect(decodeWav(wav!).pcm.length).toBe(8000);
    expect(statSync(join(dir, 'CA-1', 'turn-3.wav')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'CA-1')).mode & 0o777).toBe(0o700);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(await store.turnAudio('CA-1', 4)).toBeNull();
    expect(await store.recordedTurns('CA-1')).toEqual([3]);
  });

  it('deletes recordings older than the retention period and keeps younger ones', async () => {
    const store = await open({ retentionDays: 30 });
    store.saveTurn('old-call', 0, second(), 8000);
    await store.idle();
    clock += 20 * DAY;
    store.saveTurn('young-call', 0, second(), 8000);
    await store.idle();

    clock += 10 * DAY + 1000; // old-call is now 30 days and a second old, young-call 10 days
    expect(await store.purge()).toMatchObject({ files: 1 });
    expect(await store.turnAudio('old-call', 0)).toBeNull();
    expect(await store.turnAudio('young-call', 0)).not.toBeNull();
    expect(store.stats()).toMatchObject({ files: 1, purged: 1 });
  });

  it('remembers the age of recordings across a restart (from the files themselves)', async () => {
    const first = await open();
    first.saveTurn('CA-9', 1, second(), 8000);
    await first.close();
    clock += 31 * DAY;
    const again = await open();
    expect(again.stats()).toMatchObject({ files: 1 });
    await again.purge();
    expect(again.stats()).toMatchObject({ files: 0 });
  });

  it('runs the purge on its own timer', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const store = await open({ retentionDays: 1 });
    store.saveTurn('CA-2', 0, second(), 8000);
    await store.idle();
    store.startPurgeJob(3_600_000);
    clock += 2 * DAY;
    await vi.advanceTimersByTimeAsync(3_600_000);
    await vi.waitFor(() => expect(store.stats().files).toBe(0));
    store.stopPurgeJob();
  });

  it('deletes the oldest recordings first when the total passes the size cap', async () => {
    const oneFile = 8000 * 2 + 44;
    const store = await open({ maxTotalBytes: oneFile * 3 });
    for (let i = 0; i < 5; i++) {
      store.saveTurn('CA-3', i, second(300 + i * 100), 8000);
      await store.idle();
      clock += 1000;
    }
    expect(store.stats().bytes).toBeLessThanOrEqual(oneFile * 3);
    expect(await store.recordedTurns('CA-3')).toEqual([2, 3, 4]);
  });

  it("removes all of a call's audio on request, including audio still queued, and never rewrites it", async () => {
    const store = await open();
    store.saveTurn('CA-4', 0, second(), 8000);
    await store.idle();
    store.saveTurn('CA-4', 1, second(), 8000); // still queued when the request comes
    const removed = await store.deleteCall('CA-4');
    expect(removed.files).toBe(1);
    store.saveTurn('CA-4', 2, second(), 8000); // a late turn of the same call
    await store.idle();
    expect(await store.recordedTurns('CA-4')).toEqual([]);
    expect(readdirSync(dir)).not.toContain('CA-4');
  });

  it('streams the caller side of a whole call to one WAV with the right length', async () => {
    const store = await open();
    const writer = store.openCall('CA-5', 8000);
    for (let i = 0; i < 50; i++) writer.push(sineWave(440, 8000, 160, 0.2)); // 50 frames of 20 ms
    writer.end();
    await store.idle();
    const wav = decodeWav((await store.callAudio('CA-5'))!);
    expect(wav.pcm.length).toBe(8000);
    expect(statSync(join(dir, 'CA-5', 'call.wav')).mode & 0o777).toBe(0o600);
  });

  it('keeps a whole call in the order it was spoken when audio arrives before the file is open, on two channels', async () => {
    const store = await open();
    const writer = store.openCall('CA-7', 8000, 2);
    // Frame k holds the value k on the left and -k on the right. The first frames come in the same
    // tick as the call opens (the file cannot be open yet), the rest after it is.
    const frame = (k: number) => Int16Array.from({ length: 320 }, (_, i) => (i % 2 ? -k : k));
    for (let k = 1; k <= 5; k++) writer.push(frame(k));
    await new Promise((r) => setTimeout(r, 50));
    for (let k = 6; k <= 10; k++) writer.push(frame(k));
    writer.end();
    await store.idle();
    const bytes = (await store.callAudio('CA-7'))!;
    expect(bytes.readUInt16LE(22)).toBe(2); // channels
    expect(bytes.readUInt32LE(28)).toBe(8000 * 4); // byte rate
    expect(bytes.readUInt16LE(32)).toBe(4); // block align
    expect(bytes.readUInt32LE(40)).toBe(10 * 320 * 2); // data bytes
    const pcm = new Int16Array(bytes.buffer.slice(bytes.byteOffset + 44, bytes.byteOffset + bytes.length));
    const order = Array.from({ length: 10 }, (_, f) => [pcm[f * 320], pcm[f * 320 + 1]]);
    expect(order).toEqual(Array.from({ length: 10 }, (_, f) => [f + 1, -(f + 1)]));
  });

  it('drops audio rather than queueing without bound when the disk falls behind, and says so in counts only', async () => {
    const store = await open({ maxQueuedBytes: 20_000 });
    store.saveTurn('CA-6', 0, second(), 8000);
    store.saveTurn('CA-6', 1, second(), 8000);
    await store.idle();
    expect(store.stats()).toMatchObject({ written: 1, dropped: 1 });
  });

  it('logs a failed write by its error code, never by the path or the audio', async () => {
    const store = await open();
    rmSync(dir, { recursive: true, force: true });
    // A file where the call's folder should be: the write fails.
    const { writeFileSync } = await import('node:fs');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'CA-secret'), 'x');
    store.saveTurn('CA-secret', 0, second(), 8000);
    await store.idle();
    expect(store.stats().failed).toBe(1);
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings)).not.toContain('CA-secret');
    expect(JSON.stringify(warnings)).not.toContain(dir);
    expect(warnings[0]).toMatchObject({ code: expect.any(String) });
  });

  it('keeps a call id that could name another path inside its own folder', async () => {
    const store = await open();
    store.saveTurn('../../etc/evil', 0, second(), 8000);
    await store.idle();
    expect(readdirSync(join(dir, '..'))).toEqual(['recordings']);
    expect(await store.turnAudio('../../etc/evil', 0)).not.toBeNull();
  });
});
