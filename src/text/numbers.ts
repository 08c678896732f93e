import { readGrammar } from './grammar-file.js';

/**
 * Persian number words → digits, for whole sentences. `@persian-tools/persian-tools`'
 * `wordsToNumber` converts one number phrase but not a sentence with several numbers in it (a phone
 * number is read as groups: «صفر نهصد و دوازده سیصد …»), so the grouping lives here.
 */

// The words live in grammars/numbers.json, shared with the recogniser's vocabulary biasing.
const UNITS: Record<string, number> = {};
const MULTIPLIERS: Record<string, number> = {};
for (const rule of readGrammar('numbers').rules) {
  for (const phrase of rule.phrases) (rule.multiplier ? MULTIPLIERS : UNITS)[phrase] = Number(rule.value);
}

/** Words that are also ordinary words («یه سوال»، «نه ممنون»، «سی دی»): numbers only in company. */
const AMBIGUOUS = new Set(['یک', 'یه', 'نه', 'سی']);

export function isNumberWord(word: string): boolean {
  return word in UNITS || word in MULTIPLIERS;
}

/** Value of one number word, or undefined. */
export function numberWordValue(word: string): number | undefined {
  return UNITS[word] ?? MULTIPLIERS[word];
}

function valueOf(token: string): number | undefined {
  if (/^\d+$/.test(token)) return Number(token);
  return numberWordValue(token);
}

/** Place value of a number below 1000: 100 for 100–999, 10 for 10–99, 1 for 0–9. */
function order(v: number): number {
  return v >= 100 ? 100 : v >= 10 ? 10 : 1;
}

export interface NumberSpan {
  /** Token index range [start, end) in the input token array. */
  start: number;
  end: number;
  /** Digit strings, one per spoken group (a phone number read in groups yields several). */
  groups: string[];
}

/**
 * Finds runs of number words (and ASCII digit tokens followed by a multiplier, «۵ هزار») in a
 * token array. Groups follow the way Persians read numbers: «و» joins parts of one number,
 * juxtaposition without «و» starts a new group unless the word is a multiplier.
 */
export function findNumberSpans(tokens: readonly string[]): NumberSpan[] {
  const spans: NumberSpan[] = [];
  let i = 0;
  while (i < tokens.length) {
    const first = tokens[i];
    const isStart = isNumberWord(first) || (/^\d+$/.test(first) && tokens[i + 1] !== undefined && tokens[i + 1] in MULTIPLIERS);
    if (!isStart) {
      i++;
      continue;
    }
    const start = i;
    const groups: string[] = [];
    let total = 0;
    let current = 0;
    let lastOrder = 1000;
    let words = 0;
    let open = false;
    const close = () => {
      if (open) groups.push(String(total + current));
      total = 0;
      current = 0;
      lastOrder = 1000;
      open = false;
    };
    let j = i;
    for (; j < tokens.length; j++) {
      const tok = tokens[j];
      if (tok === 'و') {
        // «و» continues a number only when a number word follows it.
        const next = tokens[j + 1];
        if (next !== undefined && isNumberWord(next) && open) continue;
        break;
      }
      const v = valueOf(tok);
      if (v === undefined) break;
      if (/^\d+$/.test(tok) && !(tokens[j + 1] !== undefined && tokens[j + 1] in MULTIPLIERS)) break;
      words++;
      const joined = tokens[j - 1] === 'و';
      if (tok in MULTIPLIERS) {
        if (!open) {
          current = 1;
          open = true;
        }
        total += (current === 0 ? 1 : current) * v;
        current = 0;
        lastOrder = 1000;
        continue;
      }
      if (tok === 'صد' && open && !joined && current > 0 && current < 10) {
        current *= 100; // «دو صد», «نه صد»
        lastOrder = 100;
        continue;
      }
      const o = order(v);
      // A new group starts on juxtaposition, or when «و» joins a part not smaller than the last.
      if (open && (!joined || o >= lastOrder || v === 0)) close();
      if (!open) open = true;
      current += v;
      lastOrder = o;
    }
    close();
    const end = tokens[j - 1] === 'و' ? j - 1 : j;
    const lone = words === 1 && end - start === 1 && AMBIGUOUS.has(first);
    if (!lone && groups.length > 0) spans.push({ start, end, groups });
    i = Math.max(end, start + 1);
  }
  return spans;
}

/** Replaces number words in space-separated text with ASCII digits, one token per spoken group. */
export function numberWordsToDigits(text: string): string {
  const tokens = text.split(' ').filter(Boolean);
  const spans = findNumberSpans(tokens);
  if (spans.length === 0) return tokens.join(' ');
  const out: string[] = [];
  let k = 0;
  for (const span of spans) {
    out.push(...tokens.slice(k, span.start), ...span.groups);
    k = span.end;
  }
  out.push(...tokens.slice(k));
  return out.join(' ');
}
