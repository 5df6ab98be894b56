/**
 * Threshold-free metrics from scores, following scikit-learn: ROC curve and ROC AUC (binary and
 * one-vs-rest), precision-recall curve and average precision.
 */
import { scoreMatrix, targetLabels, type Values } from './inputs.js';
import { int, oneOf, parseOptions } from '../ops/args.js';

export interface BinaryCurveOptions {
  /** The target label that counts as positive (default 1). */
  posLabel?: number;
}

interface ClfCurve {
  fps: number[];
  tps: number[];
  thresholds: number[];
}

/** Cumulative false and true positives at each distinct score, highest first (sklearn's _binary_clf_curve). */
function binaryClfCurve(scores: ArrayLike<number>, positive: ArrayLike<boolean>): ClfCurve {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const out: ClfCurve = { fps: [], tps: [], thresholds: [] };
  let tp = 0;
  for (let j = 0; j < n; j++) {
    const i = order[j]!;
    if (positive[i]) tp++;
    const next = order[j + 1];
    if (next === undefined || scores[next] !== scores[i]) {
      out.tps.push(tp);
      out.fps.push(j + 1 - tp);
      out.thresholds.push(scores[i]!);
    }
  }
  return out;
}

function binaryInputs(op: string, scores: Values, target: Values, posLabel: number): { s: Float64Array; positive: boolean[] } {
  const labels = targetLabels(op, target);
  const { values, classes } = scoreMatrix(op, scores, labels.length);
  if (classes !== 1) {
    throw new Error(`${op}: binary curves need one score per sample ([N]), got ${classes} columns; for [N, C] scores use rocAuc / averagePrecision with one-vs-rest`);
  }
  if (values.some((v) => Number.isNaN(v))) throw new Error(`${op}: scores contain NaN`);
  return { s: values, positive: Array.from(labels, (y) => y === posLabel) };
}

export interface RocCurve {
  fpr: number[];
  tpr: number[];
  /** Decreasing; the first is +Infinity (the curve's (0, 0) start). */
  thresholds: number[];
}

/**
 * The ROC curve of binary scores: false and true positive rates at each threshold, with the
 * collinear intermediate points dropped, as sklearn.metrics.roc_curve (drop_intermediate=True).
 */
export function rocCurve(scores: Values, target: Values, options: BinaryCurveOptions = {}, ...extra: []): RocCurve {
  parseOptions('metrics.rocCurve', options, BINARY_CURVE_SPEC, extra);
  const op = 'rocCurve';
  const { s, positive } = binaryInputs(op, scores, target, options.posLabel ?? 1);
  let { fps, tps, thresholds } = binaryClfCurve(s, positive);
  if (fps.length > 2) {
    const keep = fps.map((_, i) => i === 0 || i === fps.length - 1 || fps[i - 1]! - 2 * fps[i]! + fps[i + 1]! !== 0 || tps[i - 1]! - 2 * tps[i]! + tps[i + 1]! !== 0);
    fps = fps.filter((_, i) => keep[i]);
    tps = tps.filter((_, i) => keep[i]);
    thresholds = thresholds.filter((_, i) => keep[i]);
  }
  const negatives = fps[fps.length - 1] ?? 0;
  const positives = tps[tps.length - 1] ?? 0;
  if (negatives === 0 || positives === 0) {
    throw new Error(`${op}: the target has ${positives === 0 ? 'no positive' : 'no negative'} samples, so the ${positives === 0 ? 'true' : 'false'} positive rate is undefined`);
  }
  return {
    fpr: [0, ...fps.map((v) => v / negatives)],
    tpr: [0, ...tps.map((v) => v / positives)],
    thresholds: [Infinity, ...thresholds],
  };
}

/** Area under a curve by the trapezoidal rule (x monotonic). */
export function auc(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length || x.length < 2) throw new Error(`auc: need x and y of the same length >= 2, got ${x.length} and ${y.length}`);
  let area = 0;
  for (let i = 1; i < x.length; i++) area += ((x[i]! - x[i - 1]!) * (y[i]! + y[i - 1]!)) / 2;
  return Math.abs(area);
}

export interface MultiClassOptions {
  /** How one-vs-rest scores of [N, C] inputs are combined: 'macro' (default) or 'weighted' by class support. */
  average?: 'macro' | 'weighted';
}

const BINARY_CURVE_SPEC = { posLabel: int };
/** rocAuc's and averagePrecision's options (also their streaming twins'). */
export const CURVE_SPEC = { ...BINARY_CURVE_SPEC, average: oneOf('macro', 'weighted') };

