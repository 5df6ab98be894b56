/**
 * Fused optimizer updates, in place: one pass over a parameter instead of a dozen elementwise
 * ops, each allocating a full-size temporary, and no new arrays. They replay optim/adam.ts's and
 * optim/sgd.ts's tensor ops in the same order, so results are bit-identical to the composed
 * update: float32 runs in wasm (asm/optim.ts), where each f32x4 op rounds as one float32 tensor op
 * does; Adam's float64 runs in the JS loop below (SGD's takes the composed path).
 */
import type { AdamStepOptions, AdamStepState, Backend, View } from '../types.js';
import { numel } from '../../tensor/shape.js';
import type { WasmRuntime } from './runtime.js';

/** Adam's scalars, rounded to the parameter's dtype as the composed ops' scalar operands are. */
interface AdamScalars {
  beta1: number;
  beta2: number;
  scale1: number;
  scale2: number;
  /** 1 - beta: when exactly 1 the composed op skips its multiply. */
  scale1IsOne: boolean;
  scale2IsOne: boolean;
  decay: number;
  weightDecay: number;
  weightDecayIsOne: boolean;
  negStep: number;
  negStepIsOne: boolean;
  bias2Sqrt: number;
  eps: number;
}

function scalars(o: AdamStepOptions, round: (x: number) => number): AdamScalars {
  const stepSize = o.lr / (1 - o.beta1 ** o.step);
  return {
    beta1: round(o.beta1),
    beta2: round(o.beta2),
    scale1: round(1 - o.beta1),
    scale2: round(1 - o.beta2),
    scale1IsOne: 1 - o.beta1 === 1,
    scale2IsOne: 1 - o.beta2 === 1,
    decay: round(1 - o.lr * o.weightDecay),
    weightDecay: round(o.weightDecay),
    weightDecayIsOne: o.weightDecay === 1,
    negStep: round(-stepSize),
    negStepIsOne: -stepSize === 1,
    bias2Sqrt: round(Math.sqrt(1 - o.beta2 ** o.step)),
    eps: round(o.eps),
  };
}

/**
 * Float64 Adam in JS, in place. The arrays are distinct, and element i is read before it is
 * written, so updating in place gives the out-of-place formulas.
 */
function adamStep64(param: View, grad: View, state: AdamStepState, o: AdamStepOptions): void {
  const n = numel(param.shape);
  const p = param.data as Float64Array;
  const g = grad.data as Float64Array;
  const m = state.expAvg.data as Float64Array;
  const v = state.expAvgSq.data as Float64Array;
  const vmax = state.maxExpAvgSq === null ? null : (state.maxExpAvgSq.data as Float64Array);
  const [po, go, mo, vo] = [param.offset, grad.offset, state.expAvg.offset, state.expAvgSq.offset];
  const vmaxo = state.maxExpAvgSq?.offset ?? 0;
  const { beta1, beta2, scale1, scale2, scale1IsOne, scale2IsOne, decay, weightDecay, weightDecayIsOne, negStep, negStepIsOne, bias2Sqrt, eps } = scalars(o, (x) => x);
  const { maximize, decoupled } = o;
  const coupledDecay = !decoupled && o.weightDecay !== 0;
  for (let i = 0; i < n; i++) {
    let gi = g[go + i]!;
    if (maximize) gi = -gi;
    let pi = p[po + i]!;
    if (decoupled) pi = pi * decay;
    else if (coupledDecay) gi = gi + (weightDecayIsOne ? pi : pi * weightDecay);
    const mi = m[mo + i]! * beta1 + (scale1IsOne ? gi : gi * scale1);
    const vi = v[vo + i]! * beta2 + (scale2IsOne ? gi : gi * scale2) * gi;
    let second = vi;
    if (vmax !== null) {
      const old = vmax[vmaxo + i]!;
      second = old !== old || vi !== vi ? NaN : old > vi ? old : vi;
      vmax[vmaxo + i] = second;
    }
    const denom = Math.sqrt(second) / bias2Sqrt + eps;
    p[po + i] = pi + (negStepIsOne ? mi : mi * negStep) / denom;
    m[mo + i] = mi;
    v[vo + i] = vi;
  }
}

// Flag bits of asm/optim.ts.
const MAXIMIZE = 1;
const DECOUPLED = 2;
const COUPLED_DECAY = 4;
const WEIGHT_DECAY_IS_ONE = 8;
const SCALE1_IS_ONE = 16;
const SCALE2_IS_ONE = 32;
const NEG_STEP_IS_ONE = 64;
const AMSGRAD = 128;

/**
 * Elements per pass: the staged blocks of every array (16 KiB each) stay in cache from the copy
 * in, through the kernel, to the copy back, so memory sees each array about once.
 */
const BLOCK = 4096;

/**
 * Runs `step` over n elements of `views` (float32, contiguous) BLOCK elements at a time: arrays
 * already in wasm memory (resident parameters and optimizer state) in place, the others staged
 * into one block each and copied back afterwards, except the read-only one at `readOnly`.
 * `step` gets each view's address for the block (by its index in `views`) and the count.
 */
