import type { EngineFallbackEvent } from './errors.js';

/**
 * Remembers that a remote engine failed recently, so the fallback wrappers send work straight to
 * the local engine for a cool-down instead of making every utterance pay for a failed attempt
 * (a black-holed host costs a whole timeout each time). After the cool-down one attempt goes
 * through again; a success closes the circuit.
 */
export class CircuitBreaker {
  private failedAt: number | null = null;

  constructor(
    private readonly cooldownMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** True while the primary should be skipped. */
  open(): boolean {
    return this.failedAt !== null && this.now() - this.failedAt < this.cooldownMs;
  }

  sinceFailureMs(): number {
    return this.failedAt === null ? 0 : this.now() - this.failedAt;
  }

  fail(): void {
    this.failedAt = this.now();
  }

  succeed(): void {
    this.failedAt = null;
  }

  /** The fallback event both wrappers report when they skip a primary that failed recently. */
  skippedEvent(engine: EngineFallbackEvent['engine'], from: string, to: string): EngineFallbackEvent {
    return { engine, from, to, cause: 'circuit-open', message: `${from} failed ${this.sinceFailureMs()} ms ago; using ${to}` };
  }
}
