// Max pooling with argmax, four neighbouring outputs of a row at a time. The reference's scalar
// `if (v > best || v !== v)` mispredicts on random data; here the same rule is a lane mask, applied
// to the window's taps in the same order, so values and indices equal the reference's: the first
// of equal maxima wins, a NaN wins (the last NaN of a window), an empty window gives -Infinity at 0.
// Geometry is 3-D; 1-D and 2-D pooling arrive with unit dims.

import { word, T_IN, T_KERNEL, T_OUT, T_STRIDE, T_PAD, T_DILATION } from './task';

// Task descriptor words of its own (written by the host, see src/backend/wasm/pooling.ts).
const T_X = 1;
const T_VALUES = 2;
const T_INDICES = 3;

/** Chunk = one [D, H, W] plane of the input (image n, channel c). */
export function maxPoolChunk(task: usize, chunk: i32): void {
  const D = word(task, T_IN);
  const H = word(task, T_IN + 1);
  const W = word(task, T_IN + 2);
  const KD = word(task, T_KERNEL);
  const KH = word(task, T_KERNEL + 1);
  const KW = word(task, T_KERNEL + 2);
  const OD = word(task, T_OUT);
  const OH = word(task, T_OUT + 1);
  const OW = word(task, T_OUT + 2);
  const sd = word(task, T_STRIDE);
  const sh = word(task, T_STRIDE + 1);
  const sw = word(task, T_STRIDE + 2);
  const pd = word(task, T_PAD);
  const ph = word(task, T_PAD + 1);
  const pw = word(task, T_PAD + 2);
  const dd = word(task, T_DILATION);
  const dh = word(task, T_DILATION + 1);
  const dw = word(task, T_DILATION + 2);
  const outs = OD * OH * OW;
  const x = <usize>word(task, T_X) + (<usize>(chunk * D * H * W) << 2);
  let values = <usize>word(task, T_VALUES) + (<usize>(chunk * outs) << 2);
  let indices = <usize>word(task, T_INDICES) + (<usize>(chunk * outs) << 2);
  const lanes = i32x4(0, 1, 2, 3);
  const minusOne = i32x4.splat(-1);
  const negInf = f32x4.splat(-Infinity);
  const evenLanes = i32x4(0, 2, 4, 6);
  const one = i32x4.splat(1);
  const pairs = KW == 2 && sw == 2 && dw == 1 && pw == 0;
  for (let od = 0; od < OD; od++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow += 4) {
        // Lanes past the row's end are computed on clamped positions and not stored.
        const count = min(4, OW - ow);
        let best = negInf;
        let index = minusOne;
        const iw0 = i32x4.add(i32x4.splat(ow * sw - pw), i32x4.mul(lanes, i32x4.splat(sw)));
        for (let kd = 0; kd < KD; kd++) {
          const id = od * sd - pd + kd * dd;
          if (id < 0 || id >= D) continue;
          for (let kh = 0; kh < KH; kh++) {
            const ih = oh * sh - ph + kh * dh;
            if (ih < 0 || ih >= H) continue;
            const rowStart = (id * H + ih) * W;
            if (pairs && count == 4 && 2 * ow + 8 <= W) {
              // 2-wide taps at stride 2 (the usual 2x2 pool): the four windows' taps are 8
              // adjacent floats of the row, split into the left (even) and right (odd) taps.
              const at = rowStart + 2 * ow;
              const row = x + (<usize>at << 2);
              const left = v128.load(row);
              const right = v128.load(row, 16);
              const position = i32x4.add(i32x4.splat(at), evenLanes);
              index = v128.bitselect(position, index, i32x4.eq(index, minusOne));
              let v = v128.shuffle<f32>(left, right, 0, 2, 4, 6);
              let better = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
              best = v128.bitselect(v, best, better);
              index = v128.bitselect(position, index, better);
              v = v128.shuffle<f32>(left, right, 1, 3, 5, 7);
              better = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
              best = v128.bitselect(v, best, better);
              index = v128.bitselect(i32x4.add(position, one), index, better);
              continue;
            }
            for (let kw = 0; kw < KW; kw++) {
              const iw = i32x4.add(iw0, i32x4.splat(kw * dw));
              const inside = v128.and(i32x4.ge_s(iw, i32x4.splat(0)), i32x4.lt_s(iw, i32x4.splat(W)));
              const position = i32x4.add(i32x4.splat(rowStart), iw);
              // Gather the four taps (outside ones read position 0 and are masked off).
              const safe = v128.and(position, inside);
              let v = f32x4.splat(load<f32>(x + (<usize>i32x4.extract_lane(safe, 0) << 2)));
              v = f32x4.replace_lane(v, 1, load<f32>(x + (<usize>i32x4.extract_lane(safe, 1) << 2)));
              v = f32x4.replace_lane(v, 2, load<f32>(x + (<usize>i32x4.extract_lane(safe, 2) << 2)));
              v = f32x4.replace_lane(v, 3, load<f32>(x + (<usize>i32x4.extract_lane(safe, 3) << 2)));
              // The first tap inside the window is the index of a window of -Infinity.
              index = v128.bitselect(position, index, v128.and(inside, i32x4.eq(index, minusOne)));
              const better = v128.and(inside, v128.or(f32x4.gt(v, best), f32x4.ne(v, v)));
              best = v128.bitselect(v, best, better);
              index = v128.bitselect(position, index, better);
            }
          }
        }
        // An empty window (all taps in the padding) reports index 0.
        index = v128.andnot(index, i32x4.eq(index, minusOne));
        if (count == 4) {
          v128.store(values, best);
          v128.store(indices, index);
        } else {
          // The row's last 1-3 outputs, lane by lane: writing a whole vector could reach the next
          // plane, which another thread may own.
          store<f32>(values, f32x4.extract_lane(best, 0));
          store<i32>(indices, i32x4.extract_lane(index, 0));
          if (count > 1) {
            store<f32>(values, f32x4.extract_lane(best, 1), 4);
            store<i32>(indices, i32x4.extract_lane(index, 1), 4);
          }
          if (count > 2) {
            store<f32>(values, f32x4.extract_lane(best, 2), 8);
            store<i32>(indices, i32x4.extract_lane(index, 2), 8);
          }
        }
        values += <usize>count << 2;
        indices += <usize>count << 2;
      }
    }
  }
}

