// Convolution's data movement: im2col gathers every kernel tap's view of the input into the rows
// of a matrix the gemm multiplies; col2im adds such a matrix back onto the input's positions
// (the input gradient). Geometry is 3-D; 1-D and 2-D convolutions arrive with unit dims.
//
// Columns matrix: row (c * taps + tap), column (image * outs + output position), so one gemm per
// image (forward, input gradient) or one long-K gemm over all images (weight gradient) reads it.

// Task descriptor, i32 words (written by the host, see src/backend/wasm/conv.ts).
const T_X = 1;
const T_COLS = 2;
const T_CHANNELS = 4;
const T_COLS_STRIDE = 5;
const T_IN = 6; // D, H, W
const T_KERNEL = 9; // KD, KH, KW
const T_OUT = 12; // OD, OH, OW
const T_STRIDE = 15;
const T_PAD = 18;
const T_DILATION = 21;

@inline function word(task: usize, index: i32): i32 {
  return load<i32>(task + (<usize>index << 2));
}

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
 * Chunk (image n, channel c) of im2col (forward = true): fills that channel's rows of image n's
 * columns; or of col2im (forward = false): zeroes that channel's input-gradient plane and adds
 * every tap's column back onto it.
 */
export function im2colChunk(task: usize, chunk: i32, forward: bool): void {
  const channels = word(task, T_CHANNELS);
  const n = chunk / channels;
  const c = chunk - n * channels;
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
  const outs = OD * OH * OW;
  const taps = KD * KH * KW;
  const colsStride = <usize>word(task, T_COLS_STRIDE);
  const x = <usize>word(task, T_X) + (<usize>(chunk * plane) << 2);
  const colsBase = <usize>word(task, T_COLS) + (<usize>(n * outs) << 2);
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
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= count; i += 4) v128.store(dst + (<usize>i << 2), zero);
  for (; i < count; i++) store<f32>(dst + (<usize>i << 2), 0);
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
 * dst[j, i, :] = src[i, j, :] for an [a, b, inner] float array: moves a batch slice between the
 * [N, O, outs] layout of tensors and the channel-major [O, N * outs] one the products read.
 */
export function swapBlocksF32(src: usize, dst: usize, a: i32, b: i32, inner: i32): void {
  const block = <usize>inner << 2;
  for (let i = 0; i < a; i++) {
    for (let j = 0; j < b; j++) {
      copyFloats(dst + (<usize>(j * a + i)) * block, src + (<usize>(i * b + j)) * block, inner);
    }
  }
}
