import { parentPort } from 'node:worker_threads';
import { pauseMelody } from './prosody.js';
import type { MelodyReply, MelodyRequest } from './melody-reader.js';

/** The melody thread: one reading per message, in order (melody-reader.ts). */
if (!parentPort) throw new Error('src/dialog/melody-thread.ts runs as a worker thread');
const port = parentPort;
port.on('message', (req: MelodyRequest) => {
  let reply: MelodyReply;
  try {
    reply = { id: req.id, melody: pauseMelody(req.pcm, req.sampleRate) };
  } catch (err) {
    reply = { id: req.id, error: (err as Error).message };
  }
  port.postMessage(reply);
});
port.postMessage({ id: 0, melody: null } satisfies MelodyReply);
