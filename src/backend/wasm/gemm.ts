/**
 * Host side of the WebAssembly gemm (asm/gemm.ts): writes a task descriptor for a batch of
 * products C_i (+)= A_i @ B_i whose operands already sit in wasm memory, chooses how C is cut into
 * chunks, and runs it on the calling thread or on all threads.
 */
import type { WasmRuntime } from './runtime.js';

// Must match asm/gemm.ts and asm/index.ts.
const TASK_GEMM = 1;
const TASK_PACK_B = 6;
const KC = 512;
const TASK_WORDS = 24;
const MR = 6;
const NR = 8;
const NC_MAX = 1024;

/** Below this many flops a product runs on the calling thread: waking workers costs ~50 us. */
export const PARALLEL_MIN_FLOPS = 1 << 23;
/** Chunks per thread when parallel, so a thread that starts late still gets a fair share. */
const CHUNKS_PER_THREAD = 4;

export interface GemmSpec {
  m: number;
  n: number;
  k: number;
  /** Byte addresses of A, B and C in wasm memory; batch offsets (in elements) are added to them. */
  a: number;
  b: number;
  c: number;
  /** Element strides of A's rows and columns, B's rows and columns; C's row stride. */
  rsA: number;
  csA: number;
  rsB: number;
  csB: number;
  ldc: number;
  /** Per batch entry, the element offsets [a0, b0, c0, a1, b1, c1, ...]; its length / 3 is the batch. */
  offsets: ArrayLike<number>;
  /** Add into C instead of overwriting it. */
  accumulate?: boolean;
}

const ceilDiv = (a: number, b: number): number => Math.ceil(a / b);

interface ChunkGrid {
  mChunks: number;
  nChunks: number;
}

/**
 * Splits each batch entry's C into chunks: whole rows on one thread, a balanced grid on many. A
 * grid is just its counts: the kernel shares rows and columns out evenly in whole tiles
 * (asm/gemm.ts chunkStart).
 */
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
  // No more blocks than whole-tile blocks of about m / mChunks rows make (each block of rows packs
  // its own B here); the kernel then evens out their sizes.
  return { mChunks: blocksOf(m, mChunks, MR), nChunks: blocksOf(n, nChunks, NR) };
}

/** How many blocks of whole units, each about size / parts, cover `size`. */
function blocksOf(size: number, parts: number, unit: number): number {
  return ceilDiv(size, ceilDiv(ceilDiv(size, parts), unit) * unit);
}

/**
 * Runs the products; allocates its descriptor in the current call's area. A single product on
 * several threads first packs B once, all threads sharing the work, and then splits only M, so no
 * thread packs B again (with chunks over both M and N, every chunk packed its own columns of B
 * and every row block repacked all of it). Packing and products are the two phases of one round:
 * one wake-up of the workers per product. `beforeProduct`: the calling thread's work that only the
 * product needs, not B's packing (staging A, writing C's initial values): done while the other
 * threads pack B.
 */
export function runGemm(runtime: WasmRuntime, spec: GemmSpec, beforeProduct?: () => void): void {
  const batch = spec.offsets.length / 3;
  if (batch === 0 || spec.m === 0 || spec.n === 0) return;
  if (spec.k === 0) {
    // Empty sums (the kernel's depth blocking would divide by zero): C is 0, or left as it is when accumulating.
    beforeProduct?.();
    if (spec.accumulate !== true) {
      for (let i = 0; i < spec.offsets.length; i += 3) {
        const c = (spec.c >>> 2) + spec.offsets[i + 2]!;
        for (let row = 0; row < spec.m; row++) runtime.f32.fill(0, c + row * spec.ldc, c + row * spec.ldc + spec.n);
      }
    }
    return;
  }
  const offsets = runtime.alloc(spec.offsets.length * 4);
  const task = runtime.alloc(TASK_WORDS * 4);
  const parallel = runtime.threadCount > 1 && 2 * batch * spec.m * spec.n * spec.k >= PARALLEL_MIN_FLOPS;
  const sharedB = parallel && batch === 1 && spec.k > 0;
  const grid = sharedB ? rowGrid(spec.m, runtime.threadCount) : chunkGrid(batch, spec.m, spec.n, parallel ? runtime.threadCount : 1);
  const columns = Math.ceil(spec.n / NR) * NR;
  // Allocated before the memory's views are taken below (an allocation may grow the memory).
  const packed = sharedB ? runtime.alloc(spec.k * columns * 4) : 0;
  const packTask = sharedB ? runtime.alloc(TASK_WORDS * 4) : 0;
  const words = runtime.i32;
  words.set(spec.offsets, offsets >>> 2);
  const t = task >>> 2;
  words[t] = TASK_GEMM;
  words[t + 1] = spec.m;
  words[t + 2] = spec.n;
  words[t + 3] = spec.k;
  words[t + 4] = spec.rsA;
  words[t + 5] = spec.csA;
  words[t + 6] = spec.rsB;
  words[t + 7] = spec.csB;
  words[t + 8] = spec.a;
  words[t + 9] = spec.b;
  words[t + 10] = spec.c;
  words[t + 11] = spec.ldc;
  words[t + 12] = grid.mChunks;
  words[t + 13] = grid.nChunks;
  words[t + 14] = offsets;
  words[t + 15] = spec.accumulate === true ? 1 : 0;
  words[t + 16] = packed;
  const count = batch * grid.mChunks * grid.nChunks;
  if (!sharedB) {
    beforeProduct?.();
    runtime.run(task, count, parallel);
    return;
  }
  // The packing task: a copy of the descriptor with its own kind and grouping.
  const panels = columns / NR;
  const groups = Math.min(panels, runtime.threadCount * CHUNKS_PER_THREAD);
  words[t + 17] = Math.ceil(panels / groups);
  words[t + 18] = groups;
  const p = packTask >>> 2;
  words.copyWithin(p, t, t + TASK_WORDS);
  words[p] = TASK_PACK_B;
  runtime.run(packTask, Math.ceil(spec.k / KC) * groups, true, { task, count }, beforeProduct);
}

/** Chunks of whole rows (and all of N), for products whose B is packed once for every chunk. */
function rowGrid(m: number, threads: number): ChunkGrid {
  return { mChunks: blocksOf(m, threads * CHUNKS_PER_THREAD, MR), nChunks: 1 };
}
