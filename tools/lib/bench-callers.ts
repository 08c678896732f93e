import { simulateTwilioCall, type CallerStep } from '../../src/sim/twilio-caller.js';

/** What `bench:calls` asks of its simulated callers. */
export interface CallersPlan {
  /** ws://host:port/media/twilio */
  url: string;
  token: string;
  /** 8 kHz PCM of each question, and its text. */
  speech: Int16Array[];
  labels: string[];
  concurrency: number;
  totalCalls: number;
}

export interface CallersOutcome {
  latencies: number[];
  clears: number[];
  underruns: number;
  /** Sum of the calls' durations, for CPU per call-minute. */
  callSeconds: number;
  failed: number;
  errors: string[];
}

/** Call `i`'s script: the questions in turn; every fourth caller talks over the bot's answer a second after it starts (barge-in). */
export function callerScript(i: number, speech: readonly Int16Array[], labels: readonly string[]): CallerStep[] {
  const q = i % speech.length;
  return [{ kind: 'speech', pcm: speech[q], label: labels[q], ...(i % 4 === 3 ? { bargeInAfterMs: 1000 } : {}) }];
}

/** Runs `totalCalls` scripted Twilio calls (`callerScript`), `concurrency` at a time. */
export async function runCallers(plan: CallersPlan): Promise<CallersOutcome> {
  const outcome: CallersOutcome = { latencies: [], clears: [], underruns: 0, callSeconds: 0, failed: 0, errors: [] };
  let next = 0;
  const line = async () => {
    while (next < plan.totalCalls) {
      const i = next++;
      const steps = callerScript(i, plan.speech, plan.labels);
      const started = performance.now();
      try {
        const result = await simulateTwilioCall({ url: plan.url, token: plan.token, steps });
        for (const s of result.steps) {
          if (s.latencyMs !== null) outcome.latencies.push(s.latencyMs);
          if (s.clearAfterMs !== null) outcome.clears.push(s.clearAfterMs);
        }
        outcome.underruns += result.underruns;
      } catch (err) {
        outcome.failed++;
        outcome.errors.push(`call ${i} failed: ${(err as Error).message}`);
      }
      outcome.callSeconds += (performance.now() - started) / 1000;
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, line));
  return outcome;
}
