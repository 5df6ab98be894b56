// 3x3 convolutions at unit stride by Winograd's F(2x2, 3x3): each 2x2 block of outputs (a tile)
// comes from its 4x4 input patch d as Y = A^T [U . (B^T d B)] A, where U = G g G^T is the 4x4
// transform of a 3x3 filter g. Summed over input channels, the 16 positions of the 4x4 products
// are 16 independent products U[xi] [O, C] @ V[xi] [C, tiles]: 16 multiply-adds per tile and
// channel pair where direct convolution needs 36 (2.25x fewer). The host transforms the filters
// (U, winogradFiltersF32) and packs them for the gemm (packWholeA) once per call; a chunk is one
// block of tile rows of one image, so its transformed inputs V and products M [16, O, tiles] stay
// in the thread's own buffer.
//
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]      A^T = [1 1 1 0; 0 1 -1 -1]
//
// The weight gradient goes the same way backwards: y is linear in U, so dL/dU[xi] [O, C] = sum
// over tiles of (A dY A^T)[xi] (V[xi])^T, 16 products with the tiles as their depth, summed over
// the images of a partial sum; the host adds the partial sums and takes dL/dg = G^T (dL/dU) G
// (winogradFilterGradientsF32).
//
// Both transforms run on four tiles of a tile row at once (one f32x4 per patch element). Tile
// rows are padded to a multiple of four tiles; the padding tiles are computed and never stored.

import { gemmPackedAOnThread, gemmOnThread, paddedRows } from './gemm';
import { lanesBetween } from './columns';
import { threadBuffer, T_X, T_CHANNELS, T_W, T_Y, T_OUT_CHANNELS, T_BATCH, T_PARTIALS, T_BIAS, T_BLOCK_ROWS } from './conv';
import { word, T_IN, T_OUT, T_PAD } from './task';

/** Bytes at the start of a thread's buffer for one 4x4 patch of four tiles, before V and M. */
export const PATCH_BYTES: usize = 256;

/**
 * Bytes from one of the 16 matrices [channels, tiles] of V or M to the next: padded by 64 bytes,
 * so the 16 elements of one tile, which the transforms touch together, do not fall in one L1
 * cache set (a matrix of 64 x 64 floats is a multiple of 4 KiB).
 */
@inline export function matrixBytes(channels: i32, tiles: i32): usize {
  return (<usize>(channels * tiles) << 2) + 64;
}

/** Tiles per tile row: the output width in 2-wide tiles, padded to a multiple of four. */
@inline export function paddedTileRow(outWidth: i32): i32 {
  return ((outWidth + 1) / 2 + 3) & ~3;
}

/** The four floats of an input row from column `at`, the ones outside [0, W) zero (see asm/columns.ts on reading past a row). */
@inline function rowQuad(row: usize, at: i32, W: i32): v128 {
  if (at >= 0 && at + 4 <= W) return v128.load(row + (<usize>at << 2));
  if (at <= -4 || at >= W) return v128.splat<i32>(0);
  // Lane l reads column at + l: inside for -at <= l < W - at.
  return v128.and(v128.load(row + (<usize>at << 2)), lanesBetween(-at, W - at, false));
}

/**
 * One chunk: tile rows [first, first + rows) of image n, with n = chunk / blocks. Transforms the
 * input patches into V, runs the 16 products into M, and transforms M into y (plus the bias).
 */
export function winogradChunk(task: usize, chunk: i32, scratch: usize): void {
  const C = word(task, T_CHANNELS);
  const O = word(task, T_OUT_CHANNELS);
  const H = word(task, T_IN + 1);
  const W = word(task, T_IN + 2);
  const OH = word(task, T_OUT + 1);
  const OW = word(task, T_OUT + 2);
  const tileRows = (OH + 1) / 2;
  const blockRows = word(task, T_BLOCK_ROWS);
  const blocks = (tileRows + blockRows - 1) / blockRows;
  const n = chunk / blocks;
  const first = (chunk - n * blocks) * blockRows;
  const rows = min(blockRows, tileRows - first);
  const rowTiles = paddedTileRow(OW);
  const tiles = rows * rowTiles;
  const patch = threadBuffer(task, scratch);
  const V = patch + PATCH_BYTES;
  const M = V + 16 * matrixBytes(C, tiles);
  const x = <usize>word(task, T_X) + (<usize>(n * C * H * W) << 2);
  const y = <usize>word(task, T_Y) + (<usize>(n * O * OH * OW) << 2);
  transformInputs(x, V, patch, C, H, W, word(task, T_PAD + 1), word(task, T_PAD + 2), first, rows, rowTiles);
  const U = <usize>word(task, T_W);
  const packedU = <usize>(C * paddedRows(O)) << 2;
  for (let xi = 0; xi < 16; xi++) {
    gemmPackedAOnThread(U + <usize>xi * packedU, V + <usize>xi * matrixBytes(C, tiles), tiles, 1, M + <usize>xi * matrixBytes(O, tiles), tiles, O, tiles, C, scratch);
  }
  transformOutputs(M, y, <usize>word(task, T_BIAS), O, OH, OW, first, rows, rowTiles);
}

