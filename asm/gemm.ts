// Single-precision matrix multiply, BLIS style: operands are packed into cache-sized panels and a
// 6x8 register tile of f32x4 accumulators does the arithmetic. Any strides work (transposed and
// broadcast views included); packing has fast paths for the two layouts training produces
// (row-major and transposed). Work is split into chunks of C so threads can share one call.

import { fma } from './simd';
import { word } from './task';
import { packColumns, COLUMNS_TABLE_BYTES } from './columns';

/**
 * Register tile: MR rows of A by NR columns of B (two f32x4 per row). Twelve accumulators hide
 * the fused multiply-add's latency (a 4x8 tile's eight reached about two thirds of the speed on
 * L1-resident panels in V8 11.3), and with the two B vectors and one A broadcast they fill the
 * 15 vector registers V8 allocates.
 */
export const MR: i32 = 6;
export const NR: i32 = 8;
/** Deepest packed block: a B micro-panel (KC x NR floats, 16 KiB) stays in L1. */
export const KC: i32 = 512;

/**
 * The depth of K's blocks: K split into equal blocks of at most KC (a multiple of 4), so a K just
 * over KC (576, 784) gives two even blocks, not a full one and a short one whose kernel calls
 * spend more on their start and their accumulating store.
 */
@inline function blockDepth(K: i32): i32 {
  const blocks = (K + KC - 1) / KC;
  return min(KC, ((K + blocks - 1) / blocks + 3) & ~3);
}
/** Rows of A packed at once (MC x KC floats, 264 KiB, stays in L2); a multiple of MR. */
export const MC: i32 = 132;
/** Widest column chunk; the packed B block (KC x NC_MAX floats, 2 MiB) stays in L2/L3. */
export const NC_MAX: i32 = 1024;

/** Where in a thread's scratch the current product's Layout lives (after the spare tile). */
const GEMM_LAYOUT_OFFSET: usize = (MC * KC + KC * NC_MAX + MR * NR) * 4;
/** Where the implicit im2col packer keeps its table (after the Layout). */
const COLUMNS_TABLE_OFFSET: usize = GEMM_LAYOUT_OFFSET + 64;
/** Bytes of per-thread scratch a gemm chunk needs: packed A, packed B, one spare tile, the Layout and the packer table. */
export const GEMM_SCRATCH_BYTES: i32 = <i32>COLUMNS_TABLE_OFFSET + COLUMNS_TABLE_BYTES;

// Task descriptor, i32 words (written by the host, see src/backend/wasm/gemm.ts).
const T_M = 1;
const T_N = 2;
const T_K = 3;
const T_RSA = 4;
const T_CSA = 5;
const T_RSB = 6;
const T_CSB = 7;
const T_A = 8;
const T_B = 9;
const T_C = 10;
const T_LDC = 11;
/** Row blocks and column blocks each batch entry's C is cut into (see chunkRange). */
const T_M_CHUNKS = 12;
const T_N_CHUNKS = 13;
/** Per batch entry, three element offsets: into A, B and C. */
const T_BATCH_OFFSETS = 14;
/** Nonzero: C += A @ B instead of C = A @ B. */
const T_ACCUMULATE = 15;
/**
 * Nonzero: where B sits packed whole (packWholeB's layout), shared by every chunk; the chunks
 * then split only M. The packing task (packChunk) fills it first.
 */
const T_PACKED = 16;
/** Packing task: NR-column panels per chunk, and chunks per block of K (blockDepth). */
const T_PACK_PANELS = 17;
const T_PACK_GROUPS = 18;

/**
 * Start of block `index` of `blocks` over `size` elements in whole units of `unit` (MR rows, NR
 * columns): the units are shared out evenly, so blocks differ by at most one unit (1024 rows in
 * 8 blocks are 126-132 rows; fixed 132-row blocks left 100 for the last, and its thread idle).
 */
@inline function chunkStart(index: i32, blocks: i32, size: i32, unit: i32): i32 {
  const units = (size + unit - 1) / unit;
  return min(size, <i32>(<i64>index * units / blocks) * unit);
}

/**
 * Operand strides of one product, in elements; or, when `columns` is a conv task, B is that
 * convolution's columns matrix of the image at b, packed by implicit im2col; and when `packedA`
 * is not 0, A sits there packed whole by packWholeA.
 */
@unmanaged class Layout {
  rsA: i32 = 0;
  csA: i32 = 0;
  rsB: i32 = 0;
  csB: i32 = 0;
  columns: i32 = 0;
  packedA: i32 = 0;
}

