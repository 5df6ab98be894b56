// Float32 activations whose JS versions are slow: exp, tanh and sigmoid call Math functions in
// double precision (20-35 ns per element here), and relu's `x > 0 ? x : 0` mispredicts a branch
// on half the elements of random data (9 ns). Here they are branch-free f32x4 code with Cephes'
// single-precision polynomials (about 1 ulp), so NaN and infinities behave as in Math.

// Op codes, shared with src/backend/wasm/elementwise.ts.
const OP_RELU = 0;
const OP_EXP = 1;
const OP_TANH = 2;
const OP_SIGMOID = 3;

// Cephes expf: exp(x) = 2^n * exp(r), n = round(x / ln 2), r = x - n ln 2 (ln 2 split in two).
const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
/** Above this exp overflows to infinity; below MIN_LOG it is under the smallest normal float. */
const MAX_LOG: f32 = 88.72283905206835;
const MIN_LOG: f32 = -87.33654475;
// Cephes tanhf: an odd polynomial below 0.625, 1 - 2 / (exp(2|x|) + 1) above.
const TANH_SMALL: f32 = 0.625;

@inline export function expv(x: v128): v128 {
  const big = f32x4.gt(x, f32x4.splat(MAX_LOG));
  const tiny = f32x4.lt(x, f32x4.splat(MIN_LOG));
  // NaN passes through the clamp (wasm min/max propagate it) and the arithmetic below.
  const c = f32x4.max(f32x4.min(x, f32x4.splat(MAX_LOG)), f32x4.splat(MIN_LOG));
  const n = f32x4.floor(f32x4.add(f32x4.mul(c, f32x4.splat(LOG2E)), f32x4.splat(0.5)));
  const r = f32x4.sub(f32x4.sub(c, f32x4.mul(n, f32x4.splat(LN2_HI))), f32x4.mul(n, f32x4.splat(LN2_LO)));
  const z = f32x4.mul(r, r);
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(p, z), r), f32x4.splat(1));
  // 2^n through the exponent bits; n is in [-126, 128] after the clamp.
  const n1 = i32x4.trunc_sat_f32x4_s(f32x4.mul(n, f32x4.splat(0.5)));
  const n2 = i32x4.sub(i32x4.trunc_sat_f32x4_s(n), n1);
  const scale1 = i32x4.shl(i32x4.add(n1, i32x4.splat(127)), 23);
  const scale2 = i32x4.shl(i32x4.add(n2, i32x4.splat(127)), 23);
  let y = f32x4.mul(f32x4.mul(p, scale1), scale2);
  y = v128.bitselect(f32x4.splat(Infinity), y, big);
  return v128.bitselect(f32x4.splat(0), y, tiny);
}

@inline export function tanhv(x: v128): v128 {
  const ax = f32x4.abs(x);
  // Large |x|: 1 - 2 / (exp(2|x|) + 1), with x's sign.
  const e = expv(f32x4.add(ax, ax));
  const large = f32x4.sub(f32x4.splat(1), f32x4.div(f32x4.splat(2), f32x4.add(e, f32x4.splat(1))));
  const signed = v128.or(large, v128.and(x, i32x4.splat(0x80000000)));
  // Small |x|: x + x^3 P(x^2).
  const z = f32x4.mul(x, x);
  let p = f32x4.splat(-5.70498872745e-3);
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-3.33332819422e-1));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, z), x), x);
  // NaN compares false, so it takes the small branch, which propagates it.
  return v128.bitselect(signed, small, f32x4.ge(ax, f32x4.splat(TANH_SMALL)));
}

@inline export function sigmoidv(x: v128): v128 {
  // 1 / (1 + exp(-x)): exp overflows to infinity for x < -88.7, giving 0 as it should.
  return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), expv(f32x4.neg(x))));
}

@inline function reluv(x: v128): v128 {
  // max(x, 0) with NaN kept: wasm's max propagates NaN and orders -0 below +0.
  return f32x4.max(x, f32x4.splat(0));
}

/**
 * out[i] = op(x[i]) for n contiguous floats. Works in whole vectors: the host pads both buffers
 * to a multiple of 16 bytes, and the padding lanes are computed and ignored.
 */
