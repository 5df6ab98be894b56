/**
 * Convolution on the WebAssembly kernels: im2col (asm/conv.ts) plus the SIMD gemm, for 1-D to
 * 3-D, any stride, padding, dilation and groups. Images are processed in slices whose columns
 * matrix stays under COLUMNS_LIMIT floats (cache-sized), so memory stays bounded for large batches.
 *
 * Per group, one product covers every image of a slice (columns = image * outs + position), with
 * the [N, O, outs] tensors rearranged channel-major, [O, N * outs], on their way in and out:
 *
 *   forward        out[group]   = W[group] @ cols[group]
 *   input grad     gcols[group] = W[group]^T @ gradOut[group]      then col2im adds them up
 *   weight grad    gW[group]   += gradOut[group] @ cols[group]^T
 */
import type { Backend, ConvGeometry, View } from '../types.js';
import { numel } from '../../tensor/shape.js';
import { cpuBackend } from '../cpu/index.js';
import { isContiguous } from '../cpu/strided.js';
import type { WasmRuntime } from './runtime.js';
import { stageDense, unstage } from './staging.js';
import { runGemm } from './gemm.js';

// Must match asm/index.ts and asm/conv.ts.
const TASK_IM2COL = 2;
const TASK_COL2IM = 3;
const TASK_WORDS = 24;

/**
 * Largest columns matrix (floats) built at once: 1 MiB, so it is still in L2 when the gemm packs
 * it (or col2im reads it) right after; a whole-batch matrix went through main memory (the
 * 32x64x16x16 3x3 conv step was ~15% slower with 32 MiB slices).
 */
const COLUMNS_LIMIT = 1 << 18;
/** im2col/col2im move about one float per ns; below this many they stay on the calling thread. */
const PARALLEL_MIN_COLUMNS = 1 << 16;

/** A convolution's sizes, its spatial geometry padded to 3-D with leading unit dims. */
interface Plan {
  batch: number;
  inChannels: number;
  outChannels: number;
  groups: number;
  /** Channels per group, in and out. */
  cg: number;
  og: number;
  inSize: number[];
  kernel: number[];
  outSize: number[];
  stride: number[];
  padding: number[];
  dilation: number[];
  plane: number;
  taps: number;
  outs: number;
  /** Images per slice of the columns matrix. */
  slice: number;
}

const to3d = (values: readonly number[], fill: number): number[] => [...new Array<number>(3 - values.length).fill(fill), ...values];

function plan(batch: number, inChannels: number, outChannels: number, inSize: readonly number[], kernel: readonly number[], outSize: readonly number[], g: ConvGeometry): Plan {
  const taps = numel(kernel);
  const outs = numel(outSize);
  const perImage = Math.max(1, inChannels * taps * outs);
  return {
    batch,
    inChannels,
    outChannels,
    groups: g.groups,
    cg: inChannels / g.groups,
    og: outChannels / g.groups,
    inSize: to3d(inSize, 1),
    kernel: to3d(kernel, 1),
    outSize: to3d(outSize, 1),
    stride: to3d(g.stride, 1),
    padding: to3d(g.padding, 0),
    dilation: to3d(g.dilation, 1),
    plane: numel(inSize),
    taps,
    outs,
    slice: Math.max(1, Math.min(batch, Math.floor(COLUMNS_LIMIT / perImage))),
  };
}

/** Runs im2col (or col2im) for images [n0, n0 + count) between x (or gx) and the columns matrix. */
function runIm2col(runtime: WasmRuntime, p: Plan, kind: number, x: number, cols: number, n0: number, count: number): void {
  const task = runtime.alloc(TASK_WORDS * 4);
  const words = runtime.i32;
  const t = task >> 2;
  words[t] = kind;
  words[t + 1] = x + n0 * p.inChannels * p.plane * 4;
  words[t + 2] = cols;
  words[t + 4] = p.inChannels;
  words[t + 5] = count * p.outs;
  words.set(p.inSize, t + 6);
  words.set(p.kernel, t + 9);
  words.set(p.outSize, t + 12);
  words.set(p.stride, t + 15);
  words.set(p.padding, t + 18);
  words.set(p.dilation, t + 21);
  const parallel = count * p.inChannels * p.taps * p.outs >= PARALLEL_MIN_COLUMNS;
  runtime.run(task, count * p.inChannels, parallel);
}