/** A binary metric applied per class (class c against the rest) and averaged. */
function oneVsRest(
  op: string,
  scores: Values,
  target: Values,
  options: MultiClassOptions,
  binary: (s: Float64Array, positive: boolean[]) => number,
): number {
  const labels = targetLabels(op, target);
  const { values, classes } = scoreMatrix(op, scores, labels.length);
  const average = options.average ?? 'macro';
  if (average !== 'macro' && average !== 'weighted') throw new Error(`${op}: average must be 'macro' or 'weighted', got ${JSON.stringify(average)}`);
  let total = 0;
  let weights = 0;
  for (let c = 0; c < classes; c++) {
    const column = Float64Array.from({ length: labels.length }, (_, i) => values[i * classes + c]!);
    const positive = Array.from(labels, (y) => y === c);
    const support = positive.filter(Boolean).length;
    if (support === 0 || support === labels.length) {
      throw new Error(`${op}: class ${c} has ${support === 0 ? 'no' : 'only'} samples in the target, so its one-vs-rest score is undefined`);
    }
    const w = average === 'macro' ? 1 : support;
    total += w * binary(column, positive);
    weights += w;
  }
  labels.forEach((y, i) => {
    if (y >= classes) throw new Error(`${op}: target ${y} at index ${i} has no score column (scores have ${classes})`);
  });
  return total / weights;
}

/**
 * Area under the ROC curve: binary scores [N] against 0/1 targets, or [N, C] class scores
 * one-vs-rest (sklearn's roc_auc_score with multi_class='ovr').
 */
export function rocAuc(scores: Values, target: Values, options: BinaryCurveOptions & MultiClassOptions = {}, ...extra: []): number {
  parseOptions('metrics.rocAuc', options, CURVE_SPEC, extra);
  const op = 'rocAuc';
  const labels = targetLabels(op, target);
  if (scoreMatrix(op, scores, labels.length).classes === 1) {
    const roc = rocCurve(scores, target, { posLabel: options.posLabel });
    return auc(roc.fpr, roc.tpr);
  }
  return oneVsRest(op, scores, target, options, (s, positive) => {
    const roc = rocCurve(Array.from(s), Array.from(positive, Number));
    return auc(roc.fpr, roc.tpr);
  });
}

export interface PrecisionRecallCurve {
  /** Precision at each threshold, from the lowest threshold up, ending with 1. */
  precision: number[];
  /** Recall at each threshold, decreasing, ending with 0. */
  recall: number[];
  /** Increasing distinct scores (one fewer than precision and recall). */
  thresholds: number[];
}

/** sklearn.metrics.precision_recall_curve for binary scores. */
export function precisionRecallCurve(scores: Values, target: Values, options: BinaryCurveOptions = {}, ...extra: []): PrecisionRecallCurve {
  parseOptions('metrics.precisionRecallCurve', options, BINARY_CURVE_SPEC, extra);
  const op = 'precisionRecallCurve';
  const { s, positive } = binaryInputs(op, scores, target, options.posLabel ?? 1);
  const { fps, tps, thresholds } = binaryClfCurve(s, positive);
  const positives = tps[tps.length - 1] ?? 0;
  const precision = tps.map((tp, i) => (tp + fps[i]! === 0 ? 0 : tp / (tp + fps[i]!)));
  const recall = positives === 0 ? tps.map(() => 1) : tps.map((tp) => tp / positives);
  return {
    precision: [...precision.reverse(), 1],
    recall: [...recall.reverse(), 0],
    thresholds: [...thresholds].reverse(),
  };
}

function binaryAveragePrecision(s: ArrayLike<number>, positive: boolean[]): number {
  const curve = precisionRecallCurve(Array.from(s), positive.map(Number));
  let ap = 0;
  for (let i = 0; i + 1 < curve.recall.length; i++) ap -= (curve.recall[i + 1]! - curve.recall[i]!) * curve.precision[i]!;
  return ap;
}

/**
 * Average precision: sum over thresholds of (R_n - R_{n-1}) P_n (sklearn's
 * average_precision_score), binary [N] or one-vs-rest over [N, C] scores.
 */
export function averagePrecision(scores: Values, target: Values, options: BinaryCurveOptions & MultiClassOptions = {}, ...extra: []): number {
  parseOptions('metrics.averagePrecision', options, CURVE_SPEC, extra);
  const op = 'averagePrecision';
  const labels = targetLabels(op, target);
  if (scoreMatrix(op, scores, labels.length).classes === 1) {
    const { s, positive } = binaryInputs(op, scores, target, options.posLabel ?? 1);
    return binaryAveragePrecision(s, positive);
  }
  return oneVsRest(op, scores, target, options, binaryAveragePrecision);
}
