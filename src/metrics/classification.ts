/**
 * Classification metrics with scikit-learn's definitions: accuracy, top-k accuracy, confusion
 * matrix, and precision, recall (TPR), specificity (TNR), FPR, FNR, F1 and F-beta with binary,
 * macro, micro, weighted or per-class ('none') averaging, plus a scikit-learn-style report.
 * Arguments come in (preds, target) order, as torch losses and torchmetrics.
 */
import { flat, predictedLabels, PREDICTION_SPEC, ratio, targetLabels, valuesOption, type PredictionOptions, type Values } from './inputs.js';
import { anyNum, arrayOf, int, num, oneOf, parseOptions, str } from '../ops/args.js';
import { shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

export interface ClassCountOptions extends PredictionOptions {
  /** Number of classes (default: the score columns of [N, C] preds, else the largest label + 1, at least 2). */
  numClasses?: number;
}

export interface SampleWeightOptions {
  /** One weight per sample (scikit-learn's sample_weight): counts become sums of weights. */
  sampleWeight?: Values;
}

const SAMPLE_WEIGHT_SPEC = { sampleWeight: valuesOption };
const ACCURACY_SPEC = { ...PREDICTION_SPEC, ...SAMPLE_WEIGHT_SPEC };
/** The streaming metrics (metrics/streaming.ts) take these options without sampleWeight. */
export const CLASS_COUNT_SPEC = { ...PREDICTION_SPEC, numClasses: int };
export const NORMALIZE_SPEC = { normalize: oneOf('true', 'pred', 'all') };
const CONFUSION_SPEC = { ...CLASS_COUNT_SPEC, ...SAMPLE_WEIGHT_SPEC, ...NORMALIZE_SPEC };
export const RATIO_SPEC = { ...CLASS_COUNT_SPEC, average: oneOf('binary', 'micro', 'macro', 'weighted', 'none'), posLabel: int, zeroDivision: anyNum };
const CLASS_METRIC_SPEC = { ...RATIO_SPEC, ...SAMPLE_WEIGHT_SPEC };
const REPORT_SPEC = { ...CLASS_COUNT_SPEC, classNames: arrayOf(str, 'an array of strings'), digits: int, zeroDivision: anyNum };

/** The per-sample weights (all 1 when none are given), checked against the number of samples. */
function weightsOf(op: string, options: SampleWeightOptions, n: number): Float64Array | undefined {
  if (options.sampleWeight === undefined) return undefined;
  const w = flat(op, options.sampleWeight, 'sampleWeight');
  if (w.shape.length !== 1 || w.shape[0] !== n) throw new Error(`${op}: sampleWeight must have one weight per sample (${n}), got shape ${shapeStr(w.shape)}`);
  const out = Float64Array.from(w.values, Number);
  const bad = out.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new Error(`${op}: sampleWeight must be finite, sampleWeight[${bad}] is ${out[bad]}`);
  return out;
}

function labelsOf(op: string, preds: Values, target: Values, options: PredictionOptions): { predicted: Int32Array; actual: Int32Array } {
  const actual = targetLabels(op, target);
  return { predicted: predictedLabels(op, preds, actual.length, options), actual };
}

function classCount(op: string, preds: Values, predicted: Int32Array, actual: Int32Array, numClasses: number | undefined): number {
  let hi = 1;
  for (const v of predicted) hi = Math.max(hi, v);
  for (const v of actual) hi = Math.max(hi, v);
  const width = preds instanceof Tensor ? (preds.ndim === 2 ? preds.shape[1]! : 0) : Array.isArray(preds[0]) ? (preds[0] as readonly number[]).length : 0;
  const columns = width > 1 ? width : 0;
  const k = numClasses ?? Math.max(hi + 1, columns);
  if (!Number.isInteger(k) || k < 1) throw new Error(`${op}: numClasses must be a positive integer, got ${k}`);
  if (hi >= k) throw new Error(`${op}: found class label ${hi} but numClasses is ${k} (labels must be in [0, ${k}))`);
  return k;
}

/** Fraction of samples whose predicted class equals the target. */
export function accuracy(preds: Values, target: Values, options: PredictionOptions & SampleWeightOptions = {}, ...extra: []): number {
  parseOptions('metrics.accuracy', options, ACCURACY_SPEC, extra);
  const { predicted, actual } = labelsOf('accuracy', preds, target, options);
  if (actual.length === 0) throw new Error('accuracy: no samples');
  const w = weightsOf('accuracy', options, actual.length);
  let right = 0;
  let total = 0;
  for (let i = 0; i < actual.length; i++) {
    const wi = w === undefined ? 1 : w[i]!;
    if (predicted[i] === actual[i]) right += wi;
    total += wi;
  }
  if (total === 0) throw new Error('accuracy: the sample weights sum to 0');
  return right / total;
}

/** 1 - accuracy. */
export function errorRate(preds: Values, target: Values, options: PredictionOptions & SampleWeightOptions = {}, ...extra: []): number {
  parseOptions('metrics.errorRate', options, ACCURACY_SPEC, extra);
  return 1 - accuracy(preds, target, options);
}

/**
 * Fraction of samples whose target class is among the k highest scores ([N, C] scores), as
 * scikit-learn's top_k_accuracy_score; a tie with the target's score counts in its favour.
 */
export function topKAccuracy(scores: Values, target: Values, k: number): number {
  const op = 'topKAccuracy';
  const actual = targetLabels(op, target);
  const s = flat(op, scores, 'scores');
  if (s.shape.length !== 2 || s.shape[0] !== actual.length) {
    throw new Error(`${op}: scores must be [N, C] with N = ${actual.length} (the number of targets), got shape ${shapeStr(s.shape)}`);
  }
  const c = s.shape[1]!;
  if (!Number.isInteger(k) || k < 1) throw new Error(`${op}: k must be a positive integer, got ${k}`);
  if (actual.length === 0) throw new Error(`${op}: no samples`);
  let hits = 0;
  actual.forEach((y, i) => {
    if (y >= c) throw new Error(`${op}: target ${y} at index ${i} is not a column of scores with ${c} classes`);
    const mine = s.values[i * c + y]!;
    let above = 0;
    for (let j = 0; j < c; j++) if (s.values[i * c + j]! > mine) above++;
    if (above < k) hits++;
  });
  return hits / actual.length;
}

export interface ConfusionMatrixOptions extends ClassCountOptions, SampleWeightOptions {
  /** Divide by the row sums ('true'), column sums ('pred') or the total ('all'); as scikit-learn. */
  normalize?: 'true' | 'pred' | 'all';
}

/** counts[i][j] = samples of true class i predicted as class j (scikit-learn's layout). */
export function confusionMatrix(preds: Values, target: Values, options: ConfusionMatrixOptions = {}, ...extra: []): number[][] {
  parseOptions('metrics.confusionMatrix', options, CONFUSION_SPEC, extra);
  return confusion('confusionMatrix', preds, target, options);
}

/** confusionMatrix for callers that checked their own options. */
function confusion(op: string, preds: Values, target: Values, options: ConfusionMatrixOptions): number[][] {
  const { predicted, actual } = labelsOf(op, preds, target, options);
  const k = classCount(op, preds, predicted, actual, options.numClasses);
  const w = weightsOf(op, options, actual.length);
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < actual.length; i++) m[actual[i]!]![predicted[i]!]! += w === undefined ? 1 : w[i]!;
  return normalizeMatrix(m, options.normalize);
}

