import { distance } from 'fastest-levenshtein';
import type { CharLm } from './charlm.js';

/**
 * CTC decoding over a [frames × vocab] matrix of log-probabilities: greedy, and a prefix beam
 * search that can be biased towards hotwords (a character trie walked as prefixes grow) and that
 * favours words of a lexicon. A small acoustic model gets letters of known words slightly wrong
 * far more often than it hears whole wrong words, so biasing is where most word errors are won back.
 */
export interface CtcVocab {
  /** Output symbol per class index. */
  tokens: readonly string[];
  blank: number;
  /** Symbol that separates words in the output ('' if the vocabulary has none). */
  wordDelimiter: string;
}

export interface LogProbs {
  data: Float32Array;
  frames: number;
  classes: number;
}

export interface CtcResult {
  text: string;
  /** Mean best-class probability over the frames that emitted a symbol (0..1). */
  confidence: number;
  /** Other readings the beam search kept, best first (beam search only). */
  alternatives?: string[];
}

function tokenText(vocab: CtcVocab, id: number): string {
  const t = vocab.tokens[id];
  return t === vocab.wordDelimiter ? ' ' : t;
}

export function greedyDecode(lp: LogProbs, vocab: CtcVocab): CtcResult {
  let prev = -1;
  let out = '';
  let confSum = 0;
  let confN = 0;
  for (let t = 0; t < lp.frames; t++) {
    const row = t * lp.classes;
    let best = 0;
    for (let c = 1; c < lp.classes; c++) if (lp.data[row + c] > lp.data[row + best]) best = c;
    if (best !== vocab.blank) {
      confSum += Math.exp(lp.data[row + best]);
      confN++;
      if (best !== prev) out += tokenText(vocab, best);
    }
    prev = best;
  }
  return { text: out.replace(/\s+/g, ' ').trim(), confidence: confN ? confSum / confN : 0 };
}

