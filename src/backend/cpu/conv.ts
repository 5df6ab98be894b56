/**
 * Reference convolution and pooling kernels for any number of spatial dims. Convolution is
 * im2col plus a plain matrix product per (image, group); pooling walks precomputed window lists.
 * Work buffers are float64 for every dtype, so float32 results are rounded once, at the end.
 */
import type { AvgPoolGeometry, ConvGeometry, PoolGeometry, PoolWithIndices, View } from '../types.js';
import { allocate, type DType, type TypedArray } from '../../tensor/dtype.js';
import { contiguousStrides, numel } from '../../tensor/shape.js';
import { stridedPositions } from './strided.js';

/** The view's elements in row-major order: its own array (at an offset) when contiguous, else a packed copy. */
function packed(v: View): { data: TypedArray; offset: number } {
  const pos = stridedPositions(v.shape, v.strides, v.offset);
  if (pos === null) return { data: v.data, offset: v.offset };
  const out = allocate(v.dtype, pos.length);
  for (let i = 0; i < pos.length; i++) out[i] = v.data[pos[i]!]!;
  return { data: out, offset: 0 };
}

function toDType(values: Float64Array, dtype: DType): TypedArray {
  if (dtype === 'float64') return values;
  const out = allocate(dtype, values.length);
  out.set(values);
  return out;
}

/** Advances a row-major coordinate counter over `sizes`. */
function increment(coord: number[], sizes: readonly number[]): void {
  for (let d = sizes.length - 1; d >= 0; d--) {
    if (++coord[d]! < sizes[d]!) return;
    coord[d] = 0;
  }
}

/**
 * For each kernel tap kk and output position l (both row-major), the flat index into the input
 * plane that the tap reads, or -1 where it falls in the padding: table[kk * L + l].
 */
function tapTable(
  inSize: readonly number[],
  kernel: readonly number[],
  outSize: readonly number[],
  stride: readonly number[],
  padding: readonly number[],
  dilation: readonly number[],
): Int32Array {
  const nd = inSize.length;
  const taps = numel(kernel);
  const outs = numel(outSize);
  const inStrides = contiguousStrides(inSize);
  const table = new Int32Array(taps * outs);
  const kc = new Array<number>(nd).fill(0);
  for (let kk = 0; kk < taps; kk++) {
    const oc = new Array<number>(nd).fill(0);
    for (let l = 0; l < outs; l++) {
      let index = 0;
      for (let d = 0; d < nd; d++) {
        const i = oc[d]! * stride[d]! - padding[d]! + kc[d]! * dilation[d]!;
        if (i < 0 || i >= inSize[d]!) {
          index = -1;
          break;
        }
        index += i * inStrides[d]!;
      }
      table[kk * outs + l] = index;
      increment(oc, outSize);
    }
    increment(kc, kernel);
  }
  return table;
}

interface ConvShapes {
  batch: number;
  inChannels: number;
  outChannels: number;
  groups: number;
  /** Channels per group, in and out. */
  cg: number;
  og: number;
  /** Input plane size, kernel taps, output positions. */
  plane: number;
  taps: number;
  outs: number;
  table: Int32Array;
}

function convShapes(
  x: { shape: readonly number[] },
  outChannels: number,
  kernel: readonly number[],
  outSize: readonly number[],
  inSize: readonly number[],
  g: ConvGeometry,
): ConvShapes {
  const batch = x.shape[0]!;
  const inChannels = x.shape[1]!;
  return {
    batch,
    inChannels,
    outChannels,
    groups: g.groups,
    cg: inChannels / g.groups,
    og: outChannels / g.groups,
    plane: numel(inSize),
    taps: numel(kernel),
    outs: numel(outSize),
    table: tapTable(inSize, kernel, outSize, g.stride, g.padding, g.dilation),
  };
}