export function unaryF32(op: i32, x: usize, out: usize, n: i32): void {
  const end = <usize>n << 2;
  if (op == OP_RELU) {
    for (let at: usize = 0; at < end; at += 16) v128.store(out + at, reluv(v128.load(x + at)));
  } else if (op == OP_EXP) {
    for (let at: usize = 0; at < end; at += 16) v128.store(out + at, expv(v128.load(x + at)));
  } else if (op == OP_TANH) {
    for (let at: usize = 0; at < end; at += 16) v128.store(out + at, tanhv(v128.load(x + at)));
  } else if (op == OP_SIGMOID) {
    for (let at: usize = 0; at < end; at += 16) v128.store(out + at, sigmoidv(v128.load(x + at)));
  } else {
    unreachable();
  }
}

/**
 * out[i] = x[i] clamped to [lo, hi] as the reference compares (x < lo ? lo : x > hi ? hi : x):
 * pseudo-min/max keep NaN and a -0 at a bound of 0, branch-free (a JS loop mispredicts its
 * branches on real activations). Whole vectors, as unaryF32.
 */
export function clampF32(x: usize, out: usize, n: i32, lo: f32, hi: f32): void {
  const end = <usize>n << 2;
  const low = f32x4.splat(lo);
  const high = f32x4.splat(hi);
  for (let at: usize = 0; at < end; at += 16) v128.store(out + at, f32x4.pmin(f32x4.pmax(v128.load(x + at), low), high));
}

/** dst = src^T: src is rows x cols row-major, dst cols x rows row-major (4x4 blocks through f32x4 shuffles). */
export function transposeF32(src: usize, dst: usize, rows: i32, cols: i32): void {
  const srcRow = <usize>cols << 2;
  const dstRow = <usize>rows << 2;
  let i = 0;
  for (; i + 4 <= rows; i += 4) {
    const from = src + <usize>i * srcRow;
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const at = from + (<usize>j << 2);
      const r0 = v128.load(at);
      const r1 = v128.load(at + srcRow);
      const r2 = v128.load(at + 2 * srcRow);
      const r3 = v128.load(at + 3 * srcRow);
      const t0 = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5);
      const t1 = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5);
      const t2 = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7);
      const t3 = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7);
      const out = dst + <usize>j * dstRow + (<usize>i << 2);
      v128.store(out, v128.shuffle<i32>(t0, t1, 0, 1, 4, 5));
      v128.store(out + dstRow, v128.shuffle<i32>(t0, t1, 2, 3, 6, 7));
      v128.store(out + 2 * dstRow, v128.shuffle<i32>(t2, t3, 0, 1, 4, 5));
      v128.store(out + 3 * dstRow, v128.shuffle<i32>(t2, t3, 2, 3, 6, 7));
    }
    for (; j < cols; j++) {
      for (let r = 0; r < 4; r++) store<f32>(dst + <usize>j * dstRow + (<usize>(i + r) << 2), load<f32>(from + <usize>r * srcRow + (<usize>j << 2)));
    }
  }
  for (; i < rows; i++) {
    for (let j = 0; j < cols; j++) store<f32>(dst + <usize>j * dstRow + (<usize>i << 2), load<f32>(src + <usize>i * srcRow + (<usize>j << 2)));
  }
}

/**
 * Whether all n float32 at x are below `bound` in magnitude (so finite: an infinity or NaN is
 * not). One pass at memory speed; the host asks before a transform (Winograd's) that would turn
 * an infinity, or a value near float32's largest, into NaNs or infinities the direct sum does not give.
 */
export function allWithinF32(x: usize, n: i32, bound: f32): bool {
  const limit = f32x4.splat(bound);
  let outside = i32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    outside = v128.or(outside, v128.not(f32x4.lt(f32x4.abs(v128.load(x + (<usize>i << 2))), limit)));
  }
  for (; i < n; i++) {
    if (!(abs<f32>(load<f32>(x + (<usize>i << 2))) < bound)) return false;
  }
  return !v128.any_true(outside);
}

/**
 * The sum of n float32 at x in the reference's order (src/backend/cpu/elementwise.ts sumAll):
 * eight running sums in double, element i into sum i % 8 (two f64x2 per four floats), then
 * (s0 + s4) + (s2 + s6) added to (s1 + s5) + (s3 + s7).
 */
