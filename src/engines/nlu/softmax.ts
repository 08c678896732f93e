/**
 * Multinomial logistic regression over the matcher's TF-IDF features, with the background as one
 * more class. Nearest phrasings and naive Bayes say how much an utterance resembles an intent; a
 * discriminative model learns which words tell intents (and "no FAQ") apart, which is what a
 * confidence needs: «رمز عابر بانکم» shares «رمز … عوض» with the Wi-Fi password FAQ, and only the
 * background's «عابر بانک» says it is not one.
 *
 * Weights exist only on (feature, class) pairs seen together in training (the naive-Bayes support):
 * a parse then costs the postings of its features, not features × classes, and 500 FAQs train in
 * the import budget. A feature's absence from a class is still evidence, through the other
 * classes' weights and the softmax.
 *
 * No intercept: a FAQ that ops have just written with its question alone must not be outvoted by
 * the prior of FAQs with forty examples. It also means that a class none of the utterance's
 * features point to scores exactly 0, so the softmax only computes the classes that are touched
 * (with 500 FAQs, a few dozen) and counts the rest in one term.
 */

/** Feature → classes that have it, in compressed-sparse-row form. */
export interface Support {
  start: Int32Array;
  index: Int32Array;
}

/** One utterance: feature ids and their (L2-normalised TF-IDF) values. */
export interface SparseRow {
  ids: Int32Array;
  values: Float32Array;
}

export interface SoftmaxOptions {
  /** Passes over the training rows. */
  epochs?: number;
  /** Adagrad base step. */
  rate?: number;
  /** L2 penalty on the weights a row touches. */
  l2?: number;
  /** Per row: how much its error counts (default 1). */
  rowWeight?: Float32Array;
}

export class SoftmaxRegression {
  private readonly scratch: Scratch;

  private constructor(
    private readonly support: Support,
    private readonly weight: Float32Array,
    readonly classes: number,
  ) {
    this.scratch = new Scratch(classes);
  }

  /** Class probabilities of `row`, written into `out` (length = classes). */
  predict(row: SparseRow, out: Float64Array): void {
    const s = this.scratch;
    const rest = s.probabilities(this.support, this.weight, row);
    out.fill(rest);
    for (let i = 0; i < s.count; i++) out[s.touched[i]] = s.p[s.touched[i]];
    s.clear();
  }

  /** Trains by shuffled Adagrad SGD, yielding between chunks so that training can run in slices. */
  static *train(rows: readonly SparseRow[], labels: Int32Array, support: Support, nClasses: number, options: SoftmaxOptions = {}): Generator<void, SoftmaxRegression> {
    const epochs = options.epochs ?? 12;
    const rate = options.rate ?? 0.5;
    const l2 = options.l2 ?? 1e-3;
    const weight = new Float32Array(support.index.length);
    const g2w = new Float32Array(support.index.length).fill(1e-8);
    const s = new Scratch(nClasses);
    const p = s.p;
    const order = Int32Array.from(rows, (_, i) => i);
    let seed = 0x9e3779b9;
    const random = () => {
      // xorshift32: deterministic shuffles, so a retrain of the same data gives the same model.
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 4294967296;
    };
    for (let epoch = 0; epoch < epochs; epoch++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        const t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      for (let n = 0; n < order.length; n++) {
        if (n % 256 === 255) yield;
        const r = order[n];
        const row = rows[r];
        const gold = labels[r];
        s.probabilities(support, weight, row);
        // A row's class is touched unless limitFanout left none of its features in the support;
        // then it has no weights here to learn, and only the other classes are pushed down.
        if (s.touches(gold)) p[gold] -= 1;
        const rw = options.rowWeight?.[r] ?? 1;
        for (let j = 0; j < row.ids.length; j++) {
          const f = row.ids[j];
          const v = row.values[j] * rw;
          for (let at = support.start[f], end = support.start[f + 1]; at < end; at++) {
            const g = p[support.index[at]] * v + l2 * weight[at];
            g2w[at] += g * g;
            weight[at] -= (rate * g) / Math.sqrt(g2w[at]);
          }
        }
        s.clear();
      }
    }
    return new SoftmaxRegression(support, weight, nClasses);
  }
}

