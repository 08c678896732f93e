import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWav } from '../src/audio/wav.js';
import { loadConfig } from '../src/config/load.js';
import { createTtsEngine } from '../src/engines/factory.js';
import { startService, type RunningService } from '../src/service.js';
import { speechFor } from '../src/sim/cli.js';
import { simulateTwilioCall, type CallerLine } from '../src/sim/twilio-caller.js';

// The keypad fallback of issue 19 as a caller meets it: the whole product on real engines (Silero
// VAD, the bundled Persian recogniser, the NLU and keypad menu of the sample FAQ, eSpeak NG,
// PGlite) behind /media/twilio, a caller on a real WebSocket. The three calls run side by side.
//
// The caller the bot cannot understand babbles: eSpeak saying syllables that are no words
// («بُبُ تُتُ …»). Unintelligible by construction: whatever the recogniser makes of them («با با
// تو …») holds no FAQ's words, so the NLU's best guess stays far below the confirmation floor
// (≤ 0.09 at every alignment tried). Questions played backwards, used before, were sometimes read
// as an FAQ at 0.59 and confirmed instead of failing. Syllables with «گ» or «م» are avoided: they
// come out as «گیگ» (a data-balance question) and «ممنون» (goodbye).
//
// Every step waits for the bot's answer to the one before as the service records it (a turn is
// stored when its reply starts sounding), never for a stretch of quiet: on a loaded machine a
// prompt can pause mid-way while its next clause is synthesised. The next step then comes while
// the reply is still playing, as a caller who knows what they want does: speech and keys barge in.
const ADMIN = 'menu-e2e-admin-key-0123456789';
const TOKEN = 'menu-e2e-media-token-0123456789';
let service: RunningService;
let outage: Int16Array;
let babble: Int16Array;

beforeAll(async () => {
  const config = loadConfig({}, {
    port: 0,
    host: '127.0.0.1',
    dataDir: mkdtempSync(join(tmpdir(), 'pasokh-menu-')),
    logLevel: 'silent',
    security: { adminKeys: [ADMIN], mediaTokens: [TOKEN] },
    // A brisk bot voice keeps the calls short; what is said is the same.
    tts: { rate: 320, timeoutMs: 20_000 },
    // Engine deadlines and network jitter are not what this test is about, and the machine it runs
    // on is shared: a recognition or a first chunk of voice that is slow there must not become an
    // engine-error turn, nor caller frames hundreds of ms late a pause that ends the turn.
    asr: { timeoutMs: 20_000 },
    telephony: { mediaGapMs: 450 },
  });
  service = await startService(config);
  outage = (await readWav('fixtures/audio/outage.wav')).pcm;
  const tts = await createTtsEngine(config);
  babble = await speechFor(tts, 'بُبُ تُتُ بُبُ تُتُ دُدُ بُبُ');
  await tts.close();
}, 300_000);

afterAll(async () => {
  await service?.stop();
});

interface Turn { seq: number; input: string; heardText: string | null; intent: string | null; action: string; botText: string | null }
interface Stored { handoffReason: string | null; turns: Turn[]; events: { type: string; data: Record<string, unknown> }[] }

