/**
 * The fused optimizer kernels (FusedKernels.adamStep, sgdStep), in place: one pass over a
 * parameter instead of a dozen elementwise ops, each allocating a full-size temporary. asm/optim.ts
 * replays optim/adam.ts's and optim/sgd.ts's tensor ops in the same order, each f32x4 op rounding
 * as one float32 tensor op does, so results are bit-identical to the composed update. Other dtypes
 * decline (return false) and take the composed path: there is no second (float64) copy of the math.
 *
 * The residency policy lives here too: what a fused step updates is long-lived (parameters and
 * their optimizer state), so its first step moves each such storage into resident wasm memory,
 * where later steps update it in place (only the gradient is copied in) and other kernels read it
 * without staging it.
 */
import type { AdamStepOptions, Backend, InPlaceView, View } from '../types.js';
import { isContiguous, numel } from '../../tensor/shape.js';
import type { WasmRuntime } from './runtime.js';

/** Adam's scalars, rounded to float32 as the composed ops' scalar operands are. */
function adamScalars(o: AdamStepOptions) {
  const round = Math.fround;
  const stepSize = o.lr / (1 - o.beta1 ** o.step);
  return {
    beta1: round(o.beta1),
    beta2: round(o.beta2),
    scale1: round(1 - o.beta1),
    scale2: round(1 - o.beta2),
    /** 1 - beta: when exactly 1 the composed op skips its multiply. */
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
 * Whether a step may write `written` in place while reading grad: all float32, contiguous, and no
 * two sharing memory (an element is read before it is written only within one array).
 */
function fusable(grad: View, written: readonly InPlaceView[]): boolean {
  const operands = [grad, ...written];
  return operands.every((x) => x.dtype === 'float32' && isContiguous(x.shape, x.strides)) && new Set(operands.map((x) => x.data)).size === operands.length;
}

/**
 * Moves each float32 tensor that spans its whole storage into resident memory (every tensor sharing
 * the storage follows), once per storage: where the region is full or the memory is private, the
 * storage stays where it is and the step stages it.
 */
function makeResidency(runtime: WasmRuntime): (written: readonly InPlaceView[]) => void {
  const tried = new WeakSet<object>();
  return (written) => {
    for (const x of written) {
      const { storage } = x;
      if (x.dtype !== 'float32' || tried.has(storage) || runtime.residentAddress(x.data, 0) >= 0) continue;
      tried.add(storage);
      const n = numel(x.shape);
      if (x.offset !== 0 || storage.data.length !== n) continue;
      const data = runtime.residentZeros(n);
      if (data !== null) storage.relocate(data);
    }
  };
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

/** Task kind of asm/index.ts's parallel Adam chunks (must match). */
const TASK_ADAM = 15;
/**
 * From this many elements an Adam step is split among the threads. One thread takes ~1.2 ns per
 * element (two divisions and a square root per vector); splitting costs the caller ~75 us (the
 * gradient staged whole, ~35 us for 800 KB, and the workers' wake-up inside Atomics.notify,
 * ~25-45 us), so with the second core idle it pays from ~120k elements. On a loaded machine the
 * worker starts late: the MLP's 200,704-element weight took 296 us split against 239 us on one
 * thread (10th percentiles), so the split starts where the halved kernel saves ~90 us or more.
 */
export const ADAM_PARALLEL_MIN = 1 << 18;
/** Elements per chunk of a parallel step (whole f32x4 vectors). */
const ADAM_CHUNK = 16384;

/**
 * Runs an Adam step (views: param, grad, expAvg, expAvgSq[, maxExpAvgSq]) in chunks on all threads
 * when it is large and everything it writes is resident (the gradient is staged whole); false, with
 * nothing done, otherwise. Each element's update is the same whichever thread runs it.
 */
function inParallel(runtime: WasmRuntime, views: View[], n: number, args: number): boolean {
  if (runtime.threadCount < 2 || n < ADAM_PARALLEL_MIN) return false;
  const at = views.map((view) => runtime.residentAddress(view.data, view.offset));
  if (at.some((address, slot) => slot !== 1 && address < 0)) return false;
  const grad = views[1]!;
  if (at[1]! < 0) {
    at[1] = runtime.alloc(n * 4);
    runtime.f32.set((grad.data as Float32Array).subarray(grad.offset, grad.offset + n), at[1] >>> 2);
  }
  const task = runtime.alloc(9 * 4);
  runtime.i32.set([TASK_ADAM, at[0]!, at[1]!, at[2]!, at[3]!, at[4] ?? 0, n, args, ADAM_CHUNK], task >>> 2);
  runtime.run(task, Math.ceil(n / ADAM_CHUNK), true);
  return true;
}

function makeAdamStep(runtime: WasmRuntime, keepResident: (written: readonly InPlaceView[]) => void): NonNullable<Backend['adamStep']> {
  return function adamStep(param, grad, state, o) {
    const written = [param, state.expAvg, state.expAvgSq, ...(state.maxExpAvgSq === null ? [] : [state.maxExpAvgSq])];
    if (o.amsgrad !== (state.maxExpAvgSq !== null) || !fusable(grad, written)) return false;
    keepResident(written);
    runtime.beginCall('adamStep');
    const args = runtime.alloc(10 * 4);
    const k = adamScalars(o);
    runtime.f32.set([k.beta1, k.beta2, k.scale1, k.scale2, k.decay, k.weightDecay, k.negStep, k.bias2Sqrt, k.eps], args >>> 2);
    runtime.i32[(args >>> 2) + 9] =
      (o.maximize ? MAXIMIZE : 0) | (o.decoupled ? DECOUPLED : 0) | (!o.decoupled && o.weightDecay !== 0 ? COUPLED_DECAY : 0) |
      (k.weightDecayIsOne ? WEIGHT_DECAY_IS_ONE : 0) | (k.scale1IsOne ? SCALE1_IS_ONE : 0) | (k.scale2IsOne ? SCALE2_IS_ONE : 0) |
      (k.negStepIsOne ? NEG_STEP_IS_ONE : 0) | (o.amsgrad ? AMSGRAD : 0);
    const views = [param, grad, state.expAvg, state.expAvgSq, ...(o.amsgrad ? [state.maxExpAvgSq!] : [])];
    const n = numel(param.shape);
    if (!inParallel(runtime, views, n, args)) {
      inBlocks(runtime, views, 1, n, (ptr, count) => runtime.exports.adamStepF32(ptr(0), ptr(1), ptr(2), ptr(3), o.amsgrad ? ptr(4) : 0, count, args));
    }
    return true;
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
function makeSgdStep(runtime: WasmRuntime, keepResident: (written: readonly InPlaceView[]) => void): NonNullable<Backend['sgdStep']> {
  return function sgdStep(param, grad, buffer, o) {
    const written = buffer === null ? [param] : [param, buffer];
    if ((o.momentum !== 0) !== (buffer !== null) || !fusable(grad, written)) return false;
    keepResident(written);
    const views = [param, grad, ...(buffer === null ? [] : [buffer])];
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

/** The fused optimizer kernels of a runtime, sharing its residency policy (also offered as keepResident, for inference). */
export function makeOptimizerSteps(runtime: WasmRuntime): Pick<Backend, 'adamStep' | 'sgdStep' | 'keepResident'> {
  const keepResident = makeResidency(runtime);
  return { adamStep: makeAdamStep(runtime, keepResident), sgdStep: makeSgdStep(runtime, keepResident), keepResident };
}
