import { VocabularyCorrector, charFeatures, contentTokens, wordFeatures } from './features.js';

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
}

export interface IntentScore {
  intent: string;
  score: number;
  /** Word-only cosine of the intent's nearest phrasing: shared words, not just shared letters. */
  word: number;
}

interface Space {
  ids: Map<string, number>;
  /** Per feature: intent indices and weights of the L2-normalised intent centroids. */
  centroidK: Int32Array[];
  centroidW: Float32Array[];
  idf: Float64Array;
  /** Per feature: example indices and weights. */
  postingsEx: Int32Array[];
  postingsW: Float32Array[];
  /** IDF given to a feature the training data never saw (it still counts against similarity). */
  unseenIdf: number;
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

  private constructor(
    intents: string[],
    exampleIntent: Int32Array,
    vocabulary: Map<string, number>,
    words: Space,
    chars: Space,
    options: MatcherOptions,
  ) {
    this.intents = intents;
    this.exampleIntent = exampleIntent;
    this.vocabulary = vocabulary;
    this.words = words;
    this.chars = chars;
    this.corrector = new VocabularyCorrector(vocabulary);
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
  }

  static train(examples: readonly TrainingExample[], options: MatcherOptions = {}): TfidfMatcher {
    const intentIndex = new Map<string, number>();
    const intents: string[] = [];
    const tokenLists: string[][] = [];
    const exampleIntent = new Int32Array(examples.length);
    const vocabulary = new Map<string, number>();
    examples.forEach((ex, i) => {
      let k = intentIndex.get(ex.intent);
      if (k === undefined) {
        k = intents.length;
        intents.push(ex.intent);
        intentIndex.set(ex.intent, k);
      }
      exampleIntent[i] = k;
      const tokens = contentTokens(ex.text);
      tokenLists.push(tokens);
      for (const t of new Set(tokens)) vocabulary.set(t, (vocabulary.get(t) ?? 0) + 1);
    });
    const words = buildSpace(tokenLists.map(wordFeatures), exampleIntent, intents.length);
    const chars = buildSpace(tokenLists.map((t) => charFeatures(t)), exampleIntent, intents.length);
    return new TfidfMatcher(intents, exampleIntent, vocabulary, words, chars, options);
  }

