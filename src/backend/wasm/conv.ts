/**
 * Convolution on the WebAssembly kernels, for 1-D to 3-D, any stride, padding, dilation and
 * groups: products of the SIMD gemm with each image's columns matrix (asm/conv.ts; the forward
 * packs them straight from the image, asm/columns.ts), one image per chunk, so the threads split
 * a batch by images; 3x3 stride-1 convolutions with enough channels use Winograd F(2x2, 3x3)
 * (asm/winograd.ts). The products read and write the [N, C, ...] tensors in place. Kernel taps
 * that only ever read padding are cut off first (cutTaps).
 *
 * The weight gradient is summed over images in PARTIALS separate partial sums (images k, k + P,
 * ...) that the threads fill independently and that are added in a fixed order at the end; P
 * depends only on the shapes, so the result is the same for any thread count.
 */
import type { Backend, ClampBounds, ConvGeometry, View } from '../types.js';
import { numel } from '../../tensor/shape.js';
import { cpuBackend } from '../cpu/index.js';
import type { WasmRuntime } from './runtime.js';
import { stageDense, unstage } from './staging.js';
import { PARALLEL_MIN_FLOPS, runGemm } from './gemm.js';
import { to3d, writeGeometry, type SpatialGeometry } from './geometry.js';

// Must match asm/index.ts and asm/conv.ts.
const TASK_CONV = 2;
const TASK_CONV_INPUT_GRAD = 3;
const TASK_CONV_WEIGHT_GRAD = 5;
const TASK_WINOGRAD = 7;
const TASK_WINOGRAD_WEIGHT_GRAD = 8;
const TASK_DEPTHWISE = 12;
const TASK_BATCH_IM2COL = 13;
const TASK_BATCH_COL2IM = 14;
/** Rows and columns of the gemm's register tile (asm/gemm.ts MR, NR): packed A is padded to a multiple of MR. */
const GEMM_MR = 6;
const GEMM_NR = 8;
const TASK_WORDS = 40;

/** Most partial sums of the weight gradient, and the most memory they may take together. */
const MAX_PARTIALS = 8;
const PARTIALS_BYTES = 16 << 20;

/** A convolution's sizes and its spatial geometry. */
interface Plan extends SpatialGeometry {
  batch: number;
  inChannels: number;
  outChannels: number;
  groups: number;
  plane: number;
  taps: number;
  outs: number;
  /** Multiply-adds of one of the three products over the batch. */
  flops: number;
}

function plan(batch: number, inChannels: number, outChannels: number, inSize: readonly number[], kernel: readonly number[], outSize: readonly number[], g: ConvGeometry): Plan {
  const taps = numel(kernel);
  const outs = numel(outSize);
  return {
    batch,
    inChannels,
    outChannels,
    groups: g.groups,
    inSize,
    kernel,
    outSize,
    stride: g.stride,
    padding: g.padding,
    dilation: g.dilation,
    plane: numel(inSize),
    taps,
    outs,
    flops: 2 * batch * (outChannels / g.groups) * inChannels * taps * outs,
  };
}

/**
 * Below this many output positions per image, the products of a whole batch run as one: each
 * image's own product would have only that many columns, so packing the weights (every image
 * again) and the short panels would cost more than the multiply-adds (ResNet-18 on 32x32 inputs
 * ends at 1x1: its 512-channel convolutions took 100-300 ms per call per image, as 32 products
 * with one column each).
 */
const BATCHED_MAX_OUTS = 64;
/** Most bytes of the batch's columns matrix for batchedShape. */
const BATCHED_MAX_BYTES = 64 << 20;

/** Whether the batch's columns form one matrix [C * taps, N * outs] for one product over all images (no groups). */
function batchedShape(p: Plan): boolean {
  return p.groups === 1 && p.batch > 1 && p.outs < BATCHED_MAX_OUTS && p.inChannels * p.taps * p.batch * p.outs * 4 <= BATCHED_MAX_BYTES;
}

/**
 * Copies between [N, O, outs] (image-major: a tensor) and [O, N * outs] (channel-major: the
 * batched product's rows), adding bias[o] on the way to the tensor when `bias` is not 0.
 */
function regroup(runtime: WasmRuntime, from: number, to: number, p: Plan, channels: number, toTensor: boolean, bias = 0): void {
  runtime.exports.regroupF32(from, to, p.batch, channels, p.outs, toTensor, bias);
}

