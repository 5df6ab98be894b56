/**
 * The reference backend: every kernel in plain TypeScript, for every dtype. It is the living
 * definition of what a kernel computes; faster backends are tested against it.
 */
import {
  KernelError,
  type Backend,
  type RandomSource,
  type RandomSpec,
  type View,
} from '../types.js';
import { allocate, type DType, type TypedArray } from '../../tensor/dtype.js';
import { contiguousStrides, numel } from '../../tensor/shape.js';
import { axisLast, isContiguous, positionsOf } from './strided.js';
import { forEachRow } from './rows.js';
import { binaryKernel, reduceKernel, unaryKernel, whereKernel } from './elementwise.js';
import { softmaxBackwardKernel, softmaxKernel } from './softmax.js';
import { normalizeBackwardKernel, normalizeKernel } from './norm.js';
import { gruCell, gruCellBackward, lstmCell, lstmCellBackward } from './recurrent.js';
import { cholesky, eigh, luFactor, luSolve, qr, svd } from './linalg.js';
import { adaptiveMaxPool, avgPool, avgPoolBackward, conv, convChain, convInputGrad, convWeightGrad, maxPool, maxPoolBackward } from './conv.js';

/** Splits a view into (rows of `axis` values) after moving axis last; returns positions and row length. */
function rowsAlong(x: View, axis: number): { pos: Int32Array; len: number; rows: number } {
  const moved = axisLast(x, axis);
  const len = x.shape[axis]!;
  const total = numel(x.shape);
  return { pos: positionsOf(moved), len, rows: len === 0 ? 0 : total / len };
}

/** Scatters a row-major result along a moved axis back into x's layout order. */
function unmoveAxis(values: TypedArray, shape: readonly number[], axis: number, dtype: DType): TypedArray {
  const rank = shape.length;
  const perm = [...shape.keys()].filter((d) => d !== axis);
  perm.push(axis);
  // values are laid out in the moved order; read them back in natural order.
  const movedShape = perm.map((d) => shape[d]!);
  const movedStrides = new Array<number>(rank);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    movedStrides[i] = s;
    s *= movedShape[i]!;
  }
  const naturalStrides = new Array<number>(rank);
  perm.forEach((d, i) => (naturalStrides[d] = movedStrides[i]!));
  const src: View = { data: values, dtype, shape, strides: naturalStrides, offset: 0 };
  return copyKernel(src, dtype);
}

function copyKernel(x: View, outDtype: DType): TypedArray {
  const n = numel(x.shape);
  const out = allocate(outDtype, n);
  const data = x.data;
  if (isContiguous(x.shape, x.strides) && outDtype === x.dtype) {
    out.set(data.subarray(x.offset, x.offset + n) as never);
    return out;
  }
  const bool = outDtype === 'bool' && x.dtype !== 'bool';
  forEachRow(x.shape, [x], (offs, o, len, st) => {
    const p = offs[0]!;
    const s = st[0]!;
    if (bool) for (let j = 0; j < len; j++) out[o + j] = data[p + j * s] !== 0 ? 1 : 0;
    else for (let j = 0; j < len; j++) out[o + j] = data[p + j * s]!;
  });
  return out;
}

function indexError(value: number, axis: number, size: number): KernelError {
  return new KernelError(`index ${value} is out of bounds for dim ${axis} with size ${size}`);
}

/** x's view over `shape` (index's shape) with the axis stride zeroed: the index supplies that coordinate. */
function alongIndex(strides: readonly number[], offset: number, axis: number): { strides: number[]; offset: number } {
  const s = [...strides];
  s[axis] = 0;
  return { strides: s, offset };
}

function gatherKernel(x: View, axis: number, index: View): TypedArray {
  const out = allocate(x.dtype, numel(index.shape));
  const size = x.shape[axis]!;
  const step = x.strides[axis]!;
  const xd = x.data;
  const id = index.data;
  forEachRow(index.shape, [index, alongIndex(x.strides, x.offset, axis)], (offs, o, len, st) => {
    const pi = offs[0]!;
    const si = st[0]!;
    const px = offs[1]!;
    const sx = st[1]!;
    if (si === 0) {
      // One index for the whole row (indexSelect's expanded index): a plain strided copy.
      const k = id[pi]!;
      if (!(k >= 0 && k < size)) throw indexError(k, axis, size);
      const from = px + k * step;
      if (sx === 1 && len > 16) out.set(xd.subarray(from, from + len) as never, o);
      else for (let j = 0; j < len; j++) out[o + j] = xd[from + j * sx]!;
      return;
    }
    for (let j = 0; j < len; j++) {
      const k = id[pi + j * si]!;
      if (!(k >= 0 && k < size)) throw indexError(k, axis, size);
      out[o + j] = xd[px + j * sx + k * step]!;
    }
  });
  return out;
}

