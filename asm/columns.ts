// Implicit im2col: blocks of a convolution's columns matrix packed straight from the image into
// the gemm's B panels (NR columns each, k-major), so the matrix itself is never written out and
// read back. For one image (or one group's channels of it, from x):
//
//   cols[k][j] = x[c][od*sd - pd + kd*dd][oh*sh - ph + kh*dh][ow*sw - pw + kw*dw], zero outside,
//   k = c * taps + (kd * KH + kh) * KW + kw,   j = (od * OH + oh) * OW + ow.
//
// packColumns packs a block of B = cols for the forward product W @ cols. The geometry is the
// task's words.

import { T_IN } from './task';
import { NR } from './gemm';

/** The geometry words of a conv task (asm/task.ts, from T_IN), in their order. */
@unmanaged class Geometry {
  D: i32; H: i32; W: i32;
  KD: i32; KH: i32; KW: i32;
  OD: i32; OH: i32; OW: i32;
  sd: i32; sh: i32; sw: i32;
  pd: i32; ph: i32; pw: i32;
  dd: i32; dh: i32; dw: i32;
}

@inline function geometry(task: usize): Geometry {
  return changetype<Geometry>(task + (<usize>T_IN << 2));
}

// packColumns' table: per run of a panel's columns inside one output row, 5 words (at most NR
// runs); then, at unit stride, per run and kernel column kw: where the panel's NR floats start in
// an input row and which of them the run takes (two lane masks), for up to MAX_TAPS pairs.
const SEGMENT_BYTES: usize = 20;
const TAPS_AT: usize = 160;
const TAP_BYTES: usize = 48;
const MAX_TAPS = 64;

/** Bytes of thread scratch packColumns uses for its table. */
export const COLUMNS_TABLE_BYTES: i32 = <i32>(TAPS_AT + TAP_BYTES * MAX_TAPS);

/**
 * Splits the panel's columns j0 .. j0 + count into runs that stay in one output row, and writes
 * each run (first column, length, and its first position's input offsets d, h, w) to the table.
 */
function rowSegments(g: Geometry, j0: i32, count: i32, table: usize): i32 {
  const OH = g.OH;
  const OW = g.OW;
  let ow = j0 % OW;
  const rows = j0 / OW;
  let oh = rows % OH;
  let od = rows / OH;
  let segments = 0;
  for (let q = 0; q < count; segments++) {
    const length = min(count - q, OW - ow);
    const at = table + <usize>segments * SEGMENT_BYTES;
    store<i32>(at, q);
    store<i32>(at, length, 4);
    store<i32>(at, od * g.sd - g.pd, 8);
    store<i32>(at, oh * g.sh - g.ph, 12);
    store<i32>(at, ow * g.sw - g.pw, 16);
    q += length;
    ow = 0;
    if (++oh == OH) {
      oh = 0;
      od++;
    }
  }
  return segments;
}

/**
 * One k row of a panel, the general way: zeroes its NR floats at out, then copies each run's
 * inside elements, tap offsets (offD, offH, offW) added to the runs' first positions.
 */
function gatherPanelRow(g: Geometry, table: usize, segments: i32, channel: usize, offD: i32, offH: i32, offW: i32, out: usize): void {
  v128.store(out, v128.splat<i32>(0));
  v128.store(out, v128.splat<i32>(0), 16);
  const H = g.H;
  const W = g.W;
  const sw = g.sw;
  for (let s = 0; s < segments; s++) {
    const at = table + <usize>s * SEGMENT_BYTES;
    const id = load<i32>(at, 8) + offD;
    const ih = load<i32>(at, 12) + offH;
    if (<u32>id >= <u32>g.D || <u32>ih >= <u32>H) continue;
    const row = channel + (<usize>((id * H + ih) * W) << 2);
    const dst = out + (<usize>load<i32>(at) << 2);
    const iw = load<i32>(at, 16) + offW;
    const length = load<i32>(at, 4);
    for (let i = 0; i < length; i++) {
      const w = iw + i * sw;
      if (<u32>w < <u32>W) store<f32>(dst + (<usize>i << 2), load<f32>(row + (<usize>w << 2)));
    }
  }
}

/** Masks of the lanes q in [lo, hi) of NR floats, as two i32x4 (lanes 0-3 and 4-7). */
@inline export function lanesBetween(lo: i32, hi: i32, upper: bool): v128 {
  const lanes = upper ? i32x4(4, 5, 6, 7) : i32x4(0, 1, 2, 3);
  return v128.and(i32x4.ge_s(lanes, i32x4.splat(lo)), i32x4.lt_s(lanes, i32x4.splat(hi)));
}

/**
 * Packs B = cols[pc : pc + kc, jc : jc + nc] of the image x into panels of NR columns at dst, each
 * k-major and kc rows deep (the gemm's packB layout), zero-padding the last panel. The k rows go
 * a kernel row (c, kd, kh) at a time, whose taps read one input row per run of columns.
 */
