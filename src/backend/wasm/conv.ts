/**
 * Convolution on the WebAssembly kernels (asm/conv.ts), for 1-D to 3-D, any stride, padding,
 * dilation and groups: im2col plus the SIMD gemm, one image per chunk, so the threads split a
 * batch by images and each builds its image's columns matrix in its own cache-sized buffer. The
 * products read and write the [N, C, ...] tensors in place.
 *
 * The weight gradient is summed over images in PARTIALS separate partial sums (images k, k + P,
 * ...) that the threads fill independently and that are added in a fixed order at the end; P
 * depends only on the shapes, so the result is the same for any thread count.
 */
import type { Backend, ConvGeometry, View } from '../types.js';
import { numel } from '../../tensor/shape.js';
import { cpuBackend } from '../cpu/index.js';
import type { WasmRuntime } from './runtime.js';
import { stageDense, unstage } from './staging.js';
import { PARALLEL_MIN_FLOPS } from './gemm.js';
import { writeGeometry, type SpatialGeometry } from './geometry.js';

// Must match asm/index.ts and asm/conv.ts.
const TASK_CONV = 2;
const TASK_CONV_INPUT_GRAD = 3;
const TASK_CONV_WEIGHT_GRAD = 5;
const TASK_WORDS = 40;

/** Most partial sums of the weight gradient, and the most memory they may take together. */
const MAX_PARTIALS = 8;
const PARTIALS_BYTES = 16 << 20;

/** A convolution's sizes and its spatial geometry. */
interface Plan extends SpatialGeometry {
  batch: number;
  inChannels: number;
  outChannels: number;
  groups: number;
  plane: number;
  taps: number;
  outs: number;
  /** Multiply-adds of one of the three products over the batch. */
  flops: number;
}

function plan(batch: number, inChannels: number, outChannels: number, inSize: readonly number[], kernel: readonly number[], outSize: readonly number[], g: ConvGeometry): Plan {
  const taps = numel(kernel);
  const outs = numel(outSize);
  return {
    batch,
    inChannels,
    outChannels,
    groups: g.groups,
    inSize,
    kernel,
    outSize,
    stride: g.stride,
    padding: g.padding,
    dilation: g.dilation,
    plane: numel(inSize),
    taps,
    outs,
    flops: 2 * batch * (outChannels / g.groups) * inChannels * taps * outs,
  };
}

/**
 * Fewest input channels per group for which transposedPlan pays: its packed columns serve the
 * product's rows, one per input channel (64 channels: ~25% faster than col2im; LeNet's 6: ~3x
 * slower).
 */
const TRANSPOSED_MIN_CHANNELS = 32;

/**
 * At unit stride the input gradient is itself a convolution: of the output gradient, with the
 * weights flipped in space and their channel axes swapped, padded by (k - 1) * d - p. That runs
 * on the forward path (implicit im2col, no col2im). The plan for it, or null when a stride is not
 * 1, the sizes do not give back the input's, or there are too few channels to pay.
 */
function transposedPlan(p: Plan): Plan | null {
  if (p.stride.some((s) => s !== 1) || p.inChannels / p.groups < TRANSPOSED_MIN_CHANNELS) return null;
  const padding = p.kernel.map((k, i) => (k - 1) * p.dilation[i]! - p.padding[i]!);
  const reached = p.outSize.every((o, i) => o + 2 * padding[i]! - (p.kernel[i]! - 1) * p.dilation[i]! === p.inSize[i]);
  if (!reached) return null;
  return plan(p.batch, p.outChannels, p.inChannels, p.outSize, p.kernel, p.inSize, { stride: p.stride, padding, dilation: p.dilation, groups: p.groups });
}

/**
 * Weights [O, C / groups, taps] at float index `from` rewritten at `to` for transposedPlan: as
 * [C, O / groups, taps], taps reversed (a flip of every spatial axis).
 */
function flipTransposed(heap: Float32Array, from: number, to: number, p: Plan): void {
  const og = p.outChannels / p.groups;
  const cg = p.inChannels / p.groups;
  const taps = p.taps;
  for (let grp = 0; grp < p.groups; grp++) {
    for (let o = 0; o < og; o++) {
      for (let c = 0; c < cg; c++) {
        const src = from + ((grp * og + o) * cg + c) * taps;
        const dst = to + ((grp * cg + c) * og + o) * taps + taps - 1;
        for (let t = 0; t < taps; t++) heap[dst - t] = heap[src + t]!;
      }
    }
  }
}

function isFloat32(...views: View[]): boolean {
  return views.every((v) => v.dtype === 'float32');
}

/**
 * Writes the task descriptor (x: input or its gradient; w: weights or the partial sums; y: output
 * or its gradient) and runs `chunks` chunks; the gradients get a columns buffer per thread (the
 * forward packs its columns straight from the image).
 */
