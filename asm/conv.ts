// Convolution on the CPU threads, as products with the columns matrix cols [C * taps, outs] of an
// image (every kernel tap's view of it, see asm/columns.ts). Geometry is 3-D; 1-D and 2-D
// convolutions arrive with unit dims.
//
// One chunk is one image (forward, input gradient) or one partial sum of the weight gradient
// (images k, k + P, k + 2P, ...). The products read and write the [N, O, outs] tensors in place
// (image n's [O, outs] block is a row-major matrix):
//
//   forward        y[n][group]  = W[group] @ cols[group]
//   input grad     cols[group]  = W[group]^T @ gy[n][group]      then col2im into gx[n]
//   weight grad    gW_k[group] += gy[n][group] @ cols[group]^T   over the images of partial k
//
// The forward packs cols straight from the image into the gemm's panels (implicit im2col). The
// gradients build cols in the thread's own buffer, where it stays in cache: im2col for the weight
// gradient, whose product needs cols^T (position-major, which the packed-B copy transposes from
// contiguous rows faster than from the image), and col2im after the input gradient's product. The
// host runs stride-1 input gradients with many channels as a forward convolution instead
// (src/backend/wasm/conv.ts).

import { gemmOnThread, gemmColumnsOnThread, MR, NR } from './gemm';
import { fma } from './simd';
import { allWithinF32 } from './elementwise';
import { word, T_IN, T_KERNEL, T_OUT, T_STRIDE, T_PAD, T_DILATION } from './task';

// Task descriptor, i32 words (written by the host, see src/backend/wasm/conv.ts); the Winograd
// kernels (asm/winograd.ts) read the same words.
export const T_X = 1;
/** Every thread's buffer (columns, or Winograd's tiles): BUFFERS + index * BUFFER_BYTES. */
export const T_BUFFERS = 2;
export const T_CHANNELS = 4;
/** Weights (forward, input gradient; Winograd's packed transforms) or the weight gradient's partial sums. */
export const T_W = 24;
/** y (forward) or its gradient. */
export const T_Y = 25;
export const T_OUT_CHANNELS = 26;
const T_GROUPS = 27;
/** Thread scratch layout, to find a thread's index from its scratch. */
const T_SCRATCH_BASE = 28;
const T_SCRATCH_STRIDE = 29;
const T_BUFFER_BYTES = 30;
export const T_BATCH = 31;
export const T_PARTIALS = 32;
/** Forward: the bias [O], or 0. */
export const T_BIAS = 33;
/** Winograd: tile rows per block. */
export const T_BLOCK_ROWS = 34;
/**
 * Forward: each image's product split into this many blocks of output channels (rows of each
 * group's W) and of output positions (columns), so a batch smaller than the thread count still
 * shares out its work; chunk = (image * ROW_BLOCKS + row block) * COLUMN_BLOCKS + column block.
 */
const T_ROW_BLOCKS = 35;
const T_COLUMN_BLOCKS = 36;
/** Depthwise: 1 when the outputs are clamped to [T_CLAMP_MIN, T_CLAMP_MAX] (f32 bits) as they are stored. */
const T_CLAMPED = 37;
const T_CLAMP_MIN = 38;
const T_CLAMP_MAX = 39;

/** First output index o in [0, outSize) with 0 <= o * stride + offset, i.e. reading inside the input. */
@inline function firstInside(offset: i32, stride: i32, outSize: i32): i32 {
  if (offset >= 0) return 0;
  return min(outSize, (-offset + stride - 1) / stride);
}

/** One past the last output index with o * stride + offset < size. */
@inline function endInside(offset: i32, stride: i32, size: i32, outSize: i32): i32 {
  if (offset >= size) return 0;
  return min(outSize, (size - 1 - offset) / stride + 1);
}

/**
 * Channel c of an image between its plane x and its rows of the columns matrix at colsBase
 * (rows colsStride floats apart): im2col (forward = true) fills the rows; col2im (forward =
 * false) zeroes the plane and adds every tap's row back onto it.
 */
