import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { ulawDecode, ulawEncode, ULAW_SILENCE } from '../audio/g711.js';

/** One thing the simulated caller does, in order. PCM is 8 kHz mono. */
export type CallerStep =
  | {
      kind: 'speech';
      pcm: Int16Array;
      label: string;
      /** start speaking this long after the bot starts answering (barge-in) */
      bargeInAfterMs?: number;
      /** listen to this much of the answer, then go on (the next step, or hang up): callers often do not wait for the end */
      listenMs?: number;
    }
  | { kind: 'dtmf'; digit: string }
  | { kind: 'silence'; ms: number }
  /**
   * Stay on the line (silence sent, marks echoed) until `until` settles: for callers whose next
   * move depends on the world outside the call (an agent answering, the queue's state).
   */
  | { kind: 'wait'; until: (line: CallerLine) => Promise<unknown> };

/** What a `wait` step's driver can see and do while the caller holds the line. */
export interface CallerLine {
  readonly callSid: string;
  /** The stream is closed (by the bot, or by the caller). */
  readonly closed: boolean;
  /** Settles when the stream closes. */
  readonly whenClosed: Promise<void>;
  /** Every bot audio frame received so far, decoded (8 kHz). */
  readonly botAudio: readonly Int16Array[];
  /** Presses a key without waiting for the bot's answer. */
  pressKey(digit: string): void;
  /** Speaks (8 kHz PCM) without waiting for the bot's answer; settles once the audio is sent. */
  say(pcm: Int16Array): Promise<void>;
}

export interface SimulatedCallOptions {
  /** ws://host:port/media/twilio */
  url: string;
  token: string;
  from?: string;
  steps: CallerStep[];
  /** Give up waiting for the bot after this much silence from it. */
  answerTimeoutMs?: number;
  /** Hang up after the last step's answer instead of waiting for the bot to end the call. */
  hangUpAtEnd?: boolean;
  /** Called once the stream has started, before the greeting: what the caller hears, live. */
  onLine?: (line: CallerLine) => void;
  /** More `customParameters` on the start message (`<Parameter>`s of the TwiML), e.g. a campaign attempt. */
  parameters?: Record<string, string>;
  /** The CallSid of the call (as Twilio's REST API created it); a fresh one otherwise. */
  callSid?: string;
}

export interface StepResult {
  label: string;
  /** Caller's last audio frame sent → first bot audio frame received. */
  latencyMs: number | null;
  /** Caller's speech onset → `clear` received (barge-in steps). */
  clearAfterMs: number | null;
  botAudioMs: number;
}

export interface SimulatedCallResult {
  callSid: string;
  streamSid: string;
  greetingMs: number;
  /** Start message sent → first bot audio received (null: the bot never spoke). */
  firstAudioMs: number | null;
  steps: StepResult[];
  /** Times the caller's playout buffer ran dry for over 40 ms inside one bot utterance. */
  underruns: number;
  /** Every bot audio frame, decoded, with arrival times (for --save-audio). */
  botAudio: Int16Array[];
  closedBy: 'caller' | 'bot';
}

const FRAME = 160; // 20 ms of 8 kHz μ-law
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A caller over the real WebSocket speaking Twilio Media Streams as Twilio does: `connected`,
 * `start`, then a `media` frame every 20 ms (silence when not talking), marks echoed once the
 * audio before them has "played", `stop` at the end.
 */