export function normalizeMatrix(m: number[][], how: ConfusionMatrixOptions['normalize']): number[][] {
  if (how === undefined) return m;
  if (how === 'all') {
    const total = m.flat().reduce((a, b) => a + b, 0);
    return m.map((row) => row.map((v) => ratio(v, total, 0)));
  }
  if (how === 'true') return m.map((row) => row.map((v) => ratio(v, row.reduce((a, b) => a + b, 0), 0)));
  if (how === 'pred') {
    const cols = m[0]!.map((_, j) => m.reduce((s, row) => s + row[j]!, 0));
    return m.map((row) => row.map((v, j) => ratio(v, cols[j]!, 0)));
  }
  throw new Error(`confusionMatrix: normalize must be 'true', 'pred' or 'all', got ${JSON.stringify(how)}`);
}

/** Per-class counts of true/false positives/negatives and support (true count), from a confusion matrix. */
export interface ClassCounts {
  tp: number[];
  fp: number[];
  fn: number[];
  tn: number[];
  support: number[];
}

export function classCounts(m: readonly (readonly number[])[]): ClassCounts {
  const k = m.length;
  const total = m.reduce((s, row) => s + row.reduce((a, b) => a + b, 0), 0);
  const out: ClassCounts = { tp: [], fp: [], fn: [], tn: [], support: [] };
  for (let c = 0; c < k; c++) {
    const tp = m[c]![c]!;
    const row = m[c]!.reduce((a, b) => a + b, 0);
    const col = m.reduce((s, r) => s + r[c]!, 0);
    out.tp.push(tp);
    out.fp.push(col - tp);
    out.fn.push(row - tp);
    out.tn.push(total - row - col + tp);
    out.support.push(row);
  }
  return out;
}

export type Average = 'binary' | 'micro' | 'macro' | 'weighted' | 'none';

