import type { ModelInput, OnnxAsrOptions } from '../asr/onnx.js';

/**
 * Messages between the event loop that paces audio and the engine workers (src/engines/pool).
 * Workers are stateless per call: every request carries what it needs (the model's input for the
 * utterance so far, the detector's recurrent state), so any worker can answer it, and the process
 * that asked can answer it itself when a worker dies or is late, with the same result.
 */

/** What a worker loads at start: the recogniser's options and/or the Silero VAD model. */
export interface WorkerInit {
  type: 'init';
  asr?: Omit<OnnxAsrOptions, 'lexicon'>;
  vad?: { modelPath: string };
}

export type AsrOp = 'partial' | 'read' | 'final';

export interface AsrRequest {
  type: 'asr';
  id: number;
  op: AsrOp;
  /**
   * The model's input for the whole utterance so far: features computed as the audio came (or
   * the waveform, for waveform models), so the worker spends nothing on the audio before the model.
   */
  input: ModelInput;
  /**
   * The stream's hotwords by id; `words` is sent the first time a worker sees the id (a whole FAQ
   * vocabulary is thousands of words, and calls of one knowledge-base version share one array).
   */
  hotwords?: { id: number; words?: readonly string[] };
}

/** Consecutive frames of one call: run in order, each from the state the one before left. */
export interface VadFrameRequest {
  rate: 8000 | 16000;
  /** Each frame with the previous frame's tail in front (sileroInput). */
  inputs: Float32Array[];
  /** The call's recurrent state before the first frame. */
  state: Float32Array;
}

/** Frames of any number of calls, answered in one reply (one message per batch, not per frame). */
export interface VadRequest {
  type: 'vad';
  id: number;
  frames: VadFrameRequest[];
}

export type WorkerRequest = WorkerInit | AsrRequest | VadRequest;

export interface AsrReading {
  text: string;
  confidence: number;
  alternatives?: string[];
}

export type WorkerReply =
  | { type: 'ready'; asr?: { name: string; sampleRate: number } }
  | { type: 'asr'; id: number; result: AsrReading | null; ms: number }
  | { type: 'vad'; id: number; results: Array<{ probabilities: number[]; state: Float32Array }> }
  | { type: 'error'; id: number | null; message: string };

/** Hotword lists a worker keeps; main mirrors the same first-in-first-out eviction per worker. */
export const HOTWORD_SLOTS = 32;