function scatterKernel(x: View, axis: number, index: View, src: View, mode: 'assign' | 'add'): TypedArray {
  const out = copyKernel(x, x.dtype);
  const outStrides = contiguousStrides(x.shape);
  const size = x.shape[axis]!;
  const step = outStrides[axis]!;
  const bool = x.dtype === 'bool';
  const add = mode === 'add';
  const id = index.data;
  const sd = src.data;
  forEachRow(index.shape, [index, src, alongIndex(outStrides, 0, axis)], (offs, _o, len, st) => {
    const [pi, ps, po] = [offs[0]!, offs[1]!, offs[2]!];
    const [si, ss, so] = [st[0]!, st[1]!, st[2]!];
    for (let j = 0; j < len; j++) {
      const k = id[pi + j * si]!;
      if (!(k >= 0 && k < size)) throw indexError(k, axis, size);
      const at = po + j * so + k * step;
      const v = sd[ps + j * ss]!;
      if (!add) out[at] = v;
      else if (bool) out[at] = out[at] !== 0 || v !== 0 ? 1 : 0;
      else out[at] = out[at]! + v;
    }
  });
  return out;
}

/** Doubles drawn per bulk call when the result is not float64. */
const UNIFORM_CHUNK = 4096;

function randomKernel(spec: RandomSpec, n: number, dtype: DType, rng: RandomSource): TypedArray {
  const out = allocate(dtype, n);
  switch (spec.kind) {
    case 'uniform': {
      const span = spec.high - spec.low;
      if (rng.fillDoubles === undefined) {
        for (let i = 0; i < n; i++) out[i] = spec.low + span * rng.nextDouble();
        break;
      }
      // Bulk draws into a bounded scratch (or the result itself when it holds doubles).
      const scratch = out instanceof Float64Array ? out : new Float64Array(Math.min(n, UNIFORM_CHUNK));
      for (let start = 0; start < n; start += scratch.length) {
        const count = Math.min(scratch.length, n - start);
        const at = scratch === out ? start : 0;
        rng.fillDoubles(scratch, at, at + count);
        for (let i = 0; i < count; i++) out[start + i] = spec.low + span * scratch[at + i]!;
      }
      break;
    }
    case 'normal': {
      // Box-Muller, both outputs used.
      for (let i = 0; i < n; i += 2) {
        const u1 = 1 - rng.nextDouble();
        const u2 = rng.nextDouble();
        const r = Math.sqrt(-2 * Math.log(u1));
        out[i] = spec.mean + spec.std * r * Math.cos(2 * Math.PI * u2);
        if (i + 1 < n) out[i + 1] = spec.mean + spec.std * r * Math.sin(2 * Math.PI * u2);
      }
      break;
    }
    case 'randint': {
      const span = spec.high - spec.low;
      for (let i = 0; i < n; i++) out[i] = spec.low + Math.floor(rng.nextDouble() * span);
      break;
    }
  }
  return out;
}

/** Index of the first max (or min) along `axis`; a NaN counts as the extreme and ends the scan. */
function argReduceKernel(op: 'argmax' | 'argmin', x: View, axis: number): Int32Array {
  const len = x.shape[axis]!;
  const step = x.strides[axis]!;
  const keptShape = x.shape.filter((_, d) => d !== axis);
  const keptStrides = x.strides.filter((_, d) => d !== axis);
  const out = new Int32Array(numel(keptShape));
  if (len === 0) return out;
  const data = x.data;
  const max = op === 'argmax';
  forEachRow(keptShape, [{ strides: keptStrides, offset: x.offset }], (offs, o, n, st) => {
    const s = st[0]!;
    for (let r = 0; r < n; r++) {
      const p = offs[0]! + r * s;
      let best = data[p]!;
      let bi = 0;
      for (let k = 1; k < len && best === best; k++) {
        const v = data[p + k * step]!;
        if (v !== v || (max ? v > best : v < best)) {
          best = v;
          bi = k;
        }
      }
      out[o + r] = bi;
    }
  });
  return out;
}