/** Fills the batch's columns matrix [C * taps, N * outs] from the staged images at x (all threads, an image per chunk). */
function batchColumns(runtime: WasmRuntime, p: Plan, x: number): number {
  const cols = runtime.alloc(p.inChannels * p.taps * p.batch * p.outs * 4);
  runConv(runtime, p, TASK_BATCH_IM2COL, x, 0, cols, p.batch, 0);
  return cols;
}

/** The forward as one product over the batch: W [O, C * taps] @ columns, regrouped into y with the bias. */
function runBatchedForward(runtime: WasmRuntime, p: Plan, x: number, w: number, y: number, bias: number): void {
  const cols = batchColumns(runtime, p, x);
  const k = p.inChannels * p.taps;
  const n = p.batch * p.outs;
  const rows = runtime.alloc(p.outChannels * n * 4);
  runGemm(runtime, { m: p.outChannels, n, k, a: w, b: cols, c: rows, rsA: k, csA: 1, rsB: n, csB: 1, ldc: n, offsets: [0, 0, 0] });
  regroup(runtime, rows, y, p, p.outChannels, true, bias);
}

/**
 * Fewest input channels per group for which transposedPlan pays: its packed columns serve the
 * product's rows, one per input channel (64 channels: ~25% faster than col2im; LeNet's 6: ~3x
 * slower).
 */
const TRANSPOSED_MIN_CHANNELS = 32;

/**
 * At unit stride the input gradient is itself a convolution: of the output gradient, with the
 * weights flipped in space and their channel axes swapped, padded by (k - 1) * d - p. That runs
 * on the forward path (implicit im2col, no col2im). The plan for it, or null when a stride is not
 * 1, the sizes do not give back the input's, or there are too few channels to pay.
 */
function transposedPlan(p: Plan): Plan | null {
  if (p.stride.some((s) => s !== 1) || p.inChannels / p.groups < TRANSPOSED_MIN_CHANNELS) return null;
  const padding = p.kernel.map((k, i) => (k - 1) * p.dilation[i]! - p.padding[i]!);
  const reached = p.outSize.every((o, i) => o + 2 * padding[i]! - (p.kernel[i]! - 1) * p.dilation[i]! === p.inSize[i]);
  if (!reached) return null;
  return plan(p.batch, p.outChannels, p.inChannels, p.outSize, p.kernel, p.inSize, { stride: p.stride, padding, dilation: p.dilation, groups: p.groups });
}

/**
 * Weights [O, C / groups, taps] at float index `from` rewritten at `to` for transposedPlan: as
 * [C, O / groups, taps], taps reversed (a flip of every spatial axis).
 */
function flipTransposed(heap: Float32Array, from: number, to: number, p: Plan): void {
  const og = p.outChannels / p.groups;
  const cg = p.inChannels / p.groups;
  const taps = p.taps;
  for (let grp = 0; grp < p.groups; grp++) {
    for (let o = 0; o < og; o++) {
      for (let c = 0; c < cg; c++) {
        const src = from + ((grp * og + o) * cg + c) * taps;
        const dst = to + ((grp * cg + c) * og + o) * taps + taps - 1;
        for (let t = 0; t < taps; t++) heap[dst - t] = heap[src + t]!;
      }
    }
  }
}

/**
 * Most tiles (2x2 outputs) per Winograd chunk: its transformed inputs and products, 16 * (C + O)
 * floats per tile, stay in the thread's buffer, and the 16 products get this many columns.
 */
const WINOGRAD_TILES = 128;
/** Fewest channels (in and out) for which Winograd beats the direct product here. */
const WINOGRAD_MIN_CHANNELS = 16;
/**
 * Fewest 2x2 output tiles (over the batch) for which Winograd pays when the filters are large:
 * every call transforms and packs them (16 floats per channel pair; in JS when this was measured), which a few tiles do
 * not amortize (ResNet-18 at batch 1: its 512-channel 7x7 convolutions, 16 tiles, took ~5x
 * longer than the direct products, 14x14 at 49 tiles about as long; 28x28 at 196 tiles ran ~15%
 * faster, 56x56 at 784 tiles 1.5-2.5x; at batch 32, 4x4 at 128 tiles about the same). Up to
 * WINOGRAD_SMALL_FILTERS channel pairs the transform takes microseconds, and any tile count runs.
 */