/**
 * Max pooling's backward: gx (planes x plane floats) is zeroed, then each output's gradient is
 * added at its argmax (an index within its plane), in output order as the reference does, so
 * overlapping windows sum in the same order and the result is identical.
 */
export function maxPoolBackwardF32(grad: usize, indices: usize, gx: usize, planes: i32, outs: i32, plane: i32): void {
  memory.fill(gx, 0, <usize>(planes * plane) << 2);
  for (let p = 0; p < planes; p++) {
    const base = gx + (<usize>(p * plane) << 2);
    const from = <usize>(p * outs) << 2;
    for (let l = 0; l < outs; l++) {
      const offset = from + (<usize>l << 2);
      const at = base + (<usize>load<i32>(indices + offset) << 2);
      store<f32>(at, load<f32>(at) + load<f32>(grad + offset));
    }
  }
}

// Average pooling, forward and backward, in double as the reference does (the window's sum in
// its tap order, divided once; the backward's shares accumulated per input element), so results
// equal the reference's. The host computes, per axis, each output's first input, tap count and
// factor of the divisor (src/backend/wasm/pooling.ts), as arrays in wasm memory.
// Task words (besides the geometry words of asm/task.ts):
const A_X = 1;
const A_OUT = 2;
/** Per axis 0..2: the addresses of first (i32), count (i32) and factor (f64) per output. */
const A_TABLES = 24;
/** Nonzero: divide by the f64 at A_OVERRIDE_AT instead of the factors' product. */
const A_OVERRIDE = 33;
const A_OVERRIDE_AT = 34;
/** Backward: the f64 accumulators of every plane (planes x plane doubles). */
const A_ACCUMULATORS = 35;

