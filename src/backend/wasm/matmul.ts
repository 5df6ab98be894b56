/**
 * Batched float32 matmul on the WebAssembly gemm (asm/gemm.ts). Operands keep their strides, so
 * the transposed views of the backward pass cost nothing extra; other dtypes use the reference
 * kernel. Large products are split into chunks of C that run on all threads.
 */
import type { Backend, View } from '../types.js';
import type { DType, TypedArray } from '../../tensor/dtype.js';
import { numel } from '../../tensor/shape.js';
import { cpuBackend } from '../cpu/index.js';
import type { WasmRuntime } from './runtime.js';
import { stage, unstage } from './staging.js';

// Must match asm/gemm.ts and asm/index.ts.
const TASK_GEMM = 1;
const TASK_WORDS = 17;
const MR = 4;
const NR = 8;
const NC_MAX = 1024;

/** Below this many flops a product runs on the calling thread: waking workers costs ~50 us. */
const PARALLEL_MIN_FLOPS = 1 << 23;
/** Chunks per thread when parallel, so a thread that starts late still gets a fair share. */
const CHUNKS_PER_THREAD = 4;

const ceilDiv = (a: number, b: number): number => Math.ceil(a / b);

interface ChunkGrid {
  chunkM: number;
  chunkN: number;
  mChunks: number;
  nChunks: number;
}

/** Splits each batch element's C into chunks: whole rows on one thread, a balanced grid on many. */
function chunkGrid(batch: number, m: number, n: number, threads: number): ChunkGrid {
  let mChunks = 1;
  let nChunks = ceilDiv(n, NC_MAX);
  const target = threads > 1 ? threads * CHUNKS_PER_THREAD : 1;
  while (batch * mChunks * nChunks < target) {
    const rows = m / mChunks;
    const cols = n / nChunks;
    if (rows >= cols && rows >= 2 * MR) mChunks *= 2;
    else if (cols >= 2 * NR) nChunks *= 2;
    else if (rows >= 2 * MR) mChunks *= 2;
    else break;
  }
  const chunkM = Math.max(MR, ceilDiv(ceilDiv(m, mChunks), MR) * MR);
  const chunkN = Math.min(NC_MAX, Math.max(NR, ceilDiv(ceilDiv(n, nChunks), NR) * NR));
  return { chunkM, chunkN, mChunks: ceilDiv(m, chunkM), nChunks: ceilDiv(n, chunkN) };
}

export function makeMatmul(runtime: WasmRuntime): Backend['matmul'] {
  return function matmul(a: View, b: View, outDtype: DType): TypedArray {
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || outDtype !== 'float32') return cpuBackend.matmul(a, b, outDtype);
    const rank = a.shape.length;
    const m = a.shape[rank - 2]!;
    const k = a.shape[rank - 1]!;
    const n = b.shape[rank - 1]!;
    const batchShape = a.shape.slice(0, rank - 2);
    const batch = numel(batchShape);
    const size = batch * m * n;
    if (size === 0) return new Float32Array(0);
    if (k === 0) return new Float32Array(size);

    runtime.beginCall();
    const sa = stage(runtime, a);
    const sb = stage(runtime, b);
    const c = runtime.alloc(size * 4);
    const offsets = runtime.alloc(batch * 8);
    const task = runtime.alloc(TASK_WORDS * 4);
    const parallel = runtime.threadCount > 1 && 2 * size * k >= PARALLEL_MIN_FLOPS;
    const grid = chunkGrid(batch, m, n, parallel ? runtime.threadCount : 1);

    const words = runtime.i32;
    writeBatchOffsets(words, offsets >> 2, batchShape, sa, sb);
    const t = task >> 2;
    words[t] = TASK_GEMM;
    words[t + 1] = m;
    words[t + 2] = n;
    words[t + 3] = k;
    words[t + 4] = sa.strides[rank - 2]!;
    words[t + 5] = sa.strides[rank - 1]!;
    words[t + 6] = sb.strides[rank - 2]!;
    words[t + 7] = sb.strides[rank - 1]!;
    words[t + 8] = sa.ptr;
    words[t + 9] = sb.ptr;
    words[t + 10] = c;
    words[t + 11] = batch;
    words[t + 12] = grid.chunkM;
    words[t + 13] = grid.chunkN;
    words[t + 14] = grid.mChunks;
    words[t + 15] = grid.nChunks;
    words[t + 16] = offsets;
    runtime.run(task, batch * grid.mChunks * grid.nChunks, parallel);
    return unstage(runtime, c, size);
  };
}

/** For each batch index (row-major over batchShape), the element offsets of A's and B's matrices. */
function writeBatchOffsets(words: Int32Array, at: number, batchShape: readonly number[], sa: { offset: number; strides: readonly number[] }, sb: { offset: number; strides: readonly number[] }): void {
  const dims = batchShape.length;
  const index = new Array<number>(dims).fill(0);
  let offA = sa.offset;
  let offB = sb.offset;
  const total = numel(batchShape);
  for (let i = 0; i < total; i++) {
    words[at + 2 * i] = offA;
    words[at + 2 * i + 1] = offB;
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
}