/** V[xi][c][t] = (B^T d B)[xi] for every channel c and tile t of the block (t = row * rowTiles + column). */
function transformInputs(x: usize, V: usize, patch: usize, C: i32, H: i32, W: i32, ph: i32, pw: i32, first: i32, rows: i32, rowTiles: i32): void {
  const tiles = rows * rowTiles;
  const matrix = matrixBytes(C, tiles);
  for (let c = 0; c < C; c++) {
    const plane = x + (<usize>(c * H * W) << 2);
    for (let r = 0; r < rows; r++) {
      const top = 2 * (first + r) - ph;
      for (let q = 0; q < rowTiles; q += 4) {
        // Patch element (i, j) of tiles q .. q + 3 reads input column 2 * (q + lane) - pw + j;
        // row i's four vectors go through `patch` (16 f32x4) to keep the loop's registers few.
        const left = 2 * q - pw;
        for (let i = 0; i < 4; i++) {
          const ih = top + i;
          const at = patch + (<usize>i << 6);
          if (<u32>ih >= <u32>H) {
            v128.store(at, v128.splat<i32>(0));
            v128.store(at, v128.splat<i32>(0), 16);
            v128.store(at, v128.splat<i32>(0), 32);
            v128.store(at, v128.splat<i32>(0), 48);
            continue;
          }
          const row = plane + (<usize>(ih * W) << 2);
          const a = rowQuad(row, left, W);
          const b = rowQuad(row, left + 4, W);
          const c2 = rowQuad(row, left + 2, W);
          const e = rowQuad(row, left + 6, W);
          v128.store(at, v128.shuffle<i32>(a, b, 0, 2, 4, 6));
          v128.store(at, v128.shuffle<i32>(a, b, 1, 3, 5, 7), 16);
          v128.store(at, v128.shuffle<i32>(c2, e, 0, 2, 4, 6), 32);
          v128.store(at, v128.shuffle<i32>(c2, e, 1, 3, 5, 7), 48);
        }
        const d00 = v128.load(patch), d01 = v128.load(patch, 16), d02 = v128.load(patch, 32), d03 = v128.load(patch, 48);
        const d10 = v128.load(patch, 64), d11 = v128.load(patch, 80), d12 = v128.load(patch, 96), d13 = v128.load(patch, 112);
        const d20 = v128.load(patch, 128), d21 = v128.load(patch, 144), d22 = v128.load(patch, 160), d23 = v128.load(patch, 176);
        const d30 = v128.load(patch, 192), d31 = v128.load(patch, 208), d32 = v128.load(patch, 224), d33 = v128.load(patch, 240);
        // Rows: B^T d.
        const t00 = f32x4.sub(d00, d20), t01 = f32x4.sub(d01, d21), t02 = f32x4.sub(d02, d22), t03 = f32x4.sub(d03, d23);
        const t10 = f32x4.add(d10, d20), t11 = f32x4.add(d11, d21), t12 = f32x4.add(d12, d22), t13 = f32x4.add(d13, d23);
        const t20 = f32x4.sub(d20, d10), t21 = f32x4.sub(d21, d11), t22 = f32x4.sub(d22, d12), t23 = f32x4.sub(d23, d13);
        const t30 = f32x4.sub(d10, d30), t31 = f32x4.sub(d11, d31), t32 = f32x4.sub(d12, d32), t33 = f32x4.sub(d13, d33);
        // Columns: (B^T d) B, stored at V[k * 4 + l][c][tile].
        const at = V + (<usize>(c * tiles + r * rowTiles + q) << 2);
        storeRow(at, matrix, 0, t00, t01, t02, t03);
        storeRow(at, matrix, 4, t10, t11, t12, t13);
        storeRow(at, matrix, 8, t20, t21, t22, t23);
        storeRow(at, matrix, 12, t30, t31, t32, t33);
      }
    }
  }
}

