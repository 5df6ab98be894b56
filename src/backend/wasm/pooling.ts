/**
 * Max pooling with argmax on the wasm kernel (asm/pool.ts), one input plane per chunk, and its
 * backward (a scatter to the argmax); results equal the reference's (same tap order and
 * comparison rule, same order of additions). Float64 and the other pooling kernels use the
 * reference.
 */
import type { Backend } from '../types.js';
import { isContiguous } from '../cpu/strided.js';
import { numel } from '../../tensor/shape.js';
import { cpuBackend } from '../cpu/index.js';
import type { WasmRuntime } from './runtime.js';
import { stageDense, unstage } from './staging.js';
import { writeGeometry } from './geometry.js';

// Must match asm/index.ts and asm/pool.ts.
const TASK_MAX_POOL = 4;
const TASK_WORDS = 24;

/** Window taps visited (outputs x kernel size) below which the pool's threads are not woken. */
const PARALLEL_MIN_TAPS = 1 << 20;

export function makePooling(runtime: WasmRuntime): Pick<Backend, 'maxPool' | 'maxPoolBackward'> {
  return {
    maxPool(x, g) {
      if (x.dtype !== 'float32') return cpuBackend.maxPool(x, g);
      const planes = x.shape[0]! * x.shape[1]!;
      const outs = numel(g.outSize);
      const count = planes * outs;
      if (count === 0) return { values: new Float32Array(0), indices: new Int32Array(0) };
      runtime.beginCall();
      const xs = stageDense(runtime, x);
      const values = runtime.alloc(count * 4);
      const indices = runtime.alloc(count * 4);
      const task = runtime.alloc(TASK_WORDS * 4);
      const words = runtime.i32;
      const t = task >> 2;
      words[t] = TASK_MAX_POOL;
      words[t + 1] = xs;
      words[t + 2] = values;
      words[t + 3] = indices;
      writeGeometry(words, t, { ...g, inSize: x.shape.slice(2) });
      runtime.run(task, planes, count * numel(g.kernel) >= PARALLEL_MIN_TAPS);
      const start = indices >> 2;
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
      runtime.beginCall();
      const grad = stageDense(runtime, gradOut);
      const at = runtime.alloc(count * 4);
      const gx = runtime.alloc(planes * plane * 4);
      runtime.i32.set((indices.data as Int32Array).subarray(indices.offset, indices.offset + count), at >> 2);
      runtime.exports.maxPoolBackwardF32(grad, at, gx, planes, outs, plane);
      return unstage(runtime, gx, planes * plane);
    },
  };
}