const WINOGRAD_MIN_TILES = 128;
const WINOGRAD_SMALL_FILTERS = 4096;
/**
 * Most floats of transformed filters (16 per filter pair, twice with their packed copy) before a
 * convolution keeps the direct products, whose weights take 9 per pair in wasm memory.
 */
const WINOGRAD_MAX_FILTER_FLOATS = 1 << 25;

/** 2-D 3x3 convolutions at unit stride and dilation, without groups, with enough (not too many) channels (asm/winograd.ts). */
function winogradShape(p: Plan): boolean {
  return (
    p.kernel.length === 2 && p.kernel[0] === 3 && p.kernel[1] === 3 && p.groups === 1 &&
    p.stride.every((s) => s === 1) && p.dilation.every((d) => d === 1) &&
    p.inChannels >= WINOGRAD_MIN_CHANNELS && p.outChannels >= WINOGRAD_MIN_CHANNELS &&
    16 * p.inChannels * p.outChannels <= WINOGRAD_MAX_FILTER_FLOATS &&
    (p.inChannels * p.outChannels <= WINOGRAD_SMALL_FILTERS ||
      p.batch * Math.ceil(p.outSize[0]! / 2) * Math.ceil(p.outSize[1]! / 2) >= WINOGRAD_MIN_TILES)
  );
}

/**
 * Largest magnitude of Winograd's operands: their products stay below 2^80, so the transforms'
 * sums (a few dozen terms) and the products' sums over channels and tiles cannot overflow where
 * the direct sum does not. Beyond it, or with an infinity or NaN, the direct products run.
 */
const WINOGRAD_MAX_ABS = 2 ** 40;

/** Whether the `count` floats at byte address `at` are all below `bound` in magnitude (so finite). */
function allWithin(runtime: WasmRuntime, at: number, count: number, bound: number): boolean {
  return runtime.exports.allWithinF32(at, count, bound) !== 0;
}

/**
 * Whether Winograd computes the convolution p of the staged operands at `a` and `b` (their
 * float counts aCount, bCount): where it fits and both are within WINOGRAD_MAX_ABS. Its
 * transforms add and subtract neighbouring inputs (and products), so one infinity would become
 * NaN at outputs where the direct sum, and torch, give +-Inf (and values near float32's largest
 * would overflow).
 */
function winogradFits(runtime: WasmRuntime, p: Plan, a: number, aCount: number, b: number, bCount: number): boolean {
  return winogradShape(p) && allWithin(runtime, a, aCount, WINOGRAD_MAX_ABS) && allWithin(runtime, b, bCount, WINOGRAD_MAX_ABS);
}

/**
 * A forward convolution of the staged x with the staged weights w into y (+ bias): Winograd where
 * it fits, else the implicit-im2col products.
 */
function runForward(runtime: WasmRuntime, p: Plan, x: number, w: number, y: number, bias: number): void {
  if (pointwiseShape(p)) {
    runPointwise(runtime, p, x, w, y, bias);
    return;
  }
  if (depthwiseShape(p)) {
    runDepthwise(runtime, p, x, w, y, bias);
    return;
  }
  if (batchedShape(p)) {
    runBatchedForward(runtime, p, x, w, y, bias);
    return;
  }
  if (!winogradFits(runtime, p, x, p.batch * p.inChannels * p.plane, w, p.outChannels * p.inChannels * p.taps)) {
    const { rowBlocks, columnBlocks } = forwardSplit(runtime, p);
    runConv(runtime, p, TASK_CONV, x, w, y, p.batch * rowBlocks * columnBlocks, 0, 0, bias, 0, rowBlocks, columnBlocks);
    return;
  }
  const { blockRows, blocks, threadBytes } = winogradBlocks(p);
  const [O, C] = [p.outChannels, p.inChannels];
  const transformed = runtime.alloc(16 * O * C * 4);
  runtime.exports.winogradFiltersF32(w, transformed, O, C);
  // The 16 matrices packed for the gemm once, for every chunk (asm/winograd.ts reads them so).
  const packedFloats = C * Math.ceil(O / GEMM_MR) * GEMM_MR;
  const packed = runtime.alloc(16 * packedFloats * 4);
  for (let xi = 0; xi < 16; xi++) runtime.exports.packWholeA(transformed + xi * O * C * 4, C, 1, O, C, packed + xi * packedFloats * 4);
  runConv(runtime, p, TASK_WINOGRAD, x, packed, y, p.batch * blocks, threadBytes, 0, bias, blockRows);
}