/** The Layout in this thread's scratch, every field written (the scratch keeps the last call's). */
@inline function layoutIn(scratch: usize, rsA: i32, csA: i32, rsB: i32, csB: i32, columns: usize, packedA: usize): Layout {
  const layout = changetype<Layout>(scratch + GEMM_LAYOUT_OFFSET);
  layout.rsA = rsA;
  layout.csA = csA;
  layout.rsB = rsB;
  layout.csB = csB;
  layout.columns = <i32>columns;
  layout.packedA = <i32>packedA;
  return layout;
}

/** Computes one chunk (batch entry, row block, column block) of C = A @ B. */
export function gemmChunk(task: usize, chunk: i32, scratch: usize): void {
  const M = word(task, T_M);
  const N = word(task, T_N);
  const mChunks = word(task, T_M_CHUNKS);
  const nChunks = word(task, T_N_CHUNKS);
  const perBatch = mChunks * nChunks;
  const batchIndex = chunk / perBatch;
  const inBatch = chunk - batchIndex * perBatch;
  const mi = inBatch / nChunks;
  const ni = inBatch - mi * nChunks;
  const offsets = <usize>word(task, T_BATCH_OFFSETS) + <usize>batchIndex * 12;
  const layout = layoutIn(scratch, word(task, T_RSA), word(task, T_CSA), word(task, T_RSB), word(task, T_CSB), 0, 0);
  gemmBlock(
    <usize>word(task, T_A) + (<usize>load<i32>(offsets) << 2),
    <usize>word(task, T_B) + (<usize>load<i32>(offsets, 4) << 2),
    <usize>word(task, T_C) + (<usize>load<i32>(offsets, 8) << 2),
    word(task, T_LDC), layout,
    chunkStart(mi, mChunks, M, MR), chunkStart(mi + 1, mChunks, M, MR),
    chunkStart(ni, nChunks, N, NR), chunkStart(ni + 1, nChunks, N, NR), word(task, T_K), word(task, T_ACCUMULATE) != 0, scratch,
    <usize>word(task, T_PACKED),
  );
}

/** Packs one chunk of B (a group of panels of one KC block) into the task's shared packed B. */
export function packChunk(task: usize, chunk: i32): void {
  const N = word(task, T_N);
  const K = word(task, T_K);
  const groups = word(task, T_PACK_GROUPS);
  const panels = word(task, T_PACK_PANELS);
  const depth = blockDepth(K);
  const pc = chunk / groups * depth;
  const j0 = chunk % groups * panels * NR;
  if (j0 >= N || pc >= K) return;
  const kc = min(depth, K - pc);
  const rsB = word(task, T_RSB);
  const csB = word(task, T_CSB);
  const b = <usize>word(task, T_B) + (<usize>(load<i32>(<usize>word(task, T_BATCH_OFFSETS), 4) + pc * rsB + j0 * csB) << 2);
  const dst = <usize>word(task, T_PACKED) + (<usize>(pc * paddedColumns(N) + j0 * kc) << 2);
  packB(b, rsB, csB, kc, min(N - j0, panels * NR), kc, dst);
}

/**
 * A whole product C (+)= A @ B on the calling thread (a chunk of a larger task, such as one image
 * of a convolution, runs its products this way). Strides in elements; C row-major with ldc.
 */
export function gemmOnThread(
  a: usize, rsA: i32, csA: i32, b: usize, rsB: i32, csB: i32, c: usize, ldc: i32,
  M: i32, N: i32, K: i32, accumulate: bool, scratch: usize,
): void {
  const layout = layoutIn(scratch, rsA, csA, rsB, csB, 0, 0);
  gemmBlock(a, b, c, ldc, layout, 0, M, 0, N, K, accumulate, scratch, 0);
}

/** Rows of a packed A: M rounded up to whole micro-panels. */
@inline export function paddedRows(M: i32): i32 {
  return (M + MR - 1) / MR * MR;
}

/**
 * Packs a whole M x K A once (for an operand many products share, such as Winograd's transformed
 * filters), a block of K by a block of MC rows at a time, into K * paddedRows(M) floats at dst.
 */
export function packWholeA(a: usize, rsA: i32, csA: i32, M: i32, K: i32, dst: usize): void {
  const rows = paddedRows(M);
  const depth = blockDepth(K);
  for (let pc = 0; pc < K; pc += depth) {
    const kc = min(depth, K - pc);
    for (let ic = 0; ic < M; ic += MC) {
      packA(a + (<usize>(ic * rsA + pc * csA) << 2), rsA, csA, min(MC, M - ic), kc, kc, dst + (<usize>(pc * rows + ic * kc) << 2));
    }
  }
}