const NEG = -Infinity;
function lse(a: number, b: number): number {
  if (a === NEG) return b;
  if (b === NEG) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

interface TrieNode {
  children: Map<string, TrieNode>;
  terminal: boolean;
}

function newNode(): TrieNode {
  return { children: new Map(), terminal: false };
}

/** Hotword phrases as a character trie; matching starts only at word starts. */
export class HotwordTrie {
  readonly root = newNode();
  readonly size: number;
  constructor(phrases: readonly string[]) {
    let n = 0;
    for (const p of phrases) {
      const s = p.replace(/\s+/g, ' ').trim();
      if (!s) continue;
      let node = this.root;
      for (const ch of s) {
        let next = node.children.get(ch);
        if (!next) node.children.set(ch, (next = newNode()));
        node = next;
      }
      node.terminal = true;
      n++;
    }
    this.size = n;
  }
}

interface Beam {
  prefix: string;
  last: number;
  pb: number;
  pnb: number;
  /** Trie position while the current word may still be (part of) a hotword; null otherwise. */
  node: TrieNode | null;
  /** Bonus granted to the hotword match in progress (taken back if the match fails). */
  pending: number;
  /** Bonus kept from completed hotwords and lexicon words. */
  bonus: number;
  /** Weighted language-model score of the prefix, with the per-character insertion bonus. */
  lm: number;
}

export interface BeamOptions {
  beamWidth: number;
  /** Log-score bonus per character that extends a hotword match. */
  hotwordBoost: number;
  hotwords?: HotwordTrie;
  /** Log-score bonus for each completed word that is in the lexicon. */
  lexiconBonus?: number;
  lexicon?: ReadonlySet<string>;
  /** Frames whose blank probability exceeds this are folded in without branching. */
  blankSkip?: number;
  /** Per frame, only classes within this many nats of the frame's best are expanded… */
  pruneBelowBest?: number;
  /** …and at most this many of them (an unsure model spreads mass over many letters). */
  maxCandidates?: number;
  /** Character language model fused into the search (shallow fusion). */
  lm?: CharLm;
  /** Weight of the language model's log-probability. */
  lmWeight?: number;
  /** Log-score bonus per emitted character, which offsets the model's pull towards short outputs. */
  charBonus?: number;
}

function lastWord(prefix: string): string {
  const i = prefix.lastIndexOf(' ');
  return prefix.slice(i + 1);
}

/**
 * Advances the hotword/lexicon state of `b` by character `ch` (already appended to the prefix)
 * and returns the new [node, pending, bonus].
 */
function advance(b: Beam, ch: string, opts: BeamOptions): [TrieNode | null, number, number] {
  const root = opts.hotwords?.root ?? null;
  let { node, pending, bonus } = b;
  if (ch === ' ') {
    // A word ended: a hotword match that is complete here is kept; an unfinished one is taken back,
    // unless the hotword goes on with a space (multi-word phrase).
    const word = lastWord(b.prefix);
    if (opts.lexicon && opts.lexiconBonus && opts.lexicon.has(word)) bonus += opts.lexiconBonus;
    if (node && node.children.has(' ')) return [node.children.get(' ')!, pending + opts.hotwordBoost, bonus];
    if (node && node.terminal) return [root, 0, bonus + pending];
    return [root, 0, bonus];
  }
  if (node) {
    const next = node.children.get(ch);
    if (next) return [next, pending + opts.hotwordBoost, bonus];
  }
  return [null, 0, bonus];
}

/** The language model's view of `prefix` growing by `ch` (a doubled space is never scored). */
function lmStep(prefix: string, ch: string, opts: BeamOptions): number {
  if (!opts.lm || !opts.lmWeight) return 0;
  return opts.lmWeight * opts.lm.logProb(prefix, ch) + (opts.charBonus ?? 0);
}

function finalBonus(b: Beam, opts: BeamOptions): number {
  // The model learnt sentences as ending in a space: an ending mid-word must be plausible too.
  let bonus = b.bonus + b.lm + (b.prefix && !b.prefix.endsWith(' ') ? lmStep(b.prefix, ' ', opts) - (opts.charBonus ?? 0) : 0);
  const word = lastWord(b.prefix);
  if (word && opts.lexicon && opts.lexiconBonus && opts.lexicon.has(word)) bonus += opts.lexiconBonus;
  if (b.node && b.node.terminal) bonus += b.pending;
  return bonus;
}

export function beamDecode(lp: LogProbs, vocab: CtcVocab, opts: BeamOptions): CtcResult {
  const blankSkip = Math.log(opts.blankSkip ?? 0.999);
  const prune = opts.pruneBelowBest ?? 6;
  const maxCands = opts.maxCandidates ?? 6;
  const root = opts.hotwords && opts.hotwords.size > 0 ? opts.hotwords.root : null;
  let beams: Beam[] = [{ prefix: '', last: -1, pb: 0, pnb: NEG, node: root, pending: 0, bonus: 0, lm: 0 }];
  const C = lp.classes;
  for (let t = 0; t < lp.frames; t++) {
    const row = t * C;
    const lpBlank = lp.data[row + vocab.blank];
    if (lpBlank > blankSkip) {
      for (const b of beams) {
        b.pb = lse(b.pb, b.pnb) + lpBlank;
        b.pnb = NEG;
      }
      continue;
    }
    let best = NEG;
    for (let c = 0; c < C; c++) if (lp.data[row + c] > best) best = lp.data[row + c];
    let cands: number[] = [];
    for (let c = 0; c < C; c++) if (c !== vocab.blank && lp.data[row + c] >= best - prune) cands.push(c);
    if (cands.length > maxCands) cands = cands.sort((a, b) => lp.data[row + b] - lp.data[row + a]).slice(0, maxCands);

    const next = new Map<string, Beam>();
    const get = (proto: Beam, prefix: string, last: number, ch: string | null): Beam => {
      let nb = next.get(prefix);
      if (!nb) {
        if (ch === null) nb = { ...proto, prefix, last, pb: NEG, pnb: NEG };
        else {
          const [node, pending, bonus] = advance(proto, ch, opts);
          nb = { prefix, last, pb: NEG, pnb: NEG, node, pending, bonus, lm: proto.lm + lmStep(proto.prefix, ch, opts) };
        }
        next.set(prefix, nb);
      }
      return nb;
    };
    for (const b of beams) {
      const total = lse(b.pb, b.pnb);
      const same = get(b, b.prefix, b.last, null);
      same.pb = lse(same.pb, total + lpBlank);
      for (const c of cands) {
        const p = lp.data[row + c];
        const ch = tokenText(vocab, c);
        if (ch === ' ' && (b.prefix === '' || b.prefix.endsWith(' '))) {
          // Leading or doubled word delimiter: no new prefix, like a blank.
          same.pb = lse(same.pb, total + p);
          continue;
        }
        if (c === b.last) {
          same.pnb = lse(same.pnb, b.pnb + p);
          if (b.pb !== NEG) {
            const ext = get(b, b.prefix + ch, c, ch);
            ext.pnb = lse(ext.pnb, b.pb + p);
          }
        } else {
          const ext = get(b, b.prefix + ch, c, ch);
          ext.pnb = lse(ext.pnb, total + p);
        }
      }
    }
    const all = [...next.values()];
    for (const b of all) (b as Beam & { score?: number }).score = lse(b.pb, b.pnb) + b.bonus + b.pending + b.lm;
    all.sort((a, b) => (b as Beam & { score: number }).score - (a as Beam & { score: number }).score);
    beams = all.slice(0, opts.beamWidth);
  }
  const ranked = beams
    .map((b) => ({ text: b.prefix.replace(/\s+/g, ' ').trim(), score: lse(b.pb, b.pnb) + finalBonus(b, opts) }))
    .sort((a, b) => b.score - a.score);
  const readings = [...new Set(ranked.map((r) => r.text))];
  return { text: readings[0] ?? '', confidence: greedyDecode(lp, vocab).confidence, alternatives: readings.slice(1) };
}

/**
 * Replaces each word that is not in the lexicon by the closest lexicon word when that word is
 * close enough (one edit for 4+ letters, two for 8+) and no other lexicon word is equally close.
 * Short words are left alone: they are too easy to snap into the wrong word.
 */
export function snapToLexicon(text: string, lexicon: ReadonlySet<string>, byLength?: Map<number, string[]>): string {
  if (lexicon.size === 0) return text;
  const index = byLength ?? indexByLength(lexicon);
  return text
    .split(' ')
    .map((w) => {
      if (w.length < 4 || lexicon.has(w)) return w;
      const maxD = w.length >= 8 ? 2 : 1;
      let best = w;
      let bestD = maxD + 1;
      let tie = false;
      for (let len = w.length - maxD; len <= w.length + maxD; len++) {
        for (const cand of index.get(len) ?? []) {
          const d = distance(w, cand);
          if (d < bestD) {
            bestD = d;
            best = cand;
            tie = false;
          } else if (d === bestD) tie = true;
        }
      }
      return bestD <= maxD && !tie ? best : w;
    })
    .join(' ');
}

export function indexByLength(words: Iterable<string>): Map<number, string[]> {
  const m = new Map<number, string[]>();
  for (const w of words) {
    const list = m.get(w.length);
    if (list) list.push(w);
    else m.set(w.length, [w]);
  }
  return m;
}