/** runForward, then the folded activation in place while y is in wasm memory (the same kernel as the unary clamp). */
function forwardInPlace(runtime: WasmRuntime, p: Plan, x: number, w: number, y: number, bias: number, clamp: ClampBounds | undefined): void {
  // The depthwise kernel clamps its outputs as it stores them.
  if (clamp !== undefined && depthwiseShape(p)) {
    runDepthwise(runtime, p, x, w, y, bias, clamp);
    return;
  }
  runForward(runtime, p, x, w, y, bias);
  if (clamp !== undefined) runtime.exports.clampF32(y, y, p.batch * p.outChannels * p.outs, clamp.min, clamp.max);
}

/**
 * How the direct forward splits each image's product among the threads: a batch of at least
 * twice the threads goes one image per chunk; a smaller one cuts each image into blocks, along
 * output positions when there are more of them than output channels per group (each block then
 * packs all the weights again), else along output channels (each block packs the columns again).
 */
function forwardSplit(runtime: WasmRuntime, p: Plan): { rowBlocks: number; columnBlocks: number } {
  const threads = runtime.threadCount;
  if (threads === 1 || p.batch >= 2 * threads || p.flops < PARALLEL_MIN_FLOPS) return { rowBlocks: 1, columnBlocks: 1 };
  const pieces = Math.ceil((2 * threads) / p.batch);
  const rowsPerGroup = p.outChannels / p.groups;
  if (p.outs >= rowsPerGroup) return { rowBlocks: 1, columnBlocks: Math.min(pieces, Math.ceil(p.outs / GEMM_NR)) };
  return { rowBlocks: Math.min(pieces, Math.ceil(rowsPerGroup / GEMM_MR)), columnBlocks: 1 };
}

/** Convolutions that are plain products per image: 1x1 (any dims) at unit stride, no padding, no groups. */
function pointwiseShape(p: Plan): boolean {
  return p.groups === 1 && p.taps === 1 && p.stride.every((s) => s === 1) && p.padding.every((q) => q === 0) && p.outs === p.plane;
}

/**
 * A pointwise forward as the gemm's products y[n] = W [O, C] @ x[n] [C, H * W], straight from the
 * image (no columns to gather), with B packed once and the rows of W split among the threads even
 * for one image (MobileNetV2's 1x1 expansions and projections at batch 1). The bias, when given,
 * is written first and the products add onto it, as the direct forward does.
 */
function runPointwise(runtime: WasmRuntime, p: Plan, x: number, w: number, y: number, bias: number): void {
  const { batch, inChannels: C, outChannels: O, outs } = p;
  if (bias !== 0) {
    const heap = runtime.f32;
    for (let row = 0; row < batch * O; row++) {
      const at = (y >>> 2) + row * outs;
      heap.fill(heap[(bias >>> 2) + (row % O)]!, at, at + outs);
    }
  }
  const offsets: number[] = [];
  for (let n = 0; n < batch; n++) offsets.push(0, n * C * outs, n * O * outs);
  runGemm(runtime, { m: O, n: outs, k: C, a: w, b: x, c: y, rsA: C, csA: 1, rsB: outs, csB: 1, ldc: outs, offsets, accumulate: bias !== 0 });
}

/**
 * Convolutions with one input channel per group (depthwise), 1-D and 2-D (asm/conv.ts
 * depthwiseChunk), except where a group has a register tile's rows of outputs (GEMM_MR) and
 * the kernel is not the unrolled 3x3: there the products win (LeNet's first layer, 1 -> 6
 * channels 5x5 on 28x28: 2.1x faster at batch 64, 1.4x at 1000; 3x3 ran 1.2x slower).
 */
function depthwiseShape(p: Plan): boolean {
  if (p.outChannels / p.groups >= GEMM_MR && !(p.taps === 9 && p.kernel.every((k) => k === 3))) return false;
  return p.groups === p.inChannels && p.kernel.length <= 2;
}

/** Fewest multiply-adds for which a depthwise convolution is shared among the threads (its work per byte is small). */
const DEPTHWISE_PARALLEL_MIN_FLOPS = 1 << 20;

/** Floats along one axis of the depthwise kernel's zero-padded plane (asm/conv.ts depthwisePaddedSize). */
function depthwisePaddedSize(size: number, pad: number, outSize: number, stride: number, kernel: number, dilation: number, slack: number): number {
  const outs = slack === 0 ? outSize : (outSize + 3) & ~3;
  return Math.max(size + pad, (outs - 1) * stride + (kernel - 1) * dilation + 1) + slack;
}

