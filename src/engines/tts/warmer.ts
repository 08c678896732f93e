import type { Logger } from '../../logger.js';

export interface WarmerOptions {
  /**
   * Makes `text` ready to play; resolves true when it had to synthesise, false when the audio was
   * already there. A rejection counts as a warm error and the queue goes on.
   */
  warmOne(text: string): Promise<boolean>;
  logger?: Pick<Logger, 'warn'>;
}

/**
 * The background queue that synthesises answers before any caller asks for them. One text at a
 * time, yielding to the event loop between texts, so call-time synthesis is never starved.
 */
export class Warmer {
  private readonly queue: { text: string; done: () => void }[] = [];
  private running: Promise<void> | null = null;
  private closed = false;
  warmed = 0;
  errors = 0;

  constructor(private readonly options: WarmerOptions) {}

  /** Queues `texts` (blank and already queued ones skipped); settles when they are done (no need to await it). */
  warm(texts: Iterable<string>): Promise<void> {
    const waits: Promise<void>[] = [];
    const seen = new Set(this.queue.map((j) => j.text));
    for (const text of texts) {
      if (!text.trim() || seen.has(text) || this.closed) continue;
      seen.add(text);
      waits.push(new Promise<void>((done) => this.queue.push({ text, done })));
    }
    if (!this.running && this.queue.length > 0) this.running = this.run();
    return Promise.all(waits).then(() => undefined);
  }

  /** Texts queued or being synthesised now. */
  get pending(): number {
    return this.queue.length + (this.running ? 1 : 0);
  }

  /** Resolves when the queue is empty. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Drops what is queued (its promises settle) and waits for the text in progress. */
  async close(): Promise<void> {
    this.closed = true;
    this.queue.splice(0).forEach((j) => j.done());
    await this.running;
  }

  private async run(): Promise<void> {
    while (this.queue.length > 0 && !this.closed) {
      const job = this.queue.shift()!;
      try {
        if (await this.options.warmOne(job.text)) this.warmed++;
      } catch (err) {
        this.errors++;
        this.options.logger?.warn({ err, text: job.text.slice(0, 80) }, 'tts cache: warming failed');
      } finally {
        job.done();
      }
      // Let call-time work run between answers.
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.running = null;
  }
}
