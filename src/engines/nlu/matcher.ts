import { conceptOf } from './lexicon.js';
import { VocabularyCorrector, cachedTokens, charFeatures, contentTokens, isFunctionWord, stemsOf, wordFeatures } from './features.js';
import { runInSlices, runToEnd } from './slices.js';
import { SoftmaxRegression, concatRows, concatSupport, limitFanout, type SparseRow } from './softmax.js';
import { accumulate, bayesAccumulate, buildSpace, mass, type Space } from './space.js';

/**
 * TF-IDF nearest-example matcher over two feature spaces: words (unigrams + bigrams) and
 * character n-grams. Each FAQ is represented by all of its phrasings (question + examples) rather
 * than their average, because callers ask one question in very different ways and the nearest
 * phrasing says more than the centroid. Scoring walks an inverted index, so a parse costs the
 * postings of the query's features, not the size of the knowledge base.
 *
 * TF-IDF is computed here rather than with `natural`'s TfIdf because that class recomputes IDF by
 * scanning every document per term and keeps dense per-document maps: fine for tens of documents,
 * too slow to retrain 5,000 examples in the import budget.
 */

/**
 * Reserved intent for background phrasings: everyday requests that belong to no FAQ (weather,
 * music, travel…). They take part in IDF and in the ranking like any intent, but are never
 * returned as one; how close an utterance comes to them is evidence that it is out of scope.
 */
export const BACKGROUND = '__background__';

/** Features shared by more intents than this stay out of the softmax regression (see limitFanout). */
const MAX_FANOUT = 32;

export interface TrainingExample {
  intent: string;
  text: string;
}

export interface MatcherOptions {
  /** Weight of word evidence against character n-gram evidence (0–1). */
  wordWeight?: number;
  /** Weight of the second-nearest phrasing of an intent in its score (0 = nearest only). */
  secondWeight?: number;
  /** Weight of the intent's centroid (all its phrasings pooled) against its nearest phrasings. */
  centroidWeight?: number;
  /**
   * Weight of the naive-Bayes posterior in the ranking (0 = similarity only, 1 = posterior only).
   * Naive Bayes pools evidence over all of an intent's phrasings and ranks better; similarity says
   * better whether the utterance resembles anything at all, so it stays in the confidence.
   */
  bayesWeight?: number;
  /** Additive smoothing of the naive-Bayes feature counts. */
  bayesAlpha?: number;
  /**
   * Weight of the softmax-regression probability in the ranking (taken from the similarity's
   * share: bayesWeight + softmaxWeight ≤ 1).
   */
  softmaxWeight?: number;
  /** Passes of the softmax regression over the phrasings (0 = not trained). */
  softmaxEpochs?: number;
  /** L2 penalty of the softmax regression: higher keeps one word from making it sure. */
  softmaxL2?: number;
  /**
   * How much a background phrasing counts in the softmax regression against a FAQ phrasing. The
   * background outnumbers the FAQ's phrasings four to one, and counted in full it makes the
   * regression sure that any word it shares with a FAQ («ساعت», «قیمت», «لیست») means "not ours".
   */
  backgroundWeight?: number;
}

export interface IntentScore {
  intent: string;
  score: number;
  /** Word-only cosine of the intent's nearest phrasing: shared words, not just shared letters. */
  word: number;
  /** Naive-Bayes posterior of the intent (over all intents, word and character features). */
  bayes: number;
  /** Softmax-regression probability of the intent (the background is one of the classes). */
  softmax: number;
  /** What the ranking sorted by. */
  rank: number;
}

