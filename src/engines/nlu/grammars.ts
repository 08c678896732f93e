import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GRAMMAR_DIR, readGrammar, type Grammar } from '../../text/grammar-file.js';
import { normalizePersian, tokenizePersian } from '../../text/normalize.js';

/**
 * Grammars compiled for matching: each phrase becomes its normalised token sequence, so «نمی خوام»
 * in a grammar and «نمی‌خواهم» from the recogniser meet.
 */

export interface PhraseMatch {
  value: string;
  start: number;
  end: number;
}

export interface CompiledGrammar {
  name: string;
  /** Phrases, longest first, so «نه ممنون» wins over «نه». */
  phrases: { value: string; tokens: string[] }[];
}

const compiled = new Map<string, CompiledGrammar>();

// Phrases are compared without number conversion: «یک بار دیگر» must stay words.
const phraseTokens = (phrase: string) => tokenizePersian(phrase, { numbers: false });

export function compileGrammar(grammar: Grammar): CompiledGrammar {
  const phrases = grammar.rules
    .flatMap((rule) => rule.phrases.map((p) => ({ value: rule.value, tokens: phraseTokens(p) })))
    .filter((p) => p.tokens.length > 0)
    .sort((a, b) => b.tokens.length - a.tokens.length);
  return { name: grammar.name, phrases };
}

export function grammar(name: string): CompiledGrammar {
  let g = compiled.get(name);
  if (!g) {
    g = compileGrammar(readGrammar(name));
    compiled.set(name, g);
  }
  return g;
}

/** All non-overlapping matches of the grammar's phrases in `tokens`, leftmost-longest. */
export function matchPhrases(g: CompiledGrammar, tokens: readonly string[]): PhraseMatch[] {
  const out: PhraseMatch[] = [];
  let i = 0;
  while (i < tokens.length) {
    let hit: PhraseMatch | null = null;
    for (const p of g.phrases) {
      const n = p.tokens.length;
      if (i + n > tokens.length) continue;
      let ok = true;
      for (let k = 0; k < n && ok; k++) ok = tokens[i + k] === p.tokens[k];
      if (ok) {
        hit = { value: p.value, start: i, end: i + n };
        break;
      }
    }
    if (hit) {
      out.push(hit);
      i = hit.end;
    } else i++;
  }
  return out;
}

/** Names of every grammar file in `grammars/`. */
export function grammarNames(): string[] {
  return readdirSync(fileURLToPath(GRAMMAR_DIR))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

/**
 * Every word the grammars can match, normalised, for the speech recogniser's hotword biasing.
 * Combine with `NluEngine.vocabulary()` for the live FAQ's words.
 */
export function grammarVocabulary(): string[] {
  const words = new Set<string>();
  for (const name of grammarNames()) {
    for (const rule of readGrammar(name).rules) {
      // Written with ZWNJ as the recogniser spells words, not in the matcher's ZWNJ-less form.
      for (const phrase of rule.phrases) for (const t of normalizePersian(phrase, { numbers: false }).split(' ')) if (t) words.add(t);
    }
  }
  return [...words].sort();
}
