/**
 * Reference normalization kernels: (x - mean) / sqrt(variance + eps) over a set of axes, the
 * statistics (mean, then the biased variance of the centred values: two passes) in double, per
 * position of the other dims, and its gradient. They serve batch, layer, group and instance
 * normalization.
 */
import { NO_AFFINE, type NormalizeAffine, type NormalizeBackwardResult, type NormalizeResult, type View } from '../types.js';
import { allocate } from '../../tensor/dtype.js';
import { contiguousStrides, numel, type Shape } from '../../tensor/shape.js';
import { forEachRow } from './rows.js';

/** How the statistics index x: one per position of the kept dims (row-major), shared along the normalized ones. */
interface StatLayout {
  /** Row-major over the kept dims, 0 along the normalized ones. */
  strides: number[];
  /** Positions of the kept dims (statistics). */
  groups: number;
  /** Elements per group. */
  count: number;
}

function statLayout(shape: Shape, axes: readonly number[]): StatLayout {
  const rank = shape.length;
  const reduced = new Array<boolean>(rank).fill(false);
  for (const a of axes) reduced[a] = true;
  const strides = new Array<number>(rank);
  let groups = 1;
  let count = 1;
  for (let d = rank - 1; d >= 0; d--) {
    if (reduced[d]) {
      strides[d] = 0;
      count *= shape[d]!;
    } else {
      strides[d] = groups;
      groups *= shape[d]!;
    }
  }
  return { strides, groups, count };
}

/** A view of one value per group (weight, bias, statistics) as doubles in row-major order. */
export function groupValues(v: View, groups: number, what: string): Float64Array {
  if (numel(v.shape) !== groups) throw new Error(`normalize: ${what} has ${numel(v.shape)} values, expected one per group (${groups})`);
  const values = new Float64Array(groups);
  const data = v.data;
  forEachRow(v.shape, [v], (offs, o, len, st) => {
    const [p, s] = [offs[0]!, st[0]!];
    for (let j = 0; j < len; j++) values[o + j] = data[p + j * s]!;
  });
  return values;
}

/**
 * Per group, the factor and the term of y = (x - mean) scale (+ shift): scale = invStd * weight
 * (invStd alone without a weight), shift = bias (null without one, so nothing is added).
 */
export function affineTerms(invStd: Float64Array, affine: NormalizeAffine): { scale: Float64Array; shift: Float64Array | null } {
  const groups = invStd.length;
  const weight = affine.weight === null ? null : groupValues(affine.weight, groups, 'weight');
  const scale = weight === null ? invStd : invStd.map((s, i) => s * weight[i]!);
  return { scale, shift: affine.bias === null ? null : groupValues(affine.bias, groups, 'bias') };
}

export function normalizeKernel(x: View, axes: readonly number[], eps: number, affine: NormalizeAffine = NO_AFFINE): NormalizeResult {
  const { strides: statStrides, groups, count } = statLayout(x.shape, axes);
  const mean = new Float64Array(groups);
  const variance = new Float64Array(groups);
  const values = allocate(x.dtype, numel(x.shape));
  const xd = x.data;
  const stats = { strides: statStrides, offset: 0 };
  forEachRow(x.shape, [x, stats], (offs, _o, len, st) => {
    const [p, s, q, t] = [offs[0]!, st[0]!, offs[1]!, st[1]!];
    for (let j = 0; j < len; j++) mean[q + j * t] = mean[q + j * t]! + xd[p + j * s]!;
  });
  for (let i = 0; i < groups; i++) mean[i] = mean[i]! / count;
  forEachRow(x.shape, [x, stats], (offs, _o, len, st) => {
    const [p, s, q, t] = [offs[0]!, st[0]!, offs[1]!, st[1]!];
    for (let j = 0; j < len; j++) {
      const c = xd[p + j * s]! - mean[q + j * t]!;
      variance[q + j * t] = variance[q + j * t]! + c * c;
    }
  });
  const invStd = new Float64Array(groups);
  for (let i = 0; i < groups; i++) {
    variance[i] = variance[i]! / count;
    invStd[i] = 1 / Math.sqrt(variance[i]! + eps);
  }
  const { scale, shift } = affineTerms(invStd, affine);
  const out = { strides: contiguousStrides(x.shape), offset: 0 };
  forEachRow(x.shape, [x, stats, out], (offs, _o, len, st) => {
    const [p, s, q, t, o] = [offs[0]!, st[0]!, offs[1]!, st[1]!, offs[2]!];
    const u = st[2]!;
    for (let j = 0; j < len; j++) {
      const k = q + j * t;
      const y = (xd[p + j * s]! - mean[k]!) * scale[k]!;
      values[o + j * u] = shift === null ? y : y + shift[k]!;
    }
  });
  return { values, mean, variance };
}

/**
 * The gradient of normalize (with its per-group weight): xhat = (x - mean) invStd recomputed in
 * double, the sums of g and of g xhat per group in one pass (row-major order), then
 * weight invStd (g - mean(g) - xhat mean(g xhat)), each result rounded once.
 */
export function normalizeBackwardKernel(
  grad: View, x: View, mean: View, invStd: View, weight: View | null, axes: readonly number[],
): NormalizeBackwardResult {
  const { strides: statStrides, groups, count } = statLayout(grad.shape, axes);
  const m = groupValues(mean, groups, 'mean');
  const s = groupValues(invStd, groups, 'invStd');
  const { scale } = affineTerms(s, { weight, bias: null });
  const sumGrad = new Float64Array(groups);
  const sumGradNormalized = new Float64Array(groups);
  const gd = grad.data;
  const xd = x.data;
  const stats = { strides: statStrides, offset: 0 };
  forEachRow(grad.shape, [grad, x, stats], (offs, _o, len, st) => {
    const [p, u, q, v, r, w] = [offs[0]!, st[0]!, offs[1]!, st[1]!, offs[2]!, st[2]!];
    for (let j = 0; j < len; j++) {
      const k = r + j * w;
      const gj = gd[p + j * u]!;
      sumGrad[k] = sumGrad[k]! + gj;
      sumGradNormalized[k] = sumGradNormalized[k]! + gj * ((xd[q + j * v]! - m[k]!) * s[k]!);
    }
  });
  const meanGrad = sumGrad.map((v) => v / count);
  const meanGradNormalized = sumGradNormalized.map((v) => v / count);
  const values = allocate(grad.dtype, numel(grad.shape));
  const out = { strides: contiguousStrides(grad.shape), offset: 0 };
  forEachRow(grad.shape, [grad, x, stats, out], (offs, _o, len, st) => {
    const [p, u, q, v, r, w] = [offs[0]!, st[0]!, offs[1]!, st[1]!, offs[2]!, st[2]!];
    const [o, z] = [offs[3]!, st[3]!];
    for (let j = 0; j < len; j++) {
      const k = r + j * w;
      const normalized = (xd[q + j * v]! - m[k]!) * s[k]!;
      values[o + j * z] = scale[k]! * (gd[p + j * u]! - meanGrad[k]! - normalized * meanGradNormalized[k]!);
    }
  });
  return { grad: values, sumGrad, sumGradNormalized };
}