function inBlocks(runtime: WasmRuntime, views: View[], readOnly: number, n: number, step: (ptr: (slot: number) => number, count: number) => void): void {
  const resident = views.map((view) => runtime.residentAddress(view.data, view.offset));
  const blocks = runtime.alloc(views.length * BLOCK * 4);
  const heap = runtime.f32;
  const at = (slot: number): number => (blocks >>> 2) + slot * BLOCK;
  for (let start = 0; start < n; start += BLOCK) {
    const count = Math.min(BLOCK, n - start);
    views.forEach((view, slot) => {
      if (resident[slot]! < 0) heap.set((view.data as Float32Array).subarray(view.offset + start, view.offset + start + count), at(slot));
    });
    step((slot) => (resident[slot]! >= 0 ? resident[slot]! + start * 4 : at(slot) * 4), count);
    views.forEach((view, slot) => {
      if (slot !== readOnly && resident[slot]! < 0) (view.data as Float32Array).set(heap.subarray(at(slot), at(slot) + count), view.offset + start);
    });
  }
}

export function makeAdamStep(runtime: WasmRuntime): NonNullable<Backend['adamStep']> {
  return function adamStep(param, grad, state, o) {
    const views = [param, grad, state.expAvg, state.expAvgSq, ...(state.maxExpAvgSq === null ? [] : [state.maxExpAvgSq])];
    if (views.every((x) => x.dtype === 'float64')) return adamStep64(param, grad, state, o);
    if (!views.every((x) => x.dtype === 'float32')) throw new Error(`adamStep: expected float32 or float64 tensors of one dtype, got ${views.map((x) => x.dtype).join(', ')}`);
    const n = numel(param.shape);
    runtime.beginCall('adamStep');
    const args = runtime.alloc(10 * 4);
    const k = scalars(o, Math.fround);
    runtime.f32.set([k.beta1, k.beta2, k.scale1, k.scale2, k.decay, k.weightDecay, k.negStep, k.bias2Sqrt, k.eps], args >>> 2);
    runtime.i32[(args >>> 2) + 9] =
      (o.maximize ? MAXIMIZE : 0) | (o.decoupled ? DECOUPLED : 0) | (!o.decoupled && o.weightDecay !== 0 ? COUPLED_DECAY : 0) |
      (k.weightDecayIsOne ? WEIGHT_DECAY_IS_ONE : 0) | (k.scale1IsOne ? SCALE1_IS_ONE : 0) | (k.scale2IsOne ? SCALE2_IS_ONE : 0) |
      (k.negStepIsOne ? NEG_STEP_IS_ONE : 0) | (state.maxExpAvgSq !== null ? AMSGRAD : 0);
    const maxExpAvgSq = state.maxExpAvgSq !== null;
    inBlocks(runtime, views, 1, n, (ptr, count) => runtime.exports.adamStepF32(ptr(0), ptr(1), ptr(2), ptr(3), maxExpAvgSq ? ptr(4) : 0, count, args));
  };
}

// Flag bits of asm/optim.ts's sgdStepF32 (must match).
const SGD_MAXIMIZE = 1;
const SGD_WEIGHT_DECAY_ON = 2;
const SGD_WEIGHT_DECAY_IS_ONE = 4;
const SGD_MOMENTUM_ON = 8;
const SGD_FIRST = 16;
const SGD_SCALE_IS_ONE = 32;
const SGD_NESTEROV = 64;
const SGD_MOMENTUM_IS_ONE = 128;
const SGD_NEG_LR_IS_ONE = 256;

/** SGD with momentum, dampening, Nesterov and weight decay in one pass, float32 in place. */
export function makeSgdStep(runtime: WasmRuntime): NonNullable<Backend['sgdStep']> {
  return function sgdStep(param, grad, buffer, o) {
    const views = [param, grad, ...(buffer === null ? [] : [buffer])];
    if (!views.every((x) => x.dtype === 'float32')) return false;
    if (o.momentum !== 0 && buffer === null) return false;
    runtime.beginCall('sgdStep');
    const args = runtime.alloc(5 * 4);
    const scale = 1 - o.dampening;
    runtime.f32.set([o.momentum, scale, o.weightDecay, -o.lr].map(Math.fround), args >>> 2);
    runtime.i32[(args >>> 2) + 4] =
      (o.maximize ? SGD_MAXIMIZE : 0) | (o.weightDecay !== 0 ? SGD_WEIGHT_DECAY_ON : 0) | (o.weightDecay === 1 ? SGD_WEIGHT_DECAY_IS_ONE : 0) |
      (o.momentum !== 0 ? SGD_MOMENTUM_ON : 0) | (o.first ? SGD_FIRST : 0) | (scale === 1 ? SGD_SCALE_IS_ONE : 0) |
      (o.nesterov ? SGD_NESTEROV : 0) | (o.momentum === 1 ? SGD_MOMENTUM_IS_ONE : 0) | (-o.lr === 1 ? SGD_NEG_LR_IS_ONE : 0);
    const withBuffer = buffer !== null;
    inBlocks(runtime, views, 1, numel(param.shape), (ptr, count) => runtime.exports.sgdStepF32(ptr(0), ptr(1), withBuffer ? ptr(2) : 0, count, args));
    return true;
  };
}
