/**
 * Reference convolution and pooling kernels for any number of spatial dims. Convolution is
 * im2col plus a plain matrix product per (image, group); pooling walks precomputed window lists.
 * Work buffers are float64 for every dtype, so float32 results are rounded once, at the end.
 */
import type { AvgPoolGeometry, ClampBounds, ConvChainStep, ConvGeometry, PoolGeometry, PoolWithIndices, View } from '../types.js';
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

/** values clamped to [min, max] in place, as the unary 'clamp' (a NaN stays NaN). */
export function clampInPlace(values: TypedArray, { min, max }: ClampBounds): TypedArray {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    values[i] = v < min ? min : v > max ? max : v;
  }
  return values;
}

export function conv(x: View, w: View, g: ConvGeometry, outSize: readonly number[], bias?: View, clamp?: ClampBounds): TypedArray {
  const s = convShapes(x, w.shape[0]!, w.shape.slice(2), outSize, x.shape.slice(2), g);
  const ck = s.cg * s.taps;
  const xs = packed(x);
  const wd = float64Of(w);
  const out = new Float64Array(s.batch * s.outChannels * s.outs);
  if (bias !== undefined) {
    // Each output channel's sums start from its bias, in double, so the result is rounded once.
    for (let plane = 0; plane < s.batch * s.outChannels; plane++) {
      const value = bias.data[bias.offset + (plane % s.outChannels) * bias.strides[0]!]!;
      out.fill(value, plane * s.outs, (plane + 1) * s.outs);
    }
  }
  const cols = new Float64Array(ck * s.outs);
  for (let n = 0; n < s.batch; n++) {
    for (let grp = 0; grp < s.groups; grp++) {
      im2col(cols, xs, s, n, grp);
      const oc = grp * s.og;
      productAdd(out, (n * s.outChannels + oc) * s.outs, wd, oc * ck, cols, s.og, ck, s.outs);
    }
  }
  // Clamped after rounding to x's dtype, as a separate clamp of the result would be.
  const result = toDType(out, x.dtype);
  return clamp === undefined ? result : clampInPlace(result, clamp);
}

export function convChain(x: View, steps: readonly ConvChainStep[]): TypedArray {
  let input = x;
  let out: TypedArray = new Float32Array(0);
  for (const step of steps) {
    out = conv(input, step.w, step.geometry, step.outSize, step.bias, step.clamp);
    const shape = [input.shape[0]!, step.w.shape[0]!, ...step.outSize];
    input = { data: out, dtype: x.dtype, shape, strides: contiguousStrides(shape), offset: 0 };
  }
  return out;
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

/**
 * The windows along one dim: output o reads the `count[o]` input positions
 * first[o], first[o] + step, ... (the taps that fall inside the input).
 */
interface AxisWindows {
  first: Int32Array;
  count: Int32Array;
  step: number;
}

/** One window of the single position 0: pads 1-D and 2-D pooling up to the 3-D loops. */
const UNIT_AXIS: AxisWindows = { first: Int32Array.of(0), count: Int32Array.of(1), step: 1 };

/**
 * The pooling walk for 1 to 3 spatial dims, as three nested window axes (missing leading dims
 * have size 1). Windows are visited in row-major output order and taps in row-major order
 * within a window, the order the results are defined in.
 */
interface PoolPlan {
  axes: [AxisWindows, AxisWindows, AxisWindows];
  /** Input plane strides of the three axes, and the sizes of one input and one output plane. */
  inStrides: [number, number, number];
  plane: number;
  outs: number;
}

function poolPlan(inSize: readonly number[], perAxis: readonly AxisWindows[]): PoolPlan {
  const nd = inSize.length;
  const strides = contiguousStrides(inSize);
  const axes: AxisWindows[] = [];
  const inStrides: number[] = [];
  for (let d = nd - 3; d < nd; d++) {
    axes.push(d < 0 ? UNIT_AXIS : perAxis[d]!);
    inStrides.push(d < 0 ? 0 : strides[d]!);
  }
  const outs = perAxis.reduce((n, a) => n * a.first.length, 1);
  return { axes: axes as PoolPlan['axes'], inStrides: inStrides as PoolPlan['inStrides'], plane: numel(inSize), outs };
}

function maxPoolAxis(size: number, k: number, stride: number, pad: number, dilation: number, outSize: number): AxisWindows {
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const start = o * stride - pad;
    // The taps start + j * dilation inside [0, size) are a run of consecutive j.
    let lo = 0;
    while (lo < k && start + lo * dilation < 0) lo++;
    let hi = lo;
    while (hi < k && start + hi * dilation < size) hi++;
    first[o] = start + lo * dilation;
    count[o] = hi - lo;
  }
  return { first, count, step: dilation };
}