function im2colChannel(task: usize, x: usize, colsBase: usize, colsStride: usize, c: i32, forward: bool): void {
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
  const dd = word(task, T_DILATION);
  const dh = word(task, T_DILATION + 1);
  const dw = word(task, T_DILATION + 2);
  const pd = word(task, T_PAD);
  const ph = word(task, T_PAD + 1);
  const pw = word(task, T_PAD + 2);
  const plane = D * H * W;
  const taps = KD * KH * KW;
  if (!forward) memory.fill(x, 0, <usize>plane << 2);
  for (let kd = 0; kd < KD; kd++) {
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        const row = <usize>(c * taps + (kd * KH + kh) * KW + kw);
        let dst = colsBase + ((row * colsStride) << 2);
        // Output columns whose input column is inside [0, W).
        const offsetW = kw * dw - pw;
        const lo = firstInside(offsetW, sw, OW);
        const hi = max(lo, endInside(offsetW, sw, W, OW));
        for (let od = 0; od < OD; od++) {
          const id = od * sd - pd + kd * dd;
          for (let oh = 0; oh < OH; oh++) {
            const ih = oh * sh - ph + kh * dh;
            if (id < 0 || id >= D || ih < 0 || ih >= H) {
              if (forward) zeroFloats(dst, OW);
            } else {
              const src = x + (<usize>((id * H + ih) * W + lo * sw + offsetW) << 2);
              if (forward) gatherRow(dst, src, lo, hi, OW, sw);
              else scatterAddRow(dst, src, lo, hi, sw);
            }
            dst += <usize>OW << 2;
          }
        }
      }
    }
  }
}

@inline function planeOf(task: usize, at: i32): i32 {
  return word(task, at) * word(task, at + 1) * word(task, at + 2);
}

/** This thread's buffer: the one at its scratch's index among the threads'. */
@inline export function threadBuffer(task: usize, scratch: usize): usize {
  const index = (scratch - <usize>word(task, T_SCRATCH_BASE)) / <usize>word(task, T_SCRATCH_STRIDE);
  return <usize>word(task, T_BUFFERS) + index * <usize>word(task, T_BUFFER_BYTES);
}

// Conv chunk kinds.
export const CONV_FORWARD = 0;
export const CONV_INPUT_GRAD = 1;
export const CONV_WEIGHT_GRAD = 2;

/** One chunk of a convolution (see the header): an image, or a partial sum of the weight gradient. */
export function convChunk(task: usize, chunk: i32, scratch: usize, kind: i32): void {
  const channels = word(task, T_CHANNELS);
  const outChannels = word(task, T_OUT_CHANNELS);
  const groups = word(task, T_GROUPS);
  const plane = planeOf(task, T_IN);
  const outs = planeOf(task, T_OUT);
  const taps = planeOf(task, T_KERNEL);
  const cg = channels / groups;
  const og = outChannels / groups;
  const ck = cg * taps;
  const x = <usize>word(task, T_X);
  const w = <usize>word(task, T_W);
  const y = <usize>word(task, T_Y);
  const groupCols = <usize>(ck * outs) << 2;
  const groupW = <usize>(og * ck) << 2;
  const groupY = <usize>(og * outs) << 2;
  const groupX = <usize>(cg * plane) << 2;
  if (kind == CONV_FORWARD) {
    const rowBlocks = max(1, word(task, T_ROW_BLOCKS));
    const columnBlocks = max(1, word(task, T_COLUMN_BLOCKS));
    const image = chunk / (rowBlocks * columnBlocks);
    const inImage = chunk - image * rowBlocks * columnBlocks;
    const rowBlock = inImage / columnBlocks;
    const columnBlock = inImage - rowBlock * columnBlocks;
    const blockRows = (og + rowBlocks - 1) / rowBlocks;
    const rowsPerBlock = (blockRows + MR - 1) / MR * MR;
    const blockColumns = (outs + columnBlocks - 1) / columnBlocks;
    const columnsPerBlock = (blockColumns + NR - 1) / NR * NR;
    const m0 = rowBlock * rowsPerBlock;
    const m1 = min(og, m0 + rowsPerBlock);
    const n0 = columnBlock * columnsPerBlock;
    const n1 = min(outs, n0 + columnsPerBlock);
    if (m0 >= m1 || n0 >= n1) return;
    const xn = x + (<usize>(image * channels * plane) << 2);
    const yn = y + (<usize>(image * outChannels * outs) << 2);
    const bias = <usize>word(task, T_BIAS);
    for (let grp = 0; grp < groups; grp++) {
      if (bias != 0) {
        for (let o = grp * og + m0; o < grp * og + m1; o++) {
          fillFloats(yn + (<usize>(o * outs + n0) << 2), load<f32>(bias + (<usize>o << 2)), n1 - n0);
        }
      }
      gemmColumnsOnThread(
        w + <usize>grp * groupW, ck, 1, xn + <usize>grp * groupX, task, yn + <usize>grp * groupY, outs,
        m0, m1, n0, n1, ck, bias != 0, scratch,
      );
    }
  } else if (kind == CONV_INPUT_GRAD) {
    const cols = threadBuffer(task, scratch);
    const gyn = y + (<usize>(chunk * outChannels * outs) << 2);
    for (let grp = 0; grp < groups; grp++) {
      gemmOnThread(
        w + <usize>grp * groupW, 1, ck, gyn + <usize>grp * groupY, outs, 1, cols + <usize>grp * groupCols, outs,
        ck, outs, og, false, scratch,
      );
    }
    for (let c = 0; c < channels; c++) {
      im2colChannel(task, x + (<usize>((chunk * channels + c) * plane) << 2), cols, <usize>outs, c, false);
    }
  } else {
    const batch = word(task, T_BATCH);
    const partials = word(task, T_PARTIALS);
    const gw = w + <usize>chunk * <usize>(outChannels * ck) * 4;
    const cols = threadBuffer(task, scratch);
    for (let n = chunk; n < batch; n += partials) {
      imageColumnsAt(task, x, n, cols, channels, plane, outs);
      const gyn = y + (<usize>(n * outChannels * outs) << 2);
      for (let grp = 0; grp < groups; grp++) {
        gemmOnThread(
          gyn + <usize>grp * groupY, outs, 1, cols + <usize>grp * groupCols, 1, outs, gw + <usize>grp * groupW, ck,
          og, ck, outs, n != chunk, scratch,
        );
      }
    }
  }
}

