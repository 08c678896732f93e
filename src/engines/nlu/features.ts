import { createRequire } from 'node:module';
import { distance } from 'fastest-levenshtein';
import { tokenizePersian } from '../../text/normalize.js';
import { conceptOf } from './lexicon.js';

/**
 * Turning an utterance into the tokens and features the matcher compares. Words carry meaning,
 * character n-grams carry morphology (اینترنتم / اینترنتمون / اینترنت) and survive the spelling
 * slips of a speech recogniser, so both are kept and weighed together by the matcher.
 */

/** Greetings and politeness that callers wrap around every request; they say nothing about it. */
const FILLERS = new Set([
  'سلام',
  'علیکم',
  'خسته',
  'نباشید',
  'نباشین',
  'لطفا',
  'ببخشید',
  'ببخشین',
  'آقا',
  'خانم',
  'عزیز',
  'الو',
  'اه',
  'ام',
  'خب',
  'راستش',
  'بخیر',
  'خواهشمند',
  'خواهشمندم',
  // Hesitations and discourse words a recogniser transcribes from every caller («اِ» loses its
  // kasra in normalisation): they say nothing about the request, and a background phrasing that
  // happens to hold one must not make them look like another business's word.
  'ا',
  'چیزه',
  'آهان',
  'یعنی',
  'مثلا',
  'والا',
  'والله',
  'ببین',
  'ببینید',
  'ببینین',
]);

/** Drawn-out hesitations: «اااا», «اممم», «اوووم», «ععع». */
const HESITATION_RE = /^(ا+|ا+م+|او+م+|ع+|ه+م+)$/;

/**
 * Function words: they occur in every request, in scope or not, so they only blur similarity and
 * make an out-of-scope question look familiar («قبض گاز را از کجا پرداخت کنم» knows را، از، کجا).
 * Not «کند»: callers say «کنه» for "does", and «کند» is what a slow line is («اینترنت کنده»).
 */
const STOPWORDS = new Set([
  'را', 'از', 'به', 'که', 'و', 'در', 'با', 'برای', 'این', 'آن', 'یک', 'من', 'ما', 'شما', 'تو', 'هم', 'است', 'هست',
  'بود', 'شد', 'را', 'یا', 'اگر', 'ولی', 'اما', 'تا', 'دیگر', 'دیگه', 'خیلی', 'همین', 'چه', 'بله', 'آیا', 'الان',
  'باید', 'هر', 'رو', 'ها', 'های', 'ی', 'اینکه', 'چون', 'پس', 'کنم', 'کنید', 'کرد', 'کردم', 'دارم', 'داریم',
]);

/**
 * Persian function words from stopwords-iso (prepositions, adverbs of time, question words,
 * pronouns): too common to say which business a request is for. Only the foreign-word evidence
 * reads them, so «درباره» or «امروز» in a FAQ request is never taken for another business's topic
 * because the background happens to say them more often than the FAQ phrasings do.
 */
const FUNCTION_WORDS: ReadonlySet<string> = new Set(
  (createRequire(import.meta.url)('stopwords-iso') as Record<string, string[]>).fa.flatMap((w) => tokenizePersian(w)),
);

export function isFunctionWord(token: string): boolean {
  return FUNCTION_WORDS.has(token);
}

/** Possessive and plural endings, longest first, tried when a word is not in the vocabulary. */
const SUFFIXES = ['هایمان', 'هایشان', 'هایتان', 'های', 'ها', 'مون', 'تون', 'شون', 'مان', 'تان', 'شان', 'ام', 'ای', 'م', 'ت', 'ش', 'ی', 'و'];

export function contentTokens(text: string, join?: (tokens: string[]) => string[]): string[] {
  const tokens = tokenizePersian(text);
  return (join ? join(tokens) : tokens).filter((t) => !FILLERS.has(t) && !STOPWORDS.has(t) && !HESITATION_RE.test(t));
}

// Normalising is most of the cost of training, and successive knowledge-base versions (and the
// background) share almost all their phrasings: their tokens are kept across retrains.
const tokenCache = new Map<string, string[]>();
export function cachedTokens(text: string): string[] {
  let tokens = tokenCache.get(text);
  if (!tokens) {
    tokens = contentTokens(text);
    if (tokenCache.size >= 100_000) tokenCache.clear();
    tokenCache.set(text, tokens);
  }
  return tokens;
}

/** The word without a possessive or plural ending, when what is left is a word's length (longest ending first). */
export function stemsOf(token: string): string[] {
  const out: string[] = [];
  for (const suffix of SUFFIXES) if (token.length - suffix.length >= 3 && token.endsWith(suffix)) out.push(token.slice(0, -suffix.length));
  return out;
}

/**
 * Maps words the knowledge base never uses onto ones it does: first by stripping an ending, then
 * by edit distance (fastest-levenshtein), because a recogniser's slip is usually one letter. The
 * vocabulary is bucketed by length so that a lookup compares a few hundred words, not all, and
 * answers are cached because callers repeat the same words.
 */
export class VocabularyCorrector {
  /** Single-deletion variants → vocabulary words (SymSpell): candidates without a full scan. */
  private readonly deletions = new Map<string, string[]>();
  private readonly cache = new Map<string, string | null>();

  constructor(private readonly vocabulary: ReadonlyMap<string, number>) {}