/** Row k of (B^T d) B from row k of B^T d: V[xi .. xi + 3] at `at`, matrices `matrix` bytes apart. */
@inline function storeRow(at: usize, matrix: usize, xi: i32, t0: v128, t1: v128, t2: v128, t3: v128): void {
  const base = at + <usize>xi * matrix;
  v128.store(base, f32x4.sub(t0, t2));
  v128.store(base + matrix, f32x4.add(t1, t2));
  v128.store(base + 2 * matrix, f32x4.sub(t2, t1));
  v128.store(base + 3 * matrix, f32x4.sub(t1, t3));
}

/** y[o] tiles of the block = A^T M A (+ bias[o]), only the outputs inside OH x OW. */
function transformOutputs(M: usize, y: usize, bias: usize, O: i32, OH: i32, OW: i32, first: i32, rows: i32, rowTiles: i32): void {
  const tiles = rows * rowTiles;
  const matrix = matrixBytes(O, tiles);
  for (let o = 0; o < O; o++) {
    const shift = f32x4.splat(bias == 0 ? 0 : load<f32>(bias + (<usize>o << 2)));
    const plane = y + (<usize>(o * OH * OW) << 2);
    for (let r = 0; r < rows; r++) {
      const oh = 2 * (first + r);
      for (let q = 0; q < rowTiles; q += 4) {
        const at = M + (<usize>(o * tiles + r * rowTiles + q) << 2);
        // Rows: A^T m, where m[k][l] is matrix 4k + l: s0 = m0 + m1 + m2, s1 = m1 - m2 - m3.
        const m00 = v128.load(at), m01 = v128.load(at + matrix), m02 = v128.load(at + 2 * matrix), m03 = v128.load(at + 3 * matrix);
        const m10 = v128.load(at + 4 * matrix), m11 = v128.load(at + 5 * matrix), m12 = v128.load(at + 6 * matrix), m13 = v128.load(at + 7 * matrix);
        const m20 = v128.load(at + 8 * matrix), m21 = v128.load(at + 9 * matrix), m22 = v128.load(at + 10 * matrix), m23 = v128.load(at + 11 * matrix);
        const m30 = v128.load(at + 12 * matrix), m31 = v128.load(at + 13 * matrix), m32 = v128.load(at + 14 * matrix), m33 = v128.load(at + 15 * matrix);
        const s00 = f32x4.add(f32x4.add(m00, m10), m20), s10 = f32x4.sub(f32x4.sub(m10, m20), m30);
        const s01 = f32x4.add(f32x4.add(m01, m11), m21), s11 = f32x4.sub(f32x4.sub(m11, m21), m31);
        const s02 = f32x4.add(f32x4.add(m02, m12), m22), s12 = f32x4.sub(f32x4.sub(m12, m22), m32);
        const s03 = f32x4.add(f32x4.add(m03, m13), m23), s13 = f32x4.sub(f32x4.sub(m13, m23), m33);
        // Columns: (A^T m) A; output row oh + i, columns 2 * (q + lane) + j.
        storeOutputs(plane, oh, 2 * q, OH, OW, f32x4.add(f32x4.add(f32x4.add(s00, s01), s02), shift), f32x4.add(f32x4.sub(f32x4.sub(s01, s02), s03), shift));
        storeOutputs(plane, oh + 1, 2 * q, OH, OW, f32x4.add(f32x4.add(f32x4.add(s10, s11), s12), shift), f32x4.add(f32x4.sub(f32x4.sub(s11, s12), s13), shift));
      }
    }
  }
}

/** Output row oh, columns column .. column + 7 (even from y0, odd from y1), those inside OH x OW. */
@inline function storeOutputs(plane: usize, oh: i32, column: i32, OH: i32, OW: i32, y0: v128, y1: v128): void {
  if (oh >= OH) return;
  const low = v128.shuffle<i32>(y0, y1, 0, 4, 1, 5);
  const high = v128.shuffle<i32>(y0, y1, 2, 6, 3, 7);
  const row = plane + (<usize>(oh * OW + column) << 2);
  if (column + 8 <= OW) {
    v128.store(row, low);
    v128.store(row, high, 16);
    return;
  }
  for (let j = 0; j < 4 && column + j < OW; j++) store<f32>(row + (<usize>j << 2), laneOf(low, j));
  for (let j = 0; j < 4 && column + 4 + j < OW; j++) store<f32>(row + (<usize>(4 + j) << 2), laneOf(high, j));
}

