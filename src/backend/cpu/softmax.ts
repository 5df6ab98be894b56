/**
 * Reference softmax kernel: along one axis, exp(x - max) / sum, or for the log variant
 * (x - max) - log(sum), the formulas and order of torch's CPU kernels. Each row is computed in
 * double and rounded once on store. A NaN anywhere in a row, or an infinite max, makes the
 * whole row NaN, as in torch. The backward (softmaxBackwardKernel) is one pass over each row.
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

/**
 * y (g - sum(g y)) along `axis` in one pass per row, rounded as the composed ops mul, sum, sub
 * and mul round (softmax's backward took those four whole-tensor ops, each with a fresh array).
 */
export function softmaxBackwardKernel(grad: View, y: View, axis: number): TypedArray {
  const len = y.shape[axis]!;
  const out = allocate(y.dtype, numel(y.shape));
  if (len === 0 || out.length === 0) return out;
  // Rounds a double to the dtype, as storing into a tensor of it does.
  const round = y.dtype === 'float32' ? Math.fround : (v: number): number => v;
  const [gd, yd] = [grad.data, y.data];
  const [gStep, yStep] = [grad.strides[axis]!, y.strides[axis]!];
  const outStrides = contiguousStrides(y.shape);
  const outStep = outStrides[axis]!;
  const without = (strides: readonly number[]): number[] => strides.filter((_, d) => d !== axis);
  const rows = [
    { strides: without(grad.strides), offset: grad.offset },
    { strides: without(y.strides), offset: y.offset },
    { strides: without(outStrides), offset: 0 },
  ];
  const unitF32 = gd instanceof Float32Array && yd instanceof Float32Array && gStep === 1 && yStep === 1 && outStep === 1;
  forEachRow(y.shape.filter((_, d) => d !== axis), rows, (offs, _o, n, st) => {
    for (let r = 0; r < n; r++) {
      const [pg, py, q] = [offs[0]! + r * st[0]!, offs[1]! + r * st[1]!, offs[2]! + r * st[2]!];
      if (unitF32) {
        softmaxBackwardRowF32(gd as Float32Array, pg, yd as Float32Array, py, out as Float32Array, q, len);
        continue;
      }
      let sum = 0;
      for (let k = 0; k < len; k++) sum += round(gd[pg + k * gStep]! * yd[py + k * yStep]!);
      const s = round(sum);
      for (let k = 0; k < len; k++) out[q + k * outStep] = yd[py + k * yStep]! * round(gd[pg + k * gStep]! - s);
    }
  });
  return out;
}

/** One float32 row at unit strides: the same arithmetic, monomorphic (about 2x faster on attention's rows). */
function softmaxBackwardRowF32(g: Float32Array, pg: number, y: Float32Array, py: number, out: Float32Array, q: number, len: number): void {
  let sum = 0;
  for (let k = 0; k < len; k++) sum += Math.fround(g[pg + k]! * y[py + k]!);
  const s = Math.fround(sum);
  for (let k = 0; k < len; k++) out[q + k] = y[py + k]! * Math.fround(g[pg + k]! - s);
}