function isFloat32(...views: View[]): boolean {
  return views.every((v) => v.dtype === 'float32');
}

/** The view's elements in row-major order (its own array when contiguous). */
function dense(v: View): { data: Float32Array; offset: number } {
  if (isContiguous(v.shape, v.strides)) return { data: v.data as Float32Array, offset: v.offset };
  return { data: cpuBackend.copy(v, 'float32') as Float32Array, offset: 0 };
}

/**
 * Copies images [n0, n0 + count) of [N, O, outs] data into wasm memory channel-major, as the
 * [O, count * outs] matrix the products read (column = image * outs + position): one copy in,
 * then the blocks are rearranged inside wasm memory (through `scratch`, of the same size).
 */
function stageChannelMajor(runtime: WasmRuntime, src: { data: Float32Array; offset: number }, p: Plan, n0: number, count: number, at: number, scratch: number): void {
  const from = src.offset + n0 * p.outChannels * p.outs;
  runtime.f32.set(src.data.subarray(from, from + count * p.outChannels * p.outs), scratch >> 2);
  runtime.exports.swapBlocksF32(scratch, at, count, p.outChannels, p.outs);
}

/** The inverse: a channel-major [O, count * outs] matrix in wasm memory into images [n0, n0 + count) of out. */
function unstageChannelMajor(runtime: WasmRuntime, at: number, p: Plan, n0: number, count: number, out: Float32Array, scratch: number): void {
  runtime.exports.swapBlocksF32(at, scratch, p.outChannels, count, p.outs);
  const size = count * p.outChannels * p.outs;
  out.set(runtime.f32.subarray(scratch >> 2, (scratch >> 2) + size), n0 * p.outChannels * p.outs);
}

/** Per group, the element offsets of its block in W [O, ck], the columns [C * taps, stride] and a channel-major [O, stride] matrix. */
function groupOffsets(p: Plan, stride: number, order: ('w' | 'cols' | 'channels')[]): number[] {
  const ck = p.cg * p.taps;
  const offsets: number[] = [];
  for (let grp = 0; grp < p.groups; grp++) {
    const of = { w: grp * p.og * ck, cols: grp * ck * stride, channels: grp * p.og * stride };
    for (const key of order) offsets.push(of[key]);
  }
  return offsets;
}