@inline function laneOf(v: v128, j: i32): f32 {
  if (j == 0) return f32x4.extract_lane(v, 0);
  if (j == 1) return f32x4.extract_lane(v, 1);
  if (j == 2) return f32x4.extract_lane(v, 2);
  return f32x4.extract_lane(v, 3);
}

/**
 * One partial sum of the weight gradient's dL/dU (images k, k + P, ...; P = the partial count):
 * per block of tile rows, the input transform of x, the transform A dY A^T of the output
 * gradient, and the 16 products accumulated into partial k's 16 matrices [O, C].
 */
export function winogradWeightGradChunk(task: usize, chunk: i32, scratch: usize): void {
  const C = word(task, T_CHANNELS);
  const O = word(task, T_OUT_CHANNELS);
  const H = word(task, T_IN + 1);
  const W = word(task, T_IN + 2);
  const OH = word(task, T_OUT + 1);
  const OW = word(task, T_OUT + 2);
  const batch = word(task, T_BATCH);
  const partials = word(task, T_PARTIALS);
  const tileRows = (OH + 1) / 2;
  const blockRows = word(task, T_BLOCK_ROWS);
  const rowTiles = paddedTileRow(OW);
  const patch = threadBuffer(task, scratch);
  const V = patch + PATCH_BYTES;
  const dU = <usize>word(task, T_W) + (<usize>(chunk * 16 * O * C) << 2);
  let accumulate = false;
  for (let n = chunk; n < batch; n += partials) {
    const x = <usize>word(task, T_X) + (<usize>(n * C * H * W) << 2);
    const gy = <usize>word(task, T_Y) + (<usize>(n * O * OH * OW) << 2);
    for (let first = 0; first < tileRows; first += blockRows) {
      const rows = min(blockRows, tileRows - first);
      const tiles = rows * rowTiles;
      const G = V + 16 * matrixBytes(C, tiles);
      transformInputs(x, V, patch, C, H, W, word(task, T_PAD + 1), word(task, T_PAD + 2), first, rows, rowTiles);
      transformGradients(gy, G, O, OH, OW, first, rows, rowTiles);
      for (let xi = 0; xi < 16; xi++) {
        gemmOnThread(
          G + <usize>xi * matrixBytes(O, tiles), tiles, 1, V + <usize>xi * matrixBytes(C, tiles), 1, tiles,
          dU + (<usize>(xi * O * C) << 2), C, O, C, tiles, accumulate, scratch,
        );
      }
      accumulate = true;
    }
  }
}

/**
 * G[xi][o][t] = (A dY A^T)[xi] for the output gradient's 2x2 tile of every channel o and tile t of
 * the block, A = [1 0; 1 1; 1 -1; 0 -1]; outputs outside OH x OW (and padding tiles) count as 0.
 */
function transformGradients(gy: usize, G: usize, O: i32, OH: i32, OW: i32, first: i32, rows: i32, rowTiles: i32): void {
  const tiles = rows * rowTiles;
  const matrix = matrixBytes(O, tiles);
  for (let o = 0; o < O; o++) {
    const plane = gy + (<usize>(o * OH * OW) << 2);
    for (let r = 0; r < rows; r++) {
      const oh = 2 * (first + r);
      const top = plane + (<usize>(oh * OW) << 2);
      const hasBottom = oh + 1 < OH;
      for (let q = 0; q < rowTiles; q += 4) {
        const column = 2 * q;
        const a = rowQuad(top, column, OW);
        const b = rowQuad(top, column + 4, OW);
        let c2 = v128.splat<i32>(0);
        let e = c2;
        if (hasBottom) {
          c2 = rowQuad(top + (<usize>OW << 2), column, OW);
          e = rowQuad(top + (<usize>OW << 2), column + 4, OW);
        }
        // g[i][j]: output row oh + i, column 2 * (q + lane) + j.
        const g00 = v128.shuffle<i32>(a, b, 0, 2, 4, 6);
        const g01 = v128.shuffle<i32>(a, b, 1, 3, 5, 7);
        const g10 = v128.shuffle<i32>(c2, e, 0, 2, 4, 6);
        const g11 = v128.shuffle<i32>(c2, e, 1, 3, 5, 7);
        // A g: rows g0, g0 + g1, g0 - g1, -g1.
        const at = G + (<usize>(o * tiles + r * rowTiles + q) << 2);
        storeGradientRow(at, matrix, 0, g00, g01);
        storeGradientRow(at, matrix, 4, f32x4.add(g00, g10), f32x4.add(g01, g11));
        storeGradientRow(at, matrix, 8, f32x4.sub(g00, g10), f32x4.sub(g01, g11));
        storeGradientRow(at, matrix, 12, f32x4.neg(g10), f32x4.neg(g11));
      }
    }
  }
}