export interface ClassMetricOptions extends ClassCountOptions, SampleWeightOptions {
  /**
   * 'binary': the score of class posLabel (two classes only); 'micro': from counts summed over
   * classes; 'macro': mean over classes; 'weighted': mean weighted by support; 'none': one per
   * class. Default: 'binary' for two classes, else 'macro'.
   */
  average?: Average;
  /** The positive class for 'binary' (default 1). */
  posLabel?: number;
  /** The value when a ratio's denominator is 0 (default 0, as scikit-learn after its warning). */
  zeroDivision?: number;
}

export type RatioKind = 'precision' | 'recall' | 'specificity' | 'fpr' | 'fnr' | 'fbeta';

/** One ratio metric for (summed) counts. */
function value(kind: RatioKind, tp: number, fp: number, fn: number, tn: number, beta: number, zero: number): number {
  switch (kind) {
    case 'precision':
      return ratio(tp, tp + fp, zero);
    case 'recall':
      return ratio(tp, tp + fn, zero);
    case 'specificity':
      return ratio(tn, tn + fp, zero);
    case 'fpr':
      return ratio(fp, fp + tn, zero);
    case 'fnr':
      return ratio(fn, fn + tp, zero);
    case 'fbeta': {
      // From precision and recall, in this order of operations, so values (and the rounding of
      // ties in the report) agree with scikit-learn's fbeta_score.
      const p = ratio(tp, tp + fp, zero);
      const r = ratio(tp, tp + fn, zero);
      const b2 = beta * beta;
      const denominator = b2 * p + r;
      return denominator === 0 ? 0 : ((1 + b2) * p * r) / denominator;
    }
  }
}

/** One ratio metric from a confusion matrix with the requested averaging. */
export function fromConfusion(
  op: string,
  kind: RatioKind,
  m: readonly (readonly number[])[],
  options: ClassMetricOptions,
  beta = 1,
): number | number[] {
  const k = m.length;
  const average = options.average ?? (k <= 2 ? 'binary' : 'macro');
  const zero = options.zeroDivision ?? 0;
  const counts = classCounts(m);
  const perClass = (c: number): number => value(kind, counts.tp[c]!, counts.fp[c]!, counts.fn[c]!, counts.tn[c]!, beta, zero);
  switch (average) {
    case 'binary': {
      if (k > 2) {
        throw new Error(`${op}: average 'binary' needs two classes but there are ${k}; choose average 'macro', 'micro', 'weighted' or 'none'`);
      }
      const pos = options.posLabel ?? 1;
      if (!Number.isInteger(pos) || pos < 0 || pos >= Math.max(k, 2)) throw new Error(`${op}: posLabel ${pos} is not one of the classes 0..1`);
      return pos < k ? perClass(pos) : zero;
    }
    case 'none':
      return Array.from({ length: k }, (_, c) => perClass(c));
    case 'macro':
      return Array.from({ length: k }, (_, c) => perClass(c)).reduce((a, b) => a + b, 0) / k;
    case 'weighted': {
      const total = counts.support.reduce((a, b) => a + b, 0);
      if (total === 0) return zero;
      return Array.from({ length: k }, (_, c) => perClass(c) * counts.support[c]!).reduce((a, b) => a + b, 0) / total;
    }
    case 'micro': {
      const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
      return value(kind, sum(counts.tp), sum(counts.fp), sum(counts.fn), sum(counts.tn), beta, zero);
    }
    default:
      throw new Error(`${op}: average must be 'binary', 'micro', 'macro', 'weighted' or 'none', got ${JSON.stringify(average)}`);
  }
}

/** A ratio metric: a number, or one per class with `{ average: 'none' }`. */
export interface ClassMetricFn<O extends ClassMetricOptions = ClassMetricOptions> {
  (preds: Values, target: Values, options: O & { average: 'none' }): number[];
  (preds: Values, target: Values, options?: O): number;
}

function ratioMetric(op: string, kind: RatioKind): ClassMetricFn {
  return ((preds: Values, target: Values, options: ClassMetricOptions = {}, ...extra: []) => {
    parseOptions(`metrics.${op}`, options, CLASS_METRIC_SPEC, extra);
    return fromConfusion(op, kind, confusion(op, preds, target, options), options);
  }) as ClassMetricFn;
}

/** tp / (tp + fp). */
export const precision = ratioMetric('precision', 'precision');
/** tp / (tp + fn): sensitivity, true positive rate. */
export const recall = ratioMetric('recall', 'recall');
/** tn / (tn + fp): true negative rate. */
export const specificity = ratioMetric('specificity', 'specificity');
/** fp / (fp + tn) = 1 - specificity. */
export const falsePositiveRate = ratioMetric('falsePositiveRate', 'fpr');
/** fn / (fn + tp) = 1 - recall. */
export const falseNegativeRate = ratioMetric('falseNegativeRate', 'fnr');