export const cpuBackend: Backend = {
  name: 'cpu',

  unary: unaryKernel,

  binary: binaryKernel,

  where: whereKernel,

  reduce: reduceKernel,

  argReduce: argReduceKernel,

  softmax: softmaxKernel,
  softmaxBackward: softmaxBackwardKernel,

  normalize: normalizeKernel,

  normalizeBackward: normalizeBackwardKernel,

  lstmCell,
  lstmCellBackward,
  gruCell,
  gruCellBackward,

  scan(op, x, axis, outDtype) {
    const { pos, len, rows } = rowsAlong(x, axis);
    const moved = allocate(outDtype, rows * len);
    const data = x.data;
    const intOut = outDtype === 'int32';
    for (let r = 0; r < rows; r++) {
      let acc = op === 'cumsum' ? 0 : 1;
      for (let k = 0; k < len; k++) {
        const v = data[pos[r * len + k]!]!;
        acc = op === 'cumsum' ? acc + v : intOut ? Math.imul(acc, v) : acc * v;
        moved[r * len + k] = acc;
      }
    }
    return unmoveAxis(moved, x.shape, axis, outDtype);
  },

  matmul(a, b, outDtype, bias) {
    const rank = a.shape.length;
    const m = a.shape[rank - 2]!;
    const k = a.shape[rank - 1]!;
    const n = b.shape[rank - 1]!;
    const batchShape = a.shape.slice(0, rank - 2);
    const batch = numel(batchShape);
    const out = allocate(outDtype, batch * m * n);
    const aBatch = positionsOf({ ...a, shape: batchShape, strides: a.strides.slice(0, rank - 2) });
    const bBatch = positionsOf({ ...b, shape: batchShape, strides: b.strides.slice(0, rank - 2) });
    const [as0, as1] = [a.strides[rank - 2]!, a.strides[rank - 1]!];
    const [bs0, bs1] = [b.strides[rank - 2]!, b.strides[rank - 1]!];
    const ad = a.data;
    const bd = b.data;
    const row = new Float64Array(n);
    const intOut = outDtype === 'int32';
    // The bias starts each row's sum (in double), so the row is rounded once.
    const start = new Float64Array(n);
    if (bias !== undefined) for (let j = 0; j < n; j++) start[j] = bias.data[bias.offset + j * bias.strides[0]!]!;
    for (let t = 0; t < batch; t++) {
      const ao = aBatch[t]!;
      const bo = bBatch[t]!;
      for (let i = 0; i < m; i++) {
        row.set(start);
        for (let p = 0; p < k; p++) {
          const av = ad[ao + i * as0 + p * as1]!;
          const bp = bo + p * bs0;
          if (intOut) for (let j = 0; j < n; j++) row[j] = (row[j]! + Math.imul(av, bd[bp + j * bs1]!)) | 0;
          else for (let j = 0; j < n; j++) row[j] = row[j]! + av * bd[bp + j * bs1]!;
        }
        out.set(row as never, (t * m + i) * n);
      }
    }
    return out;
  },

  copy: copyKernel,

  assign(dst, src) {
    const dd = dst.data;
    const sd = src.data;
    const bool = dst.dtype === 'bool';
    forEachRow(dst.shape, [dst, src], (offs, _o, len, st) => {
      const [pd, ps, sdst, ssrc] = [offs[0]!, offs[1]!, st[0]!, st[1]!];
      if (bool) for (let j = 0; j < len; j++) dd[pd + j * sdst] = sd[ps + j * ssrc] !== 0 ? 1 : 0;
      else for (let j = 0; j < len; j++) dd[pd + j * sdst] = sd[ps + j * ssrc]!;
    });
  },

  gather: gatherKernel,
  scatter: scatterKernel,

  argsort(x, axis, descending) {
    const { pos, len, rows } = rowsAlong(x, axis);
    const moved = new Int32Array(rows * len);
    const data = x.data;
    const order = Array.from({ length: len }, (_, i) => i);
    const vals = new Float64Array(len);
    const sign = descending ? -1 : 1;
    const cmp = (i: number, j: number): number => {
      const a = vals[i]!;
      const b = vals[j]!;
      if (a !== a) return b !== b ? i - j : sign; // NaN is the largest value
      if (b !== b) return -sign;
      return a < b ? -sign : a > b ? sign : i - j;
    };
    for (let r = 0; r < rows; r++) {
      for (let kk = 0; kk < len; kk++) {
        vals[kk] = data[pos[r * len + kk]!]!;
        order[kk] = kk;
      }
      order.sort(cmp);
      for (let kk = 0; kk < len; kk++) moved[r * len + kk] = order[kk]!;
    }
    return unmoveAxis(moved, x.shape, axis, 'int32') as Int32Array;
  },

  random: randomKernel,

  // convolution and pooling (cpu/conv.ts)
  conv,
  convChain,
  convInputGrad,
  convWeightGrad,
  maxPool,
  adaptiveMaxPool,
  maxPoolBackward,
  avgPool,
  avgPoolBackward,

  luFactor,
  luSolve,
  cholesky,
  qr,
  eigh,
  svd,
};
