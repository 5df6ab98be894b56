/**
 * Reference softmax kernel: along one axis, exp(x - max) / sum, or for the log variant
 * (x - max) - log(sum), the formulas and order of torch's CPU kernels. Each row is computed in
 * double and rounded once on store. A NaN anywhere in a row, or an infinite max, makes the
 * whole row NaN, as in torch.
 */
import type { View } from '../types.js';
import { allocate, type TypedArray } from '../../tensor/dtype.js';
import { contiguousStrides, numel } from '../../tensor/shape.js';
import { forEachRow } from './rows.js';

export function softmaxKernel(x: View, axis: number, log: boolean): TypedArray {
  const len = x.shape[axis]!;
  const step = x.strides[axis]!;
  const outStrides = contiguousStrides(x.shape);
  const outStep = outStrides[axis]!;
  const keptShape = x.shape.filter((_, d) => d !== axis);
  const rowsIn = { strides: x.strides.filter((_, d) => d !== axis), offset: x.offset };
  const rowsOut = { strides: outStrides.filter((_, d) => d !== axis), offset: 0 };
  const out = allocate(x.dtype, numel(x.shape));
  if (len === 0) return out;
  const xd = x.data;
  const row = new Float64Array(len);
  forEachRow(keptShape, [rowsIn, rowsOut], (offs, _o, n, st) => {
    for (let r = 0; r < n; r++) {
      const p = offs[0]! + r * st[0]!;
      const q = offs[1]! + r * st[1]!;
      let max = -Infinity;
      for (let k = 0; k < len; k++) {
        const v = xd[p + k * step]!;
        row[k] = v;
        // NaN poisons the max (and so the whole row), as torch's max does.
        if (v > max || v !== v) max = v;
      }
      let sum = 0;
      if (log) {
        for (let k = 0; k < len; k++) {
          const shifted = row[k]! - max;
          row[k] = shifted;
          sum += Math.exp(shifted);
        }
        const logSum = Math.log(sum);
        for (let k = 0; k < len; k++) out[q + k * outStep] = row[k]! - logSum;
      } else {
        for (let k = 0; k < len; k++) {
          const e = Math.exp(row[k]! - max);
          row[k] = e;
          sum += e;
        }
        for (let k = 0; k < len; k++) out[q + k * outStep] = row[k]! / sum;
      }
    }
  });
  return out;
}