/** Fills cols[(c * taps + kk) * outs + l] with image n, group grp's input (0 in the padding). */
function im2col(cols: Float64Array, x: { data: TypedArray; offset: number }, s: ConvShapes, n: number, grp: number): void {
  const { taps, outs, table, plane } = s;
  const xd = x.data;
  for (let c = 0; c < s.cg; c++) {
    const base = x.offset + (n * s.inChannels + grp * s.cg + c) * plane;
    for (let kk = 0; kk < taps; kk++) {
      const row = (c * taps + kk) * outs;
      const trow = kk * outs;
      for (let l = 0; l < outs; l++) {
        const t = table[trow + l]!;
        cols[row + l] = t < 0 ? 0 : xd[base + t]!;
      }
    }
  }
}

/** The view's elements in row-major order as float64 (one conversion, so the hot loops see a single array type). */
function float64Of(v: View): Float64Array {
  const { data, offset } = packed(v);
  const n = numel(v.shape);
  if (data instanceof Float64Array) return offset === 0 && data.length === n ? data : data.subarray(offset, offset + n);
  return Float64Array.from(data.subarray(offset, offset + n));
}

/*
 * The three products below work on row-major float64 matrices and take four rows of the
 * [M, K] operand at a time, so each element of the long [K, N] operand is loaded once per four
 * multiply-adds.
 */

/** out[m, n] += sum_k a[m, k] b[k, n] for a [M, K] at aOff, b [K, N], out [M, N] at outOff. */
function productAdd(out: Float64Array, outOff: number, a: Float64Array, aOff: number, b: Float64Array, M: number, K: number, N: number): void {
  let m = 0;
  for (; m + 4 <= M; m += 4) {
    const o0 = outOff + m * N;
    const o1 = o0 + N;
    const o2 = o1 + N;
    const o3 = o2 + N;
    const a0 = aOff + m * K;
    for (let k = 0; k < K; k++) {
      const w0 = a[a0 + k]!;
      const w1 = a[a0 + K + k]!;
      const w2 = a[a0 + 2 * K + k]!;
      const w3 = a[a0 + 3 * K + k]!;
      const bk = k * N;
      for (let n = 0; n < N; n++) {
        const v = b[bk + n]!;
        out[o0 + n] = out[o0 + n]! + w0 * v;
        out[o1 + n] = out[o1 + n]! + w1 * v;
        out[o2 + n] = out[o2 + n]! + w2 * v;
        out[o3 + n] = out[o3 + n]! + w3 * v;
      }
    }
  }
  for (; m < M; m++) {
    const o0 = outOff + m * N;
    for (let k = 0; k < K; k++) {
      const w0 = a[aOff + m * K + k]!;
      const bk = k * N;
      for (let n = 0; n < N; n++) out[o0 + n] = out[o0 + n]! + w0 * b[bk + n]!;
    }
  }
}

/** out[k, n] += sum_m a[m, k] g[m, n] for a [M, K] at aOff, g [M, N] at gOff, out [K, N]. */
function transposedProductAdd(out: Float64Array, a: Float64Array, aOff: number, g: Float64Array, gOff: number, M: number, K: number, N: number): void {
  let m = 0;
  for (; m + 4 <= M; m += 4) {
    const g0 = gOff + m * N;
    const g1 = g0 + N;
    const g2 = g1 + N;
    const g3 = g2 + N;
    const a0 = aOff + m * K;
    for (let k = 0; k < K; k++) {
      const w0 = a[a0 + k]!;
      const w1 = a[a0 + K + k]!;
      const w2 = a[a0 + 2 * K + k]!;
      const w3 = a[a0 + 3 * K + k]!;
      const ok = k * N;
      for (let n = 0; n < N; n++) out[ok + n] = out[ok + n]! + w0 * g[g0 + n]! + w1 * g[g1 + n]! + w2 * g[g2 + n]! + w3 * g[g3 + n]!;
    }
  }
  for (; m < M; m++) {
    const g0 = gOff + m * N;
    for (let k = 0; k < K; k++) {
      const w0 = a[aOff + m * K + k]!;
      const ok = k * N;
      for (let n = 0; n < N; n++) out[ok + n] = out[ok + n]! + w0 * g[g0 + n]!;
    }
  }
}