/** A depthwise forward: one chunk per input channel of each image, its plane padded in the thread's buffer; outputs clamped when `clamp` is given. */
function runDepthwise(runtime: WasmRuntime, p: Plan, x: number, w: number, y: number, bias: number, clamp?: ClampBounds): void {
  // Geometry is 3-D with leading unit dims (geometry.ts): the last two entries are H and W.
  const at = (list: readonly number[], i: number, unit: number): number => (i < 0 ? unit : list[i]!);
  const nd = p.kernel.length;
  const [h, wd] = [nd - 2, nd - 1];
  const rows = depthwisePaddedSize(at(p.inSize, h, 1), at(p.padding, h, 0), at(p.outSize, h, 1), at(p.stride, h, 1), at(p.kernel, h, 1), at(p.dilation, h, 1), 0);
  const columns = depthwisePaddedSize(p.inSize[wd]!, p.padding[wd]!, p.outSize[wd]!, p.stride[wd]!, p.kernel[wd]!, p.dilation[wd]!, 4);
  const threadBytes = Math.ceil((rows * columns * 4) / 64) * 64;
  runConv(runtime, p, TASK_DEPTHWISE, x, w, y, p.batch * p.inChannels, threadBytes, 0, bias, 0, 1, 1, p.flops >= DEPTHWISE_PARALLEL_MIN_FLOPS, clamp);
}

/** How Winograd splits an image into blocks of tile rows, and the buffer a thread needs for one. */
function winogradBlocks(p: Plan): { blockRows: number; blocks: number; threadBytes: number } {
  const [OH, OW] = [p.outSize[0]!, p.outSize[1]!];
  const rowTiles = ((Math.ceil(OW / 2) + 3) >> 2) << 2;
  const tileRows = Math.ceil(OH / 2);
  const blockRows = Math.max(1, Math.min(tileRows, Math.floor(WINOGRAD_TILES / rowTiles)));
  const tiles = blockRows * rowTiles;
  // One 4x4 patch of four tiles (256 bytes), then V and M, 16 matrices each padded by 64 bytes (asm/winograd.ts).
  const threadBytes = Math.ceil((256 + 16 * ((p.inChannels + p.outChannels) * tiles * 4 + 128)) / 64) * 64;
  return { blockRows, blocks: Math.ceil(tileRows / blockRows), threadBytes };
}

/** Partial sums of a weight gradient of `size` floats: fixed by the shapes, at most MAX_PARTIALS and PARTIALS_BYTES. */
function partialCount(p: Plan, size: number): number {
  return Math.max(1, Math.min(p.batch, MAX_PARTIALS, Math.floor(PARTIALS_BYTES / (size * 4))));
}

/** The address of the sum of `partials` partial sums of `size` floats at `sums`: added in a fixed order, in double, rounded once. */
function addPartials(runtime: WasmRuntime, sums: number, partials: number, size: number): number {
  const total = runtime.alloc(size * 4);
  runtime.exports.sumRowsF32(sums, partials, size, total, runtime.alloc(size * 8));
  return total;
}

/**
 * Most taps kept, as a fraction of the kernel's, for a cut (cutTaps) to pay: it costs a pass
 * over the weights (and one over their gradient). Keeping 1 of 9 (3x3 on 1x1 planes) made the
 * three products 1.2-2.3x faster; 4 of 9 (3x3 at stride 2 from 2x2 to 1x1) slower.
 */
const CUT_MAX_FRACTION = 1 / 4;

/** A convolution's plan with its kernel cut to the taps that reach the input, and where the cut starts on each axis. */
interface Cut {
  plan: Plan;
  first: number[];
}

/**
 * Kernel taps that read only padding, at every output, add nothing: a 3x3 convolution with
 * padding 1 on 1x1 planes (ResNet-18's last stage on CIFAR-sized inputs) uses its centre tap
 * alone. The same convolution with the kernel cut to the taps that reach the input (padding
 * reduced to match) when that keeps at most CUT_MAX_FRACTION of them; else null (also when no
 * tap reaches it, or the cut would need negative padding).
 */