/**
 * One image of a batch whose columns form one matrix [C * taps, N * outs] at T_Y (image n's
 * columns start at column n * outs): im2col of image n's planes (of the [N, C, ...] tensor at
 * T_X) into it, or (forward = false) col2im from it into those planes.
 */
export function batchColumnsChunk(task: usize, chunk: i32, forward: bool): void {
  const channels = word(task, T_CHANNELS);
  const plane = planeOf(task, T_IN);
  const outs = planeOf(task, T_OUT);
  const stride = <usize>(word(task, T_BATCH) * outs);
  const x = <usize>word(task, T_X) + (<usize>(chunk * channels * plane) << 2);
  const cols = <usize>word(task, T_Y) + (<usize>(chunk * outs) << 2);
  for (let c = 0; c < channels; c++) im2colChannel(task, x + (<usize>(c * plane) << 2), cols, stride, c, forward);
}

/** im2col of every channel of image n (its planes at x) into cols [C * taps, outs]. */
function imageColumnsAt(task: usize, x: usize, n: i32, cols: usize, channels: i32, plane: i32, outs: i32): void {
  for (let c = 0; c < channels; c++) {
    im2colChannel(task, x + (<usize>((n * channels + c) * plane) << 2), cols, <usize>outs, c, true);
  }
}

/** dst[0:OW] = input row at stride sw for [lo, hi), zeros outside. */
@inline function gatherRow(dst: usize, src: usize, lo: i32, hi: i32, OW: i32, sw: i32): void {
  zeroFloats(dst, lo);
  if (hi < OW) zeroFloats(dst + (<usize>hi << 2), OW - hi);
  const out = dst + (<usize>lo << 2);
  const count = hi - lo;
  if (sw == 1) {
    copyFloats(out, src, count);
  } else {
    const step = <usize>sw << 2;
    for (let i = 0; i < count; i++) store<f32>(out + (<usize>i << 2), load<f32>(src + <usize>i * step));
  }
}

// Rows are short (tens of floats): inline vector loops cost less than memory.copy/fill, which
// V8 runs as calls into the runtime.

@inline function copyFloats(dst: usize, src: usize, count: i32): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const at = <usize>i << 2;
    v128.store(dst + at, v128.load(src + at));
  }
  for (; i < count; i++) {
    const at = <usize>i << 2;
    store<f32>(dst + at, load<f32>(src + at));
  }
}

@inline function zeroFloats(dst: usize, count: i32): void {
  fillFloats(dst, 0, count);
}