export class TfidfMatcher {
  readonly intents: readonly string[];
  readonly vocabulary: ReadonlyMap<string, number>;
  private readonly exampleIntent: Int32Array;
  private readonly words: Space;
  private readonly chars: Space;
  private readonly corrector: VocabularyCorrector;
  private readonly wordWeight: number;
  private readonly secondWeight: number;
  private readonly centroidWeight: number;
  // Scratch buffers reused by every parse: a parse allocates almost nothing, so the garbage
  // collector does not add pauses to the latency tail.
  private readonly dw: Float32Array;
  private readonly dc: Float32Array;
  private readonly cw: Float32Array;
  private readonly cc: Float32Array;
  private readonly best: Float64Array;
  private readonly second: Float64Array;
  private readonly bestWord: Float64Array;
  private readonly bayesScore: Float64Array;
  private readonly bayesWeight: number;
  /** Per intent: log prior and the log-probability of a feature the intent never showed. */
  private readonly logPrior: Float64Array;
  private readonly logUnseen: Float64Array;
  private readonly backgroundIndex: number;
  private readonly softmax: SoftmaxRegression | null;
  private readonly softmaxWeight: number;
  private readonly softmaxScore: Float64Array;
  /**
   * Words no FAQ phrasing uses but several background phrasings do («آب», «ایمیل», «مترو»), with
   * how sure that is (0–1): a caller who says one is likely asking about something else, however
   * many FAQ words come with it («قبض آب رو چطوری بدم»).
   */
  private readonly foreign: ReadonlyMap<string, number>;
  /** Known words whose lexicon concept leads to no FAQ the word itself does not (see `analyse`). */
  private readonly conceptWithin: ReadonlySet<string>;

  private constructor(
    intents: string[],
    exampleIntent: Int32Array,
    vocabulary: Map<string, number>,
    words: Space,
    chars: Space,
    options: MatcherOptions,
    bayes: { logPrior: Float64Array; logUnseen: Float64Array },
    corrector: VocabularyCorrector,
    softmax: SoftmaxRegression | null,
    foreign: ReadonlyMap<string, number>,
    conceptWithin: ReadonlySet<string>,
  ) {
    this.conceptWithin = conceptWithin;
    this.intents = intents;
    this.foreign = foreign;
    this.softmax = softmax;
    this.softmaxWeight = softmax ? (options.softmaxWeight ?? 0) : 0;
    this.softmaxScore = new Float64Array(intents.length);
    this.exampleIntent = exampleIntent;
    this.vocabulary = vocabulary;
    this.words = words;
    this.chars = chars;
    this.corrector = corrector;
    this.wordWeight = options.wordWeight ?? 0.5;
    this.secondWeight = options.secondWeight ?? 0.2;
    this.centroidWeight = options.centroidWeight ?? 0;
    this.dw = new Float32Array(exampleIntent.length);
    this.dc = new Float32Array(exampleIntent.length);
    this.cw = new Float32Array(intents.length);
    this.cc = new Float32Array(intents.length);
    this.best = new Float64Array(intents.length);
    this.second = new Float64Array(intents.length);
    this.bestWord = new Float64Array(intents.length);
    this.bayesScore = new Float64Array(intents.length);
    this.bayesWeight = options.bayesWeight ?? 0;
    this.logPrior = bayes.logPrior;
    this.logUnseen = bayes.logUnseen;
    this.backgroundIndex = intents.indexOf(BACKGROUND);
  }

  static train(examples: readonly TrainingExample[], options: MatcherOptions = {}): TfidfMatcher {
    return runToEnd(TfidfMatcher.build(examples, options));
  }

  /**
   * The same training, in slices of at most `sliceMs` with the event loop free in between: a big
   * knowledge base retrains without stalling the audio of the calls in progress.
   */
  static trainAsync(examples: readonly TrainingExample[], options: MatcherOptions = {}, sliceMs = 8): Promise<TfidfMatcher> {
    return runInSlices(TfidfMatcher.build(examples, options), sliceMs);
  }