function cutTaps(p: Plan): Cut | null {
  const first: number[] = [];
  const kernel: number[] = [];
  for (let i = 0; i < p.kernel.length; i++) {
    const [size, s, pad, d] = [p.inSize[i]!, p.stride[i]!, p.padding[i]!, p.dilation[i]!];
    let lo = -1;
    let hi = -1;
    for (let k = 0; k < p.kernel[i]!; k++) {
      // The first output whose tap k lands at or past the input's start, and where it lands.
      const o = k * d >= pad ? 0 : Math.ceil((pad - k * d) / s);
      if (o < p.outSize[i]! && o * s + k * d - pad < size) {
        if (lo < 0) lo = k;
        hi = k;
      }
    }
    if (lo < 0 || lo * d > pad) return null;
    first.push(lo);
    kernel.push(hi - lo + 1);
  }
  if (numel(kernel) > CUT_MAX_FRACTION * p.taps) return null;
  const padding = p.padding.map((pad, i) => pad - first[i]! * p.dilation[i]!);
  const g = { stride: p.stride, padding, dilation: p.dilation, groups: p.groups };
  return { plan: plan(p.batch, p.inChannels, p.outChannels, p.inSize, kernel, p.outSize, g), first };
}

/**
 * Copies between weights [O, C / groups, ...p.kernel] at byte address `full` and their taps cut
 * to cut.plan's kernel at `part` (toPart: full to part, and whether all of full is finite; else
 * part into full, with zeros at the other taps, and true).
 */
function copyCut(runtime: WasmRuntime, full: number, part: number, p: Plan, cut: Cut, toPart: boolean): boolean {
  const [KD, KH, KW] = to3d(p.kernel, 1) as [number, number, number];
  const [cd, ch, cw] = to3d(cut.plan.kernel, 1) as [number, number, number];
  const [fd, fh, fw] = to3d(cut.first, 0) as [number, number, number];
  return runtime.exports.copyTapsF32(full, part, p.outChannels * (p.inChannels / p.groups), KD, KH, KW, cd, ch, cw, fd, fh, fw, toPart) !== 0;
}

/** The staged weights at `ws` cut to cut.plan's taps, in this call's memory (at), and whether all of them were finite. */
function cutWeights(runtime: WasmRuntime, ws: number, p: Plan, cut: Cut): { at: number; finite: boolean } {
  const at = runtime.alloc(p.outChannels * (p.inChannels / p.groups) * cut.plan.taps * 4);
  return { at, finite: copyCut(runtime, ws, at, p, cut, true) };
}

function isFloat32(...views: View[]): boolean {
  return views.every((v) => v.dtype === 'float32');
}

/** Bytes of one image's columns matrix: the gradients' per-thread buffer. */
function columnsBytes(p: Plan): number {
  return Math.ceil((p.inChannels * p.taps * p.outs * 4) / 64) * 64;
}

/**
 * Writes the task descriptor (x: input or its gradient; w: weights, their Winograd transform or
 * the partial sums; y: output or its gradient), gives every thread a buffer of `threadBytes`
 * (columns, Winograd's transformed tiles, or a depthwise padded plane), and runs `chunks` chunks.
 * `partials`: the weight gradient's partial sums; `blockRows`: Winograd's tile rows per block;
 * `rowBlocks`, `columnBlocks`: how the forward cuts each image's product (forwardSplit); `clamp`:
 * the depthwise kernel's output bounds.
 */
function runConv(
  runtime: WasmRuntime, p: Plan, kind: number, x: number, w: number, y: number, chunks: number, threadBytes: number,
  partials = 0, bias = 0, blockRows = 0, rowBlocks = 1, columnBlocks = 1, parallel = p.flops >= PARALLEL_MIN_FLOPS, clamp?: ClampBounds,
): void {
  const buffers = threadBytes === 0 ? 0 : runtime.alloc(threadBytes * runtime.threadCount);
  const task = runtime.alloc(TASK_WORDS * 4);
  const words = runtime.i32;
  const t = task >>> 2;
  const { base, stride } = runtime.scratchLayout;
  words[t] = kind;
  words[t + 1] = x;
  words[t + 2] = buffers;
  words[t + 4] = p.inChannels;
  writeGeometry(words, t, p);
  words[t + 24] = w;
  words[t + 25] = y;
  words[t + 26] = p.outChannels;
  words[t + 27] = p.groups;
  words[t + 28] = base;
  words[t + 29] = stride;
  words[t + 30] = threadBytes;
  words[t + 31] = p.batch;
  words[t + 32] = partials;
  words[t + 33] = bias;
  words[t + 34] = blockRows;
  words[t + 35] = rowBlocks;
  words[t + 36] = columnBlocks;
  words[t + 37] = clamp === undefined ? 0 : 1;
  runtime.f32[t + 38] = clamp?.min ?? 0;
  runtime.f32[t + 39] = clamp?.max ?? 0;
  runtime.run(task, chunks, parallel);
}

