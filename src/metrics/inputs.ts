/**
 * How metrics read their inputs: predictions as class labels, class scores [N, C], or binary
 * scores [N]; targets as integer class labels. Tensors or plain number arrays are accepted.
 */
import { Tensor } from '../tensor/tensor.js';
import { isFloat } from '../tensor/dtype.js';
import { shapeStr } from '../tensor/shape.js';
import { check, num, tensor } from '../ops/args.js';

/** A tensor, an array of numbers, or an array of equal-length rows ([N, C]). */
export type Values = Tensor | readonly number[] | readonly (readonly number[])[];

export interface Flat {
  values: Float64Array;
  shape: number[];
  /** Whether the values are floats (scores) rather than integer labels. */
  float: boolean;
}

export function flat(op: string, x: Values, what: string): Flat {
  if (x instanceof Tensor) {
    return { values: Float64Array.from(x.toTypedArray()), shape: [...x.shape], float: isFloat(x.dtype) };
  }
  if (!Array.isArray(x)) throw new Error(`${op}: ${what} must be a Tensor or an array of numbers`);
  const rows = x as readonly unknown[];
  const nested = rows.length > 0 && Array.isArray(rows[0]);
  const width = nested ? (rows[0] as unknown[]).length : 1;
  const values = new Float64Array(rows.length * width);
  rows.forEach((row, i) => {
    const items = nested ? row : [row];
    if (!Array.isArray(items) || items.length !== width) {
      throw new Error(`${op}: ${what}[${i}] should be ${nested ? `a row of ${width} numbers` : 'a number'}`);
    }
    items.forEach((v: unknown, j: number) => {
      const where = nested ? `${what}[${i}][${j}]` : `${what}[${i}]`;
      if (typeof v !== 'number') throw new Error(`${op}: ${where} is not a number`);
      if (Number.isNaN(v)) throw new Error(`${op}: ${where} is NaN`);
      values[i * width + j] = v;
    });
  });
  return { values, shape: nested ? [rows.length, width] : [rows.length], float: !values.every(Number.isInteger) };
}

/** Integer class labels from a target: int/bool tensors, or floats that hold whole numbers. */
export function targetLabels(op: string, target: Values): Int32Array {
  const t = flat(op, target, 'target');
  if (t.shape.length !== 1) {
    throw new Error(`${op}: target must be 1-D class labels of shape [N], got shape ${shapeStr(t.shape)}`);
  }
  t.values.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0) {
      throw new Error(`${op}: target must hold class labels (non-negative integers), got ${v} at index ${i}`);
    }
  });
  return Int32Array.from(t.values);
}

export interface PredictionOptions {
  /** Probability above which a binary score counts as the positive class (default 0.5). */
  threshold?: number;
}

/** An option holding values (sample weights): a tensor or an array, whose entries flat() checks. */
export const valuesOption = check<Values>('a Tensor or an array of numbers', (v) => tensor(v) || Array.isArray(v));
export const PREDICTION_SPEC = { threshold: num };

/**
 * Predicted class labels from any prediction form:
 * - [N, C] scores (logits or probabilities): the argmax of each row;
 * - [N] integer labels (int tensors or whole numbers outside [0, 1]): as they are;
 * - [N] float scores: probabilities if all lie in [0, 1], else logits (sigmoid first, as
 *   torchmetrics), compared with `threshold`.
 */
export function predictedLabels(op: string, preds: Values, n: number, options: PredictionOptions = {}): Int32Array {
  const p = flat(op, preds, 'preds');
  const threshold = options.threshold ?? 0.5;
  if (!(threshold > 0 && threshold < 1)) throw new Error(`${op}: threshold must be in (0, 1), got ${threshold}`);
  if (p.shape[0] !== n) {
    throw new Error(`${op}: preds has shape ${shapeStr(p.shape)} but target has ${n} labels; the first dims must match`);
  }
  if (p.shape.length === 2 && p.shape[1]! > 1) {
    const c = p.shape[1]!;
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let k = 1; k < c; k++) if (p.values[i * c + k]! > p.values[i * c + best]!) best = k;
      out[i] = best;
    }
    return out;
  }
  if (p.shape.length > 2 || (p.shape.length === 2 && p.shape[1] !== 1)) {
    throw new Error(`${op}: preds must be [N] labels or scores, or [N, C] class scores, got shape ${shapeStr(p.shape)}`);
  }
  const v = p.values;
  if (!p.float) {
    v.forEach((x, i) => {
      if (!Number.isInteger(x) || x < 0) throw new Error(`${op}: predicted labels must be non-negative integers, got ${x} at index ${i}`);
    });
    return Int32Array.from(v);
  }
  const probabilities = v.every((x) => x >= 0 && x <= 1);
  if (!probabilities && v.every(Number.isInteger)) return Int32Array.from(v, (x, i) => {
    if (x < 0) throw new Error(`${op}: predicted labels must be non-negative integers, got ${x} at index ${i}`);
    return x;
  });
  const cut = probabilities ? threshold : Math.log(threshold / (1 - threshold));
  return Int32Array.from(v, (x) => (x > cut ? 1 : 0));
}

/** Scores as a row-major [N, C] matrix (C = 1 for binary scores of shape [N] or [N, 1]). */
export function scoreMatrix(op: string, scores: Values, n: number): { values: Float64Array; classes: number } {
  const s = flat(op, scores, 'scores');
  if (s.shape[0] !== n) throw new Error(`${op}: scores have shape ${shapeStr(s.shape)} but target has ${n} labels`);
  if (s.shape.length === 1) return { values: s.values, classes: 1 };
  if (s.shape.length === 2) return { values: s.values, classes: s.shape[1]! };
  throw new Error(`${op}: scores must be [N] (binary) or [N, C] (one column per class), got shape ${shapeStr(s.shape)}`);
}

/** x / y, or `zeroDivision` when y is 0 (scikit-learn's zero_division). */
export function ratio(x: number, y: number, zeroDivision: number): number {
  return y === 0 ? zeroDivision : x / y;
}
