/**
 * Normalization (batch, layer, group and instance norm) for float32 on contiguous operands, in
 * monomorphic JS loops: the reference kernels' arithmetic (statistics in double, in row-major
 * order per group, each result rounded once), so the results are the reference's bit for bit,
 * without its per-element strided indexing through closures. The passes are memory-bound and
 * one channel's elements are reread from cache, so a round trip through wasm memory would cost
 * more than it saves. Other layouts and dtypes go to the reference.
 */
import type { Backend, NormalizeResult, View } from '../types.js';
import type { TypedArray } from '../../tensor/dtype.js';
import { isContiguous, numel, type Shape } from '../../tensor/shape.js';
import { cpuBackend } from '../cpu/index.js';

/**
 * x viewed as [outer, groups, inner] with the normalized axes outer and inner (batch norm over
 * [N, C, H, W]: N, C, H*W; layer and group norm: 1, rows, row length), or null when the
 * normalized axes are not a leading and a trailing block (size-1 dims aside).
 */
export interface BlockLayout {
  outer: number;
  groups: number;
  inner: number;
}

export function blockLayout(shape: Shape, axes: readonly number[]): BlockLayout | null {
  let outer = 1;
  let groups = 1;
  let inner = 1;
  // 0: leading normalized block, 1: kept block, 2: trailing normalized block.
  let phase = 0;
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d]!;
    if (size === 1) continue;
    const reduced = axes.includes(d);
    if (phase === 0 && !reduced) phase = 1;
    else if (phase === 1 && reduced) phase = 2;
    else if (phase === 2 && !reduced) return null;
    if (phase === 0) outer *= size;
    else if (phase === 1) groups *= size;
    else inner *= size;
  }
  return { outer, groups, inner };
}

/** A contiguous float32 operand's layout, or null when the reference must run. */
function fastLayout(x: View, axes: readonly number[]): BlockLayout | null {
  if (x.dtype !== 'float32' || !isContiguous(x.shape, x.strides) || numel(x.shape) === 0) return null;
  return blockLayout(x.shape, axes);
}

function normalize(x: View, axes: readonly number[], eps: number): NormalizeResult {
  const layout = fastLayout(x, axes);
  if (layout === null) return cpuBackend.normalize(x, axes, eps);
  const { outer, groups, inner } = layout;
  const count = outer * inner;
  const xd = x.data as Float32Array;
  const values = new Float32Array(count * groups);
  const mean = new Float64Array(groups);
  const variance = new Float64Array(groups);
  const stride = groups * inner;
  for (let c = 0; c < groups; c++) {
    const first = x.offset + c * inner;
    let sum = 0;
    for (let o = 0, p = first; o < outer; o++, p += stride) {
      for (let i = 0; i < inner; i++) sum += xd[p + i]!;
    }
    const m = sum / count;
    let squares = 0;
    for (let o = 0, p = first; o < outer; o++, p += stride) {
      for (let i = 0; i < inner; i++) {
        const centred = xd[p + i]! - m;
        squares += centred * centred;
      }
    }
    const v = squares / count;
    const invStd = 1 / Math.sqrt(v + eps);
    for (let o = 0, p = first, q = c * inner; o < outer; o++, p += stride, q += stride) {
      for (let i = 0; i < inner; i++) values[q + i] = (xd[p + i]! - m) * invStd;
    }
    mean[c] = m;
    variance[c] = v;
  }
  return { values, mean, variance };
}

function normalizeBackward(grad: View, normalized: View, invStd: View, axes: readonly number[]): TypedArray {
  const layout = fastLayout(grad, axes);
  const fast = layout !== null && normalized.dtype === 'float32' && isContiguous(normalized.shape, normalized.strides) &&
    invStd.dtype === 'float32' && isContiguous(invStd.shape, invStd.strides);
  if (!fast) return cpuBackend.normalizeBackward(grad, normalized, invStd, axes);
  const { outer, groups, inner } = layout;
  const count = outer * inner;
  const gd = grad.data as Float32Array;
  const yd = normalized.data as Float32Array;
  const sd = invStd.data as Float32Array;
  const dx = new Float32Array(count * groups);
  const stride = groups * inner;
  for (let c = 0; c < groups; c++) {
    const g0 = grad.offset + c * inner;
    const y0 = normalized.offset + c * inner;
    let sumGrad = 0;
    let sumGradY = 0;
    for (let o = 0, p = g0, q = y0; o < outer; o++, p += stride, q += stride) {
      for (let i = 0; i < inner; i++) {
        const g = gd[p + i]!;
        sumGrad += g;
        sumGradY += g * yd[q + i]!;
      }
    }
    const meanGrad = sumGrad / count;
    const meanGradY = sumGradY / count;
    const s = sd[invStd.offset + c]!;
    for (let o = 0, p = g0, q = y0, r = c * inner; o < outer; o++, p += stride, q += stride, r += stride) {
      for (let i = 0; i < inner; i++) dx[r + i] = s * (gd[p + i]! - meanGrad - yd[q + i]! * meanGradY);
    }
  }
  return dx;
}

export function makeNormalization(): Pick<Backend, 'normalize' | 'normalizeBackward'> {
  return { normalize, normalizeBackward };
}