/** The weight gradient of p from the staged x (xCount floats) and gy (gyCount floats): its address in this call's memory. */
function weightGrad(runtime: WasmRuntime, p: Plan, xs: number, xCount: number, gy: number, gyCount: number): number {
  const size = p.outChannels * (p.inChannels / p.groups) * p.taps;
  if (batchedShape(p)) {
    // One product over the batch: gy as [O, N * outs] @ columns^T [N * outs, C * taps].
    const cols = batchColumns(runtime, p, xs);
    const k = p.batch * p.outs;
    const rows = runtime.alloc(p.outChannels * k * 4);
    regroup(runtime, gy, rows, p, p.outChannels, false);
    const gw = runtime.alloc(size * 4);
    const n = p.inChannels * p.taps;
    runGemm(runtime, { m: p.outChannels, n, k, a: rows, b: cols, c: gw, rsA: k, csA: 1, rsB: 1, csB: k, ldc: n, offsets: [0, 0, 0] });
    return gw;
  }
  if (winogradFits(runtime, p, xs, xCount, gy, gyCount)) {
    // dL/dU's 16 matrices per partial sum, added in a fixed order, then G^T (dL/dU) G.
    const uSize = 16 * p.outChannels * p.inChannels;
    const partials = partialCount(p, uSize);
    const sums = runtime.alloc(partials * uSize * 4);
    const { blockRows, threadBytes } = winogradBlocks(p);
    runConv(runtime, p, TASK_WINOGRAD_WEIGHT_GRAD, xs, sums, gy, partials, threadBytes, partials, 0, blockRows);
    const gw = runtime.alloc(size * 4);
    runtime.exports.winogradFilterGradientsF32(addPartials(runtime, sums, partials, uSize), gw, p.outChannels, p.inChannels);
    return gw;
  }
  const partials = partialCount(p, size);
  const sums = runtime.alloc(partials * size * 4);
  runConv(runtime, p, TASK_CONV_WEIGHT_GRAD, xs, sums, gy, partials, columnsBytes(p), partials);
  return addPartials(runtime, sums, partials, size);
}

/**
 * The forward convolution p of the input staged at xs by w (+ bias), clamped when given: stages
 * w and the bias, cuts the taps that read only padding, and returns the output's address in this
 * call's memory (conv, and each step of convChain).
 */
function convolveStaged(runtime: WasmRuntime, p: Plan, xs: number, w: View, bias: View | undefined, clamp: ClampBounds | undefined): number {
  const size = p.batch * p.outChannels * p.outs;
  let ws = stageDense(runtime, w);
  // The reference multiplies the cut taps by the padding's zeros: a weight that is not finite makes NaN there.
  const cut = cutTaps(p);
  const part = cut === null ? null : cutWeights(runtime, ws, p, cut);
  if (cut !== null && part!.finite) [ws, p] = [part!.at, cut.plan];
  const y = runtime.alloc(size * 4);
  if (size > 0) forwardInPlace(runtime, p, xs, ws, y, bias === undefined ? 0 : stageDense(runtime, bias), clamp);
  return y;
}

