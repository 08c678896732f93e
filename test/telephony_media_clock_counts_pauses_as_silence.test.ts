import { describe, expect, it } from 'vitest';
import { MediaClock } from '../src/telephony/media_clock.js';

/** The wall clock a PBX that sends nothing while the caller is quiet is measured against. */
function clockAt(jitterMs = 120) {
  let t = 1000;
  const clock = new MediaClock(jitterMs, () => t);
  return { clock, advance: (ms: number) => (t += ms) };
}

/** Frames of 20 ms arriving on time, one every 20 ms. */
function stream(c: ReturnType<typeof clockAt>, frames: number): number {
  let filled = 0;
  for (let i = 0; i < frames; i++) {
    c.advance(20);
    c.clock.real(20);
    filled += c.clock.due();
  }
  return filled;
}

describe('the media clock', () => {
  it('adds nothing while frames keep coming, even with ordinary jitter', () => {
    const c = clockAt();
    expect(stream(c, 50)).toBe(0);
    c.advance(100); // a late frame…
    expect(c.clock.due()).toBe(0);
    c.clock.real(20);
    c.clock.real(20); // …and the one behind it in the same breath
    expect(stream(c, 10)).toBe(0);
  });

  it('gives a pause past the jitter allowance as silence of the same length', () => {
    const c = clockAt();
    stream(c, 10);
    c.advance(100);
    expect(c.clock.due()).toBe(0);
    c.advance(40);
    expect(c.clock.due()).toBe(140);
    let more = 0;
    for (let i = 0; i < 100; i++) {
      c.advance(20);
      more += c.clock.due();
    }
    expect(140 + more).toBe(2140); // the whole pause, on the wall clock
  });

  it('counts a caller who sends nothing from the start as silent from the start', () => {
    const c = clockAt();
    c.advance(500);
    expect(c.clock.due()).toBe(500);
  });

  it('does not follow a burst with silence that never happened', () => {
    const c = clockAt();
    c.advance(3000);
    expect(c.clock.due()).toBe(3000);
    // A jitter buffer releases 1 s of speech at once after the pause.
    for (let i = 0; i < 50; i++) c.clock.real(20);
    c.advance(900);
    expect(c.clock.due()).toBe(0); // still inside the burst's own second
    c.advance(300);
    expect(c.clock.due()).toBeGreaterThan(0);
  });

  it('conceals frames the far end says it lost, without doubling silence already filled', () => {
    const c = clockAt();
    stream(c, 5);
    c.advance(60);
    expect(c.clock.conceal(40)).toBe(40); // two lost frames, reported by sequence numbers
    c.clock.real(20);
    c.advance(600);
    const filled = c.clock.due();
    expect(filled).toBeGreaterThan(0);
    // The frames after the pause say 25 frames (500 ms) were lost: the filler already gave them.
    expect(c.clock.conceal(500)).toBe(Math.max(0, 500 - filled));
  });
});
