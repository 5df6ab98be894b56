/**
 * Convolution on the WebAssembly kernels: im2col (asm/conv.ts) plus the SIMD gemm, for 1-D to
 * 3-D, any stride, padding, dilation and groups. Images are processed in slices whose columns
 * matrix stays under COLUMNS_LIMIT floats, so memory stays bounded for large batches.
 *
 *   forward        out_n[group]   = W[group] @ cols_n[group]          (one product per image, group)
 *   input grad     gcols_n[group] = W[group]^T @ gradOut_n[group]     then col2im adds them up
 *   weight grad    gW[group]     += gradOut[group] @ cols[group]^T    (K runs over all images)
 */
import type { Backend, ConvGeometry, View } from '../types.js';
import { numel } from '../../tensor/shape.js';
import { cpuBackend } from '../cpu/index.js';
import type { WasmRuntime } from './runtime.js';
import { stageDense, unstage } from './staging.js';
import { runGemm } from './gemm.js';

// Must match asm/index.ts and asm/conv.ts.
const TASK_IM2COL = 2;
const TASK_COL2IM = 3;
const TASK_WORDS = 24;

/** Largest columns matrix (floats) built at once: 32 MiB. */
const COLUMNS_LIMIT = 1 << 23;
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

export function makeConvKernels(runtime: WasmRuntime): Pick<Backend, 'conv' | 'convInputGrad' | 'convWeightGrad'> {
  return {
    conv(x, w, g, outSize) {
      if (!isFloat32(x, w)) return cpuBackend.conv(x, w, g, outSize);
      const p = plan(x.shape[0]!, x.shape[1]!, w.shape[0]!, x.shape.slice(2), w.shape.slice(2), outSize, g);
      const size = p.batch * p.outChannels * p.outs;
      if (size === 0) return new Float32Array(0);
      runtime.beginCall();
      const xs = stageDense(runtime, x);
      const ws = stageDense(runtime, w);
      const out = runtime.alloc(size * 4);
      const ck = p.cg * p.taps;
      const cols = runtime.alloc(p.inChannels * p.taps * p.slice * p.outs * 4);
      for (let n0 = 0; n0 < p.batch; n0 += p.slice) {
        const count = Math.min(p.slice, p.batch - n0);
        const colsStride = count * p.outs;
        runIm2col(runtime, p, TASK_IM2COL, xs, cols, n0, count);
        const offsets: number[] = [];
        for (let i = 0; i < count; i++) {
          for (let grp = 0; grp < p.groups; grp++) {
            offsets.push(grp * p.og * ck, grp * ck * colsStride + i * p.outs, ((n0 + i) * p.outChannels + grp * p.og) * p.outs);
          }
        }
        runGemm(runtime, {
          m: p.og, n: p.outs, k: ck,
          a: ws, b: cols, c: out,
          rsA: ck, csA: 1, rsB: colsStride, csB: 1, ldc: p.outs,
          offsets,
        });
      }
      return unstage(runtime, out, size);
    },

    convInputGrad(gradOut, w, g, inSize) {
      if (!isFloat32(gradOut, w)) return cpuBackend.convInputGrad(gradOut, w, g, inSize);
      const inChannels = w.shape[1]! * g.groups;
      const p = plan(gradOut.shape[0]!, inChannels, gradOut.shape[1]!, inSize, w.shape.slice(2), gradOut.shape.slice(2), g);
      const size = p.batch * inChannels * p.plane;
      if (size === 0) return new Float32Array(0);
      runtime.beginCall();
      const gs = stageDense(runtime, gradOut);
      const ws = stageDense(runtime, w);
      const gx = runtime.alloc(size * 4);
      const ck = p.cg * p.taps;
      const cols = runtime.alloc(p.inChannels * p.taps * p.slice * p.outs * 4);
      for (let n0 = 0; n0 < p.batch; n0 += p.slice) {
        const count = Math.min(p.slice, p.batch - n0);
        const colsStride = count * p.outs;
        const offsets: number[] = [];
        for (let i = 0; i < count; i++) {
          for (let grp = 0; grp < p.groups; grp++) {
            offsets.push(grp * p.og * ck, ((n0 + i) * p.outChannels + grp * p.og) * p.outs, grp * ck * colsStride + i * p.outs);
          }
        }
        runGemm(runtime, {
          m: ck, n: p.outs, k: p.og,
          a: ws, b: gs, c: cols,
          rsA: 1, csA: ck, rsB: p.outs, csB: 1, ldc: colsStride,
          offsets,
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
      const gs = stageDense(runtime, gradOut);
      const gw = runtime.alloc(size * 4);
      const cols = runtime.alloc(p.inChannels * p.taps * p.slice * p.outs * 4);
      for (let n0 = 0; n0 < p.batch; n0 += p.slice) {
        const count = Math.min(p.slice, p.batch - n0);
        const colsStride = count * p.outs;
        runIm2col(runtime, p, TASK_IM2COL, xs, cols, n0, count);
        const offsets: number[] = [];
        for (let grp = 0; grp < p.groups; grp++) {
          offsets.push((n0 * p.outChannels + grp * p.og) * p.outs, grp * ck * colsStride, grp * p.og * ck);
        }
        runGemm(runtime, {
          m: p.og, n: ck, k: count * p.outs,
          a: gs, b: cols, c: gw,
          rsA: p.outs, csA: 1, rsB: 1, csB: colsStride, ldc: ck,
          offsets,
          accumulate: n0 > 0,
          kSegment: { length: p.outs, strideA: p.outChannels * p.outs, strideB: p.outs },
        });
      }
      return unstage(runtime, gw, size);
    },
  };
}