  /** Tokens after normalisation and vocabulary correction (for slots, logs and tests). */
  correctedTokens(text: string): { raw: string[]; corrected: string[]; guessed: boolean[] } {
    const raw = contentTokens(text);
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
  analyse(text: string, top = 5): { ranked: IntentScore[]; coverage: number; unknown: number } {
    const { raw, corrected, guessed } = this.correctedTokens(text);
    const n = this.exampleIntent.length;
    const { dw, dc, cw, cc, best, second, bestWord } = this;
    bestWord.fill(0);
    dw.fill(0);
    dc.fill(0);
    cw.fill(0);
    cc.fill(0);
    best.fill(0);
    second.fill(0);
    // Character evidence from both spellings: the caller's word and the word it was corrected to.
    const charTokens = corrected.map((c, i) => (c === raw[i] ? c : `${raw[i]} ${c}`));
    accumulate(this.chars, charFeatures(charTokens), dc, cc);
    accumulate(this.words, wordFeatures(corrected), dw, cw);
    const wordMass = mass(this.words, corrected, guessed);
    const a = this.wordWeight;
    for (let i = 0; i < n; i++) {
      const s = a * dw[i] + (1 - a) * dc[i];
      const k = this.exampleIntent[i];
      if (dw[i] > bestWord[k]) bestWord[k] = dw[i];
      if (s > best[k]) {
        second[k] = best[k];
        best[k] = s;
      } else if (s > second[k]) second[k] = s;
    }
    const b = this.secondWeight;
    const c = this.centroidWeight;
    // Keep only the `top` best intents (insertion into a short sorted list; no full sort).
    const ranked: IntentScore[] = [];
    for (let k = 0; k < this.intents.length; k++) {
      const score = (1 - c) * ((1 - b) * best[k] + b * second[k]) + c * (a * cw[k] + (1 - a) * cc[k]);
      if (ranked.length === top && score <= ranked[top - 1].score) continue;
      let i = ranked.length;
      while (i > 0 && ranked[i - 1].score < score) i--;
      ranked.splice(i, 0, { intent: this.intents[k], score, word: bestWord[k] });
      if (ranked.length > top) ranked.pop();
    }
    // Words the knowledge base has never seen in any spelling: the topic of an out-of-scope question.
    let unknown = 0;
    for (const w of corrected) if (!this.vocabulary.has(w)) unknown++;
    return { ranked, coverage: wordMass.total > 0 ? wordMass.known / wordMass.total : 0, unknown };
  }
}

function buildSpace(docs: string[][], docIntent: Int32Array, nIntents: number): Space {
  const ids = new Map<string, number>();
  const df: number[] = [];
  const counts: Map<number, number>[] = docs.map((features) => {
    const tf = new Map<number, number>();
    for (const f of features) {
      let id = ids.get(f);
      if (id === undefined) {
        id = df.length;
        ids.set(f, id);
        df.push(0);
      }
      tf.set(id, (tf.get(id) ?? 0) + 1);
    }
    for (const id of tf.keys()) df[id]++;
    return tf;
  });
  const nDocs = docs.length;
  const idf = new Float64Array(df.length);
  for (let id = 0; id < df.length; id++) idf[id] = Math.log((nDocs + 1) / (df[id] + 1)) + 1;
  const exLists: number[][] = df.map(() => []);
  const wLists: number[][] = df.map(() => []);
  const centroids: Map<number, number>[] = Array.from({ length: nIntents }, () => new Map());
  counts.forEach((tf, doc) => {
    let norm = 0;
    const weights: [number, number][] = [];
    for (const [id, c] of tf) {
      const w = (1 + Math.log(c)) * idf[id];
      weights.push([id, w]);
      norm += w * w;
    }
    norm = Math.sqrt(norm) || 1;
    const centroid = centroids[docIntent[doc]];
    for (const [id, w] of weights) {
      exLists[id].push(doc);
      wLists[id].push(w / norm);
      centroid.set(id, (centroid.get(id) ?? 0) + w / norm);
    }
  });
  const ckLists: number[][] = df.map(() => []);
  const cwLists: number[][] = df.map(() => []);
  centroids.forEach((centroid, k) => {
    let norm = 0;
    for (const w of centroid.values()) norm += w * w;
    norm = Math.sqrt(norm) || 1;
    for (const [id, w] of centroid) {
      ckLists[id].push(k);
      cwLists[id].push(w / norm);
    }
  });
  return {
    ids,
    centroidK: ckLists.map((l) => Int32Array.from(l)),
    centroidW: cwLists.map((l) => Float32Array.from(l)),
    idf,
    postingsEx: exLists.map((l) => Int32Array.from(l)),
    postingsW: wLists.map((l) => Float32Array.from(l)),
    unseenIdf: Math.log(nDocs + 1) + 1,
  };
}

/**
 * Known and total squared IDF of the words (unseen ones at the highest IDF); a word reached only by
 * an edit-distance guess counts half, since a guess is evidence, not knowledge.
 */
function mass(space: Space, words: string[], guessed: boolean[]): { known: number; total: number } {
  let known = 0;
  let total = 0;
  const seen = new Set<string>();
  words.forEach((f, i) => {
    if (seen.has(f)) return;
    seen.add(f);
    const id = space.ids.get(f);
    const w = id === undefined ? space.unseenIdf : space.idf[id];
    total += w * w;
    if (id !== undefined) known += (guessed[i] ? 0.5 : 1) * w * w;
  });
  return { known, total };
}

/**
 * Adds the cosine similarity of the query's features to every example's entry in `into` (and every
 * intent centroid's in `intoCentroid`); returns the known and total squared weight of the query.
 */
function accumulate(space: Space, features: string[], into: Float32Array, intoCentroid: Float32Array): void {
  const tf = new Map<string, number>();
  for (const f of features) tf.set(f, (tf.get(f) ?? 0) + 1);
  let norm = 0;
  const known: [number, number][] = [];
  for (const [f, c] of tf) {
    const id = space.ids.get(f);
    const w = (1 + Math.log(c)) * (id === undefined ? space.unseenIdf : space.idf[id]);
    norm += w * w;
    if (id !== undefined) known.push([id, w]);
  }
  if (norm === 0) return;
  norm = Math.sqrt(norm);
  for (const [id, w] of known) {
    const q = w / norm;
    const ex = space.postingsEx[id];
    const pw = space.postingsW[id];
    for (let j = 0; j < ex.length; j++) into[ex[j]] += q * pw[j];
    const ck = space.centroidK[id];
    const cw = space.centroidW[id];
    for (let j = 0; j < ck.length; j++) intoCentroid[ck[j]] += q * cw[j];
  }
}