/** C = A @ B on the calling thread, with A packed by packWholeA. */
export function gemmPackedAOnThread(packed: usize, b: usize, rsB: i32, csB: i32, c: usize, ldc: i32, M: i32, N: i32, K: i32, scratch: usize): void {
  const layout = layoutIn(scratch, 0, 0, rsB, csB, 0, packed);
  gemmBlock(0, b, c, ldc, layout, 0, M, 0, N, K, false, scratch, 0);
}

/**
 * C[m0:m1, n0:n1] (+)= A[m0:m1, :] @ cols[:, n0:n1] on the calling thread, where cols [K, N] is
 * the columns matrix of the conv task `conv` for the image (or group of channels) at x, packed
 * straight from it (asm/columns.ts).
 */
export function gemmColumnsOnThread(
  a: usize, rsA: i32, csA: i32, x: usize, conv: usize, c: usize, ldc: i32,
  m0: i32, m1: i32, n0: i32, n1: i32, K: i32, accumulate: bool, scratch: usize,
): void {
  const layout = layoutIn(scratch, rsA, csA, 0, 0, conv, 0);
  gemmBlock(a, x, c, ldc, layout, m0, m1, n0, n1, K, accumulate, scratch, 0);
}

/** Columns of a packed B: N rounded up to whole panels. */
@inline function paddedColumns(N: i32): i32 {
  return (N + NR - 1) / NR * NR;
}

/**
 * Packs a whole K x N B once (for products that reuse it, such as a recurrence's W_hh), a block
 * of K at a time, into K * paddedColumns(N) floats at dst, in the layout gemmPacked reads.
 */
export function packWholeB(b: usize, rsB: i32, csB: i32, K: i32, N: i32, dst: usize): void {
  const columns = paddedColumns(N);
  const depth = blockDepth(K);
  for (let pc = 0; pc < K; pc += depth) {
    const kc = min(depth, K - pc);
    packB(b + (<usize>(pc * rsB) << 2), rsB, csB, kc, N, kc, dst + (<usize>(pc * columns) << 2));
  }
}

/** C = A @ B on the calling thread, with B packed by packWholeB. */
export function gemmPacked(a: usize, rsA: i32, csA: i32, packed: usize, c: usize, ldc: i32, M: i32, N: i32, K: i32, scratch: usize): void {
  const layout = layoutIn(scratch, rsA, csA, 0, 0, 0, 0);
  gemmBlock(a, 0, c, ldc, layout, 0, M, 0, N, K, false, scratch, packed);
}

/**
 * C[m0:m1, n0:n1] (+)= A[m0:m1, :] @ B[:, n0:n1]; C row-major with leading dimension ldc. B is
 * packed here block by block (from strided memory, or by implicit im2col when layout.columns is
 * set), or, when `prepacked` is not 0, was packed whole by packWholeB (then n0 is 0 and n1 its N).
 */
function gemmBlock(
  a: usize, b: usize, c: usize, ldc: i32, layout: Layout,
  m0: i32, m1: i32, n0: i32, n1: i32, K: i32, accumulateAll: bool, scratch: usize, prepacked: usize,
): void {
  const packedA = scratch;
  const scratchB = scratch + (<usize>(MC * KC) << 2);
  const tile = scratchB + (<usize>(KC * NC_MAX) << 2);
  const table = scratch + COLUMNS_TABLE_OFFSET;
  const prepackedColumns = paddedColumns(n1);
  const depth = blockDepth(K);
  if (K == 0) {
    if (!accumulateAll) {
      for (let i = m0; i < m1; i++) memory.fill(c + ((<usize>i * <usize>ldc + <usize>n0) << 2), 0, <usize>(n1 - n0) << 2);
    }
    return;
  }
  for (let jc = n0; jc < n1; jc += NC_MAX) {
    const nc = min(NC_MAX, n1 - jc);
    for (let pc = 0; pc < K; pc += depth) {
      const kc = min(depth, K - pc);
      let packedB = scratchB;
      if (prepacked != 0) packedB = prepacked + (<usize>(pc * prepackedColumns + jc * kc) << 2);
      else if (layout.columns != 0) packColumns(layout.columns, b, pc, kc, jc, nc, packedB, table);
      else packB(b + (<usize>(pc * layout.rsB + jc * layout.csB) << 2), layout.rsB, layout.csB, kc, nc, kc, packedB);
      const accumulate = accumulateAll || pc > 0;
      for (let ic = m0; ic < m1; ic += MC) {
        const mc = min(MC, m1 - ic);
        let aBlock = packedA;
        if (layout.packedA != 0) aBlock = <usize>layout.packedA + (<usize>(pc * paddedRows(m1) + ic * kc) << 2);
        else packA(a + (<usize>(ic * layout.rsA + pc * layout.csA) << 2), layout.rsA, layout.csA, mc, kc, kc, packedA);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const bPanel = packedB + (<usize>(jr * kc) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const aPanel = aBlock + (<usize>(ir * kc) << 2);
            const cTile = c + ((<usize>(ic + ir) * <usize>ldc + <usize>(jc + jr)) << 2);
            if (mr == MR && nr == NR && !accumulate) {
              kernel6x8(aPanel, bPanel, kc, cTile, <usize>ldc << 2);
            } else {
              kernel6x8(aPanel, bPanel, kc, tile, <usize>NR << 2);
              copyTile(tile, cTile, ldc, mr, nr, accumulate);
            }
          }
        }
      }
    }
  }
}