function runConv(runtime: WasmRuntime, p: Plan, kind: number, x: number, w: number, y: number, chunks: number, partials = 0, bias = 0): void {
  const colsBytes = kind === TASK_CONV ? 0 : Math.ceil((p.inChannels * p.taps * p.outs * 4) / 64) * 64;
  const cols = colsBytes === 0 ? 0 : runtime.alloc(colsBytes * runtime.threadCount);
  const task = runtime.alloc(TASK_WORDS * 4);
  const words = runtime.i32;
  const t = task >> 2;
  const { base, stride } = runtime.scratchLayout;
  words[t] = kind;
  words[t + 1] = x;
  words[t + 2] = cols;
  words[t + 4] = p.inChannels;
  writeGeometry(words, t, p);
  words[t + 24] = w;
  words[t + 25] = y;
  words[t + 26] = p.outChannels;
  words[t + 27] = p.groups;
  words[t + 28] = base;
  words[t + 29] = stride;
  words[t + 30] = colsBytes;
  words[t + 31] = p.batch;
  words[t + 32] = partials;
  words[t + 33] = bias;
  runtime.run(task, chunks, p.flops >= PARALLEL_MIN_FLOPS);
}

export function makeConvKernels(runtime: WasmRuntime): Pick<Backend, 'conv' | 'convInputGrad' | 'convWeightGrad'> {
  return {
    conv(x, w, g, outSize, bias) {
      if (!isFloat32(x, w, ...(bias === undefined ? [] : [bias]))) return cpuBackend.conv(x, w, g, outSize, bias);
      const p = plan(x.shape[0]!, x.shape[1]!, w.shape[0]!, x.shape.slice(2), w.shape.slice(2), outSize, g);
      const size = p.batch * p.outChannels * p.outs;
      if (size === 0) return new Float32Array(0);
      runtime.beginCall();
      const xs = stageDense(runtime, x);
      const ws = stageDense(runtime, w);
      const y = runtime.alloc(size * 4);
      runConv(runtime, p, TASK_CONV, xs, ws, y, p.batch, 0, bias === undefined ? 0 : stageDense(runtime, bias));
      return unstage(runtime, y, size);
    },

    convInputGrad(gradOut, w, g, inSize) {
      if (!isFloat32(gradOut, w)) return cpuBackend.convInputGrad(gradOut, w, g, inSize);
      const inChannels = w.shape[1]! * g.groups;
      const p = plan(gradOut.shape[0]!, inChannels, gradOut.shape[1]!, inSize, w.shape.slice(2), gradOut.shape.slice(2), g);
      const size = p.batch * inChannels * p.plane;
      if (size === 0) return new Float32Array(0);
      runtime.beginCall();
      const gy = stageDense(runtime, gradOut);
      const ws = stageDense(runtime, w);
      const gx = runtime.alloc(size * 4);
      const asForward = transposedPlan(p);
      if (asForward === null) {
        runConv(runtime, p, TASK_CONV_INPUT_GRAD, gx, ws, gy, p.batch);
      } else {
        const flipped = runtime.alloc(numel(w.shape) * 4);
        flipTransposed(runtime.f32, ws >> 2, flipped >> 2, p);
        runConv(runtime, asForward, TASK_CONV, gy, flipped, gx, p.batch);
      }
      return unstage(runtime, gx, size);
    },

    convWeightGrad(x, gradOut, g, kernelSize) {
      if (!isFloat32(x, gradOut)) return cpuBackend.convWeightGrad(x, gradOut, g, kernelSize);
      const p = plan(x.shape[0]!, x.shape[1]!, gradOut.shape[1]!, x.shape.slice(2), kernelSize, gradOut.shape.slice(2), g);
      const size = p.outChannels * (p.inChannels / p.groups) * p.taps;
      if (size === 0) return new Float32Array(0);
      if (p.batch * p.outs === 0) return new Float32Array(size);
      runtime.beginCall();
      const xs = stageDense(runtime, x);
      const gy = stageDense(runtime, gradOut);
      const partials = Math.max(1, Math.min(p.batch, MAX_PARTIALS, Math.floor(PARTIALS_BYTES / (size * 4))));
      const sums = runtime.alloc(partials * size * 4);
      runConv(runtime, p, TASK_CONV_WEIGHT_GRAD, xs, sums, gy, partials, partials);
      // Partial sums added in a fixed order, in double, rounded once.
      const out = runtime.alloc(size * 4);
      runtime.exports.sumRowsF32(sums, partials, size, out, runtime.alloc(size * 8));
      return unstage(runtime, out, size);
    },
  };
}
