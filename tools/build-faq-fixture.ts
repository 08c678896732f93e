/**
 * Builds fixtures/faq/ from the shared sample ISP FAQ: the catalogue with every example utterance
 * of train.jsonl and of our own extra-train-*.jsonl merged in (the accept threshold is tuned by cross-validation over them, see
 * tools/eval-nlu.ts), and a copy of train.jsonl so evaluations run from the repository alone.
 * With --massive, also writes background.jsonl: every sixth MASSIVE-fa training utterance (voice-
 * assistant requests: weather, music, travel…), which the matcher learns as "belongs to no FAQ".
 * Deterministic, so re-running it reproduces the committed files.
 *
 *   npx tsx tools/build-faq-fixture.ts [--src ../shared/datasets/faq-isp] [--massive ../shared/datasets/massive-fa] [--out fixtures/faq]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    src: { type: 'string', default: '../shared/datasets/faq-isp' },
    massive: { type: 'string' },
    out: { type: 'string', default: 'fixtures/faq' },
    extra: { type: 'string', multiple: true, default: ['fixtures/faq/extra-train-a.jsonl', 'fixtures/faq/extra-train-b.jsonl', 'fixtures/faq/extra-train-c.jsonl', 'fixtures/faq/extra-train-d.jsonl'] },
  },
});
const catalogue = JSON.parse(readFileSync(join(values.src!, 'catalogue.json'), 'utf8'));
const lines = readFileSync(join(values.src!, 'train.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as { text: string; intent: string });

const train = lines;
// Phrasings written by the team (from the catalogue alone) join the FAQ's examples, not train.jsonl,
// so that evaluations can still hold out the dataset's own lines.
const extra = values.extra!.flatMap((path) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { text: string; intent: string }),
);
// The keypad menu (src/dialog/menu.ts): four topics of four FAQs, «topic / option wording»; FAQs
// without one stay out of the menu (reachable by voice and by 0).
const MENU: Record<string, string> = {
  internet_outage: 'اینترنت و مودم / قطعی اینترنت',
  internet_slow: 'اینترنت و مودم / کندی اینترنت',
  modem_setup: 'اینترنت و مودم / تنظیم مودم',
  wifi_password: 'اینترنت و مودم / رمز وای‌فای',
  balance_remaining: 'بسته و قبض / حجم باقی‌مانده',
  buy_package: 'بسته و قبض / خرید یا تمدید بسته',
  pay_bill: 'بسته و قبض / پرداخت قبض',
  bill_amount: 'بسته و قبض / مبلغ قبض',
  new_subscription: 'خرید و تغییر سرویس / سرویس جدید',
  change_plan: 'خرید و تغییر سرویس / تغییر سرویس',
  relocation: 'خرید و تغییر سرویس / انتقال به آدرس جدید',
  price_list: 'خرید و تغییر سرویس / تعرفه‌ها',
  ticket_status: 'پیگیری و اطلاعات / پیگیری درخواست',
  install_appointment: 'پیگیری و اطلاعات / زمان نصب',
  working_hours: 'پیگیری و اطلاعات / ساعت کاری',
  branch_address: 'پیگیری و اطلاعات / آدرس دفتر',
};
const faqs = catalogue.faqs.map((f: Record<string, unknown>) => ({
  ...f,
  queue: f.action === 'handoff' ? (f.queue ?? (f.id === 'complaint' ? 'complaints' : f.id === 'install_appointment' ? 'technical' : 'general')) : null,
  tags: [],
  menu: MENU[f.id as string] ?? null,
  enabled: true,
  examples: [...train, ...extra].filter((l) => l.intent === f.id).map((l) => l.text),
}));
writeFileSync(join(values.out!, 'catalogue.json'), JSON.stringify({ ...catalogue, faqs }, null, 2) + '\n');
const jsonl = (rows: typeof lines) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
writeFileSync(join(values.out!, 'train.jsonl'), jsonl(train));
let backgroundLines = 0;
if (values.massive) {
  const massive = readFileSync(join(values.massive, 'train.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { utt: string; intent: string });
  const picked = massive.filter((_, i) => i % 6 === 0).map((l) => ({ text: l.utt, source: `massive-fa/train:${l.intent}` }));
  writeFileSync(join(values.out!, 'background.jsonl'), picked.map((r) => JSON.stringify(r)).join('\n') + '\n');
  backgroundLines = picked.length;
}
console.log(JSON.stringify({ faqs: faqs.length, train: train.length, extra: extra.length, background: backgroundLines }));