export function makeConvKernels(runtime: WasmRuntime): Pick<Backend, 'conv' | 'convInputGrad' | 'convWeightGrad'> {
  return {
    conv(x, w, g, outSize) {
      if (!isFloat32(x, w)) return cpuBackend.conv(x, w, g, outSize);
      const p = plan(x.shape[0]!, x.shape[1]!, w.shape[0]!, x.shape.slice(2), w.shape.slice(2), outSize, g);
      const size = p.batch * p.outChannels * p.outs;
      const out = new Float32Array(size);
      if (size === 0) return out;
      runtime.beginCall();
      const xs = stageDense(runtime, x);
      const ws = stageDense(runtime, w);
      const ck = p.cg * p.taps;
      const cols = runtime.alloc(p.inChannels * p.taps * p.slice * p.outs * 4);
      const result = runtime.alloc(p.outChannels * p.slice * p.outs * 4);
      const scratch = runtime.alloc(p.outChannels * p.slice * p.outs * 4);
      for (let n0 = 0; n0 < p.batch; n0 += p.slice) {
        const count = Math.min(p.slice, p.batch - n0);
        const stride = count * p.outs;
        runIm2col(runtime, p, TASK_IM2COL, xs, cols, n0, count);
        runGemm(runtime, {
          m: p.og, n: stride, k: ck,
          a: ws, b: cols, c: result,
          rsA: ck, csA: 1, rsB: stride, csB: 1, ldc: stride,
          offsets: groupOffsets(p, stride, ['w', 'cols', 'channels']),
        });
        unstageChannelMajor(runtime, result, p, n0, count, out, scratch);
      }
      return out;
    },

    convInputGrad(gradOut, w, g, inSize) {
      if (!isFloat32(gradOut, w)) return cpuBackend.convInputGrad(gradOut, w, g, inSize);
      const inChannels = w.shape[1]! * g.groups;
      const p = plan(gradOut.shape[0]!, inChannels, gradOut.shape[1]!, inSize, w.shape.slice(2), gradOut.shape.slice(2), g);
      const size = p.batch * inChannels * p.plane;
      if (size === 0) return new Float32Array(0);
      runtime.beginCall();
      const gd = dense(gradOut);
      const ws = stageDense(runtime, w);
      const gx = runtime.alloc(size * 4);
      const ck = p.cg * p.taps;
      const cols = runtime.alloc(p.inChannels * p.taps * p.slice * p.outs * 4);
      const grads = runtime.alloc(p.outChannels * p.slice * p.outs * 4);
      const scratch = runtime.alloc(p.outChannels * p.slice * p.outs * 4);
      for (let n0 = 0; n0 < p.batch; n0 += p.slice) {
        const count = Math.min(p.slice, p.batch - n0);
        const stride = count * p.outs;
        stageChannelMajor(runtime, gd, p, n0, count, grads, scratch);
        runGemm(runtime, {
          m: ck, n: stride, k: p.og,
          a: ws, b: grads, c: cols,
          rsA: 1, csA: ck, rsB: stride, csB: 1, ldc: stride,
          offsets: groupOffsets(p, stride, ['w', 'channels', 'cols']),
        });
        runIm2col(runtime, p, TASK_COL2IM, gx, cols, n0, count);
      }
      return unstage(runtime, gx, size);
    },

    convWeightGrad(x, gradOut, g, kernelSize) {
      if (!isFloat32(x, gradOut)) return cpuBackend.convWeightGrad(x, gradOut, g, kernelSize);
      const p = plan(x.shape[0]!, x.shape[1]!, gradOut.shape[1]!, x.shape.slice(2), kernelSize, gradOut.shape.slice(2), g);
      const ck = p.cg * p.taps;
      const size = p.outChannels * ck;
      if (size === 0) return new Float32Array(0);
      if (p.batch * p.outs === 0) return new Float32Array(size);
      runtime.beginCall();
      const xs = stageDense(runtime, x);
      const gd = dense(gradOut);
      const gw = runtime.alloc(size * 4);
      const cols = runtime.alloc(p.inChannels * p.taps * p.slice * p.outs * 4);
      const grads = runtime.alloc(p.outChannels * p.slice * p.outs * 4);
      const scratch = runtime.alloc(p.outChannels * p.slice * p.outs * 4);
      for (let n0 = 0; n0 < p.batch; n0 += p.slice) {
        const count = Math.min(p.slice, p.batch - n0);
        const stride = count * p.outs;
        runIm2col(runtime, p, TASK_IM2COL, xs, cols, n0, count);
        stageChannelMajor(runtime, gd, p, n0, count, grads, scratch);
        runGemm(runtime, {
          m: p.og, n: ck, k: stride,
          a: grads, b: cols, c: gw,
          rsA: stride, csA: 1, rsB: 1, csB: stride, ldc: ck,
          offsets: groupOffsets(p, stride, ['channels', 'cols', 'w']),
          accumulate: n0 > 0,
        });
      }
      return unstage(runtime, gw, size);
    },
  };
}
