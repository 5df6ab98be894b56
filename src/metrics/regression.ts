/** Regression metrics (scikit-learn's definitions, uniform average over outputs): MSE, RMSE, MAE, R². */
import { shapeStr } from '../tensor/shape.js';
import { flat, type Values } from './inputs.js';

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
 * R² from per-output total and residual sums of squares: 1 - SS_res / SS_tot averaged over
 * outputs. A constant target gives 1 for a perfect fit and 0 otherwise (sklearn's force_finite).
 */
export function r2FromSums(ssTot: readonly number[], ssRes: readonly number[]): number {
  const scores = ssTot.map((tot, j) => (ssRes[j] === 0 ? 1 : tot === 0 ? 0 : 1 - ssRes[j]! / tot));
  return scores.reduce((x, y) => x + y, 0) / scores.length;
}

/** Coefficient of determination (sklearn.metrics.r2_score, multioutput 'uniform_average'). */
export function r2Score(preds: Values, target: Values): number {
  const op = 'r2Score';
  const { p, t, outputs } = pairs(op, preds, target);
  const n = p.length / outputs;
  if (n < 2) throw new Error(`${op}: R² is not defined for fewer than two samples, got ${n}`);
  const mean = new Array<number>(outputs).fill(0);
  for (let i = 0; i < p.length; i++) mean[i % outputs]! += t[i]! / n;
  const ssTot = new Array<number>(outputs).fill(0);
  const ssRes = new Array<number>(outputs).fill(0);
  for (let i = 0; i < p.length; i++) {
    ssTot[i % outputs]! += (t[i]! - mean[i % outputs]!) ** 2;
    ssRes[i % outputs]! += (t[i]! - p[i]!) ** 2;
  }
  return r2FromSums(ssTot, ssRes);
}
