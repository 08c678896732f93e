import { describe, expect, it } from 'vitest';
import { interpret, runCampaignFlow, type FlowContext } from '../src/campaigns/flow.js';
import { createCampaignSchema, type Campaign, type Contact } from '../src/campaigns/types.js';
import type { CallerReply, CallIO } from '../src/dialog/types.js';
import { parseSlots } from '../src/engines/nlu/slots.js';
import { detectSystemIntent } from '../src/engines/nlu/system.js';

/** The callee, as the flow sees it through CallIO: each prompt gets the next scripted reply. */
type Step = { keys: string } | { say: string; ms?: number } | 'silence' | 'hangup';

class ScriptedCallee implements CallIO {
  readonly callId = 'call-test';
  readonly callerNumber = '+989121234567';
  readonly asked: string[] = [];
  readonly said: string[] = [];
  readonly notes: { type: string; data?: Record<string, unknown> }[] = [];
  ended = false;
  constructor(private readonly steps: Step[]) {}
  async say(text: string) {
    this.said.push(text);
    return 'played' as const;
  }
  async ask(text: string): Promise<CallerReply> {
    this.asked.push(text);
    const step = this.steps.shift() ?? 'hangup';
    if (step === 'hangup') {
      this.ended = true;
      return { kind: 'hangup' };
    }
    if (step === 'silence') return { kind: 'no-input' };
    if ('keys' in step) return { kind: 'dtmf', digits: step.keys };
    // What the session's NLU gives a flow: slots and system intents of the heard text.
    const nlu = { intent: null, confidence: 0, action: null, answer: null, queue: null, alternatives: [], slots: parseSlots(step.say), system: detectSystemIntent(step.say), kbVersion: 1 };
    return { kind: 'speech', text: step.say, nlu, speechMs: step.ms ?? 800 };
  }
  note(type: string, data?: Record<string, unknown>) {
    this.notes.push({ type, data });
  }
}

function campaign(body: Record<string, unknown>): Campaign {
  const input = createCampaignSchema.parse({ name: 'test', dialer: { kind: 'simulator' }, ...body });
  return {
    id: 'cmp_test',
    name: input.name,
    kind: input.kind,
    status: 'running',
    script: input.script,
    dialer: input.dialer,
    schedule: input.schedule,
    pacing: input.pacing,
    retry: input.retry,
    options: { machineDetection: input.machineDetection, queue: input.queue },
    createdAt: new Date(),
    updatedAt: new Date(),
    startedAt: new Date(),
    finishedAt: null,
  };
}

const contact: Contact = { id: 1, campaignId: 'cmp_test', phone: '+989121234567', name: 'سارا', vars: { amount: '1,250,000', due_date: '1405/10/01' }, status: 'dialing', attempts: 1, finalOutcome: null, confirmed: null, answers: null };

function ctx(c: Campaign, optedOut: string[] = []): FlowContext {
  return { campaign: c, contact, companyName: 'نت‌آسا', now: new Date('2026-12-05T05:00:00Z'), queue: 'billing', optOut: async () => void optedOut.push(contact.phone) };
}

const bill = { kind: 'notify', script: { message: 'قبض شما به مبلغ {amount} تومان تا {due_date} مهلت پرداخت دارد.' } };

