/**
 * Moving operands between JS typed arrays and WebAssembly memory. A view is copied as the one
 * span of its array it reaches (so transposed, expanded and flipped views keep their strides and
 * the kernels read them in place); a view that reaches far more than it uses (a narrow slice of
 * a big tensor) is made contiguous first.
 */
import type { View } from '../types.js';
import { numel } from '../../tensor/shape.js';
import { cpuBackend } from '../cpu/index.js';
import { isContiguous } from '../cpu/strided.js';
import type { WasmRuntime } from './runtime.js';

/** A float32 view placed in wasm memory: element (i, j, ...) is at ptr + 4 * (offset + sum(index * stride)). */
export interface Staged {
  readonly ptr: number;
  readonly offset: number;
  readonly strides: readonly number[];
}

/** Span copies beyond this many times the element count (plus slack) are made contiguous first. */
const MAX_SPAN_RATIO = 2;
const SPAN_SLACK = 4096;

/**
 * Places the float32 view x in wasm memory: where it already is (a resident array, such as a
 * parameter an optimizer keeps there), or copied into the current call's memory.
 */
export function stage(runtime: WasmRuntime, x: View): Staged {
  const { staged, copy } = reserveStage(runtime, x);
  copy();
  return staged;
}

/**
 * stage in two steps: the room for x now (an allocation may grow the memory, so before a kernel's
 * descriptor is written), and `copy`, which fills it, later (while other threads start on work
 * that does not read x).
 */
export function reserveStage(runtime: WasmRuntime, x: View): { staged: Staged; copy: () => void } {
  const resident = runtime.residentAddress(x.data, 0);
  if (resident >= 0) return { staged: { ptr: resident, offset: x.offset, strides: x.strides }, copy: () => {} };
  let lo = x.offset;
  let hi = x.offset;
  for (let d = 0; d < x.shape.length; d++) {
    const reach = (x.shape[d]! - 1) * x.strides[d]!;
    if (reach < 0) lo += reach;
    else hi += reach;
  }
  const count = numel(x.shape);
  const span = hi - lo + 1;
  if (span > MAX_SPAN_RATIO * count + SPAN_SLACK) {
    const ptr = runtime.alloc(count * 4);
    const strides: number[] = new Array<number>(x.shape.length);
    let stride = 1;
    for (let d = x.shape.length - 1; d >= 0; d--) {
      strides[d] = stride;
      stride *= x.shape[d]!;
    }
    return { staged: { ptr, offset: 0, strides }, copy: () => runtime.f32.set(cpuBackend.copy(x, 'float32') as Float32Array, ptr >>> 2) };
  }
  const ptr = runtime.alloc(span * 4);
  return {
    staged: { ptr, offset: x.offset - lo, strides: x.strides },
    copy: () => runtime.f32.set((x.data as Float32Array).subarray(lo, hi + 1), ptr >>> 2),
  };
}

/** A Float32Array (fresh, or a dead one from the runtime's pool) holding `count` floats from wasm memory at ptr. */
export function unstage(runtime: WasmRuntime, ptr: number, count: number): Float32Array {
  const start = ptr >>> 2;
  const reused = runtime.arrays.take(count);
  if (reused === undefined) return runtime.f32.slice(start, start + count);
  reused.set(runtime.f32.subarray(start, start + count));
  return reused;
}

/** The float32 view x in wasm memory in row-major order (in place when resident and contiguous, else copied); returns its byte address. */
export function stageDense(runtime: WasmRuntime, x: View): number {
  if (isContiguous(x.shape, x.strides)) {
    const resident = runtime.residentAddress(x.data, x.offset);
    if (resident >= 0) return resident;
  }
  const ptr = runtime.alloc(numel(x.shape) * 4);
  stageDenseAt(runtime, x, ptr);
  return ptr;
}

/** Writes the float32 view x in row-major order at byte address ptr (room already allocated). */
export function stageDenseAt(runtime: WasmRuntime, x: View, ptr: number): void {
  const count = numel(x.shape);
  if (count > 0 && x.strides.every((s) => s === 0)) {
    // One value expanded to the shape (the gradient of a sum arrives this way).
    runtime.f32.fill((x.data as Float32Array)[x.offset]!, ptr >>> 2, (ptr >>> 2) + count);
    return;
  }
  const data = isContiguous(x.shape, x.strides)
    ? (x.data as Float32Array).subarray(x.offset, x.offset + count)
    : (cpuBackend.copy(x, 'float32') as Float32Array);
  runtime.f32.set(data, ptr >>> 2);
}