@inline function table(task: usize, axis: i32, which: i32): usize {
  return <usize>word(task, A_TABLES + axis * 3 + which);
}

/** The divisor of output (o0, o1, o2): the override, or the product of the axes' factors in order. */
@inline function divisorOf(task: usize, o0: i32, o1: i32, o2: i32): f64 {
  if (word(task, A_OVERRIDE) != 0) return load<f64>(<usize>word(task, A_OVERRIDE_AT));
  return 1.0 * load<f64>(table(task, 0, 2) + (<usize>o0 << 3)) * load<f64>(table(task, 1, 2) + (<usize>o1 << 3)) * load<f64>(table(task, 2, 2) + (<usize>o2 << 3));
}

/**
 * Chunk = one plane: forward (backward = false) writes its outputs' averages; backward adds each
 * output gradient's share to its window's inputs in f64, then rounds the plane into gx.
 */
export function avgPoolChunk(task: usize, chunk: i32, backward: bool): void {
  const H = word(task, T_IN + 1);
  const W = word(task, T_IN + 2);
  const OD = word(task, T_OUT);
  const OH = word(task, T_OUT + 1);
  const OW = word(task, T_OUT + 2);
  const plane = word(task, T_IN) * H * W;
  const outs = OD * OH * OW;
  const s0 = H * W;
  // Forward: x is the input, out the averages; backward: x is the output gradient, out gx.
  const x = <usize>word(task, A_X) + (<usize>(chunk * (backward ? outs : plane)) << 2);
  const out = <usize>word(task, A_OUT) + (<usize>(chunk * (backward ? plane : outs)) << 2);
  const acc = <usize>word(task, A_ACCUMULATORS) + (<usize>(chunk * plane) << 3);
  if (backward) memory.fill(acc, 0, <usize>plane << 3);
  let l = 0;
  for (let o0 = 0; o0 < OD; o0++) {
    const f0 = load<i32>(table(task, 0, 0) + (<usize>o0 << 2)) * s0;
    const c0 = load<i32>(table(task, 0, 1) + (<usize>o0 << 2));
    for (let o1 = 0; o1 < OH; o1++) {
      const f1 = f0 + load<i32>(table(task, 1, 0) + (<usize>o1 << 2)) * W;
      const c1 = load<i32>(table(task, 1, 1) + (<usize>o1 << 2));
      for (let o2 = 0; o2 < OW; o2++) {
        const f2 = f1 + load<i32>(table(task, 2, 0) + (<usize>o2 << 2));
        const c2 = load<i32>(table(task, 2, 1) + (<usize>o2 << 2));
        const divisor = divisorOf(task, o0, o1, o2);
        if (backward) {
          const share = <f64>load<f32>(x + (<usize>l << 2)) / divisor;
          for (let j0 = 0, r0 = f2; j0 < c0; j0++, r0 += s0) {
            for (let j1 = 0, r1 = r0; j1 < c1; j1++, r1 += W) {
              for (let j2 = 0; j2 < c2; j2++) {
                const at = acc + (<usize>(r1 + j2) << 3);
                store<f64>(at, load<f64>(at) + share);
              }
            }
          }
        } else {
          let sum: f64 = 0;
          for (let j0 = 0, r0 = f2; j0 < c0; j0++, r0 += s0) {
            for (let j1 = 0, r1 = r0; j1 < c1; j1++, r1 += W) {
              for (let j2 = 0; j2 < c2; j2++) sum += <f64>load<f32>(x + (<usize>(r1 + j2) << 2));
            }
          }
          // An empty window gives 0, as in torch.
          store<f32>(out + (<usize>l << 2), c0 * c1 * c2 == 0 ? 0 : <f32>(sum / divisor));
        }
        l++;
      }
    }
  }
  if (backward) {
    for (let i = 0; i < plane; i++) store<f32>(out + (<usize>i << 2), <f32>load<f64>(acc + (<usize>i << 3)));
  }
}
