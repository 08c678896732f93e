import { describe, expect, it } from 'vitest';
import { Warmer } from '../src/engines/tts/warmer.js';

/** A warmOne whose calls are held until released, to see how many run at once. */
function gated() {
  const started: string[] = [];
  const releases: Array<() => void> = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  return {
    started,
    get maxConcurrent() {
      return maxConcurrent;
    },
    releaseNext: () => releases.shift()?.(),
    warmOne: (text: string) =>
      new Promise<boolean>((resolve, reject) => {
        started.push(text);
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        releases.push(() => {
          concurrent--;
          if (text.startsWith('bad')) reject(new Error('engine down'));
          else resolve(!text.startsWith('had'));
        });
      }),
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('warmer', () => {
  it('runs one text at a time in order, skipping blanks and texts already queued', async () => {
    const g = gated();
    const warmer = new Warmer({ warmOne: g.warmOne });
    const done = warmer.warm(['یک', ' ', 'دو', 'یک']);
    void warmer.warm(['دو', 'سه']);
    await tick();
    expect(g.started).toEqual(['یک']);
    expect(warmer.pending).toBe(3);
    for (let i = 0; i < 3; i++) {
      g.releaseNext();
      await tick();
      await tick();
    }
    await done;
    await warmer.idle();
    expect(g.started).toEqual(['یک', 'دو', 'سه']);
    expect(g.maxConcurrent).toBe(1);
    expect(warmer.warmed).toBe(3);
    expect(warmer.pending).toBe(0);
  });

  it('counts texts already there as not warmed and failures as errors, and goes on after one', async () => {
    const warnings: Array<string | undefined> = [];
    const g = gated();
    const warmer = new Warmer({ warmOne: g.warmOne, logger: { warn: (_o, msg) => warnings.push(msg) } });
    const done = warmer.warm(['had it', 'bad one', 'new one']);
    while (g.started.length < 3 || warmer.pending > 0) {
      g.releaseNext();
      await tick();
    }
    await done;
    expect(warmer.warmed).toBe(1);
    expect(warmer.errors).toBe(1);
    expect(warnings).toEqual(['tts cache: warming failed']);
  });

  it('close drops what is queued, settles its promises and waits for the text in progress', async () => {
    const g = gated();
    const warmer = new Warmer({ warmOne: g.warmOne });
    const done = warmer.warm(['a', 'b', 'c']);
    await tick();
    let closed = false;
    const closing = warmer.close().then(() => (closed = true));
    await tick();
    expect(closed).toBe(false); // 'a' is still being synthesised
    g.releaseNext();
    await closing;
    await done;
    expect(g.started).toEqual(['a']);
    await warmer.warm(['d']); // after close: settles at once, nothing runs
    expect(g.started).toEqual(['a']);
  });
});