  /** Training as a generator that yields between chunks of work (see `train`, `trainAsync`). */
  private static *build(examples: readonly TrainingExample[], options: MatcherOptions): Generator<void, TfidfMatcher> {
    const intentIndex = new Map<string, number>();
    const intents: string[] = [];
    const tokenLists: string[][] = [];
    const exampleIntent = new Int32Array(examples.length);
    const vocabulary = new Map<string, number>();
    const backgroundCount = new Map<string, number>();
    for (let i = 0; i < examples.length; i++) {
      const ex = examples[i];
      if (i % 128 === 127) yield;
      let k = intentIndex.get(ex.intent);
      if (k === undefined) {
        k = intents.length;
        intents.push(ex.intent);
        intentIndex.set(ex.intent, k);
      }
      exampleIntent[i] = k;
      const tokens = cachedTokens(ex.text);
      tokenLists.push(tokens);
      // Background words are not knowledge: they must not count as covered or be fuzzy targets.
      if (ex.intent !== BACKGROUND) for (const t of new Set(tokens)) vocabulary.set(t, (vocabulary.get(t) ?? 0) + 1);
      // The background's words are also counted without their endings: «موبایلم» there makes «موبایل» foreign.
      else for (const t of new Set(tokens.flatMap((t) => [t, ...stemsOf(t)]))) backgroundCount.set(t, (backgroundCount.get(t) ?? 0) + 1);
    }
    // Which FAQs use each word and each lexicon concept (the background is no FAQ).
    const wordFaqs = new Map<string, Set<number>>();
    const conceptFaqs = new Map<string, Set<number>>();
    for (let i = 0; i < examples.length; i++) {
      if (examples[i].intent === BACKGROUND) continue;
      for (const t of tokenLists[i]) {
        let w = wordFaqs.get(t);
        if (!w) wordFaqs.set(t, (w = new Set()));
        w.add(exampleIntent[i]);
        const c = conceptOf(t, stemsOf(t));
        if (c === undefined) continue;
        let cs = conceptFaqs.get(c);
        if (!cs) conceptFaqs.set(c, (cs = new Set()));
        cs.add(exampleIntent[i]);
      }
    }
    const conceptWithin = new Set<string>();
    for (const [t, faqs] of wordFaqs) {
      const c = conceptOf(t, stemsOf(t));
      if (c !== undefined && [...conceptFaqs.get(c)!].every((k) => faqs.has(k))) conceptWithin.add(t);
    }
    // Words only the background uses, more surely foreign the more often it uses them.
    const foreign = new Map<string, number>();
    for (const [t, n] of backgroundCount) if (n >= 2 && !vocabulary.has(t)) foreign.set(t, n / (n + 2));
    const alpha = options.bayesAlpha ?? 0.3;
    const words = yield* buildSpace(tokenLists, wordFeatures, exampleIntent, intents.length, alpha);
    const chars = yield* buildSpace(tokenLists, (t) => charFeatures(t), exampleIntent, intents.length, alpha);
    // Naive Bayes over both spaces (features counted once per phrasing).
    const featureTotal = new Float64Array(intents.length);
    const phrasings = new Float64Array(intents.length);
    for (let i = 0; i < examples.length; i++) phrasings[exampleIntent[i]]++;
    for (const space of [words, chars]) for (let k = 0; k < intents.length; k++) featureTotal[k] += space.featureTotal[k];
    const v = words.ids.size + chars.ids.size;
    const logPrior = Float64Array.from(phrasings, (n) => Math.log(n / examples.length));
    const logUnseen = Float64Array.from(featureTotal, (t) => Math.log(alpha / (t + alpha * v)));
    const corrector = yield* VocabularyCorrector.build(vocabulary);
    const epochs = options.softmaxEpochs ?? 12;
    let softmax: SoftmaxRegression | null = null;
    if (epochs > 0 && intents.length > 1) {
      const rows = words.rows.map((row, d) => concatRows(row, chars.rows[d], words.ids.size));
      softmax = yield* SoftmaxRegression.train(rows, exampleIntent, limitFanout(concatSupport(words.bayes, chars.bayes), MAX_FANOUT), intents.length, {
        epochs,
        l2: options.softmaxL2,
        rowWeight: Float32Array.from(exampleIntent, (k) => (intents[k] === BACKGROUND ? (options.backgroundWeight ?? 1) : 1)),
      });
    }
    return new TfidfMatcher(intents, exampleIntent, vocabulary, words, chars, options, { logPrior, logUnseen }, corrector, softmax, foreign, conceptWithin);
  }