export function packColumns(task: usize, x: usize, pc: i32, kc: i32, jc: i32, nc: i32, dst: usize, table: usize): void {
  const g = geometry(task);
  const KD = g.KD;
  const KH = g.KH;
  const KW = g.KW;
  const taps = KD * KH * KW;
  const planeBytes = <usize>(g.D * g.H * g.W) << 2;
  const contiguous = g.sw == 1;
  for (let jr = 0; jr < nc; jr += NR) {
    const count = min(NR, nc - jr);
    const segments = rowSegments(g, jc + jr, count, table);
    // At unit stride each run's k rows are pieces of input rows: masked vector loads.
    const vectors = contiguous && segments * KW <= MAX_TAPS;
    if (vectors) prepareTaps(g, table, segments);
    let out = dst + (<usize>(jr * kc) << 2);
    const c = pc / taps;
    let tap = pc - c * taps;
    let kd = tap / (KH * KW);
    tap -= kd * KH * KW;
    let kh = tap / KW;
    let kw = tap - kh * KW;
    let channel = x + <usize>c * planeBytes;
    for (let p = 0; p < kc; ) {
      const rows = min(KW - kw, kc - p);
      if (vectors) runTaps(g, table, segments, channel, kd, kh, kw, rows, out);
      else gatheredTaps(g, table, segments, channel, kd, kh, kw, rows, out);
      out += <usize>(rows * NR) << 2;
      p += rows;
      kw = 0;
      if (++kh == KH) {
        kh = 0;
        if (++kd == KD) {
          kd = 0;
          channel += planeBytes;
        }
      }
    }
  }
}

/**
 * At unit stride, per run of the panel and kernel column kw: the byte offset from an input row's
 * start of the NR floats under the panel's lanes, and the masks of the lanes the run takes inside
 * the row (at an edge the load reaches up to NR - 1 floats past either end of the row; the
 * runtime keeps that inside memory, see src/backend/wasm/runtime.ts alloc). Offset 0 and no lanes
 * when the run reads nothing there.
 */
function prepareTaps(g: Geometry, table: usize, segments: i32): void {
  const W = g.W;
  const KW = g.KW;
  for (let s = 0; s < segments; s++) {
    const segment = table + <usize>s * SEGMENT_BYTES;
    const q0 = load<i32>(segment);
    const q1 = q0 + load<i32>(segment, 4);
    for (let kw = 0; kw < KW; kw++) {
      // Lane q reads input column start + q.
      const start = load<i32>(segment, 16) + kw * g.dw - q0;
      const lo = max(q0, -start);
      const hi = min(q1, W - start);
      const at = table + TAPS_AT + <usize>(s * KW + kw) * TAP_BYTES;
      const any = lo < hi;
      store<i32>(at, any ? start << 2 : 0);
      v128.store(at, any ? lanesBetween(lo, hi, false) : v128.splat<i32>(0), 16);
      v128.store(at, any ? lanesBetween(lo, hi, true) : v128.splat<i32>(0), 32);
    }
  }
}

/**
 * The k rows of taps kw .. kw + rows of kernel row (kd, kh) at unit stride (see prepareTaps): the
 * first run stores its lanes, the others add theirs.
 */
function runTaps(g: Geometry, table: usize, segments: i32, channel: usize, kd: i32, kh: i32, kw: i32, rows: i32, out: usize): void {
  const H = g.H;
  const KW = g.KW;
  const end = out + (<usize>(rows * NR) << 2);
  for (let s = 0; s < segments; s++) {
    const segment = table + <usize>s * SEGMENT_BYTES;
    const id = load<i32>(segment, 8) + kd * g.dd;
    const ih = load<i32>(segment, 12) + kh * g.dh;
    let tap = table + TAPS_AT + <usize>(s * KW + kw) * TAP_BYTES;
    if (<u32>id >= <u32>g.D || <u32>ih >= <u32>H) {
      if (s > 0) continue;
      for (let o = out; o < end; o += <usize>NR << 2) {
        v128.store(o, v128.splat<i32>(0));
        v128.store(o, v128.splat<i32>(0), 16);
      }
      continue;
    }
    const row = channel + (<usize>((id * H + ih) * g.W) << 2);
    if (s == 0) {
      for (let o = out; o < end; o += <usize>NR << 2) {
        const src = row + <usize>load<i32>(tap);
        v128.store(o, v128.and(v128.load(src), v128.load(tap, 16)));
        v128.store(o, v128.and(v128.load(src, 16), v128.load(tap, 32)), 16);
        tap += TAP_BYTES;
      }
    } else {
      for (let o = out; o < end; o += <usize>NR << 2) {
        const src = row + <usize>load<i32>(tap);
        v128.store(o, v128.or(v128.load(o), v128.and(v128.load(src), v128.load(tap, 16))));
        v128.store(o, v128.or(v128.load(o, 16), v128.and(v128.load(src, 16), v128.load(tap, 32))), 16);
        tap += TAP_BYTES;
      }
    }
  }
}

/** The same k rows for any panel, through its runs. */
function gatheredTaps(g: Geometry, table: usize, segments: i32, channel: usize, kd: i32, kh: i32, kw: i32, rows: i32, out: usize): void {
  for (let i = 0; i < rows; i++) {
    gatherPanelRow(g, table, segments, channel, kd * g.dd, kh * g.dh, (kw + i) * g.dw, out + (<usize>(i * NR) << 2));
  }
}
