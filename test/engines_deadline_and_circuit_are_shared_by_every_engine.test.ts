import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CircuitBreaker } from '../src/engines/circuit.js';
import { engineDeadline, finalizeRefusal, nextWithin, noFinalResult, withDeadline } from '../src/engines/deadline.js';
import { EngineError, EngineTimeoutError } from '../src/engines/errors.js';

describe('engine deadline', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('rejects with the given error once the time is up, not a moment before', async () => {
    const never = new Promise<string>(() => {});
    const result = withDeadline(never, 500, () => new Error('late')).catch((e: Error) => e.message);
    await vi.advanceTimersByTimeAsync(499);
    let settled = false;
    void result.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await result).toBe('late');
  });

  it('passes the value or the rejection through and leaves no timer behind', async () => {
    await expect(withDeadline(Promise.resolve(7), 500, () => new Error('late'))).resolves.toBe(7);
    await expect(withDeadline(Promise.reject(new Error('boom')), 500, () => new Error('late'))).rejects.toThrow('boom');
    expect(vi.getTimerCount()).toBe(0);
  });

  it("engineDeadline fails with the engine's EngineTimeoutError, as the dialog's waits expect", async () => {
    const late = engineDeadline(new Promise(() => {}), 250, 'tts').catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(250);
    const err = (await late) as EngineTimeoutError;
    expect(err).toBeInstanceOf(EngineTimeoutError);
    expect(err.engine).toBe('tts');
    expect(err.timeoutMs).toBe(250);
  });

  it("nextWithin bounds one step of a stream: the next chunk, not the whole stream", async () => {
    async function* slowSecond() {
      yield 1;
      await new Promise((r) => setTimeout(r, 1_000));
      yield 2;
    }
    const it = slowSecond();
    await expect(nextWithin(it, 100, () => new Error('stalled'))).resolves.toEqual({ value: 1, done: false });
    const second = nextWithin(it, 100, () => new Error('stalled')).catch((e: Error) => e.message);
    await vi.advanceTimersByTimeAsync(100);
    expect(await second).toBe('stalled');
  });

  it('finalize is refused the same way by every ASR stream', () => {
    const failure = new EngineError('vosk', 'socket closed');
    expect(finalizeRefusal('vosk', { failure, cancelled: true, finalizing: true })).toBe(failure);
    expect(finalizeRefusal('vosk', { cancelled: true, finalizing: false })?.message).toBe('utterance was cancelled');
    expect(finalizeRefusal('vosk', { cancelled: false, finalizing: true })?.message).toBe('finalize called twice');
    expect(finalizeRefusal('vosk', { failure: null, cancelled: false, finalizing: false })).toBeNull();
    expect(noFinalResult('grpc-asr', 800).message).toBe('grpc-asr gave no final result within 800 ms');
  });
});

describe('circuit breaker', () => {
  it('skips the primary for the cool-down after a failure, then lets one attempt through', () => {
    let now = 1_000;
    const breaker = new CircuitBreaker(10_000, () => now);
    expect(breaker.open()).toBe(false);
    breaker.fail();
    now += 9_999;
    expect(breaker.open()).toBe(true);
    expect(breaker.sinceFailureMs()).toBe(9_999);
    now += 1;
    expect(breaker.open()).toBe(false);
    breaker.succeed();
    breaker.fail();
    expect(breaker.open()).toBe(true);
  });
});