/** Writes (or adds) the top-left mr x nr corner of a full spare tile into C. */
function copyTile(tile: usize, c: usize, ldc: i32, mr: i32, nr: i32, accumulate: bool): void {
  if (mr == MR && nr == NR && accumulate) {
    for (let i = 0; i < MR; i++) {
      const row = c + (<usize>(i * ldc) << 2);
      const src = tile + (<usize>(i * NR) << 2);
      v128.store(row, f32x4.add(v128.load(row), v128.load(src)));
      v128.store(row, f32x4.add(v128.load(row, 16), v128.load(src, 16)), 16);
    }
    return;
  }
  for (let i = 0; i < mr; i++) {
    const row = c + (<usize>(i * ldc) << 2);
    const src = tile + (<usize>(i * NR) << 2);
    for (let j = 0; j < nr; j++) {
      const offset = <usize>j << 2;
      let value = load<f32>(src + offset);
      if (accumulate) value += load<f32>(row + offset);
      store<f32>(row + offset, value);
    }
  }
}

/**
 * The register tile: C[6x8] = Apanel[kc x 6]^T @ Bpanel[kc x 8]. It only stores: with C added
 * after the loop in the same function, V8 11.3 spilled four accumulators inside the loop and ran
 * at half speed (accumulating products go through the spare tile and addTile).
 */
function kernel6x8(ap: usize, bp: usize, kc: i32, c: usize, ldcBytes: usize): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0);
  let c41 = f32x4.splat(0);
  let c50 = f32x4.splat(0);
  let c51 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    const a0 = v128.load32_splat(ap);
    c00 = fma(a0, b0, c00);
    c01 = fma(a0, b1, c01);
    const a1 = v128.load32_splat(ap, 4);
    c10 = fma(a1, b0, c10);
    c11 = fma(a1, b1, c11);
    const a2 = v128.load32_splat(ap, 8);
    c20 = fma(a2, b0, c20);
    c21 = fma(a2, b1, c21);
    const a3 = v128.load32_splat(ap, 12);
    c30 = fma(a3, b0, c30);
    c31 = fma(a3, b1, c31);
    const a4 = v128.load32_splat(ap, 16);
    c40 = fma(a4, b0, c40);
    c41 = fma(a4, b1, c41);
    const a5 = v128.load32_splat(ap, 20);
    c50 = fma(a5, b0, c50);
    c51 = fma(a5, b1, c51);
    ap += 24;
    bp += 32;
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(c + ldcBytes, c10);
  v128.store(c + ldcBytes, c11, 16);
  v128.store(c + 2 * ldcBytes, c20);
  v128.store(c + 2 * ldcBytes, c21, 16);
  v128.store(c + 3 * ldcBytes, c30);
  v128.store(c + 3 * ldcBytes, c31, 16);
  v128.store(c + 4 * ldcBytes, c40);
  v128.store(c + 4 * ldcBytes, c41, 16);
  v128.store(c + 5 * ldcBytes, c50);
  v128.store(c + 5 * ldcBytes, c51, 16);
}

/**
 * Packs an mc x kc block of A into micro-panels of MR rows, each stored k-major (MR floats per k)
 * and `panel` k-steps apart, zero-padding the last panel's missing rows.
 */
