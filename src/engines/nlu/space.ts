import type { SparseRow } from './softmax.js';

/**
 * The matcher's feature spaces (words; character n-grams): for one space, the TF-IDF index of the
 * phrasings, the intent centroids and the naive-Bayes counts, built once per training, and the
 * per-parse walks over them. Kept apart from the ranking (matcher.ts) because these are the data
 * structures whose layout decides how fast a retrain and a parse are; the ranking decides what
 * the evidence means.
 */

/**
 * One feature space in compressed-sparse-row form: for feature `id`, entries
 * `start[id] … start[id + 1] - 1` of each flat array. A few large typed arrays instead of one small
 * array per feature keep retraining (and the garbage collector) fast at thousands of phrasings.
 */
export interface Csr {
  start: Int32Array;
  index: Int32Array;
  weight: Float32Array;
}

export interface Space {
  ids: Map<string, number>;
  /** Per feature: example indices and weights (TF-IDF, L2-normalised per example). */
  postings: Csr;
  /** Per feature: intent indices and weights of the L2-normalised intent centroids. */
  centroids: Csr;
  /** Per feature: intents whose phrasings contain it, and log((count + α) / α). */
  bayes: Csr;
  idf: Float64Array;
  /** IDF given to a feature the training data never saw (it still counts against similarity). */
  unseenIdf: number;
}

export function* buildSpace(
  tokenLists: string[][],
  featuresOf: (tokens: string[]) => string[],
  docIntent: Int32Array,
  nIntents: number,
  alpha: number,
): Generator<void, Space & { featureTotal: Float64Array; rows: SparseRow[] }> {
  const ids = new Map<string, number>();
  let nFeatures = 0;
  // Per document: distinct feature ids and their counts, as parallel arrays.
  const docIds: Int32Array[] = [];
  const docCounts: Int32Array[] = [];
  const seenAt = new Map<number, number>();
  let dfList: number[] = [];
  for (let d = 0; d < tokenLists.length; d++) {
    if (d % 128 === 127) yield;
    const features = featuresOf(tokenLists[d]);
    seenAt.clear();
    const fids: number[] = [];
    const fcounts: number[] = [];
    for (const f of features) {
      let id = ids.get(f);
      if (id === undefined) {
        id = nFeatures++;
        ids.set(f, id);
        dfList.push(0);
      }
      const at = seenAt.get(id);
      if (at === undefined) {
        seenAt.set(id, fids.length);
        fids.push(id);
        fcounts.push(1);
        dfList[id]++;
      } else fcounts[at]++;
    }
    docIds.push(Int32Array.from(fids));
    docCounts.push(Int32Array.from(fcounts));
  }
  const df = Int32Array.from(dfList);
  dfList = [];
  const nDocs = tokenLists.length;
  const idf = new Float64Array(nFeatures);
  for (let id = 0; id < nFeatures; id++) idf[id] = Math.log((nDocs + 1) / (df[id] + 1)) + 1;

  // Example postings, filled in document order.
  const postings = csrShell(df);
  const fill = Int32Array.from(postings.start.subarray(0, nFeatures));
  const featureTotal = new Float64Array(nIntents);
  // Each phrasing's TF-IDF vector, for the softmax regression.
  const rows: SparseRow[] = [];
  // Centroids accumulate in a dense row per intent only for the features that intent uses.
  const centroidRows: Map<number, number>[] = Array.from({ length: nIntents }, () => new Map());
  for (let doc = 0; doc < nDocs; doc++) {
    if (doc % 256 === 255) yield;
    const fids = docIds[doc];
    const fcounts = docCounts[doc];
    let norm = 0;
    for (let j = 0; j < fids.length; j++) {
      const w = (1 + Math.log(fcounts[j])) * idf[fids[j]];
      norm += w * w;
    }
    norm = Math.sqrt(norm) || 1;
    const k = docIntent[doc];
    const row = centroidRows[k];
    featureTotal[k] += fids.length;
    const values = new Float32Array(fids.length);
    rows.push({ ids: fids, values });
    for (let j = 0; j < fids.length; j++) {
      const id = fids[j];
      const w = ((1 + Math.log(fcounts[j])) * idf[id]) / norm;
      values[j] = w;
      const at = fill[id]++;
      postings.index[at] = doc;
      postings.weight[at] = w;
      row.set(id, (row.get(id) ?? 0) + w);
    }
  }

  // Centroids: normalise each intent's row, then transpose to feature → intents.
  const perFeature = new Int32Array(nFeatures);
  const norms = new Float64Array(nIntents);
  centroidRows.forEach((row, k) => {
    let n = 0;
    for (const [id, w] of row) {
      n += w * w;
      perFeature[id]++;
    }
    norms[k] = Math.sqrt(n) || 1;
  });
  const centroids = csrShell(perFeature);
  const cfill = Int32Array.from(centroids.start.subarray(0, nFeatures));
  centroidRows.forEach((row, k) => {
    for (const [id, w] of row) {
      const at = cfill[id]++;
      centroids.index[at] = k;
      centroids.weight[at] = w / norms[k];
    }
  });

  // Naive Bayes: in how many of each intent's phrasings a feature occurs, from the postings.
  const scratch = new Int32Array(nIntents);
  const touched: number[] = [];
  const bayesIndex: number[] = [];
  const bayesWeight: number[] = [];
  const bayesStart = new Int32Array(nFeatures + 1);
  for (let id = 0; id < nFeatures; id++) {
    if (id % 4096 === 4095) yield;
    bayesStart[id] = bayesIndex.length;
    for (let j = postings.start[id]; j < postings.start[id + 1]; j++) {
      const k = docIntent[postings.index[j]];
      if (scratch[k]++ === 0) touched.push(k);
    }
    for (const k of touched) {
      bayesIndex.push(k);
      bayesWeight.push(Math.log((scratch[k] + alpha) / alpha));
      scratch[k] = 0;
    }
    touched.length = 0;
  }
  bayesStart[nFeatures] = bayesIndex.length;
  return {
    ids,
    featureTotal,
    rows,
    postings,
    centroids,
    bayes: { start: bayesStart, index: Int32Array.from(bayesIndex), weight: Float32Array.from(bayesWeight) },
    idf,
    unseenIdf: Math.log(nDocs + 1) + 1,
  };
}

