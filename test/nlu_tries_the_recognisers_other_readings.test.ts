import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createNluEngine } from '../src/engines/nlu/engine.js';
import { MAX_ALTERNATIVES, understandReadings } from '../src/engines/nlu/readings.js';
import type { Faq } from '../src/knowledge/types.js';

// The real matcher on the shipped ISP FAQ: the readings below are the kind a recogniser produces.
const faqs = (JSON.parse(readFileSync('fixtures/faq/catalogue.json', 'utf8')).faqs as Faq[]).map((f) => ({ ...f, examples: f.examples ?? [] }));
const nlu = createNluEngine({ version: 1, faqs });
const parse = (t: string) => nlu.parse(t);

describe('understanding the recogniser’s readings', () => {
  it('keeps the best reading when it is understood, whatever the others say', () => {
    const u = understandReadings(parse, 'اینترنتم قطع شده چیکار کنم', ['می‌خواهم قبضم را پرداخت کنم']);
    expect(u).toMatchObject({ rank: 0, text: 'اینترنتم قطع شده چیکار کنم' });
    expect(u.result.intent).toBe('internet_outage');
  });

  it('takes the first alternative that is understood when the best reading means nothing', () => {
    const garbled = 'غپسژ ظثخ';
    expect(parse(garbled).intent).toBeNull();
    const u = understandReadings(parse, garbled, ['ژظ ثغ', 'اینترنتم قطع شده چیکار کنم', 'قبضم را پرداخت کنم']);
    expect(u).toMatchObject({ rank: 2, text: 'اینترنتم قطع شده چیکار کنم' });
    expect(u.result.intent).toBe('internet_outage');
  });

  it('falls back to the best reading when no reading is understood', () => {
    const u = understandReadings(parse, 'غپسژ ظثخ', ['ژظ ثغ', 'ثثث']);
    expect(u).toMatchObject({ rank: 0, text: 'غپسژ ظثخ' });
    expect(u.result.intent).toBeNull();
  });

  it('looks only a few readings deep, where the beam still holds plausible ones', () => {
    const tail = Array.from({ length: MAX_ALTERNATIVES }, (_, i) => 'ژظ ثغ'.repeat(i + 1));
    const u = understandReadings(parse, 'غپسژ ظثخ', [...tail, 'اینترنتم قطع شده چیکار کنم']);
    expect(u.rank).toBe(0);
    expect(u.result.intent).toBeNull();
  });

  it('counts a request to the bot itself (an operator, a repeat) as understood', () => {
    const u = understandReadings(parse, 'غپسژ ظثخ', ['می‌خواهم با اپراتور صحبت کنم']);
    expect(u.rank).toBe(1);
    expect(u.result.system).toBe('operator');
  });
});