@inline function fillFloats(dst: usize, value: f32, count: i32): void {
  const splat = f32x4.splat(value);
  let i = 0;
  for (; i + 4 <= count; i += 4) v128.store(dst + (<usize>i << 2), splat);
  for (; i < count; i++) store<f32>(dst + (<usize>i << 2), value);
}

/** input row at stride sw += cols[lo:hi]. */
@inline function scatterAddRow(cols: usize, dst: usize, lo: i32, hi: i32, sw: i32): void {
  const src = cols + (<usize>lo << 2);
  const count = hi - lo;
  if (sw == 1) {
    let i = 0;
    for (; i + 4 <= count; i += 4) {
      const at = <usize>i << 2;
      v128.store(dst + at, f32x4.add(v128.load(dst + at), v128.load(src + at)));
    }
    for (; i < count; i++) {
      const at = <usize>i << 2;
      store<f32>(dst + at, load<f32>(dst + at) + load<f32>(src + at));
    }
  } else {
    const step = <usize>sw << 2;
    for (let i = 0; i < count; i++) {
      const at = dst + <usize>i * step;
      store<f32>(at, load<f32>(at) + load<f32>(src + (<usize>i << 2)));
    }
  }
}

/**
 * Depthwise convolution (one input channel per group, any number of outputs per group; 1-D and
 * 2-D): per output, the sum over its taps straight from the plane, without a columns matrix
 * (whose product would have one row per group: a 6-row register tile mostly idle). The chunk is
 * one input channel of one image: its plane is copied into the thread's buffer with zeros around
 * it, so the loops need no bounds checks, then four outputs of a row at a time are summed as
 * f32x4 (unit stride and stride 2; other strides gather lanes).
 */
export function depthwiseChunk(task: usize, chunk: i32, scratch: usize): void {
  const channels = word(task, T_CHANNELS);
  const outChannels = word(task, T_OUT_CHANNELS);
  const multiplier = outChannels / channels;
  const H = word(task, T_IN + 1);
  const W = word(task, T_IN + 2);
  const KH = word(task, T_KERNEL + 1);
  const KW = word(task, T_KERNEL + 2);
  const OH = word(task, T_OUT + 1);
  const OW = word(task, T_OUT + 2);
  const sh = word(task, T_STRIDE + 1);
  const sw = word(task, T_STRIDE + 2);
  const dh = word(task, T_DILATION + 1);
  const dw = word(task, T_DILATION + 2);
  const ph = word(task, T_PAD + 1);
  const pw = word(task, T_PAD + 2);
  const PH = depthwisePaddedSize(H, ph, OH, sh, KH, dh, 0);
  const PW = depthwisePaddedSize(W, pw, OW, sw, KW, dw, 4);
  const padded = threadBuffer(task, scratch);
  const image = chunk / channels;
  const c = chunk - image * channels;
  const plane = H * W;
  const outs = OH * OW;
  // The plane, surrounded by zeros.
  memory.fill(padded, 0, <usize>(PH * PW) << 2);
  const src = <usize>word(task, T_X) + (<usize>((image * channels + c) * plane) << 2);
  for (let ih = 0; ih < H; ih++) {
    copyFloats(padded + (<usize>((ih + ph) * PW + pw) << 2), src + (<usize>(ih * W) << 2), W);
  }
  const taps = KH * KW;
  const bias = <usize>word(task, T_BIAS);
  // Without a clamp the bounds are -Inf and Inf: pmax and pmin then keep every value (NaN too).
  const clamped = word(task, T_CLAMPED) != 0;
  const low = f32x4.splat(clamped ? load<f32>(task + (<usize>T_CLAMP_MIN << 2)) : -Infinity);
  const high = f32x4.splat(clamped ? load<f32>(task + (<usize>T_CLAMP_MAX << 2)) : Infinity);
  for (let m = 0; m < multiplier; m++) {
    const o = c * multiplier + m;
    const wo = <usize>word(task, T_W) + (<usize>(o * taps) << 2);
    const y = <usize>word(task, T_Y) + (<usize>((image * outChannels + o) * outs) << 2);
    const b: f32 = bias != 0 ? load<f32>(bias + (<usize>o << 2)) : 0;
    if (KH == 3 && KW == 3 && dw == 1 && (sw == 1 || sw == 2)) {
      depthwise3x3(padded, PW, wo, b, y, OH, OW, sh, sw, dh, low, high);
      continue;
    }
    for (let oh = 0; oh < OH; oh++) {
      const rows = padded + (<usize>(oh * sh * PW) << 2);
      const out = y + (<usize>(oh * OW) << 2);
      for (let ow = 0; ow < OW; ow += 4) {
        let acc = f32x4.splat(b);
        for (let kh = 0; kh < KH; kh++) {
          const row = rows + (<usize>(kh * dh * PW) << 2);
          for (let kw = 0; kw < KW; kw++) {
            const at = row + (<usize>(ow * sw + kw * dw) << 2);
            let v: v128;
            if (sw == 1) {
              v = v128.load(at);
            } else if (sw == 2) {
              v = v128.shuffle<f32>(v128.load(at), v128.load(at, 16), 0, 2, 4, 6);
            } else {
              const step = <usize>sw << 2;
              v = f32x4.splat(load<f32>(at));
              v = f32x4.replace_lane(v, 1, load<f32>(at + step));
              v = f32x4.replace_lane(v, 2, load<f32>(at + 2 * step));
              v = f32x4.replace_lane(v, 3, load<f32>(at + 3 * step));
            }
            acc = fma(f32x4.splat(load<f32>(wo + (<usize>(kh * KW + kw) << 2))), v, acc);
          }
        }
        storeLanes(out + (<usize>ow << 2), clampLanes(acc, low, high), OW - ow);
      }
    }
  }
}