export function makeConvKernels(runtime: WasmRuntime): Pick<Backend, 'conv' | 'convChain' | 'convInputGrad' | 'convWeightGrad'> {
  return {
    conv(x, w, g, outSize, bias, clamp) {
      if (!isFloat32(x, w, ...(bias === undefined ? [] : [bias]))) return cpuBackend.conv(x, w, g, outSize, bias, clamp);
      const p = plan(x.shape[0]!, x.shape[1]!, w.shape[0]!, x.shape.slice(2), w.shape.slice(2), outSize, g);
      const size = p.batch * p.outChannels * p.outs;
      if (size === 0) return new Float32Array(0);
      runtime.beginCall('conv');
      return unstage(runtime, convolveStaged(runtime, p, stageDense(runtime, x), w, bias, clamp), size);
    },

    convChain(x, steps) {
      if (!isFloat32(x, ...steps.flatMap((s) => (s.bias === undefined ? [s.w] : [s.w, s.bias])))) return cpuBackend.convChain(x, steps);
      runtime.beginCall('convChain');
      // Every step's output stays in this call's memory as the next step's input.
      let input = stageDense(runtime, x);
      let shape: readonly number[] = x.shape;
      let size = numel(shape);
      for (const step of steps) {
        const p = plan(shape[0]!, shape[1]!, step.w.shape[0]!, shape.slice(2), step.w.shape.slice(2), step.outSize, step.geometry);
        shape = [p.batch, p.outChannels, ...step.outSize];
        size = numel(shape);
        input = convolveStaged(runtime, p, input, step.w, step.bias, step.clamp);
      }
      return unstage(runtime, input, size);
    },

    convInputGrad(gradOut, w, g, inSize) {
      if (!isFloat32(gradOut, w)) return cpuBackend.convInputGrad(gradOut, w, g, inSize);
      const inChannels = w.shape[1]! * g.groups;
      let p = plan(gradOut.shape[0]!, inChannels, gradOut.shape[1]!, inSize, w.shape.slice(2), gradOut.shape.slice(2), g);
      const size = p.batch * inChannels * p.plane;
      if (size === 0) return new Float32Array(0);
      runtime.beginCall('convInputGrad');
      const gy = stageDense(runtime, gradOut);
      let ws = stageDense(runtime, w);
      // The cut taps' products land on padding, which the reference's col2im drops too.
      const cut = cutTaps(p);
      if (cut !== null) [ws, p] = [cutWeights(runtime, ws, p, cut).at, cut.plan];
      const weights = p.outChannels * (inChannels / p.groups) * p.taps;
      const gx = runtime.alloc(size * 4);
      if (batchedShape(p)) {
        // One product over the batch, W^T [C * taps, O] @ gy as [O, N * outs], then col2im per image.
        const k = inChannels * p.taps;
        const n = p.batch * p.outs;
        const rows = runtime.alloc(p.outChannels * n * 4);
        regroup(runtime, gy, rows, p, p.outChannels, false);
        const cols = runtime.alloc(k * n * 4);
        runGemm(runtime, { m: k, n, k: p.outChannels, a: ws, b: rows, c: cols, rsA: 1, csA: k, rsB: n, csB: 1, ldc: n, offsets: [0, 0, 0] });
        runConv(runtime, p, TASK_BATCH_COL2IM, gx, 0, cols, p.batch, 0);
        return unstage(runtime, gx, size);
      }
      // As a forward convolution of the zero-padded gradient, the weights also meet the padding's
      // zeros (0 * Inf is NaN); the direct product (as the reference) never multiplies those.
      const asForward = allWithin(runtime, ws, weights, Infinity) ? transposedPlan(p) : null;
      if (asForward === null) {
        runConv(runtime, p, TASK_CONV_INPUT_GRAD, gx, ws, gy, p.batch, columnsBytes(p));
      } else {
        const flipped = runtime.alloc(weights * 4);
        flipTransposed(runtime.f32, ws >>> 2, flipped >>> 2, p);
        runForward(runtime, asForward, gy, flipped, gx, 0);
      }
      return unstage(runtime, gx, size);
    },

    convWeightGrad(x, gradOut, g, kernelSize) {
      if (!isFloat32(x, gradOut)) return cpuBackend.convWeightGrad(x, gradOut, g, kernelSize);
      const p = plan(x.shape[0]!, x.shape[1]!, gradOut.shape[1]!, x.shape.slice(2), kernelSize, gradOut.shape.slice(2), g);
      const size = p.outChannels * (p.inChannels / p.groups) * p.taps;
      if (size === 0) return new Float32Array(0);
      if (p.batch * p.outs === 0) return new Float32Array(size);
      runtime.beginCall('convWeightGrad');
      const xs = stageDense(runtime, x);
      const gy = stageDense(runtime, gradOut);
      const gyCount = numel(gradOut.shape);
      const cut = cutTaps(p);
      // The reference sums the cut taps' products with the padding's zeros: 0 while gy is finite.
      if (cut !== null && allWithin(runtime, gy, gyCount, Infinity)) {
        const part = weightGrad(runtime, cut.plan, xs, numel(x.shape), gy, gyCount);
        const full = runtime.alloc(size * 4);
        copyCut(runtime, full, part, p, cut, false);
        return unstage(runtime, full, size);
      }
      return unstage(runtime, weightGrad(runtime, p, xs, numel(x.shape), gy, gyCount), size);
    },
  };
}