describe('a notification call', () => {
  it('greets the callee by name, says amounts and dates in Persian words, and ends confirmed on the confirm key', async () => {
    const io = new ScriptedCallee([{ keys: '1' }]);
    const result = await runCampaignFlow(io, ctx(campaign(bill)));
    expect(result).toEqual({ outcome: 'completed', confirmed: true });
    expect(io.asked[0]).toMatch(/^سارا عزیز، صبح بخیر\. از نت‌آسا تماس می‌گیرم\./);
    expect(io.asked[0]).toContain('یک میلیون و دویست و پنجاه هزار تومان');
    expect(io.asked[0]).toContain('یکم دی هزار و چهارصد و پنج');
    expect(io.asked[0]).toContain('کلید ۱');
    expect(io.said[0]).toMatch(/سپاسگزاریم/);
  });

  it('repeats the message on the repeat key and takes «بله» as confirmation', async () => {
    const io = new ScriptedCallee([{ keys: '2' }, { say: 'بله' }]);
    expect(await runCampaignFlow(io, ctx(campaign(bill)))).toEqual({ outcome: 'completed', confirmed: true });
    expect(io.asked[1]).toContain('یک میلیون');
    expect(io.asked[1]).not.toContain('صبح بخیر');
  });

  it('puts the number on the do-not-call list on the opt-out key', async () => {
    const optedOut: string[] = [];
    const io = new ScriptedCallee([{ keys: '9' }]);
    expect(await runCampaignFlow(io, ctx(campaign(bill), optedOut))).toMatchObject({ outcome: 'opted-out' });
    expect(optedOut).toEqual(['+989121234567']);
    expect(io.said[0]).toContain('دیگر با شما تماس نمی‌گیریم');
  });

  it('offers a person: the agent key or «اپراتور» hands the callee to the campaign queue', async () => {
    expect(await runCampaignFlow(new ScriptedCallee([{ keys: '0' }]), ctx(campaign(bill)))).toMatchObject({ outcome: 'handoff', handoffQueue: 'billing' });
    expect(await runCampaignFlow(new ScriptedCallee([{ say: 'می‌خوام با اپراتور صحبت کنم' }]), ctx(campaign(bill)))).toMatchObject({ outcome: 'handoff' });
  });

  it('asks once more after silence, then ends unconfirmed', async () => {
    const io = new ScriptedCallee(['silence', 'silence']);
    expect(await runCampaignFlow(io, ctx(campaign(bill)))).toEqual({ outcome: 'unconfirmed', confirmed: false });
    expect(io.asked).toHaveLength(2);
    expect(io.asked[1]).toMatch(/^صدایی نشنیدم/);
  });

  it('hears «الو؟» over the greeting as a human, not an answer, and says it all again', async () => {
    const io = new ScriptedCallee([{ say: 'الو', ms: 600 }, { keys: '1' }]);
    expect(await runCampaignFlow(io, ctx(campaign(bill)))).toMatchObject({ confirmed: true });
    expect(io.asked[1]).toContain('سارا عزیز');
  });

  it('treats long uninterrupted speech at the start as an answering machine: hangs up to retry when the policy retries machines', async () => {
    const io = new ScriptedCallee([{ say: 'سلام با پیغامگیر تماس گرفته اید لطفا پیغام بگذارید', ms: 5200 }]);
    const result = await runCampaignFlow(io, ctx(campaign({ ...bill, retry: { on: ['machine', 'no-answer'] } })));
    expect(result).toEqual({ outcome: 'machine' });
    expect(io.said).toHaveLength(0);
  });

  it('leaves the message on the last attempt the policy allows', async () => {
    const io = new ScriptedCallee([{ say: 'پیغامگیر', ms: 4000 }]);
    const retried = campaign({ ...bill, retry: { on: ['machine'], maxAttempts: 2 } });
    expect(await runCampaignFlow(io, { ...ctx(retried), lastAttempt: true })).toEqual({ outcome: 'machine' });
    expect(io.said[0]).toContain('یک میلیون');
  });

  it('leaves the message on the machine when machines are not retried', async () => {
    const io = new ScriptedCallee([{ say: 'پیغامگیر', ms: 4000 }]);
    expect(await runCampaignFlow(io, ctx(campaign({ ...bill, retry: { on: ['no-answer'] } })))).toEqual({ outcome: 'machine' });
    expect(io.said[0]).toContain('یک میلیون');
  });
});

