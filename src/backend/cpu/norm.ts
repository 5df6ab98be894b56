/**
 * Reference normalization kernels: (x - mean) / sqrt(variance + eps) over a set of axes, the
 * statistics (mean, then the biased variance of the centred values: two passes) in double, per
 * position of the other dims, and its gradient. They serve batch, layer, group and instance
 * normalization.
 */
import type { NormalizeResult, View } from '../types.js';
import { allocate, type TypedArray } from '../../tensor/dtype.js';
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

export function normalizeKernel(x: View, axes: readonly number[], eps: number): NormalizeResult {
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
  const out = { strides: contiguousStrides(x.shape), offset: 0 };
  forEachRow(x.shape, [x, stats, out], (offs, _o, len, st) => {
    const [p, s, q, t, o] = [offs[0]!, st[0]!, offs[1]!, st[1]!, offs[2]!];
    const u = st[2]!;
    for (let j = 0; j < len; j++) values[o + j * u] = (xd[p + j * s]! - mean[q + j * t]!) * invStd[q + j * t]!;
  });
  return { values, mean, variance };
}

/**
 * The gradient of normalize, given its output y and the inverse standard deviations (x's shape
 * with the axes as 1): s (g - mean(g) - y mean(g y)), both means in double (summed in row-major
 * order, in one pass), each result rounded once.
 */
export function normalizeBackwardKernel(grad: View, normalized: View, invStd: View, axes: readonly number[]): TypedArray {
  const { strides: statStrides, groups, count } = statLayout(grad.shape, axes);
  const sumGrad = new Float64Array(groups);
  const sumGradY = new Float64Array(groups);
  const gd = grad.data;
  const yd = normalized.data;
  const sd = invStd.data;
  const stats = { strides: statStrides, offset: 0 };
  forEachRow(grad.shape, [grad, normalized, stats], (offs, _o, len, st) => {
    const [p, s, q, t, r, u] = [offs[0]!, st[0]!, offs[1]!, st[1]!, offs[2]!, st[2]!];
    for (let j = 0; j < len; j++) {
      const gj = gd[p + j * s]!;
      sumGrad[r + j * u] = sumGrad[r + j * u]! + gj;
      sumGradY[r + j * u] = sumGradY[r + j * u]! + gj * yd[q + j * t]!;
    }
  });
  for (let i = 0; i < groups; i++) {
    sumGrad[i] = sumGrad[i]! / count;
    sumGradY[i] = sumGradY[i]! / count;
  }
  const scale = { strides: invStd.strides.map((v, d) => (statStrides[d] === 0 ? 0 : v)), offset: invStd.offset };
  const values = allocate(grad.dtype, numel(grad.shape));
  const out = { strides: contiguousStrides(grad.shape), offset: 0 };
  forEachRow(grad.shape, [grad, normalized, stats, scale, out], (offs, _o, len, st) => {
    const [p, s, q, t, r, u] = [offs[0]!, st[0]!, offs[1]!, st[1]!, offs[2]!, st[2]!];
    const [a, b, o, v] = [offs[3]!, st[3]!, offs[4]!, st[4]!];
    for (let j = 0; j < len; j++) {
      const k = r + j * u;
      values[o + j * v] = sd[a + j * b]! * (gd[p + j * s]! - sumGrad[k]! - yd[q + j * t]! * sumGradY[k]!);
    }
  });
  return values;
}
