import { describe, expect, it } from 'vitest';
import { backgroundBeside } from '../src/engines/nlu/background.js';
import { loadBackgroundLines } from '../src/engines/nlu/calibration.js';
import { createNluEngine, trainingExamples } from '../src/engines/nlu/engine.js';
import type { Faq } from '../src/knowledge/types.js';

// A smart-home vendor's support line, written for this test: its FAQs are about the very requests
// the shipped background holds as "other businesses'" (lights, alarms), and nothing about weather.
const faq = (id: string, question: string, answer: string, examples: string[] = []): Faq => ({
  id,
  question,
  answer,
  examples,
  action: 'answer',
  queue: null,
  tags: [],
  enabled: true,
});
const SMART_HOME = [
  faq('lights_off', 'چطور لامپ‌ها را با اپلیکیشن خاموش کنم؟', 'در اپلیکیشن روی اتاق بزنید و کلید لامپ را خاموش کنید؛ با فرمان صوتی «لامپ را خاموش کن» هم خاموش می‌شود.'),
  faq('lights_on', 'لامپ هوشمند روشن نمی‌شود', 'اگر لامپ روشن نمی‌شود آن را ده ثانیه از برق بکشید و دوباره وصل کنید تا به وای‌فای خانه وصل شود.'),
  faq('alarm', 'چطور زنگ هشدار تنظیم کنم؟', 'در اپلیکیشن بخش هشدار را باز کنید، ساعت را انتخاب کنید و ذخیره بزنید؛ دستیار صوتی هم زنگ هشدار می‌گذارد.'),
  faq('warranty', 'گارانتی دستگاه‌ها چند ساله است؟', 'همه‌ی دستگاه‌ها دو سال گارانتی تعویض دارند؛ برای استفاده، شماره سریال را در سایت ثبت کنید.'),
];

// What the engine trains on for FAQs without phrasings: the question and the answer.
const linesOf = (faqs: Faq[]) => [...trainingExamples(faqs), ...faqs.map((f) => ({ intent: f.id, text: f.answer }))];

describe('the background of other businesses leaves out what the upload covers', () => {
  const background = loadBackgroundLines();

  it('leaves out the shipped topics a smart-home FAQ covers, and keeps the rest', () => {
    const choice = backgroundBeside(linesOf(SMART_HOME), background);
    expect(choice.leftOutTopics).toContain('massive-fa/train:iot_hue_lightoff');
    expect(choice.leftOutTopics).toContain('massive-fa/train:alarm_set');
    expect(choice.leftOutTopics).not.toContain('massive-fa/train:weather_query');
    expect(choice.leftOutTopics).not.toContain('massive-fa/train:play_music');
    // The hand-written near misses of an ISP are nothing a smart-home FAQ says: all kept.
    const handWritten = background.filter((l) => l.topic === null).map((l) => l.text);
    const kept = new Set(choice.lines);
    expect(handWritten.filter((t) => !kept.has(t)).length).toBeLessThan(handWritten.length * 0.02);
  });

  it('leaves out almost nothing for the ISP FAQ it was written beside', () => {
    const isp = [
      faq('internet_outage', 'اینترنتم قطع شده چه کار کنم؟', 'مودم را خاموش و روشن کنید؛ اگر چراغ اینترنت قرمز است با پشتیبانی تماس بگیرید.'),
      faq('bill_payment', 'قبض اینترنت را چطور پرداخت کنم؟', 'قبض را از سایت یا اپلیکیشن با کارت بانکی پرداخت کنید.'),
    ];
    const choice = backgroundBeside(linesOf(isp), background);
    expect(choice.leftOutLines).toBeLessThan(background.length * 0.05);
  });

  it('answers a smart-home caller the background would otherwise call another business', () => {
    const engine = createNluEngine({ version: 1, faqs: SMART_HOME });
    // The same background as plain lines, without their topics: nothing can be left out.
    const unchosen = createNluEngine({ version: 1, faqs: SMART_HOME }, { background: background.map((l) => l.text) });
    for (const [text, intent] of [
      ['لامپ اتاق خواب رو خاموش کن', 'lights_off'],
      ['برای ساعت شش صبح زنگ هشدار بذار', 'alarm'],
    ] as const) {
      const r = engine.parse(text);
      expect(r.alternatives[0]?.intent, text).toBe(intent);
      const before = unchosen.parse(text);
      expect(before.intent, text).toBeNull();
      expect(r.alternatives[0].confidence, text).toBeGreaterThan(before.alternatives[0].confidence);
    }
    expect(engine.parse('لامپ اتاق خواب رو خاموش کن').intent).toBe('lights_off');
    // Another business's request stays refused.
    expect(engine.parse('هوای فردای تهران چطوره').intent).toBeNull();
  });
});
