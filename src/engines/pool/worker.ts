import type * as ort from 'onnxruntime-node';
import { SileroModel, sileroRateTensor, sileroRun } from '../../audio/vad.js';
import { OnnxCtcAsr } from '../asr/onnx.js';
import { HOTWORD_SLOTS, type AsrRequest, type VadRequest, type WorkerReply, type WorkerRequest } from './protocol.js';

/**
 * An engine worker process: the recogniser (features, acoustic model, beam search with LM fusion)
 * or the Silero VAD runs here, off the event loop that paces the calls' audio. Requests are
 * answered one at a time in the order they arrive; the pool (pool.ts) keeps the queue and decides
 * what comes first.
 */
if (!process.send) throw new Error('src/engines/pool/worker.ts runs as a forked worker process');
// The service that started this worker is gone (or dropped it): nothing is left to answer.
process.on('disconnect', () => process.exit(0));

let asr: OnnxCtcAsr | null = null;
let silero: SileroModel | null = null;
const rates = new Map<number, ort.Tensor>();
/** Hotword lists by id, evicted first-in-first-out exactly as the pool's mirror of them is. */
const hotwords = new Map<number, readonly string[]>();

const reply = (msg: WorkerReply) => process.send!(msg);

// One request at a time, in the order they came: the pool may send a few ahead (its lane's depth),
// and the one sent first must be answered first, not interleaved with the others at every await.
let chain: Promise<void> = Promise.resolve();
process.on('message', (msg: WorkerRequest) => {
  chain = chain
    .then(() => handle(msg))
    .catch((err: Error) => {
      reply({ type: 'error', id: 'id' in msg ? msg.id : null, message: err.message });
    });
});

async function handle(msg: WorkerRequest): Promise<void> {
  switch (msg.type) {
    case 'init': {
      if (msg.asr) asr = await OnnxCtcAsr.create(msg.asr);
      if (msg.vad) silero = await SileroModel.load(msg.vad.modelPath);
      reply({ type: 'ready', ...(asr ? { asr: { name: asr.name, sampleRate: asr.sampleRate } } : {}) });
      return;
    }
    case 'asr':
      return recognise(msg);
    case 'vad':
      return detect(msg);
  }
}

function hotwordsOf(req: AsrRequest): readonly string[] | undefined {
  if (!req.hotwords) return undefined;
  const { id, words } = req.hotwords;
  if (words) {
    hotwords.set(id, words);
    while (hotwords.size > HOTWORD_SLOTS) hotwords.delete(hotwords.keys().next().value!);
  }
  const known = hotwords.get(id);
  // The pool sends a list with its first use on this worker; a miss is a bug on the pool's side.
  if (!known) throw new Error(`hotword list ${id} was never sent to this worker`);
  return known;
}

async function recognise(req: AsrRequest): Promise<void> {
  if (!asr) throw new Error('this worker has no recogniser');
  const t0 = performance.now();
  const words = hotwordsOf(req);
  const res = await asr.read(req.input, words, req.op !== 'partial');
  const result = res ? { text: res.text, confidence: res.confidence, ...(res.alternatives ? { alternatives: res.alternatives } : {}) } : null;
  reply({ type: 'asr', id: req.id, result, ms: performance.now() - t0 });
}

async function detect(req: VadRequest): Promise<void> {
  if (!silero) throw new Error('this worker has no VAD model');
  const model = silero;
  // The calls' frames run side by side, so that their steps share runs of the model.
  const results = await Promise.all(
    req.frames.map((part) => {
      let sr = rates.get(part.rate);
      if (!sr) rates.set(part.rate, (sr = sileroRateTensor(part.rate)));
      return sileroRun(model, part.inputs, part.state, sr);
    }),
  );
  reply({ type: 'vad', id: req.id, results });
}