  /** Whether the knowledge base uses this (normalised) word anywhere. */
  knows(token: string): boolean {
    return this.vocabulary.has(token);
  }

  /** Tokens after normalisation and vocabulary correction (for slots, logs and tests). */
  correctedTokens(text: string): { raw: string[]; corrected: string[]; guessed: boolean[] } {
    const raw = contentTokens(text, (tokens) => this.corrector.mendCompounds(tokens));
    const corrected = raw.map((t) => this.corrector.correct(t) ?? t);
    const guessed = raw.map((t, i) => !this.corrector.isExact(t, corrected[i]));
    return { raw, corrected, guessed };
  }

  /** Every intent's similarity to `text`, best first. Scores are in [0, 1]. */
  score(text: string): IntentScore[] {
    return this.analyse(text, this.intents.length).ranked;
  }

  /**
   * Ranked intents plus `coverage`: the share of the query's word weight (IDF-weighted) made of
   * words the knowledge base knows. Out-of-scope questions are mostly words the FAQ never uses
   * («گاز», «پرواز»), which similarity alone hides when one common word happens to match.
   */
  analyse(text: string, top = 5): { ranked: IntentScore[]; coverage: number; unknown: number; foreign: number; background: IntentScore | null } {
    const { raw, corrected, guessed } = this.correctedTokens(text);
    // Character evidence from both spellings: the caller's word and the word it was corrected to.
    const charFs = charFeatures(corrected.map((c, i) => (c === raw[i] ? c : `${raw[i]} ${c}`)));
    // The lexicon's concepts bridge a caller's word the knowledge base has never seen to the FAQ
    // that says it another way («کنسل» to «لغو سرویس»). A word the FAQs already use matches as
    // itself: its concept on top counts only where it leads to no FAQ the word does not, since
    // there it ties the request to every FAQ with another word of the same group (an air
    // conditioner's «نصابش کی میاد؟» to the ISP's installation visit) and let other businesses'
    // requests in the sample FAQ's own words through (dev out-of-scope lines accepted 26 → 19 of 208).
    const wordFs = wordFeatures(corrected, (t) => !this.vocabulary.has(t) || this.conceptWithin.has(t));
    // One scorer per model, each filling its per-intent scores; then one ranking combines them.
    const { wordRow, charRow } = this.scoreSimilarity(wordFs, charFs);
    this.scoreBayes(wordFs, charFs);
    this.scoreSoftmax(wordRow, charRow);
    const { ranked, background } = this.rank(top);
    const wordMass = mass(this.words, corrected, guessed, (w) => this.vocabulary.has(w));
    return {
      ranked,
      coverage: wordMass.total > 0 ? wordMass.known / wordMass.total : 0,
      unknown: this.unknownWords(corrected),
      foreign: this.foreignEvidence(raw),
      background,
    };
  }

  /**
   * TF-IDF similarity over words and character n-grams: per intent its nearest and second-nearest
   * phrasing (`best`, `second`, `bestWord`) and its centroid (`cw`, `cc`).
   */
  private scoreSimilarity(wordFs: string[], charFs: string[]): { wordRow: SparseRow; charRow: SparseRow } {
    const { dw, dc, cw, cc, best, second, bestWord } = this;
    bestWord.fill(0);
    dw.fill(0);
    dc.fill(0);
    cw.fill(0);
    cc.fill(0);
    best.fill(0);
    second.fill(0);
    const charRow = accumulate(this.chars, charFs, dc, cc);
    const wordRow = accumulate(this.words, wordFs, dw, cw);
    const a = this.wordWeight;
    for (let i = 0; i < this.exampleIntent.length; i++) {
      const s = a * dw[i] + (1 - a) * dc[i];
      const k = this.exampleIntent[i];
      if (dw[i] > bestWord[k]) bestWord[k] = dw[i];
      if (s > best[k]) {
        second[k] = best[k];
        best[k] = s;
      } else if (s > second[k]) second[k] = s;
    }
    return { wordRow, charRow };
  }