/** Row k of (A g) A^T from row k (r0, r1) of A g: r0, r0 + r1, r0 - r1, -r1 at G[xi .. xi + 3]. */
@inline function storeGradientRow(at: usize, matrix: usize, xi: i32, r0: v128, r1: v128): void {
  const base = at + <usize>xi * matrix;
  v128.store(base, r0);
  v128.store(base + matrix, f32x4.add(r0, r1));
  v128.store(base + 2 * matrix, f32x4.sub(r0, r1));
  v128.store(base + 3 * matrix, f32x4.neg(r1));
}

/**
 * The filters [O, C, 3, 3] at `from` as U = G g G^T, written at `to` as 16 matrices [O, C]
 * (matrix 4k + l holds element (k, l)); G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]. In
 * double, each value rounded to float once.
 */
export function winogradFiltersF32(from: usize, to: usize, O: i32, C: i32): void {
  const matrix = <usize>(O * C) << 2;
  for (let oc = 0; oc < O * C; oc++) {
    const g = from + <usize>oc * 36;
    const at = to + (<usize>oc << 2);
    // G g: 4 rows of 3, then each row's 3 values to 4.
    for (let k = 0; k < 4; k++) {
      let left: f64, middle: f64, right: f64;
      if (k == 0 || k == 3) {
        const row = g + (k == 0 ? 0 : 24);
        left = <f64>load<f32>(row);
        middle = <f64>load<f32>(row, 4);
        right = <f64>load<f32>(row, 8);
      } else {
        const sign: f64 = k == 1 ? 1 : -1;
        left = (<f64>load<f32>(g) + sign * <f64>load<f32>(g, 12) + <f64>load<f32>(g, 24)) / 2;
        middle = (<f64>load<f32>(g, 4) + sign * <f64>load<f32>(g, 16) + <f64>load<f32>(g, 28)) / 2;
        right = (<f64>load<f32>(g, 8) + sign * <f64>load<f32>(g, 20) + <f64>load<f32>(g, 32)) / 2;
      }
      const out = at + <usize>(4 * k) * matrix;
      store<f32>(out, <f32>left);
      store<f32>(out + matrix, <f32>((left + middle + right) / 2));
      store<f32>(out + 2 * matrix, <f32>((left - middle + right) / 2));
      store<f32>(out + 3 * matrix, <f32>right);
    }
  }
}

/**
 * The weight gradient [O, C, 3, 3] at `to` from dL/dU, 16 matrices [O, C] at `from`:
 * dL/dg = G^T (dL/dU) G for each (o, c), in double, each value rounded to float once.
 */
export function winogradFilterGradientsF32(from: usize, to: usize, O: i32, C: i32): void {
  const matrix = <usize>(O * C) << 2;
  for (let oc = 0; oc < O * C; oc++) {
    const u = from + (<usize>oc << 2);
    const out = to + <usize>oc * 36;
    // G^T u: 3 rows of 4 (columns l), then (G^T u) G: each row's 4 values to 3.
    for (let k = 0; k < 3; k++) {
      let r0: f64 = 0, r1: f64 = 0, r2: f64 = 0, r3: f64 = 0;
      for (let l = 0; l < 4; l++) {
        const column = u + <usize>l * matrix;
        const u0 = <f64>load<f32>(column);
        const u1 = <f64>load<f32>(column + 4 * matrix);
        const u2 = <f64>load<f32>(column + 8 * matrix);
        const u3 = <f64>load<f32>(column + 12 * matrix);
        const value = k == 0 ? u0 + (u1 + u2) / 2 : k == 1 ? (u1 - u2) / 2 : (u1 + u2) / 2 + u3;
        if (l == 0) r0 = value;
        else if (l == 1) r1 = value;
        else if (l == 2) r2 = value;
        else r3 = value;
      }
      const row = out + <usize>(12 * k);
      store<f32>(row, <f32>(r0 + (r1 + r2) / 2));
      store<f32>(row, <f32>((r1 - r2) / 2), 4);
      store<f32>(row, <f32>((r1 + r2) / 2 + r3), 8);
    }
  }
}
