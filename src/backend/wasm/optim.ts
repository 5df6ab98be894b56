/**
 * Fused optimizer updates: one pass over a parameter instead of a dozen elementwise ops, each
 * allocating a full-size temporary. They replay optim/adam.ts's tensor ops in the same order, so
 * results are bit-identical to the composed update: float32 runs in wasm (asm/optim.ts), where
 * each f32x4 op rounds as one float32 tensor op does; float64 runs in the JS loop below.
 */
import type { AdamStepOptions, AdamStepResult, AdamStepState, Backend, View } from '../types.js';
import { numel } from '../../tensor/shape.js';
import { cpuBackend } from '../cpu/index.js';
import { isContiguous } from '../cpu/strided.js';
import type { WasmRuntime } from './runtime.js';
import { stageDense, unstage } from './staging.js';

type Floats = Float32Array | Float64Array;

/** The view's elements in row-major order (its own array when contiguous). */
function dense(v: View): { data: Floats; offset: number } {
  if (isContiguous(v.shape, v.strides)) return { data: v.data as Floats, offset: v.offset };
  return { data: cpuBackend.copy(v, v.dtype) as Floats, offset: 0 };
}

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

interface Arrays<T> {
  p: T; g: T; m: T; v: T; vmax: T | null;
  po: number; go: number; mo: number; vo: number; vmaxo: number;
  outP: T; outM: T; outV: T; outVmax: T | null;
}

/** The float64 loop: the same formulas without rounding. */
function adamLoop64(a: Arrays<Float64Array>, n: number, k: AdamScalars, o: AdamStepOptions): void {
  const { p, g, m, v, vmax, outP, outM, outV, outVmax, po, go, mo, vo, vmaxo } = a;
  const { beta1, beta2, scale1, scale2, scale1IsOne, scale2IsOne, decay, weightDecay, weightDecayIsOne, negStep, negStepIsOne, bias2Sqrt, eps } = k;
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
    if (vmax !== null && outVmax !== null) {
      const old = vmax[vmaxo + i]!;
      second = old !== old || vi !== vi ? NaN : old > vi ? old : vi;
      outVmax[i] = second;
    }
    const denom = Math.sqrt(second) / bias2Sqrt + eps;
    outP[i] = pi + (negStepIsOne ? mi : mi * negStep) / denom;
    outM[i] = mi;
    outV[i] = vi;
  }
}

/** Float64 Adam in JS: the views' elements in row-major order, new arrays out. */
function adamStep64(param: View, grad: View, state: AdamStepState, o: AdamStepOptions): AdamStepResult {
  const n = numel(param.shape);
  const p = dense(param);
  const g = dense(grad);
  const m = dense(state.expAvg);
  const v = dense(state.expAvgSq);
  const vmax = state.maxExpAvgSq === null ? null : dense(state.maxExpAvgSq);
  const a: Arrays<Float64Array> = {
    p: p.data as Float64Array, g: g.data as Float64Array, m: m.data as Float64Array, v: v.data as Float64Array,
    vmax: vmax === null ? null : (vmax.data as Float64Array),
    po: p.offset, go: g.offset, mo: m.offset, vo: v.offset, vmaxo: vmax === null ? 0 : vmax.offset,
    outP: new Float64Array(n), outM: new Float64Array(n), outV: new Float64Array(n), outVmax: vmax === null ? null : new Float64Array(n),
  };
  adamLoop64(a, n, scalars(o, (x) => x), o);
  return { param: a.outP, expAvg: a.outM, expAvgSq: a.outV, maxExpAvgSq: a.outVmax };
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

export function makeAdamStep(runtime: WasmRuntime): NonNullable<Backend['adamStep']> {
  return function adamStep(param, grad, state, o) {
    const views = [param, grad, state.expAvg, state.expAvgSq, ...(state.maxExpAvgSq === null ? [] : [state.maxExpAvgSq])];
    if (views.every((x) => x.dtype === 'float64')) return adamStep64(param, grad, state, o);
    if (!views.every((x) => x.dtype === 'float32')) throw new Error(`adamStep: expected float32 or float64 tensors of one dtype, got ${views.map((x) => x.dtype).join(', ')}`);
    const n = numel(param.shape);
    runtime.beginCall();
    const p = stageDense(runtime, param);
    const g = stageDense(runtime, grad);
    const m = stageDense(runtime, state.expAvg);
    const v = stageDense(runtime, state.expAvgSq);
    const vmax = state.maxExpAvgSq === null ? 0 : stageDense(runtime, state.maxExpAvgSq);
    const args = runtime.alloc(10 * 4);
    const k = scalars(o, Math.fround);
    runtime.f32.set([k.beta1, k.beta2, k.scale1, k.scale2, k.decay, k.weightDecay, k.negStep, k.bias2Sqrt, k.eps], args >> 2);
    runtime.i32[(args >> 2) + 9] =
      (o.maximize ? MAXIMIZE : 0) | (o.decoupled ? DECOUPLED : 0) | (!o.decoupled && o.weightDecay !== 0 ? COUPLED_DECAY : 0) |
      (k.weightDecayIsOne ? WEIGHT_DECAY_IS_ONE : 0) | (k.scale1IsOne ? SCALE1_IS_ONE : 0) | (k.scale2IsOne ? SCALE2_IS_ONE : 0) |
      (k.negStepIsOne ? NEG_STEP_IS_ONE : 0) | (state.maxExpAvgSq !== null ? AMSGRAD : 0);
    runtime.exports.adamStepF32(p, g, m, v, vmax, n, args);
    return {
      param: unstage(runtime, p, n),
      expAvg: unstage(runtime, m, n),
      expAvgSq: unstage(runtime, v, n),
      maxExpAvgSq: state.maxExpAvgSq === null ? null : unstage(runtime, vmax, n),
    };
  };
}
