import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { simulateTwilioCall, type CallerStep } from '../../sim/twilio-caller.js';
import type { simulatorDialerSchema } from '../types.js';
import type { DialEvent, Dialer, DialerContext, PlaceRequest } from './types.js';

type SimulatorConfig = z.infer<typeof simulatorDialerSchema>;

/**
 * Simulated callees over the real WebSocket, for demos and the benchmark: no telephony account.
 * Each contact's callee follows a script: the contact's `sim` column, else the dialer's `callees`
 * entry for its number, else the dialer's `callee` (default `answer`).
 *
 *   busy | no-answer | failed     rings for ringMs, then that outcome
 *   machine                       answers with a voicemail greeting (long uninterrupted speech)
 *   answer                        answers and listens to everything, pressing nothing
 *   answer:1,5,say=بله,-,hangup   answers; after each bot prompt does the next step:
 *                                 keys ("1", "12#") · say=<Persian text> (synthesised) ·
 *                                 "-" stays silent for that prompt · hangup
 *
 * After its steps the callee stays on the line until the bot hangs up (at most 120 s).
 * The media stream is Twilio's (`/media/twilio`) with the attempt in `customParameters`.
 */
export interface CalleeScript {
  answer: 'answer' | 'busy' | 'no-answer' | 'failed' | 'machine';
  steps: ({ keys: string } | { say: string } | { silent: true } | { hangup: true })[];
}

export function parseCalleeScript(text: string): CalleeScript {
  const t = text.trim();
  const [head, rest] = t.includes(':') ? [t.slice(0, t.indexOf(':')), t.slice(t.indexOf(':') + 1)] : [t, ''];
  const answer = (['answer', 'busy', 'no-answer', 'failed', 'machine'] as const).find((a) => a === head.trim().toLowerCase()) ?? 'answer';
  const steps: CalleeScript['steps'] = [];
  for (const raw of rest.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (raw === '-') steps.push({ silent: true });
    else if (raw.toLowerCase() === 'hangup') steps.push({ hangup: true });
    else if (raw.startsWith('say=')) steps.push({ say: raw.slice(4) });
    else steps.push({ keys: raw.replace(/[^0-9*#]/g, '') || '#' });
  }
  return { answer, steps };
}

/** A voicemail greeting: one long sentence with no pause, as machines speak (the heuristic's cue). */
const VOICEMAIL = 'با پیغام‌گیر تماس گرفته‌اید و در حال حاضر امکان پاسخگویی به تماس شما وجود ندارد لطفاً پس از شنیدن صدای بوق پیغام خود را بگذارید';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class SimulatorDialer implements Dialer {
  readonly kind = 'simulator';
  private readonly speechCache = new Map<string, Promise<Int16Array>>();
  private closed = false;
  /** Answer → first bot audio, ms, for every answered simulated call (the benchmark reads it). */
  readonly firstAudio: number[] = [];

  constructor(
    private readonly config: SimulatorConfig,
    private readonly context: DialerContext,
  ) {}

  scriptFor(request: PlaceRequest): CalleeScript {
    const text = request.contact.vars.sim ?? this.config.callees[request.to] ?? this.config.callees[request.contact.phone] ?? this.config.callee;
    return parseCalleeScript(text);
  }

  private speech(text: string): Promise<Int16Array> {
    if (!this.context.speech) return Promise.reject(new Error('the simulator has no voice for callees who speak'));
    let p = this.speechCache.get(text);
    if (!p) this.speechCache.set(text, (p = this.context.speech(text)));
    return p;
  }

  async place(request: PlaceRequest, onEvent: (event: DialEvent) => void): Promise<{ providerCallId: string | null }> {
    if (this.closed) throw new Error('simulator closed');
    const script = this.scriptFor(request);
    const callSid = `CAsim${randomUUID().replace(/-/g, '')}`;
    void this.run(request, script, callSid, onEvent).catch((err: Error) => onEvent({ kind: 'ended', outcome: 'failed', detail: `simulator: ${err.message}` }));
    return { providerCallId: callSid };
  }

  private async run(request: PlaceRequest, script: CalleeScript, callSid: string, onEvent: (event: DialEvent) => void): Promise<void> {
    await sleep(this.config.ringMs);
    if (script.answer !== 'answer' && script.answer !== 'machine') {
      onEvent({ kind: 'ended', outcome: script.answer });
      return;
    }
    const steps: CallerStep[] = [];
    let hangsUp = false;
    for (const s of script.steps) {
      if ('hangup' in s) {
        hangsUp = true;
        break;
      }
      if ('keys' in s) for (const digit of s.keys) steps.push({ kind: 'dtmf', digit });
      else if ('say' in s) steps.push({ kind: 'speech', label: s.say, pcm: await this.speech(s.say) });
      else steps.push({ kind: 'silence', ms: 9000 });
    }
    if (!hangsUp) steps.push({ kind: 'wait', until: (line) => Promise.race([line.whenClosed, sleep(120_000)]) });
    const machine = script.answer === 'machine' ? await this.speech(VOICEMAIL) : null;
    onEvent({ kind: 'answered' });
    const answeredAt = performance.now();
    const url = `${this.context.localUrl().replace(/^http/, 'ws')}/media/twilio`;
    const result = await simulateTwilioCall({
      url,
      token: this.context.mediaToken,
      from: request.to,
      callSid,
      parameters: request.params,
      steps,
      hangUpAtEnd: true,
      answerTimeoutMs: 20_000,
      onLine: machine ? (line) => void line.say(machine) : undefined,
    });
    if (result.firstAudioMs !== null) this.firstAudio.push(result.firstAudioMs);
    onEvent({ kind: 'ended', outcome: 'completed', durationSeconds: Math.round((performance.now() - answeredAt) / 1000) });
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