/** v clamped to [low, high] as asm/elementwise.ts clampF32 does it (pmax, then pmin), so results match a separate clamp. */
@inline function clampLanes(v: v128, low: v128, high: v128): v128 {
  return f32x4.pmin(f32x4.pmax(v, low), high);
}

/** The first min(4, count) lanes of v at dst (a row's last vector may be partial). */
@inline function storeLanes(dst: usize, v: v128, count: i32): void {
  if (count >= 4) {
    v128.store(dst, v);
    return;
  }
  store<f32>(dst, f32x4.extract_lane(v, 0));
  if (count > 1) store<f32>(dst, f32x4.extract_lane(v, 1), 4);
  if (count > 2) store<f32>(dst, f32x4.extract_lane(v, 2), 8);
}

/** Row `at`'s four outputs' inputs for tap kw: consecutive floats (stride 1) or every other one (stride 2). */
@inline function tapVector(at: usize, sw: i32): v128 {
  if (sw == 1) return v128.load(at);
  return v128.shuffle<f32>(v128.load(at), v128.load(at, 16), 0, 2, 4, 6);
}

/**
 * depthwiseChunk's loops for the common 3x3 kernel at column dilation 1 and column stride 1 or
 * 2: the nine weights stay in registers and the taps are unrolled (the general loops reload and
 * splat a weight per tap, and test the stride inside the innermost loop).
 */
function depthwise3x3(padded: usize, PW: i32, wo: usize, b: f32, y: usize, OH: i32, OW: i32, sh: i32, sw: i32, dh: i32, low: v128, high: v128): void {
  const w0 = f32x4.splat(load<f32>(wo));
  const w1 = f32x4.splat(load<f32>(wo, 4));
  const w2 = f32x4.splat(load<f32>(wo, 8));
  const w3 = f32x4.splat(load<f32>(wo, 12));
  const w4 = f32x4.splat(load<f32>(wo, 16));
  const w5 = f32x4.splat(load<f32>(wo, 20));
  const w6 = f32x4.splat(load<f32>(wo, 24));
  const w7 = f32x4.splat(load<f32>(wo, 28));
  const w8 = f32x4.splat(load<f32>(wo, 32));
  const start = f32x4.splat(b);
  const rowBytes = <usize>(dh * PW) << 2;
  const step = <usize>(4 * sw) << 2;
  const tap = <usize>4;
  for (let oh = 0; oh < OH; oh++) {
    let r0 = padded + (<usize>(oh * sh * PW) << 2);
    const out = y + (<usize>(oh * OW) << 2);
    for (let ow = 0; ow < OW; ow += 4) {
      const r1 = r0 + rowBytes;
      const r2 = r1 + rowBytes;
      let acc = fma(w0, tapVector(r0, sw), start);
      acc = fma(w1, tapVector(r0 + tap, sw), acc);
      acc = fma(w2, tapVector(r0 + 2 * tap, sw), acc);
      acc = fma(w3, tapVector(r1, sw), acc);
      acc = fma(w4, tapVector(r1 + tap, sw), acc);
      acc = fma(w5, tapVector(r1 + 2 * tap, sw), acc);
      acc = fma(w6, tapVector(r2, sw), acc);
      acc = fma(w7, tapVector(r2 + tap, sw), acc);
      acc = fma(w8, tapVector(r2 + 2 * tap, sw), acc);
      storeLanes(out + (<usize>ow << 2), clampLanes(acc, low, high), OW - ow);
      r0 += step;
    }
  }
}