export function sumAllF32(x: usize, n: i32): f64 {
  let s01 = f64x2.splat(0);
  let s23 = f64x2.splat(0);
  let s45 = f64x2.splat(0);
  let s67 = f64x2.splat(0);
  const octets = n & ~7;
  for (let i = 0; i < octets; i += 8) {
    const low = v128.load(x + (<usize>i << 2));
    const high = v128.load(x + (<usize>i << 2), 16);
    s01 = f64x2.add(s01, f64x2.promote_low_f32x4(low));
    s23 = f64x2.add(s23, f64x2.promote_low_f32x4(v128.shuffle<i32>(low, low, 2, 3, 0, 1)));
    s45 = f64x2.add(s45, f64x2.promote_low_f32x4(high));
    s67 = f64x2.add(s67, f64x2.promote_low_f32x4(v128.shuffle<i32>(high, high, 2, 3, 0, 1)));
  }
  // The last n % 8 elements go to sums 0, 1, ... in turn: added through a lane of the pair.
  for (let i = octets; i < n; i++) {
    const element = <f64>load<f32>(x + (<usize>i << 2));
    const value = (i & 1) == 0 ? f64x2.replace_lane(f64x2.splat(0), 0, element) : f64x2.replace_lane(f64x2.splat(0), 1, element);
    const pair = (i & 7) >> 1;
    if (pair == 0) s01 = f64x2.add(s01, value);
    else if (pair == 1) s23 = f64x2.add(s23, value);
    else if (pair == 2) s45 = f64x2.add(s45, value);
    else s67 = f64x2.add(s67, value);
  }
  // Lanes: (s0 + s4, s1 + s5) + (s2 + s6, s3 + s7).
  const total = f64x2.add(f64x2.add(s01, s45), f64x2.add(s23, s67));
  return f64x2.extract_lane(total, 0) + f64x2.extract_lane(total, 1);
}

/**
 * out[j] = sum over r of x[r * inner + j] for a row-major [rows, inner] float32 array (a bias
 * gradient), accumulated in double row by row and rounded once, as the reference does, so the
 * result is bit-identical. `acc` is scratch for `inner` doubles.
 */
export function sumRowsF32(x: usize, rows: i32, inner: i32, out: usize, acc: usize): void {
  memory.fill(acc, 0, <usize>inner << 3);
  const quads = inner & ~3;
  for (let r = 0; r < rows; r++) {
    const row = x + (<usize>(r * inner) << 2);
    let j = 0;
    for (; j < quads; j += 4) {
      const v = v128.load(row + (<usize>j << 2));
      const a = acc + (<usize>j << 3);
      v128.store(a, f64x2.add(v128.load(a), f64x2.promote_low_f32x4(v)));
      v128.store(a, f64x2.add(v128.load(a, 16), f64x2.promote_low_f32x4(v128.shuffle<i32>(v, v, 2, 3, 0, 1))), 16);
    }
    for (; j < inner; j++) {
      const a = acc + (<usize>j << 3);
      store<f64>(a, load<f64>(a) + <f64>load<f32>(row + (<usize>j << 2)));
    }
  }
  for (let j = 0; j < inner; j++) store<f32>(out + (<usize>j << 2), <f32>load<f64>(acc + (<usize>j << 3)));
}

/**
 * Softmax (or, when `log`, log-softmax) of each row of a row-major [rows, len] float32 array:
 * exp(x - max) / sum, or (x - max) - log(sum), with the f32x4 exp above (about 1 ulp), where
 * Math.exp costs 25-45 ns per element in JS. A NaN in a row, or an infinite max, makes the row
 * NaN (x - max is NaN somewhere), as in torch. `row` is scratch for len + 3 floats.
 */