function packA(a: usize, rs: i32, cs: i32, mc: i32, kc: i32, panel: i32, dst: usize): void {
  const rsBytes = <usize>rs << 2;
  const csBytes = <usize>cs << 2;
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir);
    const src = a + <usize>ir * rsBytes;
    let out = dst + (<usize>(ir * panel) << 2);
    if (rows == MR && rs == 1) {
      // Transposed A (the weight gradient's x^T): each k's MR rows are adjacent.
      for (let p = 0; p < kc; p++) {
        const column = src + <usize>p * csBytes;
        v128.store(out, v128.load(column));
        v128.store_lane<i64>(out + 16, v128.load64_zero(column + 16), 0);
        out += MR * 4;
      }
    } else if (rows == MR && cs == 1) {
      // Row-major A: per four k, transpose rows 0-3 as a 4x4 block and interleave rows 4-5.
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const at = src + (<usize>p << 2);
        transpose4Store(
          v128.load(at), v128.load(at + rsBytes), v128.load(at + 2 * rsBytes), v128.load(at + 3 * rsBytes),
          out, MR * 4,
        );
        const r4 = v128.load(at + 4 * rsBytes);
        const r5 = v128.load(at + 5 * rsBytes);
        const low = v128.shuffle<i32>(r4, r5, 0, 4, 1, 5);
        const high = v128.shuffle<i32>(r4, r5, 2, 6, 3, 7);
        v128.store_lane<i64>(out + 16, low, 0);
        v128.store_lane<i64>(out + 40, low, 1);
        v128.store_lane<i64>(out + 64, high, 0);
        v128.store_lane<i64>(out + 88, high, 1);
        out += 4 * MR * 4;
      }
      for (; p < kc; p++) {
        const at = src + (<usize>p << 2);
        for (let r = 0; r < MR; r++) store<f32>(out + (<usize>r << 2), load<f32>(at + <usize>r * rsBytes));
        out += MR * 4;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const column = src + <usize>p * csBytes;
        for (let r = 0; r < MR; r++) {
          store<f32>(out + (<usize>r << 2), r < rows ? load<f32>(column + <usize>r * rsBytes) : 0);
        }
        out += MR * 4;
      }
    }
  }
}

/**
 * Packs a kc x nc block of B into micro-panels of NR columns, each stored k-major (NR floats per
 * k) and `panel` k-steps apart, zero-padding the last panel's missing columns.
 */
function packB(b: usize, rs: i32, cs: i32, kc: i32, nc: i32, panel: i32, dst: usize): void {
  const rsBytes = <usize>rs << 2;
  const csBytes = <usize>cs << 2;
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    const src = b + <usize>jr * csBytes;
    let out = dst + (<usize>(jr * panel) << 2);
    if (cols == NR && cs == 1) {
      // Row-major B: each k's NR columns are adjacent.
      for (let p = 0; p < kc; p++) {
        const at = src + <usize>p * rsBytes;
        v128.store(out, v128.load(at));
        v128.store(out, v128.load(at, 16), 16);
        out += 32;
      }
    } else if (cols == NR && rs == 1) {
      // Transposed B (a linear layer's weight^T): each column is adjacent along k.
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const at = src + (<usize>p << 2);
        transpose4Store(
          v128.load(at), v128.load(at + csBytes), v128.load(at + 2 * csBytes), v128.load(at + 3 * csBytes),
          out, 32,
        );
        const right = at + 4 * csBytes;
        transpose4Store(
          v128.load(right), v128.load(right + csBytes), v128.load(right + 2 * csBytes), v128.load(right + 3 * csBytes),
          out + 16, 32,
        );
        out += 128;
      }
      for (; p < kc; p++) {
        const at = src + (<usize>p << 2);
        for (let j = 0; j < NR; j++) store<f32>(out + (<usize>j << 2), load<f32>(at + <usize>j * csBytes));
        out += 32;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const row = src + <usize>p * rsBytes;
        for (let j = 0; j < NR; j++) {
          store<f32>(out + (<usize>j << 2), j < cols ? load<f32>(row + <usize>j * csBytes) : 0);
        }
        out += 32;
      }
    }
  }
}

/** Stores the transpose of the 4x4 block whose rows are r0..r3, its rows `stride` bytes apart. */
@inline function transpose4Store(r0: v128, r1: v128, r2: v128, r3: v128, out: usize, stride: usize): void {
  const t0 = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5);
  const t2 = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7);
  const t3 = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7);
  v128.store(out, v128.shuffle<i32>(t0, t1, 0, 1, 4, 5));
  v128.store(out + stride, v128.shuffle<i32>(t0, t1, 2, 3, 6, 7));
  v128.store(out + 2 * stride, v128.shuffle<i32>(t2, t3, 0, 1, 4, 5));
  v128.store(out + 3 * stride, v128.shuffle<i32>(t2, t3, 2, 3, 6, 7));
}
