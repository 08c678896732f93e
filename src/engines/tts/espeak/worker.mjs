// eSpeak NG (WASM, GPL-3) in a worker thread. Plain JavaScript on purpose: worker threads are
// started without the TypeScript loader under tsx and vitest, so this file must run as it is.
//
// Why a worker: eSpeak's synthesize() is synchronous. In the main thread a long answer would block
// the event loop (and the 20 ms frame pacing of every other call) for tens of milliseconds; here
// each audio block it produces is posted at once, so the first audio leaves after ~one block.
import { parentPort } from 'node:worker_threads';
import createModule from '@echogarden/espeak-ng-emscripten';

const module = await createModule();
const engine = new module.eSpeakNGWorker();
const sampleRate = engine.samplerate;
let currentVoice = '';

function readCString(ptr) {
  const heap = module.HEAPU8;
  let end = ptr;
  while (heap[end] !== 0) end++;
  return new TextDecoder().decode(heap.subarray(ptr, end));
}

function useVoice(voice) {
  if (voice === currentVoice) return;
  const language = voice.split('+')[0];
  const code = engine.set_voice(voice, language);
  if (code !== 0) throw new Error(`eSpeak NG has no voice "${voice}" (code ${code})`);
  currentVoice = voice;
}

function synth(msg) {
  useVoice(msg.voice);
  engine.rate = msg.rate;
  engine.pitch = msg.pitch;
  const cancel = new Int32Array(msg.cancel);
  engine.synthesize(msg.text, (samples) => {
    if (Atomics.load(cancel, 0) !== 0) return true; // true aborts synthesis inside eSpeak
    if (samples.length > 0) {
      const pcm = samples instanceof Int16Array ? samples : Int16Array.from(samples);
      parentPort.postMessage({ type: 'audio', id: msg.id, pcm }, [pcm.buffer]);
    }
    return false;
  });
}

function phonemize(msg) {
  useVoice(msg.voice);
  const ptr = engine.convert_to_phonemes(msg.text, true).ptr;
  // The fork separates phonemes with "_" and clauses with " | "; language switches show as "(en)".
  parentPort.postMessage({ type: 'phonemes', id: msg.id, text: readCString(ptr) });
}

parentPort.on('message', (msg) => {
  try {
    if (msg.type === 'synth') {
      synth(msg);
      parentPort.postMessage({ type: 'done', id: msg.id });
    } else if (msg.type === 'phonemize') {
      phonemize(msg);
    }
  } catch (err) {
    parentPort.postMessage({ type: 'error', id: msg.id, message: String(err?.message ?? err) });
  }
});

// Warm-up: the first synthesis after loading runs in WASM's baseline tier and takes ~10× longer
// (hundreds of ms). Paying that here, at startup, keeps it off the first caller's answer.
engine.set_voice('fa', 'fa');
currentVoice = 'fa';
engine.synthesize('سلام، به پاسخ خوش آمدید. شماره‌ی پیگیری شما یک دو سه است.', () => false);

const voices = engine.list_voices().map((v) => v.identifier);
parentPort.postMessage({ type: 'ready', sampleRate, voices });
