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

function isFloat32(...views: View[]): boolean {
  return views.every((v) => v.dtype === 'float32');
}

/**
 * Writes the task descriptor (x: input or its gradient; w: weights or the partial sums; y: output
 * or its gradient), gives every thread a columns buffer, and runs `chunks` chunks.
 */
function runConv(runtime: WasmRuntime, p: Plan, kind: number, x: number, w: number, y: number, chunks: number, partials = 0, bias = 0): void {
  const colsBytes = Math.ceil((p.inChannels * p.taps * p.outs * 4) / 64) * 64;
  const cols = runtime.alloc(colsBytes * runtime.threadCount);
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
      runConv(runtime, p, TASK_CONV_INPUT_GRAD, gx, ws, gy, p.batch);
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
      const heap = runtime.f32;
      const first = sums >> 2;
      const out = new Float32Array(size);
      for (let i = 0; i < size; i++) {
        let total = 0;
        for (let k = 0; k < partials; k++) total += heap[first + k * size + i]!;
        out[i] = total;
      }
      return out;
    },
  };
}
