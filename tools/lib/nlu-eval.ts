/**
 * Shared pieces of the NLU evaluation: reading labelled lines, fitting the confidence calibration,
 * choosing the accept threshold on held-out lines, and the figures reported for a test set.
 */
import { readFileSync } from 'node:fs';
import type { Evidence } from '../../src/engines/nlu/calibration.js';

export interface Labelled {
  text: string;
  /** null = out of scope. */
  intent: string | null;
}

/** JSONL with `text` or `utt` (MASSIVE) and `intent` (null for out-of-scope lines). */
export function readLabelled(path: string): Labelled[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((line, i) => {
      const row = JSON.parse(line);
      const text = row.text ?? row.utt;
      if (typeof text !== 'string') throw new Error(`${path}:${i + 1}: no "text" or "utt"`);
      return { text, intent: row.intent ?? null };
    });
}

/** What a classifier says about one line: its best intent and a confidence in it. */
export interface Prediction {
  top: string | null;
  confidence: number;
}

export interface Figures {
  n_in_scope: number;
  n_out_of_scope: number;
  in_scope_accuracy: number;
  top1_accuracy: number;
  oos_false_accept: number | null;
  macro_f1: number;
  confused: { gold: string; predicted: string; count: number }[];
}

export function figures(gold: Labelled[], predicted: (string | null)[], top: (string | null)[]): Figures {
  const inScope = gold.map((g, i) => ({ g, i })).filter(({ g }) => g.intent !== null);
  const oos = gold.map((g, i) => ({ g, i })).filter(({ g }) => g.intent === null);
  const correct = inScope.filter(({ g, i }) => predicted[i] === g.intent).length;
  const topCorrect = inScope.filter(({ g, i }) => top[i] === g.intent).length;
  const falseAccept = oos.filter(({ i }) => predicted[i] !== null).length;
  const label = (x: string | null) => x ?? '(out-of-scope)';
  const classes = new Set(gold.map((g) => label(g.intent)));
  let f1sum = 0;
  for (const c of classes) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    gold.forEach((g, i) => {
      const gl = label(g.intent);
      const pl = label(predicted[i]);
      if (gl === c && pl === c) tp++;
      else if (pl === c) fp++;
      else if (gl === c) fn++;
    });
    f1sum += tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  }
  const pairs = new Map<string, number>();
  gold.forEach((g, i) => {
    if (label(g.intent) !== label(predicted[i])) {
      const k = `${label(g.intent)}\u0000${label(predicted[i])}`;
      pairs.set(k, (pairs.get(k) ?? 0) + 1);
    }
  });
  const confused = [...pairs.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([k, count]) => {
      const [g, p] = k.split('\u0000');
      return { gold: g, predicted: p, count };
    });
  return {
    n_in_scope: inScope.length,
    n_out_of_scope: oos.length,
    in_scope_accuracy: round(inScope.length ? correct / inScope.length : 0),
    top1_accuracy: round(inScope.length ? topCorrect / inScope.length : 0),
    oos_false_accept: oos.length ? round(falseAccept / oos.length) : null,
    macro_f1: round(classes.size ? f1sum / classes.size : 0),
    confused,
  };
}

export function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export const CALIBRATION_FEATURES = ['score', 'margin', 'coverage', 'word', 'unknown', 'bayes', 'background', 'softmax', 'foreign', 'backgroundSoftmax'] as const;
type Row = Record<(typeof CALIBRATION_FEATURES)[number], number> & { label: 0 | 1 };

/** A calibration row: the evidence as `confidenceOf` weighs it (the margin for `bestOther`) and whether the answer was right. */
export function calibrationRow(e: Evidence, right: boolean): Row {
  const { bestOther, ...rest } = e;
  return { ...rest, margin: e.score - bestOther, label: right ? 1 : 0 };
}

/** Logistic regression of "top answer is right" on the calibration features, gradient descent. */
export function fitCalibration(rows: Row[]) {
  const m = CALIBRATION_FEATURES.length;
  const w = new Array<number>(m).fill(0);
  let b = 0;
  const lr = 0.5;
  const l2 = 1e-3;
  const xs = rows.map((r) => CALIBRATION_FEATURES.map((f) => r[f]));
  for (let epoch = 0; epoch < 5000; epoch++) {
    const g = new Array<number>(m).fill(0);
    let gb = 0;
    rows.forEach((r, j) => {
      const x = xs[j];
      let z = b;
      for (let k = 0; k < m; k++) z += w[k] * x[k];
      const e = 1 / (1 + Math.exp(-z)) - r.label;
      for (let k = 0; k < m; k++) g[k] += e * x[k];
      gb += e;
    });
    const n = rows.length || 1;
    for (let k = 0; k < m; k++) w[k] -= lr * (g[k] / n + l2 * w[k]);
    b -= lr * (gb / n);
  }
  const out = Object.fromEntries(CALIBRATION_FEATURES.map((f, k) => [f, round(w[k], 4)])) as Record<(typeof CALIBRATION_FEATURES)[number], number>;
  return { ...out, bias: round(b, 4) };
}

/**
 * Accept threshold on held-out lines: the highest in-scope accuracy whose false-accept rate on the
 * out-of-scope lines is at most `maxFalseAccept`; without out-of-scope lines, the best accuracy.
 */
export function chooseThreshold(
  gold: Labelled[],
  preds: Prediction[],
  maxFalseAccept = 0.1,
): { threshold: number; in_scope_accuracy: number; oos_false_accept: number | null } {
  const nIn = gold.filter((g) => g.intent !== null).length;
  const nOut = gold.length - nIn;
  const rows: { threshold: number; in_scope_accuracy: number; oos_false_accept: number | null; objective: number }[] = [];
  for (let k = 0; k <= 99; k++) {
    const t = k / 100;
    let correct = 0;
    let fa = 0;
    gold.forEach((g, i) => {
      const accepted = preds[i].confidence >= t;
      if (g.intent === null) fa += accepted ? 1 : 0;
      else if (accepted && preds[i].top === g.intent) correct++;
    });
    const acc = nIn ? correct / nIn : 0;
    const far = nOut ? fa / nOut : null;
    const feasible = far === null || far <= maxFalseAccept;
    // Feasible thresholds beat infeasible ones; among feasible, accuracy; among infeasible, balance.
    const objective = round(feasible ? 10 + acc : acc + (1 - (far ?? 0)), 6);
    rows.push({ threshold: t, in_scope_accuracy: round(acc), oos_false_accept: far === null ? null : round(far), objective });
  }
  const top = Math.max(...rows.map((r) => r.objective));
  // Of the equally good thresholds take the middle one: furthest from both kinds of mistake.
  const tied = rows.filter((r) => r.objective === top);
  const best = tied[Math.floor((tied.length - 1) / 2)];
  const { objective: _o, ...rest } = best;
  return rest;
}
