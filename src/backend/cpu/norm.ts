/**
 * Reference normalization kernel: (x - mean) / sqrt(variance + eps) over a set of axes, the
 * statistics (mean, then the biased variance of the centred values: two passes) in double, per
 * position of the other dims. It serves batch, layer, group and instance normalization.
 */
import type { NormalizeResult, View } from '../types.js';
import { allocate } from '../../tensor/dtype.js';
import { contiguousStrides, numel } from '../../tensor/shape.js';
import { forEachRow } from './rows.js';

export function normalizeKernel(x: View, axes: readonly number[], eps: number): NormalizeResult {
  const rank = x.shape.length;
  const reduced = new Array<boolean>(rank).fill(false);
  for (const a of axes) reduced[a] = true;
  // Statistics strides: row-major over the kept dims, 0 along the normalized ones.
  const statStrides = new Array<number>(rank);
  let groups = 1;
  let count = 1;
  for (let d = rank - 1; d >= 0; d--) {
    if (reduced[d]) {
      statStrides[d] = 0;
      count *= x.shape[d]!;
    } else {
      statStrides[d] = groups;
      groups *= x.shape[d]!;
    }
  }
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
