import * as ort from 'onnxruntime-node';

/** What one Silero step gives a call: its frame's speech probability and its recurrent state after it. */
export interface SileroStepResult {
  probability: number;
  state: Float32Array;
}

/** What consecutive steps of one call give: each frame's probability and the state after the last. */
export interface SileroStepsResult {
  probabilities: number[];
  state: Float32Array;
}

/** One call's consecutive frames, scored one round at a time, each from the state the one before left. */
interface Job {
  inputs: readonly Float32Array[];
  next: number;
  state: Float32Array;
  probabilities: number[];
  resolve: (r: SileroStepsResult) => void;
  reject: (e: unknown) => void;
}

/** Silero v5's recurrent state per call: [2, 1, 128]. */
const STATE = 128;

export interface SileroBatcherOptions {
  /** Most frames in one run. Default 256. */
  maxBatch?: number;
  /**
   * Least time between the starts of two batches of frames, when the last batch held more than one
   * call's. Default 8 ms: calls' packets arrive spread over their 20 ms, and without it 60 calls
   * made runs of 3 frames on average, each run paying the model's fixed cost (docs/BENCHMARKS.md).
   * One call alone never waits.
   */
  minIntervalMs?: number;
}

/**
 * Runs the Silero frames of all calls that are waiting as one batch: the model takes [B, samples]
 * and a state of [2, B, 128], and one run of 60 frames costs about what 20 single runs do
 * (`npm run bench:vad`, docs/BENCHMARKS.md). Each call's rows are its own, so the probabilities
 * and states are those of single runs. Frames are gathered until the event loop has handled the
 * I/O in hand (setImmediate) and `minIntervalMs` has passed since the last batch started.
 *
 * A call whose frames queued up (its packets came in a burst after a stall) hands them over
 * together: they are scored in consecutive runs of the same batch, its second frame beside the
 * other calls' second frames, with no wait in between. Asked one frame at a time, each of them
 * waited for a batch of its own, and a call that had fallen behind its audio stayed behind.
 */
export class SileroBatcher {
  private waiting = new Map<string, { sr: ort.Tensor; jobs: Job[] }>();
  private scheduled = false;
  private lastBatchAt = -Infinity;
  /** Calls in the last batch: with one, nobody else's frames are worth waiting for. */
  private lastBatchCalls = 0;
  private readonly maxBatch: number;
  private readonly minIntervalMs: number;
  /** Frames and runs so far: how well the batching works (tests, benchmarks). */
  readonly counts = { frames: 0, runs: 0 };

  constructor(
    private readonly session: ort.InferenceSession,
    options: SileroBatcherOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 256;
    this.minIntervalMs = options.minIntervalMs ?? 8;
  }

  step(input: Float32Array, state: Float32Array, sr: ort.Tensor): Promise<SileroStepResult> {
    return this.steps([input], state, sr).then((r) => ({ probability: r.probabilities[0], state: r.state }));
  }

  /** Consecutive frames of one call (each input with the previous frame's tail in front), from `state`. */
  steps(inputs: readonly Float32Array[], state: Float32Array, sr: ort.Tensor): Promise<SileroStepsResult> {
    if (inputs.length === 0) return Promise.resolve({ probabilities: [], state });
    return new Promise((resolve, reject) => {
      // Frames of one size at one rate go together (8 and 16 kHz calls differ in both).
      const key = `${String(sr.data[0])}:${inputs[0].length}`;
      let group = this.waiting.get(key);
      if (!group) this.waiting.set(key, (group = { sr, jobs: [] }));
      group.jobs.push({ inputs, next: 0, state, probabilities: [], resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // A single call fed faster than real time (an evaluation, a test) must not wait between its own frames.
        const wait = this.lastBatchCalls > 1 ? this.lastBatchAt + this.minIntervalMs - performance.now() : 0;
        if (wait >= 1) setTimeout(() => this.flush(), wait);
        else setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    this.lastBatchAt = performance.now();
    const groups = this.waiting;
    this.waiting = new Map();
    this.lastBatchCalls = [...groups.values()].reduce((n, g) => n + g.jobs.length, 0);
    for (const { sr, jobs } of groups.values()) {
      for (let i = 0; i < jobs.length; i += this.maxBatch) void this.rounds(jobs.slice(i, i + this.maxBatch), sr);
    }
  }

  /** Runs round after round until every job's frames are scored, or the model refuses a round. */
  private async rounds(jobs: Job[], sr: ort.Tensor): Promise<void> {
    let active = jobs;
    while (active.length > 0 && (await this.run(active, sr))) active = active.filter((job) => job.next < job.inputs.length);
  }

  /** One run of the model over each job's next frame; false when the model refused it (its jobs are rejected). */
  private async run(jobs: Job[], sr: ort.Tensor): Promise<boolean> {
    const b = jobs.length;
    const width = jobs[0].inputs[jobs[0].next].length;
    const input = new Float32Array(b * width);
    const state = new Float32Array(2 * b * STATE);
    jobs.forEach((job, row) => {
      input.set(job.inputs[job.next], row * width);
      state.set(job.state.subarray(0, STATE), row * STATE);
      state.set(job.state.subarray(STATE, 2 * STATE), (b + row) * STATE);
    });
    this.counts.frames += b;
    this.counts.runs++;
    let out: ort.InferenceSession.OnnxValueMapType;
    try {
      out = await this.session.run({ input: new ort.Tensor('float32', input, [b, width]), state: new ort.Tensor('float32', state, [2, b, STATE]), sr });
    } catch (err) {
      for (const job of jobs) job.reject(err);
      return false;
    }
    const probabilities = out.output.data as Float32Array;
    const states = out.stateN.data as Float32Array;
    jobs.forEach((job, row) => {
      const next = new Float32Array(2 * STATE);
      next.set(states.subarray(row * STATE, (row + 1) * STATE), 0);
      next.set(states.subarray((b + row) * STATE, (b + row + 1) * STATE), STATE);
      job.state = next;
      job.probabilities.push(probabilities[row]);
      job.next++;
      if (job.next === job.inputs.length) job.resolve({ probabilities: job.probabilities, state: next });
    });
    return true;
  }
}
