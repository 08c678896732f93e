import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PcmChunk } from '../src/audio/types.js';
import { recordWholeCall } from '../src/store/recordings/line.js';
import { RecordingStore } from '../src/store/recordings/store.js';
import type { AudioListener, CallChannel, Playback, PlaybackOutcome } from '../src/telephony/types.js';
import { readCallWav } from './helpers/call-recording.js';

// The whole-call file's bot channel against a channel double whose every move the test makes: the
// caller's frames are the clock, playbacks are written faster than real time (as the answer cache
// does), fall behind, are cut by barge-in, or settled by the channel itself.
const RATE = 8000;
const FRAME = 160;

class LineDouble implements CallChannel {
  readonly info = { callId: 'CA-line', protocol: 'twilio' as const, from: null, to: null, providerCallId: null, params: {} };
  readonly sampleRate = RATE;
  private audio: AudioListener[] = [];
  private ends: ((reason: string) => void)[] = [];
  readonly playbacks: { written: PcmChunk[]; ended: boolean; settle(o: PlaybackOutcome): void }[] = [];
  clears = 0;
  onAudio(l: AudioListener) {
    this.audio.push(l);
  }
  onDtmf() {}
  onEnd(l: (reason: string) => void) {
    this.ends.push(l);
  }
  startPlayback(): Playback {
    let settle!: (o: PlaybackOutcome) => void;
    const done = new Promise<PlaybackOutcome>((r) => (settle = r));
    const pb = { written: [] as PcmChunk[], ended: false, settle };
    this.playbacks.push(pb);
    return { write: (c) => pb.written.push(c), end: () => (pb.ended = true), done };
  }
  clear() {
    this.clears++;
  }
  hangup() {}
  /** The caller's line for `ms`, in 20 ms frames of the value `v`. */
  speak(ms: number, v = 0) {
    for (let t = 0; t < ms; t += 20) for (const l of this.audio) l(new Int16Array(FRAME).fill(v), false);
  }
  end() {
    for (const l of this.ends) l('caller hung up');
  }
}

const tone = (ms: number, v: number, rate = RATE): PcmChunk => ({ pcm: new Int16Array((rate * ms) / 1000).fill(v), sampleRate: rate });
/** The bot channel as runs of [value, ms]. */
function runs(bot: Int16Array): [number, number][] {
  const out: [number, number][] = [];
  for (const v of bot) {
    const last = out[out.length - 1];
    if (last && last[0] === v) last[1]++;
    else out.push([v, 1]);
  }
  return out.map(([v, n]) => [v, (n / RATE) * 1000]);
}

describe('the bot channel of the whole-call recording', () => {
  // Frames below are handed over in one go: the wall clock barely moves, so no catch-up silence.
  let dir: string;
  let store: RecordingStore;
  let line: LineDouble;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pasokh-line-'));
    store = await RecordingStore.open({ dir, retentionDays: 30, maxTotalBytes: 1 << 30 });
    line = new LineDouble();
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const file = async () => {
    await store.idle();
    return readCallWav((await store.callAudio('CA-line'))!);
  };

  it('plays each answer from when it was handed over, one after another, the caller unchanged beside it', async () => {
    const { channel } = recordWholeCall(store, line);
    line.speak(100, 7);
    const first = channel.startPlayback();
    const second = channel.startPlayback(); // queued behind the first, as the channel plays them
    second.write(tone(100, 200));
    second.end();
    first.write(tone(300, 100));
    first.end();
    line.speak(600, 7);
    line.end();
    const rec = await file();
    expect(rec.channels).toBe(2);
    expect(rec.caller.length).toBe(0.7 * RATE);
    expect(rec.caller.every((v) => v === 7)).toBe(true);
    expect(runs(rec.bot)).toEqual([[0, 100], [100, 300], [200, 100], [0, 200]]);
    // The inner channel got the same audio, untouched.
    expect(line.playbacks.map((p) => p.written.map((c) => c.pcm.length))).toEqual([[2400], [800]]);
  });

  it('leaves the line quiet while the voice is behind, and goes on where it left off', async () => {
    const { channel } = recordWholeCall(store, line);
    const pb = channel.startPlayback();
    pb.write(tone(100, 100));
    line.speak(200);
    pb.write(tone(100, 300));
    line.speak(200);
    pb.end();
    line.end();
    expect(runs((await file()).bot)).toEqual([[100, 100], [0, 100], [300, 100], [0, 100]]);
  });

  it('drops what a barge-in cut off, even audio the voice hands over after the cut', async () => {
    const { channel } = recordWholeCall(store, line);
    const pb = channel.startPlayback();
    pb.write(tone(1000, 100)); // the whole answer at once, from the cache
    line.speak(200);
    channel.clear();
    pb.write(tone(500, 100));
    pb.end();
    line.speak(400);
    const next = channel.startPlayback(); // the bot answers again
    next.write(tone(100, 300));
    next.end();
    line.speak(200);
    line.end();
    expect(line.clears).toBe(1);
    expect(runs((await file()).bot)).toEqual([[100, 200], [0, 400], [300, 100], [0, 100]]);
  });

  it('drops a playback the channel itself cleared or hung up, and everything at the hang-up', async () => {
    const { channel } = recordWholeCall(store, line);
    const pb = channel.startPlayback();
    pb.write(tone(1000, 100));
    pb.end();
    line.speak(100);
    line.playbacks[0].settle('cleared');
    await Promise.resolve();
    line.speak(100);
    const last = channel.startPlayback();
    last.write(tone(1000, 300));
    line.speak(100);
    line.end();
    line.speak(100); // nothing after the end
    expect(runs((await file()).bot)).toEqual([[100, 100], [0, 100], [300, 100]]);
  });

  it("keeps to the wall clock when the caller's audio comes slower than real time, so the bot still fits", async () => {
    let clock = 0;
    const { channel, end } = recordWholeCall(store, line, () => clock);
    const pb = channel.startPlayback();
    pb.write(tone(1000, 100));
    pb.end();
    line.speak(100, 7); // 100 ms of the caller…
    clock = 1000; // …then a second passes with only 100 ms more of it, in one burst of 5 frames:
    line.speak(100, 7); // the first is placed to end now, the other four follow it
    clock = 1500; // and the call ends half a second later
    end();
    const rec = await file();
    expect(rec.caller.length).toBe(1.5 * RATE);
    expect(runs(rec.caller)).toEqual([[7, 100], [0, 880], [7, 100], [0, 420]]);
    expect(runs(rec.bot)).toEqual([[100, 1000], [0, 500]]);
  });

  it('adds nothing for ordinary jitter', async () => {
    let clock = 0;
    const { end } = recordWholeCall(store, line, () => clock);
    line.speak(100, 7);
    clock = 350; // 250 ms behind: within the jitter allowance
    line.speak(20, 7);
    end();
    expect((await file()).caller.length).toBe(0.12 * RATE);
  });

  it('resamples a voice at another rate to the line rate', async () => {
    const { channel } = recordWholeCall(store, line);
    const pb = channel.startPlayback();
    pb.write(tone(200, 1000, 16_000));
    pb.end();
    line.speak(400);
    line.end();
    const bot = (await file()).bot;
    const loud = bot.filter((v) => Math.abs(v) > 500).length;
    expect(loud / RATE).toBeGreaterThan(0.18);
    expect(loud / RATE).toBeLessThan(0.22);
  });
});
