import { afterEach, describe, expect, it } from 'vitest';
import { PeriodicJob } from '../src/periodic.js';

/** A job whose runs the test finishes by hand, so that "during a run" is exact, not timed. */
function gatedJob() {
  const runs: { finish(): void; fail(err: Error): void }[] = [];
  const job = () =>
    new Promise<void>((resolve, reject) => {
      runs.push({ finish: resolve, fail: reject });
    });
  return { job, runs };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('a periodic job (queue routing, instance heartbeat)', () => {
  const jobs: PeriodicJob[] = [];
  afterEach(async () => {
    for (const j of jobs.splice(0)) {
      void j.stop();
    }
  });

  it('joins a request made during a run instead of running the job twice at once', async () => {
    const { job, runs } = gatedJob();
    const periodic = new PeriodicJob(job, { intervalMs: 60_000, onError: () => {} });
    jobs.push(periodic);
    const first = periodic.run();
    const second = periodic.run();
    expect(second).toBe(first);
    await flush();
    expect(runs).toHaveLength(1);
    runs[0].finish();
    await first;
    // Without rerunWhenAsked the joined request ran nothing more.
    await flush();
    expect(runs).toHaveLength(1);
  });

  it('with rerunWhenAsked runs once more after the run a request arrived in, however many arrived, while started', async () => {
    const { job, runs } = gatedJob();
    const periodic = new PeriodicJob(job, { intervalMs: 60_000, rerunWhenAsked: true, onError: () => {} });
    jobs.push(periodic);
    periodic.start();
    const done = periodic.run();
    void periodic.run();
    void periodic.run();
    await flush();
    runs[0].finish();
    await flush();
    expect(runs).toHaveLength(2);
    runs[1].finish();
    await done;
    expect(runs).toHaveLength(2);
  });

  it('does not rerun after stop: a stopped routing loop offers no more calls', async () => {
    const { job, runs } = gatedJob();
    const periodic = new PeriodicJob(job, { intervalMs: 60_000, rerunWhenAsked: true, onError: () => {} });
    periodic.start();
    const done = periodic.run();
    void periodic.run();
    const stopped = periodic.stop();
    await flush();
    runs[0].finish();
    await stopped;
    await done;
    expect(runs).toHaveLength(1);
    expect(periodic.started).toBe(false);
  });

  it('hands a failed run to onError and runs again when asked', async () => {
    const { job, runs } = gatedJob();
    const errors: unknown[] = [];
    const periodic = new PeriodicJob(job, { intervalMs: 60_000, onError: (err) => errors.push(err) });
    jobs.push(periodic);
    const failed = periodic.run();
    await flush();
    runs[0].fail(new Error('database gone'));
    await expect(failed).resolves.toBeUndefined();
    expect(errors).toEqual([new Error('database gone')]);
    const next = periodic.run();
    await flush();
    expect(runs).toHaveLength(2);
    runs[1].finish();
    await next;
  });
});