function adaptiveAxis(size: number, outSize: number): AxisWindows {
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const lo = Math.floor((o * size) / outSize);
    first[o] = lo;
    count[o] = Math.ceil(((o + 1) * size) / outSize) - lo;
  }
  return { first, count, step: 1 };
}

/** Max over each window; ties keep the first, NaN always wins (the last NaN, as torch), an all-padding window gives -Infinity. */
function maxOverWindows(x: View, plan: PoolPlan): PoolWithIndices {
  const planes = x.shape[0]! * x.shape[1]!;
  const { plane, outs } = plan;
  const [a0, a1, a2] = plan.axes;
  const [s0, s1] = plan.inStrides;
  const [d0, d1, d2] = [a0.step * s0, a1.step * s1, a2.step];
  const xs = packed(x);
  const xd = xs.data;
  const values = allocate(x.dtype, planes * outs);
  const indices = new Int32Array(planes * outs);
  let l = 0;
  for (let p = 0; p < planes; p++) {
    const base = xs.offset + p * plane;
    for (let o0 = 0; o0 < a0.first.length; o0++) {
      const f0 = a0.first[o0]! * s0;
      const c0 = a0.count[o0]!;
      for (let o1 = 0; o1 < a1.first.length; o1++) {
        const f1 = f0 + a1.first[o1]! * s1;
        const c1 = c0 * a1.count[o1]!;
        for (let o2 = 0; o2 < a2.first.length; o2++) {
          const f2 = f1 + a2.first[o2]!;
          const c2 = a2.count[o2]!;
          let best = -Infinity;
          let bestIndex = c1 * c2 === 0 ? 0 : f2;
          for (let j0 = 0, r0 = f2; j0 < c0; j0++, r0 += d0) {
            for (let j1 = 0, r1 = r0; j1 < a1.count[o1]!; j1++, r1 += d1) {
              for (let j2 = 0, t = r1; j2 < c2; j2++, t += d2) {
                const v = xd[base + t]!;
                if (v > best || v !== v) {
                  best = v;
                  bestIndex = t;
                }
              }
            }
          }
          values[l] = best;
          indices[l] = bestIndex;
          l++;
        }
      }
    }
  }
  return { values, indices };
}

export function maxPool(x: View, g: PoolGeometry): PoolWithIndices {
  const inSize = x.shape.slice(2);
  const axes = inSize.map((size, d) => maxPoolAxis(size, g.kernel[d]!, g.stride[d]!, g.padding[d]!, g.dilation[d]!, g.outSize[d]!));
  return maxOverWindows(x, poolPlan(inSize, axes));
}

export function adaptiveMaxPool(x: View, outSize: readonly number[]): PoolWithIndices {
  const inSize = x.shape.slice(2);
  const axes = inSize.map((size, d) => adaptiveAxis(size, outSize[d]!));
  return maxOverWindows(x, poolPlan(inSize, axes));
}

export function maxPoolBackward(gradOut: View, indices: View, inSize: readonly number[]): TypedArray {
  const planes = gradOut.shape[0]! * gradOut.shape[1]!;
  const outs = numel(gradOut.shape.slice(2));
  const plane = numel(inSize);
  const gs = packed(gradOut);
  const is = packed(indices);
  const gd = gs.data;
  const id = is.data;
  // Accumulated in the gradient's own dtype, in output order, as torch's kernel does.
  const gx = allocate(gradOut.dtype, planes * plane);
  for (let p = 0; p < planes; p++) {
    const base = p * plane;
    const from = p * outs;
    for (let l = 0; l < outs; l++) {
      const at = base + id[is.offset + from + l]!;
      gx[at] = gx[at]! + gd[gs.offset + from + l]!;
    }
  }
  return gx;
}

/** Average-pool windows along one dim, with each output's factor of the divisor (the wasm backend's average pooling takes them too). */
export function avgAxis(size: number, k: number, stride: number, pad: number, outSize: number, countIncludePad: boolean): { windows: AxisWindows; factor: Float64Array } {
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const factor = new Float64Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const lo = o * stride - pad;
    const hi = Math.min(lo + k, size + pad);
    first[o] = Math.max(lo, 0);
    count[o] = Math.max(0, Math.min(hi, size) - first[o]!);
    // torch's rule: the padded extent is capped at the input plus its padding.
    factor[o] = countIncludePad ? hi - lo : count[o]!;
  }
  return { windows: { first, count, step: 1 }, factor };
}

