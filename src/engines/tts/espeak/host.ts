import { Worker } from 'node:worker_threads';

type WorkerReply =
  | { type: 'ready'; sampleRate: number; voices: string[] }
  | { type: 'audio'; id: number; pcm: Int16Array }
  | { type: 'done'; id: number }
  | { type: 'phonemes'; id: number; text: string }
  | { type: 'error'; id: number; message: string };

interface Pending {
  push(reply: WorkerReply): void;
}

export interface EspeakSynthRequest {
  text: string;
  voice: string;
  rate: number;
  pitch: number;
  signal?: AbortSignal;
}

/**
 * The one eSpeak NG instance of the process: the WASM module and its 24 MB of voice data load once,
 * in a worker thread, and every engine (espeak synthesis, Piper phonemisation) shares it. Requests
 * are served in order; engines send one clause at a time so calls interleave fairly.
 */
export class EspeakHost {
  readonly sampleRate: number;
  readonly voices: readonly string[];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  private constructor(
    private readonly worker: Worker,
    ready: { sampleRate: number; voices: string[] },
  ) {
    this.sampleRate = ready.sampleRate;
    this.voices = ready.voices;
    worker.on('message', (reply: WorkerReply) => {
      if (reply.type === 'ready') return;
      this.pending.get(reply.id)?.push(reply);
    });
    worker.on('error', (err) => this.failAll(err));
    worker.on('exit', () => {
      this.failAll(new Error('eSpeak worker exited'));
      // A crashed worker is replaced on next use rather than failing every later call.
      if (!this.closed) shared = null;
      this.closed = true;
    });
  }

  static async start(): Promise<EspeakHost> {
    const worker = new Worker(new URL('./worker.mjs', import.meta.url));
    const ready = await new Promise<{ sampleRate: number; voices: string[] }>((resolve, reject) => {
      const onMessage = (msg: WorkerReply) => {
        if (msg.type !== 'ready') return;
        worker.off('message', onMessage);
        worker.off('error', reject);
        resolve(msg);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
    // Idle workers must not keep a CLI or test process alive.
    worker.unref();
    return new EspeakHost(worker, ready);
  }

  /** Streams the PCM blocks (native rate, ~100 ms each) eSpeak produces for `text`. */
  async *synthesize(request: EspeakSynthRequest): AsyncGenerator<Int16Array> {
    if (this.closed) throw new Error('eSpeak host is closed');
    const id = this.nextId++;
    const cancel = new SharedArrayBuffer(4);
    const queue: WorkerReply[] = [];
    let wake: (() => void) | null = null;
    this.pending.set(id, {
      push: (reply) => {
        queue.push(reply);
        wake?.();
      },
    });
    const onAbort = () => {
      Atomics.store(new Int32Array(cancel), 0, 1);
      queue.push({ type: 'done', id });
      wake?.();
    };
    if (request.signal?.aborted) return;
    request.signal?.addEventListener('abort', onAbort, { once: true });
    this.worker.ref();
    try {
      this.worker.postMessage({ type: 'synth', id, text: request.text, voice: request.voice, rate: request.rate, pitch: request.pitch, cancel });
      for (;;) {
        while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
        const reply = queue.shift()!;
        if (reply.type === 'audio') yield reply.pcm;
        else if (reply.type === 'error') throw new Error(reply.message);
        else if (reply.type === 'done') return;
      }
    } finally {
      // A consumer that stops early (barge-in) must stop eSpeak too, not let it run to the end.
      Atomics.store(new Int32Array(cancel), 0, 1);
      request.signal?.removeEventListener('abort', onAbort);
      this.pending.delete(id);
      if (this.pending.size === 0) this.worker.unref();
    }
  }

  /** IPA phonemes, clauses separated by " | ", phonemes by "_" (this eSpeak build's format). */
  phonemize(text: string, voice: string): Promise<string> {
    if (this.closed) return Promise.reject(new Error('eSpeak host is closed'));
    const id = this.nextId++;
    this.worker.ref();
    return new Promise<string>((resolve, reject) => {
      this.pending.set(id, {
        push: (reply) => {
          this.pending.delete(id);
          if (this.pending.size === 0) this.worker.unref();
          if (reply.type === 'phonemes') resolve(reply.text);
          else if (reply.type === 'error') reject(new Error(reply.message));
        },
      });
      this.worker.postMessage({ type: 'phonemize', id, text, voice });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.worker.terminate();
  }

  private failAll(err: Error) {
    for (const [id, pending] of this.pending) pending.push({ type: 'error', id, message: err.message });
  }
}

let shared: Promise<EspeakHost> | null = null;

/** Stops the process-wide host (service shutdown); the next use starts a new one. */
export async function closeSharedEspeakHost(): Promise<void> {
  const host = shared;
  shared = null;
  if (host) await (await host).close();
}

/** The process-wide host, started on first use. */
export function sharedEspeakHost(): Promise<EspeakHost> {
  if (!shared) {
    shared = EspeakHost.start();
    shared.catch(() => (shared = null));
  }
  return shared;
}
