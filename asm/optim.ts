// Fused Adam/AdamW and SGD steps on float32, in place (on staged copies, or on resident arrays). Every f32x4 op rounds like one
// float32 tensor op, in the order of optim/adam.ts's composed update, so results are identical.

import { word } from './task';

// Scalars (f32) and flags (i32) at `args`, written by the host (src/backend/wasm/optim.ts).
const A_BETA1 = 0;
const A_BETA2 = 1;
const A_SCALE1 = 2;
const A_SCALE2 = 3;
const A_DECAY = 4;
const A_WEIGHT_DECAY = 5;
const A_NEG_STEP = 6;
const A_BIAS2_SQRT = 7;
const A_EPS = 8;
const A_FLAGS = 9;

// Flag bits.
const MAXIMIZE = 1;
const DECOUPLED = 2;
const COUPLED_DECAY = 4;
const WEIGHT_DECAY_IS_ONE = 8;
const SCALE1_IS_ONE = 16;
const SCALE2_IS_ONE = 32;
const NEG_STEP_IS_ONE = 64;
const AMSGRAD = 128;

@inline function arg(args: usize, index: i32): f32 {
  return load<f32>(args + (<usize>index << 2));
}

/** max(old, v) with NaN winning, as the composed `maximum`. */
@inline function maxNaN(old: v128, v: v128): v128 {
  const larger = v128.bitselect(old, v, f32x4.gt(old, v));
  const nan = v128.or(f32x4.ne(old, old), f32x4.ne(v, v));
  return v128.bitselect(f32x4.splat(<f32>NaN), larger, nan);
}

@inline function maxNaNScalar(old: f32, v: f32): f32 {
  return old != old || v != v ? <f32>NaN : old > v ? old : v;
}

/** p, m, v (and vmax) are updated in place over n floats. */
export function adamStepF32(p: usize, g: usize, m: usize, v: usize, vmax: usize, n: i32, args: usize): void {
  const beta1 = arg(args, A_BETA1);
  const beta2 = arg(args, A_BETA2);
  const scale1 = arg(args, A_SCALE1);
  const scale2 = arg(args, A_SCALE2);
  const decay = arg(args, A_DECAY);
  const weightDecay = arg(args, A_WEIGHT_DECAY);
  const negStep = arg(args, A_NEG_STEP);
  const bias2Sqrt = arg(args, A_BIAS2_SQRT);
  const eps = arg(args, A_EPS);
  const flags = load<i32>(args + (<usize>A_FLAGS << 2));
  const maximize = (flags & MAXIMIZE) != 0;
  const decoupled = (flags & DECOUPLED) != 0;
  const coupled = (flags & COUPLED_DECAY) != 0;
  const decayIsOne = (flags & WEIGHT_DECAY_IS_ONE) != 0;
  const scale1IsOne = (flags & SCALE1_IS_ONE) != 0;
  const scale2IsOne = (flags & SCALE2_IS_ONE) != 0;
  const negStepIsOne = (flags & NEG_STEP_IS_ONE) != 0;
  const amsgrad = (flags & AMSGRAD) != 0;

  const vBeta1 = f32x4.splat(beta1);
  const vBeta2 = f32x4.splat(beta2);
  const vScale1 = f32x4.splat(scale1);
  const vScale2 = f32x4.splat(scale2);
  const vDecay = f32x4.splat(decay);
  const vWeightDecay = f32x4.splat(weightDecay);
  const vNegStep = f32x4.splat(negStep);
  const vBias2Sqrt = f32x4.splat(bias2Sqrt);
  const vEps = f32x4.splat(eps);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = <usize>i << 2;
    let gi = v128.load(g + at);
    if (maximize) gi = f32x4.neg(gi);
    let pi = v128.load(p + at);
    if (decoupled) pi = f32x4.mul(pi, vDecay);
    else if (coupled) gi = f32x4.add(gi, decayIsOne ? pi : f32x4.mul(pi, vWeightDecay));
    const mi = f32x4.add(f32x4.mul(v128.load(m + at), vBeta1), scale1IsOne ? gi : f32x4.mul(gi, vScale1));
    const vi = f32x4.add(f32x4.mul(v128.load(v + at), vBeta2), f32x4.mul(scale2IsOne ? gi : f32x4.mul(gi, vScale2), gi));
    let second = vi;
    if (amsgrad) {
      second = maxNaN(v128.load(vmax + at), vi);
      v128.store(vmax + at, second);
    }
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(second), vBias2Sqrt), vEps);
    v128.store(p + at, f32x4.add(pi, f32x4.div(negStepIsOne ? mi : f32x4.mul(mi, vNegStep), denom)));
    v128.store(m + at, mi);
    v128.store(v + at, vi);
  }
  for (; i < n; i++) {
    const at = <usize>i << 2;
    let gi = load<f32>(g + at);
    if (maximize) gi = -gi;
    let pi = load<f32>(p + at);
    if (decoupled) pi = pi * decay;
    else if (coupled) gi = gi + (decayIsOne ? pi : pi * weightDecay);
    const mi: f32 = load<f32>(m + at) * beta1 + (scale1IsOne ? gi : gi * scale1);
    const vi: f32 = load<f32>(v + at) * beta2 + (scale2IsOne ? gi : gi * scale2) * gi;
    let second = vi;
    if (amsgrad) {
      second = maxNaNScalar(load<f32>(vmax + at), vi);
      store<f32>(vmax + at, second);
    }
    const denom: f32 = Mathf.sqrt(second) / bias2Sqrt + eps;
    store<f32>(p + at, pi + (negStepIsOne ? mi : mi * negStep) / denom);
    store<f32>(m + at, mi);
    store<f32>(v + at, vi);
  }
}