/**
 * Floats along one axis of depthwiseChunk's zero-padded plane: the padding before, the input,
 * and whatever the last outputs' taps reach (rounded up to whole vectors of outputs along a row),
 * plus `slack` for stride 2's second vector load.
 */
@inline export function depthwisePaddedSize(size: i32, pad: i32, outSize: i32, stride: i32, kernel: i32, dilation: i32, slack: i32): i32 {
  const outs = slack == 0 ? outSize : (outSize + 3) & ~3;
  return max(size + pad, (outs - 1) * stride + (kernel - 1) * dilation + 1) + slack;
}

/** Floats of weights checked at a time by copyTapsF32, then cut while they are in cache. */
const CUT_BLOCK_FLOATS = 4096;

/**
 * Copies between `filters` filters of KD x KH x KW taps at `full` and their block of cd x ch x
 * cw taps starting at tap (fd, fh, fw), packed at `part`: toPart copies full to part and returns
 * whether every float of full is finite (checked on the way, in blocks still in cache: the cut
 * taps drop products with the padding's zeros, which an infinity or NaN would have made NaN);
 * else part goes into full with zeros at the other taps (and the result is true). A
 * convolution's weights cut to the taps that reach its input, and that cut's weight gradient put
 * back.
 */
export function copyTapsF32(
  full: usize, part: usize, filters: i32, KD: i32, KH: i32, KW: i32, cd: i32, ch: i32, cw: i32, fd: i32, fh: i32, fw: i32, toPart: bool,
): bool {
  const taps = KD * KH * KW;
  const block = max(1, CUT_BLOCK_FLOATS / taps);
  let finite = true;
  let at = part;
  for (let f0 = 0; f0 < filters; f0 += block) {
    const f1 = min(filters, f0 + block);
    if (toPart && !allWithinF32(full + (<usize>(f0 * taps) << 2), (f1 - f0) * taps, Infinity)) finite = false;
    for (let f = f0; f < f1; f++) {
      const filter = full + (<usize>(f * taps) << 2);
      if (!toPart) zeroFloats(filter, taps);
      for (let kd = 0; kd < cd; kd++) {
        for (let kh = 0; kh < ch; kh++) {
          const row = filter + (<usize>(((kd + fd) * KH + kh + fh) * KW + fw) << 2);
          if (toPart) copyFloats(at, row, cw);
          else copyFloats(row, at, cw);
          at += <usize>cw << 2;
        }
      }
    }
  }
  return finite;
}

/**
 * Copies between [N, O, outs] (a tensor) and [O, N * outs] (the rows of a product over the
 * batch): toTensor adds bias[o] (when bias is not 0) on the way to the tensor.
 */
export function regroupF32(from: usize, to: usize, batch: i32, channels: i32, outs: i32, toTensor: bool, bias: usize): void {
  const bytes = <usize>outs << 2;
  for (let n = 0; n < batch; n++) {
    for (let o = 0; o < channels; o++) {
      const tensorAt = <usize>(n * channels + o) * bytes;
      const rowsAt = <usize>(o * batch + n) * bytes;
      if (!toTensor) {
        copyFloats(to + rowsAt, from + tensorAt, outs);
        continue;
      }
      const b: f32 = bias == 0 ? 0 : load<f32>(bias + (<usize>o << 2));
      const src = from + rowsAt;
      const dst = to + tensorAt;
      const splat = f32x4.splat(b);
      let i = 0;
      for (; i + 4 <= outs; i += 4) {
        const at = <usize>i << 2;
        v128.store(dst + at, f32x4.add(v128.load(src + at), splat));
      }
      for (; i < outs; i++) {
        const at = <usize>i << 2;
        store<f32>(dst + at, load<f32>(src + at) + b);
      }
    }
  }
}