const survey = {
  kind: 'survey',
  script: {
    intro: 'دو پرسش کوتاه داریم.',
    questions: [
      { id: 'satisfied', type: 'yesno', prompt: 'آیا از سرویس راضی هستید؟', next: { no: 'why' } },
      { id: 'score', type: 'scale', prompt: 'از یک تا پنج چه امتیازی می‌دهید؟', min: 1, max: 5 },
      { id: 'why', type: 'choice', prompt: 'مشکل اصلی چه بود؟', options: { '1': 'سرعت', '2': 'قطعی', '3': 'پشتیبانی' }, next: { سرعت: 'end' } },
      { id: 'months', type: 'number', prompt: 'چند ماه است مشترک ما هستید؟', min: 0, max: 600 },
    ],
    outro: 'سپاس از پاسخ‌های شما.',
  },
};

describe('a survey call', () => {
  it('takes answers by keypad and by voice, follows the branches, and records how each answer came', async () => {
    const io = new ScriptedCallee([{ say: 'بله' }, { say: 'چهار' }, { keys: '2' }, { keys: '36#' }]);
    const result = await runCampaignFlow(io, ctx(campaign(survey)));
    expect(result).toEqual({
      outcome: 'completed',
      answers: {
        satisfied: { value: 'yes', via: 'speech', heard: 'بله' },
        score: { value: 4, via: 'speech', heard: 'چهار' },
        why: { value: 'قطعی', via: 'dtmf' },
        months: { value: 36, via: 'dtmf' },
      },
    });
    expect(io.asked[0]).toMatch(/سارا عزیز.*دو پرسش کوتاه داریم\. آیا از سرویس راضی هستید؟/);
    expect(io.said).toEqual(['سپاس از پاسخ‌های شما.']);
  });

  it('jumps where `next` says: «خیر» skips the score, «سرعت» ends the survey', async () => {
    const io = new ScriptedCallee([{ keys: '2' }, { say: 'سرعتش خیلی کمه' }]);
    const result = await runCampaignFlow(io, ctx(campaign(survey)));
    expect(result.answers).toEqual({ satisfied: { value: 'no', via: 'dtmf' }, why: { value: 'سرعت', via: 'speech', heard: 'سرعتش خیلی کمه' } });
  });

  it('asks a question not answered once more, then skips it and records it as skipped', async () => {
    const io = new ScriptedCallee(['silence', { keys: '7' }, { keys: '5' }, 'silence', 'silence', { keys: '12' }]);
    const result = await runCampaignFlow(io, ctx(campaign(survey)));
    expect(result.answers).toMatchObject({ satisfied: { value: null, via: null, skipped: true }, score: { value: 5 }, why: { skipped: true }, months: { value: 12 } });
    expect(io.asked[1]).toMatch(/^صدایی نشنیدم/);
  });

  it('keeps the answers given when the callee hangs up midway', async () => {
    const result = await runCampaignFlow(new ScriptedCallee([{ keys: '1' }, 'hangup']), ctx(campaign(survey)));
    expect(result).toEqual({ outcome: 'partial', answers: { satisfied: { value: 'yes', via: 'dtmf' } } });
  });

  it('reads spoken numbers, choices and yes/no where the question type allows them', () => {
    const scale = createCampaignSchema.parse({ name: 'x', dialer: { kind: 'simulator' }, ...survey }).script;
    const qs = (scale as { questions: Parameters<typeof interpret>[0][] }).questions;
    const speech = (text: string): CallerReply => ({ kind: 'speech', text, nlu: { intent: null, confidence: 0, action: null, answer: null, queue: null, alternatives: [], slots: parseSlots(text), system: detectSystemIntent(text), kbVersion: 1 } });
    expect(interpret(qs[1], speech('پنج'))).toMatchObject({ value: 5 });
    expect(interpret(qs[1], speech('هشت'))).toBeNull(); // outside 1–5
    expect(interpret(qs[0], speech('نه'))).toMatchObject({ value: 'no' });
    expect(interpret(qs[2], speech('گزینه سه'))).toMatchObject({ value: 'پشتیبانی' });
    expect(interpret(qs[3], speech('بیست و چهار ماه'))).toMatchObject({ value: 24 });
  });
});
