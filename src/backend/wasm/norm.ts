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
import { affineValues, valuesOf } from '../cpu/norm.js';

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

/** Where group c, outer index o, inner index i finds its weight and bias: c * perGroup + o * perOuter + i * perInner. */
function affineSteps(along: NormalizeAffine['along'], inner: number): { perGroup: number; perOuter: number; perInner: number } {
  return along === 'kept' ? { perGroup: 1, perOuter: 0, perInner: 0 } : { perGroup: 0, perOuter: inner, perInner: 1 };
}

function normalize(x: View, axes: readonly number[], eps: number, affine: NormalizeAffine = NO_AFFINE): NormalizeResult {
  const layout = fastLayout(x, axes);
  if (layout === null) return cpuBackend.normalize(x, axes, eps, affine);
  const { outer, groups, inner } = layout;
  const count = outer * inner;
  const xd = x.data as Float32Array;
  const { weight, bias } = affineValues(x.shape, axes, affine);
  const { perGroup, perOuter, perInner } = affineSteps(affine.along, inner);
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
    const s = 1 / Math.sqrt(v + eps);
    for (let o = 0, p = first, q = c * inner; o < outer; o++, p += stride, q += stride) {
      const a = c * perGroup + o * perOuter;
      if (bias === null) {
        for (let i = 0; i < inner; i++) values[q + i] = ((xd[p + i]! - m) * s) * weight[a + i * perInner]!;
      } else {
        for (let i = 0; i < inner; i++) values[q + i] = ((xd[p + i]! - m) * s) * weight[a + i * perInner]! + bias[a + i * perInner]!;
      }
    }
    mean[c] = m;
    variance[c] = v;
  }
  return { values, mean, variance };
}

function normalizeBackward(
  grad: View, x: View, mean: View, invStd: View, axes: readonly number[], weight: View | null, along: NormalizeAffine['along'],
): NormalizeBackwardResult {
  const layout = fastLayout(grad, axes);
  if (layout === null || x.dtype !== 'float32' || !isContiguous(x.shape, x.strides)) {
    return cpuBackend.normalizeBackward(grad, x, mean, invStd, axes, weight, along);
  }
  const { outer, groups, inner } = layout;
  const count = outer * inner;
  const gd = grad.data as Float32Array;
  const xd = x.data as Float32Array;
  const m = valuesOf(mean, groups, 'mean');
  const s = valuesOf(invStd, groups, 'invStd');
  const w = affineValues(grad.shape, axes, { weight, bias: null, along }).weight;
  const { perGroup, perOuter, perInner } = affineSteps(along, inner);
  const weightGrad = new Float64Array(w.length);
  const biasGrad = new Float64Array(w.length);
  const dx = new Float32Array(count * groups);
  const stride = groups * inner;
  for (let c = 0; c < groups; c++) {
    const [mc, sc] = [m[c]!, s[c]!];
    const g0 = grad.offset + c * inner;
    const x0 = x.offset + c * inner;
    let sumGw = 0;
    let sumGwX = 0;
    for (let o = 0, p = g0, q = x0; o < outer; o++, p += stride, q += stride) {
      const a = c * perGroup + o * perOuter;
      for (let i = 0; i < inner; i++) {
        const k = a + i * perInner;
        const g = gd[p + i]!;
        const xhat = (xd[q + i]! - mc) * sc;
        const gw = g * w[k]!;
        sumGw += gw;
        sumGwX += gw * xhat;
        weightGrad[k] = weightGrad[k]! + g * xhat;
        biasGrad[k] = biasGrad[k]! + g;
      }
    }
    const meanGw = sumGw / count;
    const meanGwX = sumGwX / count;
    for (let o = 0, p = g0, q = x0, r = c * inner; o < outer; o++, p += stride, q += stride, r += stride) {
      const a = c * perGroup + o * perOuter;
      for (let i = 0; i < inner; i++) {
        const xhat = (xd[q + i]! - mc) * sc;
        dx[r + i] = sc * (gd[p + i]! * w[a + i * perInner]! - meanGw - xhat * meanGwX);
      }
    }
  }
  return { grad: dx, weightGrad, biasGrad };
}

export function makeNormalization(): Pick<Backend, 'normalize' | 'normalizeBackward'> {
  return { normalize, normalizeBackward };
}
