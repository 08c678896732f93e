import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildMenu, menuPrompt, type Menu, type MenuOption } from '../src/dialog/menu.js';
import { parseUpload } from '../src/knowledge/parse.js';
import { validateFaqs } from '../src/knowledge/validate.js';
import type { Faq } from '../src/knowledge/types.js';

const faq = (id: string, over: Partial<Faq> = {}): Faq => ({
  id, question: `پرسش ${id}؟`, answer: `پاسخ ${id}`, action: 'answer', queue: null, examples: [], tags: [], menu: null, enabled: true, ...over,
});
const leaves = (menu: Menu): MenuOption[] => menu.options.flatMap((o) => (o.options ? o.options : [o]));
const catalogue = (JSON.parse(readFileSync('fixtures/faq/catalogue.json', 'utf8')) as { faqs: Faq[] }).faqs;

describe('the keypad menu built from the FAQ', () => {
  it('takes topics and wording from the menu column: at most four topics of at most four options, two levels', () => {
    const menu = buildMenu(catalogue)!;
    expect(menu.options.map((o) => o.label)).toEqual(['اینترنت و مودم', 'بسته و قبض', 'خرید و تغییر سرویس', 'پیگیری و اطلاعات']);
    for (const topic of menu.options) {
      expect(topic.options!.length).toBeLessThanOrEqual(4);
      for (const option of topic.options!) expect(option.options).toBeUndefined();
    }
    expect(menu.options[0].options![0]).toEqual({ label: 'قطعی اینترنت', faqId: 'internet_outage' });
    // FAQs the ops team left without a topic are reachable by voice and by 0, not by the menu.
    expect(leaves(menu).map((o) => o.faqId)).not.toContain('static_ip');
  });

  it('uses the first tag as the topic and the question as the wording when the column is empty, and «-» leaves an FAQ out', () => {
    const menu = buildMenu([
      faq('a', { tags: ['اینترنت'], question: 'اینترنتم قطع است، چه کنم؟' }),
      faq('b', { tags: ['اینترنت'] }),
      faq('c', { tags: ['قبض'], menu: '-' }),
      faq('d', { tags: ['قبض'] }),
      faq('e', { tags: ['فروش'] }),
      faq('f', { tags: ['فروش'] }),
      faq('bye', { action: 'end', tags: ['خداحافظی'] }),
    ])!;
    expect(menu.options.map((o) => o.label)).toEqual(['اینترنت', 'قبض', 'فروش']);
    expect(menu.options[0].options![0]).toEqual({ label: 'اینترنتم قطع است', faqId: 'a' });
    // A topic with one FAQ leads straight to its answer.
    expect(menu.options[1]).toEqual({ label: 'قبض', faqId: 'd' });
  });

  it('is one level when the FAQ has four entries or fewer', () => {
    const menu = buildMenu([faq('a'), faq('b'), faq('c')])!;
    expect(menu.options.map((o) => o.faqId)).toEqual(['a', 'b', 'c']);
  });

  it('groups an FAQ with neither tags nor menu automatically, by the words its phrasings share', () => {
    const untagged = catalogue.map((f) => ({ ...f, menu: null }));
    const menu = buildMenu(untagged)!;
    expect(menu.options.length).toBeLessThanOrEqual(4);
    for (const topic of menu.options) expect(topic.options?.length ?? 1).toBeLessThanOrEqual(4);
    const topicOf = (id: string) => menu.options.findIndex((o) => (o.options ?? [o]).some((x) => x.faqId === id));
    // Neighbours in meaning land under one key.
    expect(topicOf('modem_setup')).toBe(topicOf('modem_purchase'));
    expect(topicOf('pay_bill')).toBe(topicOf('bill_amount'));
    expect(topicOf('internet_outage')).toBe(topicOf('internet_slow'));
    expect(menu.options.find((o) => o.options?.some((x) => x.faqId === 'modem_setup'))?.label).toBe('مودم');
  });

  it('reads out each option with its key and always the way to a human', () => {
    const menu = buildMenu(catalogue)!;
    const top = menuPrompt(menu.options, true);
    expect(top).toContain('برای اینترنت و مودم کلید یک');
    expect(top).toContain('برای پیگیری و اطلاعات کلید چهار');
    expect(top).toContain('کلید صفر');
    const sub = menuPrompt(menu.options[1].options!, false);
    expect(sub).toContain('برای پرداخت قبض کلید سه');
    expect(sub).toContain('کلید ستاره');
    expect(sub).toContain('کلید صفر');
  });

  it('is set by ops in a CSV column (menu or منو) that older files may leave out', () => {
    const csv = 'شناسه,سوال,پاسخ,منو\nnet,اینترنت قطع است,مودم را روشن کنید,اینترنت / قطعی\nbill,قبض,در درگاه بپردازید,\n';
    const parsed = parseUpload(new TextEncoder().encode(csv), { filename: 'faq.csv' });
    expect(parsed.problems).toEqual([]);
    const report = validateFaqs(parsed.rows, parsed.rowNumbers);
    expect(report.ok).toBe(true);
    expect(report.faqs.map((f) => f.menu)).toEqual(['اینترنت / قطعی', null]);
    const old = parseUpload(new TextEncoder().encode('id,question,answer\nnet,q,a\n'), { filename: 'faq.csv' });
    expect(validateFaqs(old.rows, old.rowNumbers).faqs[0].menu).toBeNull();
  });
});