// Parallel Adam task descriptor, i32 words after the kind (written by src/backend/wasm/optim.ts):
// the arrays' byte addresses (vmax 0 without AMSGrad), the element count, the scalars' address
// and the elements per chunk.
const T_P = 1;
const T_G = 2;
const T_M = 3;
const T_V = 4;
const T_VMAX = 5;
const T_COUNT = 6;
const T_ARGS = 7;
const T_CHUNK = 8;

/** Chunk `chunk` of a parallel Adam step: adamStepF32 on its range (elementwise, so any split gives the same result). */
export function adamChunk(task: usize, chunk: i32): void {
  const size = word(task, T_CHUNK);
  const start = chunk * size;
  const count = min(size, word(task, T_COUNT) - start);
  if (count <= 0) return;
  const offset = <usize>start << 2;
  const vmax = <usize>word(task, T_VMAX);
  adamStepF32(
    <usize>word(task, T_P) + offset, <usize>word(task, T_G) + offset, <usize>word(task, T_M) + offset,
    <usize>word(task, T_V) + offset, vmax == 0 ? 0 : vmax + offset, count, <usize>word(task, T_ARGS),
  );
}

// SGD's scalars and flags at `args` (src/backend/wasm/optim.ts).
const S_MOMENTUM = 0;
const S_SCALE = 1;
const S_WEIGHT_DECAY = 2;
const S_NEG_LR = 3;
const S_FLAGS = 4;

const S_MAXIMIZE = 1;
const S_WEIGHT_DECAY_ON = 2;
const S_WEIGHT_DECAY_IS_ONE = 4;
const S_MOMENTUM_ON = 8;
const S_FIRST = 16;
const S_SCALE_IS_ONE = 32;
const S_NESTEROV = 64;
const S_MOMENTUM_IS_ONE = 128;
const S_NEG_LR_IS_ONE = 256;

/**
 * p (and, with momentum, buf) updated in place over n floats, in optim/sgd.ts's order: d = g (or
 * -g), + weightDecay * p; buf = momentum * buf + (1 - dampening) * d (d itself at first);
 * d = nesterov ? d + momentum * buf : buf; p += -lr * d.
 */
export function sgdStepF32(p: usize, g: usize, buf: usize, n: i32, args: usize): void {
  const momentum = arg(args, S_MOMENTUM);
  const scale = arg(args, S_SCALE);
  const weightDecay = arg(args, S_WEIGHT_DECAY);
  const negLr = arg(args, S_NEG_LR);
  const flags = load<i32>(args + (<usize>S_FLAGS << 2));
  const maximize = (flags & S_MAXIMIZE) != 0;
  const decay = (flags & S_WEIGHT_DECAY_ON) != 0;
  const decayIsOne = (flags & S_WEIGHT_DECAY_IS_ONE) != 0;
  const useMomentum = (flags & S_MOMENTUM_ON) != 0;
  const first = (flags & S_FIRST) != 0;
  const scaleIsOne = (flags & S_SCALE_IS_ONE) != 0;
  const nesterov = (flags & S_NESTEROV) != 0;
  const momentumIsOne = (flags & S_MOMENTUM_IS_ONE) != 0;
  const negLrIsOne = (flags & S_NEG_LR_IS_ONE) != 0;
  const vMomentum = f32x4.splat(momentum);
  const vScale = f32x4.splat(scale);
  const vWeightDecay = f32x4.splat(weightDecay);
  const vNegLr = f32x4.splat(negLr);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = <usize>i << 2;
    const pi = v128.load(p + at);
    let d = v128.load(g + at);
    if (maximize) d = f32x4.neg(d);
    if (decay) d = f32x4.add(d, decayIsOne ? pi : f32x4.mul(pi, vWeightDecay));
    if (useMomentum) {
      const b = first ? d : f32x4.add(f32x4.mul(v128.load(buf + at), vMomentum), scaleIsOne ? d : f32x4.mul(d, vScale));
      v128.store(buf + at, b);
      d = nesterov ? f32x4.add(d, momentumIsOne ? b : f32x4.mul(b, vMomentum)) : b;
    }
    v128.store(p + at, f32x4.add(pi, negLrIsOne ? d : f32x4.mul(d, vNegLr)));
  }
  for (; i < n; i++) {
    const at = <usize>i << 2;
    const pi = load<f32>(p + at);
    let d = load<f32>(g + at);
    if (maximize) d = -d;
    if (decay) d = d + (decayIsOne ? pi : pi * weightDecay);
    if (useMomentum) {
      const b: f32 = first ? d : load<f32>(buf + at) * momentum + (scaleIsOne ? d : d * scale);
      store<f32>(buf + at, b);
      d = nesterov ? d + (momentumIsOne ? b : b * momentum) : b;
    }
    store<f32>(p + at, pi + (negLrIsOne ? d : d * negLr));
  }
}