/** An empty CSR sized by per-feature entry counts. */
function csrShell(counts: Int32Array): Csr {
  const start = new Int32Array(counts.length + 1);
  for (let i = 0; i < counts.length; i++) start[i + 1] = start[i] + counts[i];
  const total = start[counts.length];
  return { start, index: new Int32Array(total), weight: new Float32Array(total) };
}

/**
 * Known and total squared IDF of the words (unseen ones at the highest IDF); a word reached only by
 * an edit-distance guess counts half, since a guess is evidence, not knowledge.
 */
export function mass(space: Space, words: string[], guessed: boolean[], isKnown: (w: string) => boolean): { known: number; total: number } {
  let known = 0;
  let total = 0;
  const seen = new Set<string>();
  words.forEach((f, i) => {
    if (seen.has(f)) return;
    seen.add(f);
    const id = space.ids.get(f);
    const w = id === undefined ? space.unseenIdf : space.idf[id];
    total += w * w;
    if (id !== undefined && isKnown(f)) known += (guessed[i] ? 0.5 : 1) * w * w;
  });
  return { known, total };
}

/**
 * Adds the cosine similarity of the query's features to every example's entry in `into` (and every
 * intent centroid's in `intoCentroid`); returns the query's known features and their weights.
 */
export function accumulate(space: Space, features: string[], into: Float32Array, intoCentroid: Float32Array): SparseRow {
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
  const row: SparseRow = { ids: new Int32Array(known.length), values: new Float32Array(known.length) };
  if (norm === 0) return row;
  norm = Math.sqrt(norm);
  const { postings: p, centroids: c } = space;
  for (let i = 0; i < known.length; i++) {
    const [id, w] = known[i];
    const q = w / norm;
    row.ids[i] = id;
    row.values[i] = q;
    for (let j = p.start[id], end = p.start[id + 1]; j < end; j++) into[p.index[j]] += q * p.weight[j];
    for (let j = c.start[id], end = c.start[id + 1]; j < end; j++) intoCentroid[c.index[j]] += q * c.weight[j];
  }
  return row;
}

/** Adds each intent's naive-Bayes evidence for the (distinct) features; returns how many there were. */
export function bayesAccumulate(space: Space, features: string[], into: Float64Array): number {
  const distinct = new Set(features);
  for (const f of distinct) {
    const id = space.ids.get(f);
    if (id === undefined) continue;
    const b = space.bayes;
    for (let j = b.start[id], end = b.start[id + 1]; j < end; j++) into[b.index[j]] += b.weight[j];
  }
  return distinct.size;
}
