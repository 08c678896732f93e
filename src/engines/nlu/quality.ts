import type { KbSnapshot } from '../../knowledge/types.js';
import type { KbFit } from './fit.js';

/**
 * What the ops team reads after an import (`GET /api/faqs/quality` and the import response): how
 * often the fitted model is expected to answer right at its false-accept level, the FAQ pairs it
 * confuses (with the held-out phrasings that went to the other one) and the FAQs that need more
 * phrasings. Every figure comes from the import's own held-out lines (src/engines/nlu/fit.ts);
 * each item carries a Persian sentence for the console.
 */
export interface QualityReport {
  kbVersion: number;
  threshold: number;
  spokenThreshold: number;
  /** Share of the FAQ's held-out phrasings the bot answers right at `threshold`. */
  expectedAnswerRate: number;
  /** Share of held-out requests of other businesses it accepts at `threshold`. */
  falseAcceptRate: number;
  targetFalseAccept: number;
  rankedFirst: number;
  heldOut: { inScope: number; outOfScope: number };
  summary: string;
  confusable: { faq: string; with: string; count: number; examples: string[]; questions: [string, string]; message: string }[];
  needsPhrasings: { faq: string; question: string; phrasings: number; heldOut: number; answeredRight: number; message: string }[];
  fitMs: number;
}

/** A FAQ with fewer phrasings than this is listed as needing more. */
export const FEW_PHRASINGS = 5;

const fa = (n: number) => n.toLocaleString('fa-IR');
const percent = (x: number) => `${fa(Math.round(x * 1000) / 10)}٪`;

export function qualityReport(fit: KbFit, snapshot: KbSnapshot): QualityReport {
  const faqs = new Map(snapshot.faqs.filter((f) => f.enabled).map((f) => [f.id, f]));
  const question = (id: string) => faqs.get(id)?.question ?? id;
  const confusable = fit.confusions.map((c) => ({
    faq: c.faq,
    with: c.with,
    count: c.count,
    examples: c.examples,
    questions: [question(c.faq), question(c.with)] as [string, string],
    message: `${fa(c.count)} جمله‌ی نمونه‌ی «${question(c.faq)}» به «${question(c.with)}» نسبت داده شد؛ برای هر دو جمله‌هایی بنویسید که تفاوتشان را نشان دهد.`,
  }));
  const needsPhrasings = fit.perFaq
    .map((p) => ({ p, faq: faqs.get(p.id) }))
    .filter(({ p, faq }) => faq && (faq.examples.length < FEW_PHRASINGS || (p.heldOut >= 2 && p.right / p.heldOut < 0.5)))
    .map(({ p, faq }) => ({
      faq: p.id,
      question: faq!.question,
      phrasings: faq!.examples.length,
      heldOut: p.heldOut,
      answeredRight: p.right,
      message:
        faq!.examples.length < FEW_PHRASINGS
          ? `«${faq!.question}» فقط ${fa(faq!.examples.length)} جمله‌ی نمونه دارد؛ دست‌کم ${fa(FEW_PHRASINGS)} جمله به زبان تماس‌گیرنده‌ها اضافه کنید.`
          : `از ${fa(p.heldOut)} جمله‌ی آزمایشی «${faq!.question}» فقط ${fa(p.right)} درست پاسخ گرفت؛ جمله‌های نمونه‌ی بیشتر و متنوع‌تری اضافه کنید.`,
    }))
    .sort((a, b) => a.phrasings - b.phrasings || a.answeredRight / Math.max(1, a.heldOut) - b.answeredRight / Math.max(1, b.heldOut));
  return {
    kbVersion: snapshot.version,
    threshold: fit.threshold,
    spokenThreshold: fit.spokenThreshold,
    expectedAnswerRate: fit.expectedAnswerRate,
    falseAcceptRate: fit.falseAcceptRate,
    targetFalseAccept: fit.targetFalseAccept,
    rankedFirst: fit.rankedFirst,
    heldOut: { inScope: fit.heldOutInScope, outOfScope: fit.heldOutOutOfScope },
    summary: `انتظار می‌رود ربات به ${percent(fit.expectedAnswerRate)} پرسش‌های این سوالات متداول درست پاسخ دهد و ${percent(fit.falseAcceptRate)} درخواست‌های نامربوط را به اشتباه بپذیرد (سنجیده روی ${fa(fit.heldOutInScope)} جمله‌ی کنار گذاشته و ${fa(fit.heldOutOutOfScope)} درخواست کسب‌وکارهای دیگر).`,
    confusable,
    needsPhrasings,
    fitMs: fit.ms,
  };
}
