/**
 * Splits text into speakable pieces so synthesis can stream: sentences first (. ! ? ؟ …), then clauses
 * (، ؛ , ; :) and, for clauses still longer than `maxWords`, at a conjunction («و», «که», «تا» …) or
 * finally at a word boundary. Each piece keeps its punctuation, which drives eSpeak's pause and
 * intonation (a question keeps its rising tune).
 *
 * The first piece is kept short on purpose (`firstMaxWords`): the caller hears audio as soon as it
 * is synthesised, and everything after it is produced while the first piece plays.
 */
export interface SegmentOptions {
  /** Longest piece in words (default 14). */
  maxWords?: number;
  /** Longest first piece in words (default 8). */
  firstMaxWords?: number;
}

const SENTENCE_END = /([.!?؟…]+["»)\]]*)\s+|\n+/u;
const CLAUSE_END = /([،؛,;:]+)\s+/u;
const CONJUNCTIONS = new Set(['و', 'که', 'تا', 'اما', 'ولی', 'یا', 'سپس', 'چون', 'زیرا', 'اگر', 'وقتی']);

function splitKeeping(text: string, separator: RegExp): string[] {
  const pieces: string[] = [];
  let rest = text;
  for (;;) {
    const m = separator.exec(rest);
    if (!m) break;
    const cut = m.index + (m[1]?.length ?? 0);
    const head = rest.slice(0, cut).trim();
    if (head) pieces.push(head);
    rest = rest.slice(m.index + m[0].length);
  }
  if (rest.trim()) pieces.push(rest.trim());
  return pieces;
}

function splitLong(clause: string, maxWords: number): string[] {
  const words = clause.split(/\s+/u).filter(Boolean);
  if (words.length <= maxWords) return [clause];
  const out: string[] = [];
  let start = 0;
  while (words.length - start > maxWords) {
    // Prefer a conjunction in the second half of the window: it is where a speaker would breathe.
    let cut = -1;
    for (let i = start + maxWords; i > start + Math.floor(maxWords / 2); i--) {
      if (CONJUNCTIONS.has(words[i])) {
        cut = i;
        break;
      }
    }
    if (cut < 0) cut = start + maxWords;
    out.push(words.slice(start, cut).join(' '));
    start = cut;
  }
  out.push(words.slice(start).join(' '));
  return out;
}

export function splitForSpeech(text: string, options: SegmentOptions = {}): string[] {
  const maxWords = options.maxWords ?? 14;
  const firstMaxWords = options.firstMaxWords ?? 8;
  const pieces: string[] = [];
  for (const sentence of splitKeeping(text.trim(), SENTENCE_END)) {
    for (const clause of splitKeeping(sentence, CLAUSE_END)) {
      const limit = pieces.length === 0 ? firstMaxWords : maxWords;
      const parts = splitLong(clause, limit);
      // Only the very first part needs the short limit; re-split the remainder with the normal one.
      if (pieces.length === 0 && parts.length > 1) {
        pieces.push(parts[0]);
        pieces.push(...splitLong(parts.slice(1).join(' '), maxWords));
      } else {
        pieces.push(...parts);
      }
    }
  }
  return pieces;
}