/** What the service stored for the call, once it has `turns` turns (the call may still be going on). */
async function stored(callId: string, turns: number, timeoutMs = 60_000): Promise<Stored> {
  const deadline = Date.now() + timeoutMs;
  let last: Stored | null = null;
  while (Date.now() < deadline) {
    const res = await fetch(`${service.url}/api/calls/${callId}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    if (res.ok) {
      last = (await res.json()) as Stored;
      if (last.turns.length >= turns) return { ...last, turns: [...last.turns].sort((a, b) => a.seq - b.seq) };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`call ${callId}: ${last?.turns.length ?? 0} turns stored, waited for ${turns}: ${JSON.stringify(last?.turns.map((t) => [t.action, t.input, t.heardText, t.intent]))} ${JSON.stringify(last?.events.map((e) => [e.type, e.data]))}`);
}

/** The caller babbles twice, each time once the bot has answered what came before: two failures. */
async function twoFailures(line: CallerLine): Promise<void> {
  for (const turns of [2, 3]) {
    await line.say(babble);
    await stored(line.callSid, turns);
  }
}

/** More of the bot's reply has reached the caller's ear than the `frames` heard so far. */
async function hearing(line: CallerLine, frames: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (line.botAudio.length <= frames) {
    if (Date.now() > deadline || line.closed) throw new Error(`no bot audio after frame ${frames}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const call = (driver: (line: CallerLine) => Promise<void>) =>
  simulateTwilioCall({ url: `${service.url.replace('http', 'ws')}/media/twilio`, token: TOKEN, steps: [{ kind: 'wait', until: driver }], answerTimeoutMs: 60_000 });

describe('a caller the recogniser cannot read, on a real call', () => {
  it('gets the keypad menu after two failures and an answer by digits; 0 from the menu reaches a human; a request spoken over the menu is understood from its first word', async () => {
    const [byKeys, toHuman, bySpeech] = await Promise.all([
      // Two failures → menu → 1 (internet) → 1 (outage) → the answer.
      call(async (line) => {
        await twoFailures(line);
        line.pressKey('1');
        await stored(line.callSid, 4);
        line.pressKey('1');
        await stored(line.callSid, 5);
      }),
      // Two failures → menu → 0 → a human.
      call(async (line) => {
        await twoFailures(line);
        line.pressKey('0');
        await stored(line.callSid, 4);
      }),
      // Two failures → menu; the caller hears it begin, then says the question instead of a key.
      call(async (line) => {
        await twoFailures(line);
        await hearing(line, line.botAudio.length);
        await line.say(outage);
        await stored(line.callSid, 4);
      }),
    ]);

    const a = await stored(byKeys.callSid, 5);
    expect(a.turns.map((t) => t.action), JSON.stringify(a.turns)).toEqual(['greeting', 'reprompt', 'menu', 'menu', 'answer']);
    expect(a.turns.slice(1, 3).map((t) => t.input)).toEqual(['speech', 'speech']);
    expect(a.turns[4]).toMatchObject({ input: 'dtmf', intent: 'internet_outage' });
    expect(a.turns[4].botText).toContain('مودم');
    expect(a.turns[2].botText).toContain('کلید صفر');
    expect(a.events.filter((e) => e.type.startsWith('menu.')).map((e) => [e.type, e.data])).toEqual([
      ['menu.offered', { reason: 'failures' }],
      ['menu.selected', { path: [0], topic: 'اینترنت و مودم' }],
      ['menu.selected', { path: [0, 0], faqId: 'internet_outage' }],
    ]);
    // Heard with low confidence or not, the babble was never taken for an FAQ.
    expect(a.turns.slice(1, 3).map((t) => t.intent)).toEqual([null, null]);
    for (const e of a.events.filter((e) => e.type === 'asr.low-confidence')) expect(e.data).toMatchObject({ outcome: 'failure' });

    const b = await stored(toHuman.callSid, 4);
    expect(b.turns.map((t) => t.action).slice(0, 4), JSON.stringify(b.turns)).toEqual(['greeting', 'reprompt', 'menu', 'handoff']);
    expect(b.handoffReason).toBe('dtmf-0');

    const c = await stored(bySpeech.callSid, 4);
    expect(c.turns.map((t) => t.action), JSON.stringify(c.turns)).toEqual(['greeting', 'reprompt', 'menu', 'answer']);
    expect(c.turns[3]).toMatchObject({ input: 'speech', intent: 'internet_outage' });
    expect(c.turns[3].heardText).toMatch(/^اینترنتم قطع شده/);
    // The question came over the menu and stopped it.
    const types = c.events.map((e) => e.type);
    expect(types.lastIndexOf('barge-in')).toBeGreaterThan(types.indexOf('menu.offered'));
  }, 300_000);
});