/** Per-row working space: the classes a row touches and their scores, then probabilities. */
class Scratch {
  readonly p: Float64Array;
  readonly touched: Int32Array;
  count = 0;
  private readonly mark: Uint8Array;

  constructor(readonly classes: number) {
    this.p = new Float64Array(classes);
    this.touched = new Int32Array(classes);
    this.mark = new Uint8Array(classes);
  }

  /** Fills `p` for the touched classes; returns the probability of each untouched one. */
  probabilities(support: Support, weight: Float32Array, row: SparseRow): number {
    const { p, touched, mark } = this;
    for (let j = 0; j < row.ids.length; j++) {
      const f = row.ids[j];
      const v = row.values[j];
      for (let at = support.start[f], end = support.start[f + 1]; at < end; at++) {
        const k = support.index[at];
        if (mark[k] === 0) {
          mark[k] = 1;
          touched[this.count++] = k;
        }
        p[k] += v * weight[at];
      }
    }
    const untouched = this.classes - this.count;
    let max = untouched > 0 ? 0 : -Infinity;
    for (let i = 0; i < this.count; i++) if (p[touched[i]] > max) max = p[touched[i]];
    const rest = Math.exp(-max);
    let z = untouched * rest;
    for (let i = 0; i < this.count; i++) {
      const k = touched[i];
      p[k] = Math.exp(p[k] - max);
      z += p[k];
    }
    for (let i = 0; i < this.count; i++) p[touched[i]] /= z;
    return rest / z;
  }

  touches(k: number): boolean {
    return this.mark[k] === 1;
  }

  clear(): void {
    for (let i = 0; i < this.count; i++) {
      this.p[this.touched[i]] = 0;
      this.mark[this.touched[i]] = 0;
    }
    this.count = 0;
  }
}

/** Two supports side by side: the second's feature ids follow the first's. */
export function concatSupport(a: Support, b: Support): Support {
  const na = a.start.length - 1;
  const nb = b.start.length - 1;
  const start = new Int32Array(na + nb + 1);
  start.set(a.start.subarray(0, na));
  const offset = a.index.length;
  for (let i = 0; i <= nb; i++) start[na + i] = b.start[i] + offset;
  const index = new Int32Array(a.index.length + b.index.length);
  index.set(a.index);
  index.set(b.index, offset);
  return { start, index };
}

/**
 * The support without the features more than `max` classes share: letters common to half the
 * knowledge base («ینت», « با») say little about which FAQ was meant, and with 500 FAQs they would
 * hold most of the weights and most of the training time.
 */
export function limitFanout(support: Support, max: number): Support {
  const n = support.start.length - 1;
  const start = new Int32Array(n + 1);
  let total = 0;
  for (let f = 0; f < n; f++) {
    const fanout = support.start[f + 1] - support.start[f];
    start[f] = total;
    if (fanout <= max) total += fanout;
  }
  start[n] = total;
  const index = new Int32Array(total);
  for (let f = 0; f < n; f++) {
    if (start[f + 1] > start[f]) index.set(support.index.subarray(support.start[f], support.start[f + 1]), start[f]);
  }
  return { start, index };
}

/** Two rows side by side, the second's ids shifted by `offset`. */
export function concatRows(a: SparseRow, b: SparseRow, offset: number): SparseRow {
  const ids = new Int32Array(a.ids.length + b.ids.length);
  const values = new Float32Array(ids.length);
  ids.set(a.ids);
  values.set(a.values);
  for (let j = 0; j < b.ids.length; j++) {
    ids[a.ids.length + j] = b.ids[j] + offset;
    values[a.ids.length + j] = b.values[j];
  }
  return { ids, values };
}
