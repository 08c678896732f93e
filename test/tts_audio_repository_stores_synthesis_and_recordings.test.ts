import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TtsAudioRepository } from '../src/engines/tts/audio-repository.js';
import { backends, type TestDatabase } from './helpers/databases.js';

// Every 16-bit value, so a byte-order or alignment slip cannot go unseen.
const allValues = () => Int16Array.from({ length: 65_536 }, (_, i) => i - 32_768);

describe.each(backends)('tts_audio repository on $name', ({ open }) => {
  let db: TestDatabase;
  let repo: TtsAudioRepository;
  beforeAll(async () => {
    db = await open();
    repo = new TtsAudioRepository(db.database);
  });
  afterAll(() => db.drop());

  it('stores synthesised audio once per key and reads back the exact samples', async () => {
    const pcm = allValues();
    const row = { key: 'k1', text: 'سلام', textHash: 'h1', voice: 'espeak:fa', sampleRate: 8000, pcm };
    await repo.insertSynthesised(row);
    // A second instance storing the same key keeps the first audio.
    await repo.insertSynthesised({ ...row, pcm: new Int16Array(4) });
    const back = await repo.get('k1');
    expect(back?.source).toBe('tts');
    expect(back?.sampleRate).toBe(8000);
    expect(Buffer.from(back!.pcm.buffer).equals(Buffer.from(pcm.buffer))).toBe(true);
    expect(await repo.synthesisedKeys()).toEqual(['k1']);
    expect(await repo.get('missing')).toBeNull();
  });

  it('upserts a recording in place, indexes it by text hash and deletes only recordings', async () => {
    const first = await repo.upsertRecording({ key: 'r1', owner: 'faq:1', text: 'اول', textHash: 't1', sampleRate: 8000, pcm: new Int16Array([1, 2]) });
    const second = await repo.upsertRecording({ key: 'r1', owner: 'faq:1', text: 'دوم', textHash: 't2', sampleRate: 16000, pcm: new Int16Array([3, 4, 5]) });
    expect(second.getTime()).toBeGreaterThanOrEqual(first.getTime());
    const rec = await repo.getRecording('r1');
    expect(rec).toMatchObject({ text: 'دوم', sampleRate: 16000 });
    expect([...rec!.pcm]).toEqual([3, 4, 5]);
    expect((await repo.recordingIndex()).map((r) => [r.key, r.textHash])).toEqual([['r1', 't2']]);
    // A synthesised key is not a recording: neither read nor deleted as one.
    expect(await repo.getRecording('k1')).toBeNull();
    expect(await repo.deleteRecording('k1')).toBe(false);
    expect(await repo.deleteRecording('r1')).toBe(true);
    expect(await repo.recordingIndex()).toEqual([]);
  });

  it('prunes synthesised rows older than the cutoff except the kept keys, never recordings', async () => {
    await repo.insertSynthesised({ key: 'old', text: 'a', textHash: 'a', voice: 'v', sampleRate: 8000, pcm: new Int16Array(2) });
    await repo.insertSynthesised({ key: 'pinned', text: 'b', textHash: 'b', voice: 'v', sampleRate: 8000, pcm: new Int16Array(2) });
    await repo.upsertRecording({ key: 'r2', owner: 'prompt:x', text: 'c', textHash: 'c', sampleRate: 8000, pcm: new Int16Array(2) });
    const deleted = await repo.deleteSynthesisedBefore(new Date(Date.now() + 60_000), ['pinned']);
    expect(deleted.sort()).toEqual(['k1', 'old']);
    expect(await repo.synthesisedKeys()).toEqual(['pinned']);
    expect(await repo.getRecording('r2')).not.toBeNull();
    expect(await repo.deleteSynthesisedBefore(new Date(0), [])).toEqual([]);
  });
});
