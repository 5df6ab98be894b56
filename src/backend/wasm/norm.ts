/**
 * Normalization (batch, layer, group and instance norm) for float32 on contiguous operands, in
 * monomorphic JS loops: the reference kernels' arithmetic (statistics in double, in row-major
 * order per group, each result rounded once), so the results are the reference's bit for bit,
 * without its per-element strided indexing through closures. The passes are memory-bound and
 * one channel's elements are reread from cache, so a round trip through wasm memory would cost
 * more than it saves. Other layouts and dtypes go to the reference.
 */
import { NO_AFFINE, type Backend, type NormalizeAffine, type NormalizeBackwardResult, type NormalizeResult, type View } from '../types.js';
import { isContiguous, numel, type Shape } from '../../tensor/shape.js';
import { cpuBackend } from '../cpu/index.js';
import { affineTerms, groupValues } from '../cpu/norm.js';

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

function normalize(x: View, axes: readonly number[], eps: number, affine: NormalizeAffine = NO_AFFINE): NormalizeResult {
  const layout = fastLayout(x, axes);
  if (layout === null) return cpuBackend.normalize(x, axes, eps, affine);
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
    mean[c] = m;
    variance[c] = squares / count;
  }
  const { scale, shift } = affineTerms(variance.map((v) => 1 / Math.sqrt(v + eps)), affine);
  for (let c = 0; c < groups; c++) {
    const [m, a] = [mean[c]!, scale[c]!];
    const first = x.offset + c * inner;
    if (shift === null) {
      for (let o = 0, p = first, q = c * inner; o < outer; o++, p += stride, q += stride) {
        for (let i = 0; i < inner; i++) values[q + i] = (xd[p + i]! - m) * a;
      }
    } else {
      const b = shift[c]!;
      for (let o = 0, p = first, q = c * inner; o < outer; o++, p += stride, q += stride) {
        for (let i = 0; i < inner; i++) values[q + i] = (xd[p + i]! - m) * a + b;
      }
    }
  }
  return { values, mean, variance };
}

function normalizeBackward(grad: View, x: View, mean: View, invStd: View, weight: View | null, axes: readonly number[]): NormalizeBackwardResult {
  const layout = fastLayout(grad, axes);
  if (layout === null || x.dtype !== 'float32' || !isContiguous(x.shape, x.strides)) {
    return cpuBackend.normalizeBackward(grad, x, mean, invStd, weight, axes);
  }
  const { outer, groups, inner } = layout;
  const count = outer * inner;
  const gd = grad.data as Float32Array;
  const xd = x.data as Float32Array;
  const m = groupValues(mean, groups, 'mean');
  const s = groupValues(invStd, groups, 'invStd');
  const { scale } = affineTerms(s, { weight, bias: null });
  const sumGrad = new Float64Array(groups);
  const sumGradNormalized = new Float64Array(groups);
  const dx = new Float32Array(count * groups);
  const stride = groups * inner;
  for (let c = 0; c < groups; c++) {
    const [mc, sc] = [m[c]!, s[c]!];
    const g0 = grad.offset + c * inner;
    const x0 = x.offset + c * inner;
    let sg = 0;
    let sgx = 0;
    for (let o = 0, p = g0, q = x0; o < outer; o++, p += stride, q += stride) {
      for (let i = 0; i < inner; i++) {
        const g = gd[p + i]!;
        sg += g;
        sgx += g * ((xd[q + i]! - mc) * sc);
      }
    }
    sumGrad[c] = sg;
    sumGradNormalized[c] = sgx;
    const meanGrad = sg / count;
    const meanGradNormalized = sgx / count;
    const a = scale[c]!;
    for (let o = 0, p = g0, q = x0, r = c * inner; o < outer; o++, p += stride, q += stride, r += stride) {
      for (let i = 0; i < inner; i++) dx[r + i] = a * (gd[p + i]! - meanGrad - ((xd[q + i]! - mc) * sc) * meanGradNormalized);
    }
  }
  return { grad: dx, sumGrad, sumGradNormalized };
}

export function makeNormalization(): Pick<Backend, 'normalize' | 'normalizeBackward'> {
  return { normalize, normalizeBackward };
}