/** out[m, k] += sum_n g[m, n] b[k, n] for g [M, N] at gOff, b [K, N], out [M, K] at outOff. */
function productTransposedAdd(out: Float64Array, outOff: number, g: Float64Array, gOff: number, b: Float64Array, M: number, K: number, N: number): void {
  let m = 0;
  for (; m + 4 <= M; m += 4) {
    const g0 = gOff + m * N;
    const g1 = g0 + N;
    const g2 = g1 + N;
    const g3 = g2 + N;
    const o0 = outOff + m * K;
    for (let k = 0; k < K; k++) {
      const bk = k * N;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let n = 0; n < N; n++) {
        const v = b[bk + n]!;
        s0 += g[g0 + n]! * v;
        s1 += g[g1 + n]! * v;
        s2 += g[g2 + n]! * v;
        s3 += g[g3 + n]! * v;
      }
      out[o0 + k] = out[o0 + k]! + s0;
      out[o0 + K + k] = out[o0 + K + k]! + s1;
      out[o0 + 2 * K + k] = out[o0 + 2 * K + k]! + s2;
      out[o0 + 3 * K + k] = out[o0 + 3 * K + k]! + s3;
    }
  }
  for (; m < M; m++) {
    const g0 = gOff + m * N;
    for (let k = 0; k < K; k++) {
      const bk = k * N;
      let sum = 0;
      for (let n = 0; n < N; n++) sum += g[g0 + n]! * b[bk + n]!;
      out[outOff + m * K + k] = out[outOff + m * K + k]! + sum;
    }
  }
}

export function conv(x: View, w: View, g: ConvGeometry, outSize: readonly number[]): TypedArray {
  const s = convShapes(x, w.shape[0]!, w.shape.slice(2), outSize, x.shape.slice(2), g);
  const ck = s.cg * s.taps;
  const xs = packed(x);
  const wd = float64Of(w);
  const out = new Float64Array(s.batch * s.outChannels * s.outs);
  const cols = new Float64Array(ck * s.outs);
  for (let n = 0; n < s.batch; n++) {
    for (let grp = 0; grp < s.groups; grp++) {
      im2col(cols, xs, s, n, grp);
      const oc = grp * s.og;
      productAdd(out, (n * s.outChannels + oc) * s.outs, wd, oc * ck, cols, s.og, ck, s.outs);
    }
  }
  return toDType(out, x.dtype);
}

export function convInputGrad(gradOut: View, w: View, g: ConvGeometry, inSize: readonly number[]): TypedArray {
  const inChannels = w.shape[1]! * g.groups;
  const xLike = { shape: [gradOut.shape[0]!, inChannels] };
  const s = convShapes(xLike, gradOut.shape[1]!, w.shape.slice(2), gradOut.shape.slice(2), inSize, g);
  const ck = s.cg * s.taps;
  const gd = float64Of(gradOut);
  const wd = float64Of(w);
  const gx = new Float64Array(s.batch * inChannels * s.plane);
  const gcols = new Float64Array(ck * s.outs);
  for (let n = 0; n < s.batch; n++) {
    for (let grp = 0; grp < s.groups; grp++) {
      gcols.fill(0);
      const oc = grp * s.og;
      transposedProductAdd(gcols, wd, oc * ck, gd, (n * s.outChannels + oc) * s.outs, s.og, ck, s.outs);
      // col2im: every tap adds its column back onto the input position it read.
      for (let c = 0; c < s.cg; c++) {
        const base = (n * inChannels + grp * s.cg + c) * s.plane;
        for (let kk = 0; kk < s.taps; kk++) {
          const row = (c * s.taps + kk) * s.outs;
          const trow = kk * s.outs;
          for (let l = 0; l < s.outs; l++) {
            const t = s.table[trow + l]!;
            if (t >= 0) gx[base + t] = gx[base + t]! + gcols[row + l]!;
          }
        }
      }
    }
  }
  return toDType(gx, gradOut.dtype);
}