/** Harmonic mean of precision and recall. */
export const f1Score = ((preds: Values, target: Values, options: ClassMetricOptions = {}, ...extra: []) => {
  parseOptions('metrics.f1Score', options, CLASS_METRIC_SPEC, extra);
  return fromConfusion('f1Score', 'fbeta', confusion('f1Score', preds, target, options), options, 1);
}) as ClassMetricFn;

export interface FBetaOptions extends ClassMetricOptions {
  /** Weight of recall relative to precision (beta > 1 favours recall). */
  beta: number;
}

/** (1 + beta^2) P R / (beta^2 P + R): recall weighs beta times as much as precision. */
export const fbetaScore = ((preds: Values, target: Values, options: FBetaOptions, ...extra: []) => {
  parseOptions('metrics.fbetaScore', options, { ...CLASS_METRIC_SPEC, beta: num }, extra);
  if (options === undefined || !(options.beta > 0) || !Number.isFinite(options.beta)) {
    throw new Error(`fbetaScore: options.beta must be a positive number, got ${options?.beta}`);
  }
  return fromConfusion('fbetaScore', 'fbeta', confusion('fbetaScore', preds, target, options), options, options.beta);
}) as {
  (preds: Values, target: Values, options: FBetaOptions & { average: 'none' }): number[];
  (preds: Values, target: Values, options: FBetaOptions): number;
};

export interface ReportOptions extends ClassCountOptions {
  /** Row names (default: the class indices). */
  classNames?: readonly string[];
  /** Decimal places (default 2). */
  digits?: number;
  zeroDivision?: number;
}

/** Python's "{:.Nf}": rounds exact halves to even, where JavaScript's toFixed rounds them up. */
export function formatFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : x < 0 ? '-inf' : 'nan';
  const fixed = x.toFixed(digits);
  const exact = Math.abs(x).toFixed(Math.min(100, digits + 25));
  const tail = exact.slice(exact.indexOf('.') + 1 + digits);
  if (!/^50*$/.test(tail)) return fixed;
  const scaled = Math.trunc(Math.abs(x) * 10 ** digits);
  const down = (Math.sign(x) * scaled) / 10 ** digits;
  return scaled % 2 === 0 ? down.toFixed(digits) : fixed;
}

/**
 * Per-class precision, recall, F1 and support, then accuracy, macro and weighted averages, as
 * text laid out like scikit-learn's classification_report.
 */
export function classificationReport(preds: Values, target: Values, options: ReportOptions = {}, ...extra: []): string {
  const op = 'classificationReport';
  parseOptions(`metrics.${op}`, options, REPORT_SPEC, extra);
  const m = confusion(op, preds, target, { numClasses: options.numClasses, threshold: options.threshold });
  const k = m.length;
  const names = options.classNames ?? Array.from({ length: k }, (_, i) => String(i));
  if (names.length !== k) throw new Error(`${op}: ${names.length} classNames for ${k} classes`);
  const digits = options.digits ?? 2;
  const zero = options.zeroDivision ?? 0;
  const metric = (kind: RatioKind, average: Average): number | number[] => fromConfusion(op, kind, m, { average, zeroDivision: zero });
  const p = metric('precision', 'none') as number[];
  const r = metric('recall', 'none') as number[];
  const f = metric('fbeta', 'none') as number[];
  const support = classCounts(m).support;
  const total = support.reduce((a, b) => a + b, 0);
  const width = Math.max(...names.map((s) => s.length), 'weighted avg'.length, digits);
  const num = (x: number): string => formatFixed(x, digits).padStart(9);
  const row = (name: string, values: number[], n: number): string =>
    `${name.padStart(width)} ${values.map((v) => ` ${num(v)}`).join('')} ${String(n).padStart(9)}\n`;
  let out = `${''.padStart(width)} ${['precision', 'recall', 'f1-score', 'support'].map((h) => ` ${h.padStart(9)}`).join('')}\n\n`;
  for (let c = 0; c < k; c++) out += row(names[c]!, [p[c]!, r[c]!, f[c]!], support[c]!);
  out += '\n';
  const accuracyValue = metric('fbeta', 'micro') as number;
  out += `${'accuracy'.padStart(width)} ${' '.repeat(10)}${' '.repeat(10)} ${num(accuracyValue)} ${String(total).padStart(9)}\n`;
  for (const avg of ['macro', 'weighted'] as const) {
    out += row(`${avg} avg`, [metric('precision', avg) as number, metric('recall', avg) as number, metric('fbeta', avg) as number], total);
  }
  return out;
}