  /** Naive-Bayes posterior over intents (`bayesScore`), word and character features pooled. */
  private scoreBayes(wordFs: string[], charFs: string[]): void {
    const { bayesScore } = this;
    let nFeatures = 0;
    bayesScore.fill(0);
    nFeatures += bayesAccumulate(this.words, wordFs, bayesScore);
    nFeatures += bayesAccumulate(this.chars, charFs, bayesScore);
    let maxLog = -Infinity;
    for (let k = 0; k < bayesScore.length; k++) {
      bayesScore[k] += this.logPrior[k] + nFeatures * this.logUnseen[k];
      if (bayesScore[k] > maxLog) maxLog = bayesScore[k];
    }
    let z = 0;
    for (let k = 0; k < bayesScore.length; k++) z += Math.exp(bayesScore[k] - maxLog);
    for (let k = 0; k < bayesScore.length; k++) bayesScore[k] = Math.exp(bayesScore[k] - maxLog) / z;
  }

  /** Softmax-regression probabilities (`softmaxScore`), the background one of the classes. */
  private scoreSoftmax(wordRow: SparseRow, charRow: SparseRow): void {
    if (this.softmax) this.softmax.predict(concatRows(wordRow, charRow, this.words.ids.size), this.softmaxScore);
  }

  /** One ranking of the scorers' evidence: the `top` best intents, and the background's own. */
  private rank(top: number): { ranked: IntentScore[]; background: IntentScore | null } {
    const { cw, cc, best, second, bestWord, bayesScore, softmaxScore } = this;
    const a = this.wordWeight;
    const b = this.secondWeight;
    const c = this.centroidWeight;
    // Keep only the `top` best intents (insertion into a short sorted list; no full sort).
    const ranked: IntentScore[] = [];
    const nb = this.bayesWeight;
    const sw = Math.min(this.softmaxWeight, 1 - nb);
    let background: IntentScore | null = null;
    for (let k = 0; k < this.intents.length; k++) {
      const score = (1 - c) * ((1 - b) * best[k] + b * second[k]) + c * (a * cw[k] + (1 - a) * cc[k]);
      const softmax = this.softmax ? softmaxScore[k] : 0;
      const rank = (1 - nb - sw) * score + nb * bayesScore[k] + sw * softmax;
      if (k === this.backgroundIndex) {
        background = { intent: BACKGROUND, score, word: bestWord[k], bayes: bayesScore[k], softmax, rank };
        continue;
      }
      if (ranked.length === top && rank <= ranked[top - 1].rank) continue;
      let i = ranked.length;
      while (i > 0 && ranked[i - 1].rank < rank) i--;
      ranked.splice(i, 0, { intent: this.intents[k], score, word: bestWord[k], bayes: bayesScore[k], softmax, rank });
      if (ranked.length > top) ranked.pop();
    }
    return { ranked, background };
  }

  /** Words the knowledge base has never seen in any spelling: the topic of an out-of-scope question. */
  private unknownWords(corrected: readonly string[]): number {
    let unknown = 0;
    for (const w of corrected) if (!this.vocabulary.has(w)) unknown++;
    return unknown;
  }

  /** How surely the utterance's most foreign word (one only the background uses) is another business's. */
  private foreignEvidence(raw: readonly string[]): number {
    let foreign = 0;
    for (const w of raw) {
      const forms = [w, ...stemsOf(w)];
      // A word whose stem the FAQ uses («قبضم») is the FAQ's, whatever the background says; a
      // function word («دربارهی», «امروز») is nobody's topic.
      if (forms.some((f) => this.vocabulary.has(f) || isFunctionWord(f))) continue;
      for (const f of forms) foreign = Math.max(foreign, this.foreign.get(f) ?? 0);
    }
    return foreign;
  }
}
