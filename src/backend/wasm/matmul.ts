/**
 * Batched float32 matmul on the WebAssembly gemm (asm/gemm.ts). Operands keep their strides, so
 * the transposed views of the backward pass cost nothing extra; other dtypes use the reference
 * kernel.
 */
import type { Backend, View } from '../types.js';
import type { DType, TypedArray } from '../../tensor/dtype.js';
import { numel } from '../../tensor/shape.js';
import { cpuBackend } from '../cpu/index.js';
import type { WasmRuntime } from './runtime.js';
import { reserveStage, unstage, type Staged } from './staging.js';
import { runGemm } from './gemm.js';

export function makeMatmul(runtime: WasmRuntime): Backend['matmul'] {
  return function matmul(a: View, b: View, outDtype: DType, bias?: View): TypedArray {
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || outDtype !== 'float32' || (bias !== undefined && bias.dtype !== 'float32')) {
      return cpuBackend.matmul(a, b, outDtype, bias);
    }
    const rank = a.shape.length;
    const m = a.shape[rank - 2]!;
    const k = a.shape[rank - 1]!;
    const n = b.shape[rank - 1]!;
    const batchShape = a.shape.slice(0, rank - 2);
    const size = numel(batchShape) * m * n;
    if (size === 0) return new Float32Array(0);
    if (k === 0) return bias === undefined ? new Float32Array(size) : cpuBackend.matmul(a, b, outDtype, bias);

    runtime.beginCall('matmul');
    const stagedA = reserveStage(runtime, a);
    const stagedB = reserveStage(runtime, b);
    const sa = stagedA.staged;
    const sb = stagedB.staged;
    const c = runtime.alloc(size * 4);
    stagedB.copy();
    // A and the bias are copied in while the other threads pack B.
    runGemm(runtime, {
      m, n, k,
      a: sa.ptr, b: sb.ptr, c,
      rsA: sa.strides[rank - 2]!, csA: sa.strides[rank - 1]!,
      rsB: sb.strides[rank - 2]!, csB: sb.strides[rank - 1]!,
      ldc: n,
      offsets: batchOffsets(batchShape, sa, sb, m * n),
      accumulate: bias !== undefined,
    }, () => {
      stagedA.copy();
      if (bias !== undefined) fillRows(runtime, c >>> 2, bias, n, size / n);
    });
    return unstage(runtime, c, size);
  };
}

/** Writes the bias [n] into each of `rows` rows at float index `at`: one row, then doubling copies. */
export function fillRows(runtime: WasmRuntime, at: number, bias: View, n: number, rows: number): void {
  const heap = runtime.f32;
  const values = bias.data as Float32Array;
  for (let j = 0; j < n; j++) heap[at + j] = values[bias.offset + j * bias.strides[0]!]!;
  for (let filled = 1; filled < rows; filled *= 2) {
    heap.copyWithin(at + filled * n, at, at + Math.min(filled, rows - filled) * n);
  }
}

/** For each batch index (row-major over batchShape), the element offsets of A's, B's and C's matrices. */
function batchOffsets(batchShape: readonly number[], sa: Staged, sb: Staged, cStride: number): Int32Array {
  const dims = batchShape.length;
  const total = numel(batchShape);
  const out = new Int32Array(total * 3);
  const index = new Array<number>(dims).fill(0);
  let offA = sa.offset;
  let offB = sb.offset;
  for (let i = 0; i < total; i++) {
    out[3 * i] = offA;
    out[3 * i + 1] = offB;
    out[3 * i + 2] = i * cStride;
    for (let d = dims - 1; d >= 0; d--) {
      index[d]!++;
      offA += sa.strides[d]!;
      offB += sb.strides[d]!;
      if (index[d]! < batchShape[d]!) break;
      offA -= batchShape[d]! * sa.strides[d]!;
      offB -= batchShape[d]! * sb.strides[d]!;
      index[d] = 0;
    }
  }
  return out;
}