/** Average-pool windows and each output's divisor (a product of per-dim factors, or the override). */
function avgPlan(inSize: readonly number[], g: AvgPoolGeometry): { plan: PoolPlan; divisor: Float64Array } {
  const perAxis = inSize.map((size, d) => avgAxis(size, g.kernel[d]!, g.stride[d]!, g.padding[d]!, g.outSize[d]!, g.countIncludePad));
  const plan = poolPlan(inSize, perAxis.map((a) => a.windows));
  const divisor = new Float64Array(plan.outs);
  const oc = new Array<number>(inSize.length).fill(0);
  for (let l = 0; l < plan.outs; l++) {
    divisor[l] = g.divisorOverride !== null ? g.divisorOverride : perAxis.reduce((prod, a, d) => prod * a.factor[oc[d]!]!, 1);
    increment(oc, g.outSize);
  }
  return { plan, divisor };
}

export function avgPool(x: View, g: AvgPoolGeometry): TypedArray {
  const { plan, divisor } = avgPlan(x.shape.slice(2), g);
  const planes = x.shape[0]! * x.shape[1]!;
  const { plane, outs } = plan;
  const [a0, a1, a2] = plan.axes;
  const [s0, s1] = plan.inStrides;
  const xs = packed(x);
  const xd = xs.data;
  const out = allocate(x.dtype, planes * outs);
  let l = 0;
  for (let p = 0; p < planes; p++) {
    const base = xs.offset + p * plane;
    let w = 0;
    for (let o0 = 0; o0 < a0.first.length; o0++) {
      const f0 = base + a0.first[o0]! * s0;
      const c0 = a0.count[o0]!;
      for (let o1 = 0; o1 < a1.first.length; o1++) {
        const f1 = f0 + a1.first[o1]! * s1;
        const c1 = a1.count[o1]!;
        for (let o2 = 0; o2 < a2.first.length; o2++) {
          const f2 = f1 + a2.first[o2]!;
          const c2 = a2.count[o2]!;
          let sum = 0;
          for (let j0 = 0, r0 = f2; j0 < c0; j0++, r0 += s0) {
            for (let j1 = 0, r1 = r0; j1 < c1; j1++, r1 += s1) {
              for (let j2 = 0; j2 < c2; j2++) sum += xd[r1 + j2]!;
            }
          }
          // An empty window gives 0, as torch.
          out[l++] = c0 * c1 * c2 === 0 ? 0 : sum / divisor[w]!;
          w++;
        }
      }
    }
  }
  return out;
}

export function avgPoolBackward(gradOut: View, g: AvgPoolGeometry, inSize: readonly number[]): TypedArray {
  const { plan, divisor } = avgPlan(inSize, g);
  const planes = gradOut.shape[0]! * gradOut.shape[1]!;
  const { plane, outs } = plan;
  const [a0, a1, a2] = plan.axes;
  const [s0, s1] = plan.inStrides;
  const gs = packed(gradOut);
  const gd = gs.data;
  const gx = new Float64Array(planes * plane);
  for (let p = 0; p < planes; p++) {
    const base = p * plane;
    const from = gs.offset + p * outs;
    let w = 0;
    for (let o0 = 0; o0 < a0.first.length; o0++) {
      const f0 = base + a0.first[o0]! * s0;
      const c0 = a0.count[o0]!;
      for (let o1 = 0; o1 < a1.first.length; o1++) {
        const f1 = f0 + a1.first[o1]! * s1;
        const c1 = a1.count[o1]!;
        for (let o2 = 0; o2 < a2.first.length; o2++) {
          const f2 = f1 + a2.first[o2]!;
          const c2 = a2.count[o2]!;
          const share = gd[from + w]! / divisor[w]!;
          w++;
          for (let j0 = 0, r0 = f2; j0 < c0; j0++, r0 += s0) {
            for (let j1 = 0, r1 = r0; j1 < c1; j1++, r1 += s1) {
              for (let j2 = 0; j2 < c2; j2++) gx[r1 + j2] = gx[r1 + j2]! + share;
            }
          }
        }
      }
    }
  }
  return toDType(gx, gradOut.dtype);
}