export async function simulateTwilioCall(options: SimulatedCallOptions): Promise<SimulatedCallResult> {
  const callSid = options.callSid ?? `CA${randomUUID().replace(/-/g, '')}`;
  const streamSid = `MZ${randomUUID().replace(/-/g, '')}`;
  const ws = new WebSocket(options.url);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });

  let closed = false;
  let closedBy: 'caller' | 'bot' = 'caller';
  let markClosed!: () => void;
  const whenClosed = new Promise<void>((resolve) => (markClosed = resolve));
  ws.on('close', () => {
    if (!closed) closedBy = 'bot';
    closed = true;
    markClosed();
  });
  ws.on('error', () => {});

  // What the caller "hears": a playout clock over received bot audio, to echo marks in time.
  let playoutUntil = 0;
  const pendingMarks: { name: string; at: number }[] = [];
  let lastBotFrameAt = 0;
  let botFrames = 0;
  let inUtterance = false;
  let underruns = 0;
  let startSentAt = 0;
  let firstAudioMs: number | null = null;
  const botAudio: Int16Array[] = [];
  const listeners = new Set<(event: 'media' | 'clear') => void>();

  ws.on('message', (data) => {
    let msg: any;
    try {
      msg = JSON.parse(data.toString());
    } catch {
      return;
    }
    const now = performance.now();
    if (msg.event === 'media') {
      const bytes = Buffer.from(msg.media?.payload ?? '', 'base64');
      botAudio.push(ulawDecode(new Uint8Array(bytes)));
      if (firstAudioMs === null) firstAudioMs = now - startSentAt;
      // Like a real far end, the caller plays from a jitter buffer: an underrun is the buffer
      // running dry for more than 40 ms in the middle of an utterance, not a late packet.
      if (inUtterance && now - playoutUntil > 40) underruns++;
      inUtterance = true;
      lastBotFrameAt = now;
      botFrames++;
      playoutUntil = Math.max(playoutUntil, now) + (bytes.length / 8);
      for (const l of listeners) l('media');
    } else if (msg.event === 'mark') {
      pendingMarks.push({ name: msg.mark?.name, at: Math.max(playoutUntil, now) });
      inUtterance = false;
    } else if (msg.event === 'clear') {
      // Twilio returns every pending mark at once when the buffer is cleared.
      playoutUntil = now;
      for (const m of pendingMarks) m.at = now;
      inUtterance = false;
      for (const l of listeners) l('clear');
    }
  });

  const send = (obj: unknown) => {
    if (!closed && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(obj));
  };
  let seq = 1;
  let chunk = 1;
  let timestamp = 0;
  send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
  startSentAt = performance.now();
  send({
    event: 'start',
    sequenceNumber: String(seq++),
    start: {
      accountSid: 'ACsimulated',
      streamSid,
      callSid,
      tracks: ['inbound'],
      customParameters: { ...(options.parameters ?? {}), token: options.token, from: options.from ?? '+989120000000' },
      mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
    },
    streamSid,
  });

  // The 20 ms clock: always send a frame (speech when queued, else silence) and echo due marks.
  const talk: { speech: Uint8Array | null; offset: number; done: (() => void) | null } = { speech: null, offset: 0, done: null };
  const started = performance.now();
  let tick = 0;
  const clock = (async () => {
    while (!closed) {
      tick++;
      const due = started + tick * 20;
      const frame = new Uint8Array(FRAME).fill(ULAW_SILENCE);
      if (talk.speech) {
        frame.set(talk.speech.subarray(talk.offset, talk.offset + FRAME));
        talk.offset += FRAME;
        if (talk.offset >= talk.speech.length) {
          talk.speech = null;
          talk.done?.();
        }
      }
      send({ event: 'media', sequenceNumber: String(seq++), media: { track: 'inbound', chunk: String(chunk++), timestamp: String(timestamp), payload: Buffer.from(frame).toString('base64') }, streamSid });
      timestamp += 20;
      const now = performance.now();
      while (pendingMarks.length && pendingMarks[0].at <= now) {
        const mark = pendingMarks.shift()!;
        send({ event: 'mark', sequenceNumber: String(seq++), mark: { name: mark.name }, streamSid });
      }
      await sleep(Math.max(0, due - performance.now()));
    }
  })();

  const speak = (pcm: Int16Array) =>
    new Promise<void>((resolve) => {
      talk.speech = ulawEncode(pcm);
      talk.offset = 0;
      talk.done = resolve;
    });

  const waitFor = (event: 'media' | 'clear', timeoutMs: number) =>
    new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        listeners.delete(l);
        resolve(null);
      }, timeoutMs);
      const l = (e: 'media' | 'clear') => {
        if (e !== event) return;
        clearTimeout(timer);
        listeners.delete(l);
        resolve(performance.now());
      };
      listeners.add(l);
    });

  /**
   * The bot has finished an utterance: the mark that closes it has come and been echoed, and it has
   * been quiet a while. A pause in its frames alone is not the end: on a loaded machine the bot's
   * audio can stall for over a second mid-sentence, and a caller who took that for the end spoke
   * over the greeting and hung up before the answer (CI 2026-12-05, 0 turns stored).
   */
  const waitBotQuiet = async (timeoutMs: number) => {
    const deadline = performance.now() + timeoutMs;
    while (!closed && performance.now() < deadline) {
      const quiet = !inUtterance && performance.now() - lastBotFrameAt > 600 && performance.now() > playoutUntil && pendingMarks.length === 0;
      if (quiet && botFrames > 0) return;
      await sleep(20);
    }
  };

  const hangUp = () => {
    if (closed) return;
    send({ event: 'stop', sequenceNumber: String(seq++), streamSid, stop: { accountSid: 'ACsimulated', callSid } });
    closed = true;
    ws.close(1000, 'caller hung up');
  };
  const line: CallerLine = {
    callSid,
    get closed() {
      return closed;
    },
    whenClosed,
    botAudio,
    pressKey: (digit) => send({ event: 'dtmf', streamSid, sequenceNumber: String(seq++), dtmf: { track: 'inbound_track', digit } }),
    say: (pcm) => Promise.race([speak(pcm), whenClosed]),
  };

  options.onLine?.(line);

  const answerTimeout = options.answerTimeoutMs ?? 15_000;
  const greetStart = performance.now();
  await waitFor('media', answerTimeout);
  await waitBotQuiet(60_000);
  const greetingMs = performance.now() - greetStart;

  const results: StepResult[] = [];
  for (const step of options.steps) {
    if (closed) break;
    if (step.kind === 'silence') {
      await sleep(step.ms);
      continue;
    }
    if (step.kind === 'wait') {
      try {
        await step.until(line);
      } catch (err) {
        // The driver gave up: end the call rather than leave the 20 ms clock running for ever.
        hangUp();
        await clock;
        throw err;
      }
      continue;
    }
    if (step.kind === 'dtmf') {
      const framesBefore = botFrames;
      const sentAt = performance.now();
      send({ event: 'dtmf', streamSid, sequenceNumber: String(seq++), dtmf: { track: 'inbound_track', digit: step.digit } });
      const first = await waitFor('media', answerTimeout);
      results.push({ label: `dtmf:${step.digit}`, latencyMs: first ? first - sentAt : null, clearAfterMs: null, botAudioMs: 0 });
      await waitBotQuiet(60_000);
      results[results.length - 1].botAudioMs = (botFrames - framesBefore) * 20;
      continue;
    }
    const framesBefore = botFrames;
    await speak(step.pcm);
    const endedAt = performance.now();
    const first = await waitFor('media', answerTimeout);
    let clearAfterMs: number | null = null;
    if (first && step.bargeInAfterMs !== undefined) {
      await sleep(step.bargeInAfterMs);
      const onset = performance.now();
      const cleared = waitFor('clear', 3000);
      const done = speak(step.pcm);
      const clearAt = await cleared;
      clearAfterMs = clearAt ? clearAt - onset : null;
      await done;
      await waitFor('media', answerTimeout);
    }
    if (first && step.listenMs !== undefined) await sleep(step.listenMs);
    else await waitBotQuiet(60_000);
    results.push({ label: step.label, latencyMs: first ? first - endedAt : null, clearAfterMs, botAudioMs: (botFrames - framesBefore) * 20 });
  }

  if (options.hangUpAtEnd !== false) hangUp();
  await clock;
  return { callSid, streamSid, greetingMs, firstAudioMs, steps: results, underruns, botAudio, closedBy };
}
