/**
 * A character n-gram language model for shallow fusion in the CTC beam search. A small acoustic
 * model confuses letters that sound alike (س/ص/ث, ز/ذ/ض/ظ, ت/ط, ه/ح); which spelling is Persian is
 * a question of text, not of sound, so a model of how Persian words are spelt wins those back.
 *
 * Characters are UTF-16 code units: CTC vocabularies of Persian (and of any alphabetic script) sit
 * in the Basic Multilingual Plane, so a code unit is a letter.
 *
 * Smoothing is interpolated Witten–Bell, which needs nothing but counts: it suits characters
 * (few types per context) and lets a model be grown from a few hundred FAQ lines at import time.
 */
export interface CharLm {
  readonly order: number;
  /** Natural-log probability of `ch` following `context` (only its last order−1 characters count). */
  logProb(context: string, ch: string): number;
}

/** Sentence start is a run of spaces: the word-start context a sentence's first letter sees. */
const pad = (order: number) => ' '.repeat(order - 1);

/**
 * One context (a run of characters before the next one), reached from the empty context by adding
 * characters to its left: the suffix trie that Witten–Bell's backoff walks, one step per order.
 */
interface Context {
  /** How often anything followed this context, and how many different characters did. */
  total: number;
  types: number;
  /** Next character's code → count. */
  next: Map<number, number>;
  /** Character code to the left → the longer context. */
  longer: Map<number, Context> | null;
}

const newContext = (): Context => ({ total: 0, types: 0, next: new Map(), longer: null });

export class CharNgramLm implements CharLm {
  /** Full-order n-grams as counted; the lower orders are their suffixes, derived when first needed. */
  private readonly full = new Map<string, number>();
  private root: Context = newContext();
  private grams = 0;
  private readonly cache = new Map<string, number>();
  private readonly alphabet = new Set<string>();
  private stale = false;

  /**
   * `alphabet`: the characters the model will be asked about (the acoustic model's vocabulary), so
   * the floor is spread over them even where the text never used one; anything else shares one slot.
   */
  constructor(
    readonly order = 6,
    alphabet: Iterable<string> = [],
  ) {
    if (!Number.isInteger(order) || order < 1) throw new RangeError(`order must be a positive integer, not ${order}`);
    for (const ch of alphabet) this.alphabet.add(ch);
  }

  /** Counts a sentence `weight` times. Text must already be in the acoustic model's spelling. */
  add(sentence: string, weight = 1): this {
    const text = sentence.replace(/\s+/g, ' ').trim();
    if (!text) return this;
    const s = pad(this.order) + text + ' ';
    for (let i = this.order - 1; i < s.length; i++) {
      const gram = s.slice(i - this.order + 1, i + 1);
      this.full.set(gram, (this.full.get(gram) ?? 0) + weight);
    }
    this.stale = true;
    return this;
  }

  /** Derives the lower orders now, so the first call to `logProb` does not pay for it. */
  ready(): this {
    this.derive();
    return this;
  }

  /** Distinct n-grams of all orders. */
  get size(): number {
    this.derive();
    return this.grams;
  }

  logProb(context: string, ch: string): number {
    this.derive();
    const padded = context.length >= this.order - 1 ? context : pad(this.order) + context;
    const ctx = padded.slice(padded.length - (this.order - 1));
    const key = ctx + '\u0000' + ch;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const lp = Math.log(this.prob(ctx, ch));
    if (this.cache.size > 200_000) this.cache.clear();
    this.cache.set(key, lp);
    return lp;
  }

  /**
   * Every position was counted with its full padded context, so each lower-order n-gram's count is
   * the sum over the full n-grams it ends: one pass over the distinct ones, not over the text. The
   * counts go into a trie of contexts keyed by character codes: string keys for every order cost
   * a second of CPU per model load (each call's engine, and each recognition worker, loads one).
   */
  private derive(): void {
    if (!this.stale) return;
    const root = newContext();
    let grams = 0;
    const last = this.order - 1;
    for (const [gram, c] of this.full) {
      const ch = gram.charCodeAt(last);
      this.alphabet.add(gram[last]);
      let node = root;
      for (let n = 0; ; n++) {
        const seen = node.next.get(ch) ?? 0;
        if (seen === 0) {
          node.types++;
          grams++;
        }
        node.next.set(ch, seen + c);
        node.total += c;
        if (n === last) break;
        const left = gram.charCodeAt(last - 1 - n);
        node.longer ??= new Map();
        let longer = node.longer.get(left);
        if (!longer) node.longer.set(left, (longer = newContext()));
        node = longer;
      }
    }
    this.root = root;
    this.grams = grams;
    this.cache.clear();
    this.stale = false;
  }

  private prob(ctx: string, ch: string): number {
    // Uniform floor over the characters seen, plus one for anything unseen.
    let p = 1 / (this.alphabet.size + 1);
    const code = ch.charCodeAt(0);
    let node: Context | undefined = this.root;
    for (let n = 0; n <= ctx.length && node; n++) {
      if (!node.total) break;
      // A "character" the caller passes is one code unit; anything longer was never counted.
      const c = ch.length === 1 ? (node.next.get(code) ?? 0) : 0;
      p = (c + node.types * p) / (node.total + node.types);
      node = n < ctx.length ? node.longer?.get(ctx.charCodeAt(ctx.length - 1 - n)) : undefined;
    }
    return p;
  }

  /** Reads the recipe's `lm-corpus.txt`: one "count<TAB>sentence" per line. */
  static fromCorpus(text: string, order = 6, alphabet: Iterable<string> = []): CharNgramLm {
    const lm = new CharNgramLm(order, alphabet);
    for (const line of text.split('\n')) {
      const tab = line.indexOf('\t');
      if (tab < 0) continue;
      const weight = Number(line.slice(0, tab));
      if (!(weight > 0)) continue;
      lm.add(line.slice(tab + 1), weight);
    }
    return lm;
  }
}

/** Linear interpolation of two models, e.g. general Persian and the live FAQ's own wording. */
export class MixedLm implements CharLm {
  readonly order: number;
  constructor(
    private readonly a: CharLm,
    private readonly b: CharLm,
    private readonly weightOfB: number,
  ) {
    this.order = Math.max(a.order, b.order);
  }
  logProb(context: string, ch: string): number {
    const w = this.weightOfB;
    return Math.log((1 - w) * Math.exp(this.a.logProb(context, ch)) + w * Math.exp(this.b.logProb(context, ch)));
  }
}