export function convWeightGrad(x: View, gradOut: View, g: ConvGeometry, kernelSize: readonly number[]): TypedArray {
  const s = convShapes(x, gradOut.shape[1]!, kernelSize, gradOut.shape.slice(2), x.shape.slice(2), g);
  const ck = s.cg * s.taps;
  const xs = packed(x);
  const gd = float64Of(gradOut);
  const gw = new Float64Array(s.outChannels * ck);
  const cols = new Float64Array(ck * s.outs);
  for (let n = 0; n < s.batch; n++) {
    for (let grp = 0; grp < s.groups; grp++) {
      im2col(cols, xs, s, n, grp);
      const oc = grp * s.og;
      productTransposedAdd(gw, oc * ck, gd, (n * s.outChannels + oc) * s.outs, cols, s.og, ck, s.outs);
    }
  }
  return toDType(gw, x.dtype);
}

// ---- pooling -------------------------------------------------------------------------------

/** Per output position along one dim, the input positions its window covers (inside the input). */
type AxisWindows = number[][];

/** Windows as compressed rows: output l reads index[start[l] .. start[l + 1]) of the input plane. */
interface Windows {
  start: Int32Array;
  index: Int32Array;
}

/** The N-d windows: the row-major product of each dim's windows, in row-major order within a window. */
function productWindows(axes: readonly AxisWindows[], inSize: readonly number[]): Windows {
  const nd = axes.length;
  const outSize = axes.map((a) => a.length);
  const outs = numel(outSize);
  const inStrides = contiguousStrides(inSize);
  const start = new Int32Array(outs + 1);
  const index: number[] = [];
  const oc = new Array<number>(nd).fill(0);
  const emit = (d: number, base: number): void => {
    if (d === nd) {
      index.push(base);
      return;
    }
    for (const p of axes[d]![oc[d]!]!) emit(d + 1, base + p * inStrides[d]!);
  };
  for (let l = 0; l < outs; l++) {
    start[l] = index.length;
    emit(0, 0);
    increment(oc, outSize);
  }
  start[outs] = index.length;
  return { start, index: Int32Array.from(index) };
}

function maxPoolAxis(size: number, k: number, stride: number, pad: number, dilation: number, outSize: number): AxisWindows {
  return Array.from({ length: outSize }, (_, o) => {
    const positions: number[] = [];
    for (let j = 0; j < k; j++) {
      const i = o * stride - pad + j * dilation;
      if (i >= 0 && i < size) positions.push(i);
    }
    return positions;
  });
}

function adaptiveAxis(size: number, outSize: number): AxisWindows {
  return Array.from({ length: outSize }, (_, o) => {
    const lo = Math.floor((o * size) / outSize);
    const hi = Math.ceil(((o + 1) * size) / outSize);
    return Array.from({ length: hi - lo }, (_, j) => lo + j);
  });
}

/** Max over each window; ties keep the first, NaN always wins (as torch), an all-padding window gives -Infinity. */
function maxOverWindows(x: View, inSize: readonly number[], w: Windows): PoolWithIndices {
  const planes = x.shape[0]! * x.shape[1]!;
  const plane = numel(inSize);
  const outs = w.start.length - 1;
  const xs = packed(x);
  const xd = xs.data;
  const values = allocate(x.dtype, planes * outs);
  const indices = new Int32Array(planes * outs);
  for (let p = 0; p < planes; p++) {
    const base = xs.offset + p * plane;
    for (let l = 0; l < outs; l++) {
      const from = w.start[l]!;
      const to = w.start[l + 1]!;
      let best = -Infinity;
      let bestIndex = from < to ? w.index[from]! : 0;
      for (let j = from; j < to; j++) {
        const t = w.index[j]!;
        const v = xd[base + t]!;
        if (v > best || v !== v) {
          best = v;
          bestIndex = t;
        }
      }
      values[p * outs + l] = best;
      indices[p * outs + l] = bestIndex;
    }
  }
  return { values, indices };
}

export function maxPool(x: View, g: PoolGeometry): PoolWithIndices {
  const inSize = x.shape.slice(2);
  const axes = inSize.map((size, d) => maxPoolAxis(size, g.kernel[d]!, g.stride[d]!, g.padding[d]!, g.dilation[d]!, g.outSize[d]!));
  return maxOverWindows(x, inSize, productWindows(axes, inSize));
}

