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

/** How the statistics and the affine parameters index x. */
interface NormLayout {
  /** Statistics: row-major over the kept dims, 0 along the normalized ones. */
  statStrides: number[];
  /** Positions of the kept dims (statistics). */
  groups: number;
  /** Elements per group. */
  count: number;
}

function normLayout(shape: Shape, axes: readonly number[]): NormLayout {
  const rank = shape.length;
  const reduced = new Array<boolean>(rank).fill(false);
  for (const a of axes) reduced[a] = true;
  const statStrides = new Array<number>(rank);
  let groups = 1;
  let count = 1;
  for (let d = rank - 1; d >= 0; d--) {
    if (reduced[d]) {
      statStrides[d] = 0;
      count *= shape[d]!;
    } else {
      statStrides[d] = groups;
      groups *= shape[d]!;
    }
  }
  return { statStrides, groups, count };
}

/** Strides of the affine parameters over x: row-major over the kept dims ('kept') or over the normalized ones ('normalized'). */
function affineStrides(shape: Shape, axes: readonly number[], along: NormalizeAffine['along']): number[] {
  const strides = new Array<number>(shape.length);
  let size = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    const mine = axes.includes(d) === (along === 'normalized');
    strides[d] = mine ? size : 0;
    if (mine) size *= shape[d]!;
  }
  return strides;
}

/** A view's values as doubles in row-major order, checked to number `count` (one per group or per affine position). */
export function valuesOf(v: View, count: number, what: string): Float64Array {
  if (numel(v.shape) !== count) throw new Error(`normalize: ${what} has ${numel(v.shape)} values, expected ${count}`);
  const values = new Float64Array(count);
  const data = v.data;
  forEachRow(v.shape, [v], (offs, o, len, st) => {
    const [p, s] = [offs[0]!, st[0]!];
    for (let j = 0; j < len; j++) values[o + j] = data[p + j * s]!;
  });
  return values;
}

/** How many values weight and bias hold for x's shape: the kept dims' or the normalized dims' positions. */
export function affineSize(shape: Shape, axes: readonly number[], along: NormalizeAffine['along']): number {
  let size = 1;
  for (let d = 0; d < shape.length; d++) if (axes.includes(d) === (along === 'normalized')) size *= shape[d]!;
  return size;
}

/** weight and bias as doubles (weight 1 when absent; bias null when absent, so nothing is added). */
export function affineValues(shape: Shape, axes: readonly number[], affine: NormalizeAffine): { weight: Float64Array; bias: Float64Array | null } {
  const size = affineSize(shape, axes, affine.along);
  return {
    weight: affine.weight === null ? new Float64Array(size).fill(1) : valuesOf(affine.weight, size, 'weight'),
    bias: affine.bias === null ? null : valuesOf(affine.bias, size, 'bias'),
  };
}

/**
 * y = ((x - mean) invStd) weight + bias, the statistics (mean, then the biased variance of the
 * centred values) in double, each output rounded once.
 */
export function normalizeKernel(x: View, axes: readonly number[], eps: number, affine: NormalizeAffine = NO_AFFINE): NormalizeResult {
  const { statStrides, groups, count } = normLayout(x.shape, axes);
  const { weight, bias } = affineValues(x.shape, axes, affine);
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
  const params = { strides: affineStrides(x.shape, axes, affine.along), offset: 0 };
  const out = { strides: contiguousStrides(x.shape), offset: 0 };
  forEachRow(x.shape, [x, stats, params, out], (offs, _o, len, st) => {
    const [p, s, q, t, a, b, o, u] = [offs[0]!, st[0]!, offs[1]!, st[1]!, offs[2]!, st[2]!, offs[3]!, st[3]!];
    for (let j = 0; j < len; j++) {
      const k = q + j * t;
      const y = ((xd[p + j * s]! - mean[k]!) * invStd[k]!) * weight[a + j * b]!;
      values[o + j * u] = bias === null ? y : y + bias[a + j * b]!;
    }
  });
  return { values, mean, variance };
}

/**
 * The gradient of normalize with its affine part: xhat = (x - mean) invStd recomputed in double,
 * gw = g weight; per group the sums of gw and gw xhat, per affine position those of g xhat and g
 * (in row-major order, one pass); then invStd (gw - mean(gw) - xhat mean(gw xhat)), each
 * result rounded once.
 */
export function normalizeBackwardKernel(
  grad: View, x: View, mean: View, invStd: View, axes: readonly number[], weight: View | null, along: NormalizeAffine['along'],
): NormalizeBackwardResult {
  const { statStrides, groups, count } = normLayout(grad.shape, axes);
  const m = valuesOf(mean, groups, 'mean');
  const s = valuesOf(invStd, groups, 'invStd');
  const w = affineValues(grad.shape, axes, { weight, bias: null, along }).weight;
  const sumGw = new Float64Array(groups);
  const sumGwX = new Float64Array(groups);
  const weightGrad = new Float64Array(w.length);
  const biasGrad = new Float64Array(w.length);
  const gd = grad.data;
  const xd = x.data;
  const stats = { strides: statStrides, offset: 0 };
  const params = { strides: affineStrides(grad.shape, axes, along), offset: 0 };
  forEachRow(grad.shape, [grad, x, stats, params], (offs, _o, len, st) => {
    const [p, u, q, v, r, z, a, b] = [offs[0]!, st[0]!, offs[1]!, st[1]!, offs[2]!, st[2]!, offs[3]!, st[3]!];
    for (let j = 0; j < len; j++) {
      const k = r + j * z;
      const i = a + j * b;
      const g = gd[p + j * u]!;
      const xhat = (xd[q + j * v]! - m[k]!) * s[k]!;
      const gw = g * w[i]!;
      sumGw[k] = sumGw[k]! + gw;
      sumGwX[k] = sumGwX[k]! + gw * xhat;
      weightGrad[i] = weightGrad[i]! + g * xhat;
      biasGrad[i] = biasGrad[i]! + g;
    }
  });
  for (let k = 0; k < groups; k++) {
    sumGw[k] = sumGw[k]! / count;
    sumGwX[k] = sumGwX[k]! / count;
  }
  const values = allocate(grad.dtype, numel(grad.shape));
  const out = { strides: contiguousStrides(grad.shape), offset: 0 };
  forEachRow(grad.shape, [grad, x, stats, params, out], (offs, _o, len, st) => {
    const [p, u, q, v, r, z, a, b] = [offs[0]!, st[0]!, offs[1]!, st[1]!, offs[2]!, st[2]!, offs[3]!, st[3]!];
    const [o, y] = [offs[4]!, st[4]!];
    for (let j = 0; j < len; j++) {
      const k = r + j * z;
      const xhat = (xd[q + j * v]! - m[k]!) * s[k]!;
      values[o + j * y] = s[k]! * (gd[p + j * u]! * w[a + j * b]! - sumGw[k]! - xhat * sumGwX[k]!);
    }
  });
  return { grad: values, weightGrad, biasGrad };
}
