/** Regression metrics (scikit-learn's definitions, uniform average over outputs): MSE, RMSE, MAE, R² (with multioutput). */
import { shapeStr } from '../tensor/shape.js';
import { flat, type Values } from './inputs.js';
import { bool, parseOptions, unchecked } from '../ops/args.js';

function pairs(op: string, preds: Values, target: Values): { p: Float64Array; t: Float64Array; outputs: number } {
  const p = flat(op, preds, 'preds');
  const t = flat(op, target, 'target');
  if (p.shape.length !== t.shape.length || p.shape.some((d, i) => d !== t.shape[i])) {
    throw new Error(`${op}: preds has shape ${shapeStr(p.shape)} but target has shape ${shapeStr(t.shape)}; they must match`);
  }
  if (p.values.length === 0) throw new Error(`${op}: no samples`);
  if (p.shape.length > 2) throw new Error(`${op}: expected [N] or [N, outputs], got shape ${shapeStr(p.shape)}`);
  return { p: p.values, t: t.values, outputs: p.shape.length === 2 ? p.shape[1]! : 1 };
}

/** Mean of (pred - target)^2. */
export function meanSquaredError(preds: Values, target: Values): number {
  const { p, t } = pairs('meanSquaredError', preds, target);
  let s = 0;
  for (let i = 0; i < p.length; i++) s += (p[i]! - t[i]!) ** 2;
  return s / p.length;
}

/** Square root of the mean squared error. */
export function rootMeanSquaredError(preds: Values, target: Values): number {
  return Math.sqrt(meanSquaredError(preds, target));
}

/** Mean of |pred - target|. */
export function meanAbsoluteError(preds: Values, target: Values): number {
  const { p, t } = pairs('meanAbsoluteError', preds, target);
  let s = 0;
  for (let i = 0; i < p.length; i++) s += Math.abs(p[i]! - t[i]!);
  return s / p.length;
}

/**
 * How R² combines the scores of several outputs (scikit-learn's multioutput): 'uniform_average'
 * (the mean, the default), 'variance_weighted' (weighted by each output's target variance; uniform
 * when every target is constant), 'raw_values' (one score per output), or custom weights, one per
 * output.
 */
export type R2Multioutput = 'raw_values' | 'uniform_average' | 'variance_weighted' | readonly number[];

export interface R2ScoreOptions {
  multioutput?: R2Multioutput;
  /**
   * scikit-learn's force_finite (default true): an output with a constant target scores 1 for a
   * perfect fit and 0 otherwise; false gives NaN (perfect) and -Infinity as the formula does.
   */
  forceFinite?: boolean;
}

/** Keys of R² options (checkR2Options checks multioutput's value itself). */
export const R2_SPEC = { multioutput: unchecked, forceFinite: bool };

const MULTIOUTPUT_NAMES = ['raw_values', 'uniform_average', 'variance_weighted'];

/** Checks R² options; `outputs` (when known) is checked against custom weights. */
export function checkR2Options(op: string, options: R2ScoreOptions, outputs?: number): void {
  if (typeof options !== 'object' || options === null) throw new Error(`${op}: options must be an object, got ${options === null ? 'null' : typeof options}`);
  const { multioutput } = options;
  if (multioutput === undefined || (typeof multioutput === 'string' && MULTIOUTPUT_NAMES.includes(multioutput))) return;
  if (!Array.isArray(multioutput)) {
    throw new Error(`${op}: multioutput must be one of ${MULTIOUTPUT_NAMES.map((m) => `'${m}'`).join(', ')} or an array of weights, got ${JSON.stringify(multioutput)}`);
  }
  const weights = multioutput as readonly unknown[];
  if (weights.some((w) => typeof w !== 'number' || !Number.isFinite(w))) throw new Error(`${op}: multioutput weights must be finite numbers, got ${JSON.stringify(weights)}`);
  if ((weights as number[]).reduce((a, b) => a + b, 0) === 0) throw new Error(`${op}: multioutput weights sum to zero and cannot be normalized`);
  if (outputs === undefined) return;
  if (outputs === 1) throw new Error(`${op}: custom multioutput weights need several outputs ([N, outputs] inputs), got a single output`);
  if (weights.length !== outputs) throw new Error(`${op}: got ${weights.length} multioutput weights for ${outputs} outputs; give one per output`);
}

/** R² per output from the total and residual sums of squares, as sklearn (constant targets per forceFinite). */
function r2PerOutput(ssTot: readonly number[], ssRes: readonly number[], forceFinite: boolean): number[] {
  return ssTot.map((tot, j) => {
    const res = ssRes[j]!;
    if (!forceFinite) return 1 - res / tot;
    return res === 0 ? 1 : tot === 0 ? 0 : 1 - res / tot;
  });
}

/**
 * R² from per-output total and residual sums of squares, combined as `multioutput` says
 * (sklearn's _assemble_r2_explained_variance). Options must have been checked.
 */
export function r2FromSums(ssTot: readonly number[], ssRes: readonly number[], options: R2ScoreOptions = {}): number | number[] {
  const scores = r2PerOutput(ssTot, ssRes, options.forceFinite ?? true);
  const multioutput = options.multioutput ?? 'uniform_average';
  if (multioutput === 'raw_values') return scores;
  let weights: readonly number[] | null = null;
  if (Array.isArray(multioutput)) weights = multioutput as readonly number[];
  // variance_weighted: uniform when every target is constant (all weights would be zero).
  else if (multioutput === 'variance_weighted' && ssTot.some((v) => v !== 0)) weights = ssTot;
  if (weights === null) return scores.reduce((x, y) => x + y, 0) / scores.length;
  let sum = 0;
  let total = 0;
  scores.forEach((v, j) => {
    sum += v * weights[j]!;
    total += weights[j]!;
  });
  return sum / total;
}

/**
 * Coefficient of determination (sklearn.metrics.r2_score): 1 - SS_res / SS_tot per output,
 * combined over outputs as `multioutput` says ('uniform_average' by default; 'raw_values' returns
 * one score per output).
 */
export function r2Score(preds: Values, target: Values, options: R2ScoreOptions & { multioutput: 'raw_values' }): number[];
export function r2Score(preds: Values, target: Values, options?: R2ScoreOptions & { multioutput?: Exclude<R2Multioutput, 'raw_values'> }): number;
export function r2Score(preds: Values, target: Values, options?: R2ScoreOptions): number | number[];
export function r2Score(preds: Values, target: Values, options: R2ScoreOptions = {}, ...extra: []): number | number[] {
  const op = 'r2Score';
  parseOptions(`metrics.${op}`, options, R2_SPEC, extra);
  const { p, t, outputs } = pairs(op, preds, target);
  checkR2Options(op, options, outputs);
  const n = p.length / outputs;
  if (n < 2) throw new Error(`${op}: R² is not defined for fewer than two samples, got ${n}`);
  // Sum, then divide (as numpy's average): a constant target then has exactly its value as mean.
  const mean = new Array<number>(outputs).fill(0);
  for (let i = 0; i < p.length; i++) mean[i % outputs]! += t[i]!;
  for (let j = 0; j < outputs; j++) mean[j]! /= n;
  const ssTot = new Array<number>(outputs).fill(0);
  const ssRes = new Array<number>(outputs).fill(0);
  for (let i = 0; i < p.length; i++) {
    ssTot[i % outputs]! += (t[i]! - mean[i % outputs]!) ** 2;
    ssRes[i % outputs]! += (t[i]! - p[i]!) ** 2;
  }
  return r2FromSums(ssTot, ssRes, options);
}