export function adaptiveMaxPool(x: View, outSize: readonly number[]): PoolWithIndices {
  const inSize = x.shape.slice(2);
  const axes = inSize.map((size, d) => adaptiveAxis(size, outSize[d]!));
  return maxOverWindows(x, inSize, productWindows(axes, inSize));
}

export function maxPoolBackward(gradOut: View, indices: View, inSize: readonly number[]): TypedArray {
  const planes = gradOut.shape[0]! * gradOut.shape[1]!;
  const outs = numel(gradOut.shape.slice(2));
  const plane = numel(inSize);
  const gs = packed(gradOut);
  const is = packed(indices);
  const gx = new Float64Array(planes * plane);
  for (let p = 0; p < planes; p++) {
    for (let l = 0; l < outs; l++) {
      const at = p * plane + is.data[is.offset + p * outs + l]!;
      gx[at] = gx[at]! + gs.data[gs.offset + p * outs + l]!;
    }
  }
  return toDType(gx, gradOut.dtype);
}

/** Average-pool windows and their divisors with torch's rule (padded extent capped at input + padding). */
function avgWindows(inSize: readonly number[], g: AvgPoolGeometry): { windows: Windows; divisor: Float64Array } {
  const axes: AxisWindows[] = [];
  const padded: number[][] = [];
  inSize.forEach((size, d) => {
    const k = g.kernel[d]!;
    const pad = g.padding[d]!;
    const lists: number[][] = [];
    const extents: number[] = [];
    for (let o = 0; o < g.outSize[d]!; o++) {
      const lo = o * g.stride[d]! - pad;
      const hi = Math.min(lo + k, size + pad);
      extents.push(hi - lo);
      const positions: number[] = [];
      for (let i = Math.max(lo, 0); i < Math.min(hi, size); i++) positions.push(i);
      lists.push(positions);
    }
    axes.push(lists);
    padded.push(extents);
  });
  const windows = productWindows(axes, inSize);
  const outs = windows.start.length - 1;
  const divisor = new Float64Array(outs);
  const oc = new Array<number>(inSize.length).fill(0);
  for (let l = 0; l < outs; l++) {
    const count = windows.start[l + 1]! - windows.start[l]!;
    if (g.divisorOverride !== null) divisor[l] = g.divisorOverride;
    else if (g.countIncludePad) divisor[l] = padded.reduce((prod, ext, d) => prod * ext[oc[d]!]!, 1);
    else divisor[l] = count;
    increment(oc, g.outSize);
  }
  return { windows, divisor };
}

export function avgPool(x: View, g: AvgPoolGeometry): TypedArray {
  const inSize = x.shape.slice(2);
  const { windows, divisor } = avgWindows(inSize, g);
  const planes = x.shape[0]! * x.shape[1]!;
  const plane = numel(inSize);
  const outs = divisor.length;
  const xs = packed(x);
  const out = new Float64Array(planes * outs);
  for (let p = 0; p < planes; p++) {
    const base = xs.offset + p * plane;
    for (let l = 0; l < outs; l++) {
      const from = windows.start[l]!;
      const to = windows.start[l + 1]!;
      if (from === to) continue; // an empty window gives 0, as torch
      let sum = 0;
      for (let j = from; j < to; j++) sum += xs.data[base + windows.index[j]!]!;
      out[p * outs + l] = sum / divisor[l]!;
    }
  }
  return toDType(out, x.dtype);
}

export function avgPoolBackward(gradOut: View, g: AvgPoolGeometry, inSize: readonly number[]): TypedArray {
  const { windows, divisor } = avgWindows(inSize, g);
  const planes = gradOut.shape[0]! * gradOut.shape[1]!;
  const plane = numel(inSize);
  const outs = divisor.length;
  const gs = packed(gradOut);
  const gx = new Float64Array(planes * plane);
  for (let p = 0; p < planes; p++) {
    const base = p * plane;
    for (let l = 0; l < outs; l++) {
      const share = gs.data[gs.offset + p * outs + l]! / divisor[l]!;
      for (let j = windows.start[l]!; j < windows.start[l + 1]!; j++) {
        const at = base + windows.index[j]!;
        gx[at] = gx[at]! + share;
      }
    }
  }
  return toDType(gx, gradOut.dtype);
}