export function softmaxRowsF32(x: usize, out: usize, rows: i32, len: i32, log: bool, row: usize): void {
  const padded = (len + 3) & ~3;
  const bytes = <usize>len << 2;
  for (let r = 0; r < rows; r++) {
    const src = x + <usize>r * bytes;
    const dst = out + <usize>r * bytes;
    // The row, padded with -inf (its exp is 0, it never wins the max). Plain loops: V8 runs
    // memory.copy as a call into its runtime, which costs more than a short row.
    for (let k = 0; k < len; k++) store<f32>(row + (<usize>k << 2), load<f32>(src + (<usize>k << 2)));
    for (let k = len; k < padded; k++) store<f32>(row + (<usize>k << 2), -Infinity);
    let maxv = f32x4.splat(-Infinity);
    for (let k = 0; k < padded; k += 4) maxv = f32x4.max(maxv, v128.load(row + (<usize>k << 2)));
    const rowMax = max(max(f32x4.extract_lane(maxv, 0), f32x4.extract_lane(maxv, 1)), max(f32x4.extract_lane(maxv, 2), f32x4.extract_lane(maxv, 3)));
    // wasm's max propagates NaN; an infinite max turns x - max into NaN for that element.
    const shift = f32x4.splat(rowMax);
    let sumv = f64x2.splat(0);
    for (let k = 0; k < padded; k += 4) {
      const at = row + (<usize>k << 2);
      const shifted = f32x4.sub(v128.load(at), shift);
      const e = expv(shifted);
      sumv = f64x2.add(sumv, f64x2.add(f64x2.promote_low_f32x4(e), f64x2.promote_low_f32x4(v128.shuffle<i32>(e, e, 2, 3, 0, 1))));
      v128.store(at, log ? shifted : e);
    }
    const sum = <f32>(f64x2.extract_lane(sumv, 0) + f64x2.extract_lane(sumv, 1));
    if (log) {
      const logSum = f32x4.splat(Mathf.log(sum));
      for (let k = 0; k < padded; k += 4) v128.store(row + (<usize>k << 2), f32x4.sub(v128.load(row + (<usize>k << 2)), logSum));
    } else {
      const scale = f32x4.splat(sum);
      for (let k = 0; k < padded; k += 4) v128.store(row + (<usize>k << 2), f32x4.div(v128.load(row + (<usize>k << 2)), scale));
    }
    for (let k = 0; k < len; k++) store<f32>(dst + (<usize>k << 2), load<f32>(row + (<usize>k << 2)));
  }
}

/**
 * out[j] = sum over o and i of x[(o * width + j) * inner + i] for a row-major [outer, width,
 * inner] float32 array (a conv bias gradient sums [N, C, H, W] over N, H and W): each output's
 * elements added one after another in that order, in double, and rounded once, as the reference
 * does, so the result is bit-identical. `acc` is scratch for `width` doubles.
 */
export function sumBlocksF32(x: usize, outer: i32, width: i32, inner: i32, out: usize, acc: usize): void {
  memory.fill(acc, 0, <usize>width << 3);
  const run = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < width; j++) {
      const src = x + <usize>(o * width + j) * run;
      const a = acc + (<usize>j << 3);
      let sum = load<f64>(a);
      for (let i = 0; i < inner; i++) sum += <f64>load<f32>(src + (<usize>i << 2));
      store<f64>(a, sum);
    }
  }
  for (let j = 0; j < width; j++) store<f32>(out + (<usize>j << 2), <f32>load<f64>(acc + (<usize>j << 3)));
}

// Binary op codes, shared with src/backend/wasm/elementwise.ts.
const OP_ADD = 0;
const OP_SUB = 1;
const OP_MUL = 2;
const OP_DIV = 3;
const OP_RELU_BACKWARD = 4;

/**
 * out = a op b elementwise over n floats (whole vectors: the buffers have room for n rounded up
 * to 4). Each f32x4 op rounds once, as the reference's double computation rounded to float32
 * does for these ops, so results are identical. reluBackward is a * (b > 0).
 */
export function binaryF32(op: i32, a: usize, b: usize, out: usize, n: i32): void {
  const end = <usize>n << 2;
  if (op == OP_ADD) {
    for (let at: usize = 0; at < end; at += 16) v128.store(out + at, f32x4.add(v128.load(a + at), v128.load(b + at)));
  } else if (op == OP_SUB) {
    for (let at: usize = 0; at < end; at += 16) v128.store(out + at, f32x4.sub(v128.load(a + at), v128.load(b + at)));
  } else if (op == OP_MUL) {
    for (let at: usize = 0; at < end; at += 16) v128.store(out + at, f32x4.mul(v128.load(a + at), v128.load(b + at)));
  } else if (op == OP_DIV) {
    for (let at: usize = 0; at < end; at += 16) v128.store(out + at, f32x4.div(v128.load(a + at), v128.load(b + at)));
  } else if (op == OP_RELU_BACKWARD) {
    const one = f32x4.splat(1);
    const zero = f32x4.splat(0);
    for (let at: usize = 0; at < end; at += 16) {
      const positive = f32x4.gt(v128.load(b + at), zero);
      v128.store(out + at, f32x4.mul(v128.load(a + at), v128.and(positive, one)));
    }
  } else {
    unreachable();
  }
}
