import * as ort from 'onnxruntime-node';

/** What one Silero step gives a call: its frame's speech probability and its recurrent state after it. */
export interface SileroStepResult {
  probability: number;
  state: Float32Array;
}

interface Job {
  input: Float32Array;
  state: Float32Array;
  resolve: (r: SileroStepResult) => void;
  reject: (e: unknown) => void;
}

/** Silero v5's recurrent state per call: [2, 1, 128]. */
const STATE = 128;

/**
 * Runs the Silero frames of all calls that are waiting as one batch: the model takes [B, samples]
 * and a state of [2, B, 128], and one run of 60 frames costs about what 20 single runs do
 * (`npm run bench:vad`, docs/BENCHMARKS.md). Each call's rows are its own, so the probabilities and states are those
 * of single runs. Frames are gathered until the event loop has handled the I/O in hand
 * (setImmediate): one call alone waits for nothing, and the more the loop falls behind, the more
 * frames a run takes, which is when it matters.
 */
export class SileroBatcher {
  private waiting = new Map<string, { sr: ort.Tensor; jobs: Job[] }>();
  private scheduled = false;
  /** Frames and runs so far: how well the batching works (tests, benchmarks). */
  readonly counts = { frames: 0, runs: 0 };

  constructor(
    private readonly session: ort.InferenceSession,
    private readonly maxBatch = 256,
  ) {}

  step(input: Float32Array, state: Float32Array, sr: ort.Tensor): Promise<SileroStepResult> {
    return new Promise((resolve, reject) => {
      // Frames of one size at one rate go together (8 and 16 kHz calls differ in both).
      const key = `${String(sr.data[0])}:${input.length}`;
      let group = this.waiting.get(key);
      if (!group) this.waiting.set(key, (group = { sr, jobs: [] }));
      group.jobs.push({ input, state, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const groups = this.waiting;
    this.waiting = new Map();
    for (const { sr, jobs } of groups.values()) {
      for (let i = 0; i < jobs.length; i += this.maxBatch) void this.run(jobs.slice(i, i + this.maxBatch), sr);
    }
  }

  private async run(jobs: Job[], sr: ort.Tensor): Promise<void> {
    const b = jobs.length;
    const width = jobs[0].input.length;
    const input = new Float32Array(b * width);
    const state = new Float32Array(2 * b * STATE);
    jobs.forEach((job, row) => {
      input.set(job.input, row * width);
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
      return;
    }
    const probabilities = out.output.data as Float32Array;
    const states = out.stateN.data as Float32Array;
    jobs.forEach((job, row) => {
      const next = new Float32Array(2 * STATE);
      next.set(states.subarray(row * STATE, (row + 1) * STATE), 0);
      next.set(states.subarray((b + row) * STATE, (b + row + 1) * STATE), STATE);
      job.resolve({ probability: probabilities[row], state: next });
    });
  }
}
