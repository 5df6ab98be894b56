/**
 * Max pooling with argmax on the wasm kernel (asm/pool.ts), one input plane per chunk, and its
 * backward (a scatter to the argmax); average pooling and its backward, one plane per chunk, in
 * double. Results equal the reference's (same tap order and comparison rule, same order of
 * additions and roundings). Float64 and adaptive pooling use the reference.
 */
import type { AvgPoolGeometry, Backend } from '../types.js';
import { isContiguous } from '../cpu/strided.js';
import { numel } from '../../tensor/shape.js';
import { cpuBackend } from '../cpu/index.js';
import { avgAxis } from '../cpu/conv.js';
import type { WasmRuntime } from './runtime.js';
import { stageDense, unstage } from './staging.js';
import { to3d, writeGeometry } from './geometry.js';

// Must match asm/index.ts and asm/pool.ts.
const TASK_MAX_POOL = 4;
const TASK_AVG_POOL = 9;
const TASK_AVG_POOL_BACKWARD = 10;
const TASK_WORDS = 24;
/** Average pooling's task: the geometry words, then its tables from word 24 (asm/pool.ts). */
const AVG_TASK_WORDS = 36;

/**
 * Writes an average-pooling task: per axis (3-D, leading unit axes), each output's first input,
 * tap count and factor of the divisor, from the reference's avgAxis.
 */
function avgPoolTask(runtime: WasmRuntime, kind: number, x: number, out: number, g: AvgPoolGeometry, inSize: readonly number[], accumulators: number): number {
  const size = to3d(inSize, 1);
  const kernel = to3d(g.kernel, 1);
  const stride = to3d(g.stride, 1);
  const padding = to3d(g.padding, 0);
  const outSize = to3d(g.outSize, 1);
  const axes = size.map((n, d) => avgAxis(n, kernel[d]!, stride[d]!, padding[d]!, outSize[d]!, g.countIncludePad));
  // Everything allocated first: an allocation may grow the memory, which older views do not see.
  const task = runtime.alloc(AVG_TASK_WORDS * 4);
  const tables = outSize.map((n) => ({ first: runtime.alloc(n * 4), count: runtime.alloc(n * 4), factor: runtime.alloc(n * 8) }));
  const override = runtime.alloc(8);
  const words = runtime.i32;
  const doubles = new Float64Array(words.buffer);
  const t = task >>> 2;
  words[t] = kind;
  words[t + 1] = x;
  words[t + 2] = out;
  writeGeometry(words, t, { kernel: g.kernel, stride: g.stride, padding: g.padding, dilation: g.kernel.map(() => 1), inSize, outSize: g.outSize });
  tables.forEach(({ first, count, factor }, d) => {
    words.set(axes[d]!.windows.first, first >>> 2);
    words.set(axes[d]!.windows.count, count >>> 2);
    doubles.set(axes[d]!.factor, factor >>> 3);
    words[t + 24 + d * 3] = first;
    words[t + 25 + d * 3] = count;
    words[t + 26 + d * 3] = factor;
  });
  doubles[override >>> 3] = g.divisorOverride ?? 0;
  words[t + 33] = g.divisorOverride === null ? 0 : 1;
  words[t + 34] = override;
  words[t + 35] = accumulators;
  return task;
}

/** Window taps visited (outputs x kernel size) below which the pool's threads are not woken. */
const PARALLEL_MIN_TAPS = 1 << 20;

export function makePooling(runtime: WasmRuntime): Pick<Backend, 'maxPool' | 'maxPoolBackward' | 'avgPool' | 'avgPoolBackward'> {
  return {
    avgPool(x, g) {
      if (x.dtype !== 'float32') return cpuBackend.avgPool(x, g);
      const planes = x.shape[0]! * x.shape[1]!;
      const count = planes * numel(g.outSize);
      if (count === 0) return new Float32Array(0);
      runtime.beginCall('avgPool');
      const xs = stageDense(runtime, x);
      const out = runtime.alloc(count * 4);
      const task = avgPoolTask(runtime, TASK_AVG_POOL, xs, out, g, x.shape.slice(2), 0);
      runtime.run(task, planes, count * numel(g.kernel) >= PARALLEL_MIN_TAPS);
      return unstage(runtime, out, count);
    },

    avgPoolBackward(gradOut, g, inSize) {
      if (gradOut.dtype !== 'float32') return cpuBackend.avgPoolBackward(gradOut, g, inSize);
      const planes = gradOut.shape[0]! * gradOut.shape[1]!;
      const plane = numel(inSize);
      const outs = numel(g.outSize);
      if (planes * plane === 0) return new Float32Array(0);
      runtime.beginCall('avgPoolBackward');
      const grad = stageDense(runtime, gradOut);
      const gx = runtime.alloc(planes * plane * 4);
      const accumulators = runtime.alloc(planes * plane * 8);
      const task = avgPoolTask(runtime, TASK_AVG_POOL_BACKWARD, grad, gx, g, inSize, accumulators);
      runtime.run(task, planes, planes * outs * numel(g.kernel) >= PARALLEL_MIN_TAPS);
      return unstage(runtime, gx, planes * plane);
    },

    maxPool(x, g) {
      if (x.dtype !== 'float32') return cpuBackend.maxPool(x, g);
      const planes = x.shape[0]! * x.shape[1]!;
      const outs = numel(g.outSize);
      const count = planes * outs;
      if (count === 0) return { values: new Float32Array(0), indices: new Int32Array(0) };
      runtime.beginCall('maxPool');
      const xs = stageDense(runtime, x);
      const values = runtime.alloc(count * 4);
      const indices = runtime.alloc(count * 4);
      const task = runtime.alloc(TASK_WORDS * 4);
      const words = runtime.i32;
      const t = task >>> 2;
      words[t] = TASK_MAX_POOL;
      words[t + 1] = xs;
      words[t + 2] = values;
      words[t + 3] = indices;
      writeGeometry(words, t, { ...g, inSize: x.shape.slice(2) });
      runtime.run(task, planes, count * numel(g.kernel) >= PARALLEL_MIN_TAPS);
      const start = indices >>> 2;
      return { values: unstage(runtime, values, count), indices: runtime.i32.slice(start, start + count) };
    },

    maxPoolBackward(gradOut, indices, inSize) {
      if (gradOut.dtype !== 'float32' || indices.dtype !== 'int32' || !isContiguous(indices.shape, indices.strides)) {
        return cpuBackend.maxPoolBackward(gradOut, indices, inSize);
      }
      const planes = gradOut.shape[0]! * gradOut.shape[1]!;
      const outs = numel(gradOut.shape.slice(2));
      const plane = numel(inSize);
      const count = planes * outs;
      runtime.beginCall('maxPoolBackward');
      const grad = stageDense(runtime, gradOut);
      const at = runtime.alloc(count * 4);
      const gx = runtime.alloc(planes * plane * 4);
      runtime.i32.set((indices.data as Int32Array).subarray(indices.offset, indices.offset + count), at >>> 2);
      runtime.exports.maxPoolBackwardF32(grad, at, gx, planes, outs, plane);
      return unstage(runtime, gx, planes * plane);
    },
  };
}