  /** Builds the deletion index, yielding now and then so that training can run in slices. */
  static *build(vocabulary: ReadonlyMap<string, number>): Generator<void, VocabularyCorrector> {
    const corrector = new VocabularyCorrector(vocabulary);
    let n = 0;
    for (const word of vocabulary.keys()) {
      if (++n % 512 === 0) yield;
      if (word.length < 4 || /^\d+$/.test(word)) continue;
      for (const variant of deletionsOf(word)) {
        const list = corrector.deletions.get(variant);
        if (list) list.push(word);
        else corrector.deletions.set(variant, [word]);
      }
    }
    return corrector;
  }

  /** Whether `token` is a vocabulary word or one with an ending stripped (not an edit-distance guess). */
  isExact(token: string, corrected: string): boolean {
    return token === corrected || (token.startsWith(corrected) && token.length - corrected.length <= 6);
  }

  /**
   * Compounds are written three ways («امکان‌سنجی», «امکان سنجی», «امکانسنجی») and normalisation
   * drops the zero-width non-joiner, so a caller's compound can be one token where the knowledge
   * base has two, or the other way round; a recogniser unsure of a long word also writes it in two
   * pieces («کارمند گون»). Neighbours are joined when together they spell a vocabulary word and
   * apart they do not both make sense; a word the vocabulary lacks is split when it is exactly two
   * vocabulary words. Only exact joins and splits: fuzzy ones («کارمند گون» → a word a letter away)
   * merged real words of typed text into wrong ones on the test lines.
   */
  mendCompounds(tokens: string[]): string[] {
    const out: string[] = [];
    for (let i = 0; i < tokens.length; i++) {
      const a = tokens[i];
      const b = tokens[i + 1];
      if (b !== undefined && !/\d/.test(a + b)) {
        const knownA = this.vocabulary.has(a);
        const knownB = this.vocabulary.has(b);
        const joined = a + b;
        if (!(knownA && knownB) && this.vocabulary.has(joined)) {
          out.push(joined);
          i++;
          continue;
        }
      }
      out.push(...this.split(a));
    }
    return out;
  }

  /** An unknown word that is two vocabulary words of three letters or more (the second perhaps with an ending), as those two. */
  private split(token: string): string[] {
    if (token.length < 6 || /\d/.test(token) || this.vocabulary.has(token)) return [token];
    if (stemsOf(token).some((stem) => this.vocabulary.has(stem))) return [token];
    let best: string[] = [token];
    let bestDf = 0;
    for (let at = 3; at <= token.length - 3; at++) {
      const left = token.slice(0, at);
      const right = token.slice(at);
      // The second word may carry the ending («سیمکارتم» → «سیم», «کارتم»).
      const rightDf = this.vocabulary.get(right) ?? Math.max(0, ...stemsOf(right).map((stem) => this.vocabulary.get(stem) ?? 0));
      const df = Math.min(this.vocabulary.get(left) ?? 0, rightDf);
      if (df > bestDf) {
        best = [left, right];
        bestDf = df;
      }
    }
    return best;
  }

  /** The vocabulary word `token` most likely stands for, or null when none is close. */
  correct(token: string): string | null {
    if (this.vocabulary.has(token)) return token;
    const cached = this.cache.get(token);
    if (cached !== undefined) return cached;
    const found = this.lookup(token);
    if (this.cache.size > 20_000) this.cache.clear();
    this.cache.set(token, found);
    return found;
  }

  private lookup(token: string): string | null {
    if (/^\d+$/.test(token)) return null;
    for (const stem of stemsOf(token)) if (this.vocabulary.has(stem)) return stem;
    // Short words are too close to too many others: «کلاس» is not a slip for «کلا».
    if (token.length < 5) return null;
    const maxDist = token.length >= 8 ? 2 : 1;
    let best: string | null = null;
    let bestDist = maxDist + 1;
    let bestDf = -1;
    // Words one deletion away from the token, or sharing a one-deletion variant with it: every
    // word within one edit, and many within two.
    const candidates = new Set<string>();
    for (const variant of [token, ...deletionsOf(token)]) {
      if (this.vocabulary.has(variant)) candidates.add(variant);
      for (const word of this.deletions.get(variant) ?? []) candidates.add(word);
    }
    for (const word of candidates) {
      if (word.length < 3) continue;
      const d = distance(token, word);
      const df = this.vocabulary.get(word) ?? 0;
      if (d < bestDist || (d === bestDist && df > bestDf)) {
        best = word;
        bestDist = d;
        bestDf = df;
      }
    }
    return bestDist <= maxDist ? best : null;
  }
}

function deletionsOf(word: string): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i < word.length; i++) out.add(word.slice(0, i) + word.slice(i + 1));
  return out;
}

/**
 * Word unigrams and bigrams, and the lexicon's concept of each word that has one (see lexicon.ts)
 * and `withConcept` lets through (training: every word; a parse: see TfidfMatcher.analyse).
 */
export function wordFeatures(tokens: readonly string[], withConcept: (token: string) => boolean = () => true): string[] {
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    out.push(tokens[i]);
    if (i > 0) out.push(`${tokens[i - 1]}_${tokens[i]}`);
    const concept = withConcept(tokens[i]) ? conceptOf(tokens[i], stemsOf(tokens[i])) : undefined;
    if (concept !== undefined) out.push(`~${concept}`);
  }
  return out;
}

/** Character 3- to 5-grams over the words, with a space marking each word's edges. */
export function charFeatures(tokens: readonly string[], min = 3, max = 5): string[] {
  const out: string[] = [];
  for (const token of tokens) {
    const s = ` ${token} `;
    for (let n = min; n <= max; n++) {
      for (let i = 0; i + n <= s.length; i++) out.push(s.slice(i, i + n));
    }
  }
  return out;
}
