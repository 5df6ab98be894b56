/** Neural-network building blocks: softmax, logSoftmax, normalize and dropout (primitives). */
import { Tensor } from '../tensor/tensor.js';
import { allocate, isFloat, type DType, type TypedArray } from '../tensor/dtype.js';
import { normalizeDim, numel, sameShape, shapeStr } from '../tensor/shape.js';
import { defaultGenerator, Generator } from '../tensor/random.js';
import { apply, type OpDef } from '../autograd/function.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { kernels } from '../backend/registry.js';
import type { NormalizeAffine } from '../backend/types.js';
import { checkTensor, fromKernel } from './util.js';
import { abs, add, div, exp, ge, mul, relu, rsqrt, square, sub } from './elementwise.js';
import { mean, sum } from './reduce.js';
import { reshape } from './movement.js';
import { entry, f, sample, type OpEntry } from './table.js';
import { bool, checkArg, inRange, instanceOf, int, intArray, noExtraArgs, num, parseArgs, type Args } from './args.js';

function checkFloat(op: string, x: Tensor): void {
  checkTensor(op, x);
  if (!isFloat(x.dtype)) throw new Error(`${op}: expected a floating-point tensor, got dtype ${x.dtype} with shape ${shapeStr(x.shape)}`);
}

interface SoftmaxAttrs {
  axis: number;
}

/**
 * softmax and logSoftmax as primitives: one kernel pass each way instead of five ops, with
 * torch's formulas and rounding. Backward (torch's): softmax y gives y (g - sum(g y)),
 * logSoftmax y gives g - exp(y) sum(g); both read the saved output, so they differentiate again.
 */
function softmaxOp(log: boolean): OpDef<SoftmaxAttrs> {
  return {
    name: log ? 'logSoftmax' : 'softmax',
    privateGradients: true,
    forward([x], { axis }, save) {
      const out = fromKernel(kernels().softmax(x!, axis, log), x!.shape, x!.dtype);
      save(out);
      return out;
    },
    backward(g, ctx) {
      const [y] = ctx.saved;
      const { axis } = ctx.attrs;
      if (log) return [sub(g, mul(exp(y!), sum(g, axis, true)))];
      // One kernel pass unless the backward is recorded (createGraph) or y is 1-D (sum's whole-tensor
      // order differs from its per-row one).
      if (!isGradEnabled() && y!.ndim > 1 && g.dtype === y!.dtype && sameShape(g.shape, y!.shape)) {
        return [fromKernel(kernels().softmaxBackward(g, y!, axis), y!.shape, y!.dtype)];
      }
      return [mul(y!, sub(g, sum(mul(g, y!), axis, true)))];
    },
  };
}

const SOFTMAX = softmaxOp(false);
const LOG_SOFTMAX = softmaxOp(true);

function softmaxCall(op: OpDef<SoftmaxAttrs>, x: Tensor, dim: number, extra: readonly unknown[]): Tensor {
  checkFloat(op.name, x);
  checkArg(op.name, 'dim', dim, int);
  noExtraArgs(op.name, extra);
  const axis = normalizeDim(op.name, dim, x.ndim);
  // A 0-dim tensor is a row of one.
  if (x.ndim === 0) return reshape(apply(op, [reshape(x, [1])], { axis: 0 }), []);
  return apply(op, [x], { axis });
}

/** exp(x - max) / sum(exp(x - max)) along dim (torch.softmax). */
export function softmax(x: Tensor, dim: number, ...extra: []): Tensor {
  return softmaxCall(SOFTMAX, x, dim, extra);
}

/** (x - max) - log(sum(exp(x - max))) along dim: log-probabilities, stable for any input range (torch.log_softmax). */
export function logSoftmax(x: Tensor, dim: number, ...extra: []): Tensor {
  return softmaxCall(LOG_SOFTMAX, x, dim, extra);
}

interface NormalizeAttrs {
  axes: number[];
  eps: number;
  /** Inputs after x: the weight, then the bias, when given; `along` says what they index. */
  hasWeight: boolean;
  hasBias: boolean;
  along: NormalizeAffine['along'];
  /** Where forward leaves the statistics (x's shape with the axes kept as 1) for the caller. */
  stats: { mean: Tensor | null; variance: Tensor | null };
}

function statTensor(values: Float64Array, shape: readonly number[], dtype: Tensor['dtype']): Tensor {
  const data = allocate(dtype, values.length);
  data.set(values);
  return fromKernel(data, shape, dtype);
}

/** x's shape with the dims the affine parameters do not index as 1 (their broadcast shape). */
function paramBroadcastShape(shape: readonly number[], axes: readonly number[], along: NormalizeAffine['along']): number[] {
  return shape.map((d, i) => (axes.includes(i) === (along === 'normalized') ? d : 1));
}

/**
 * (x - mean) / sqrt(biased variance + eps) over `axes` as one primitive, times a weight and plus
 * a bias when given (per channel for batch norm, over the normalized shape for layer norm): the
 * core of batch, layer and group normalization. Backward (torch's batch_norm_backward and
 * layer_norm_backward): with xhat the normalized x, s the inverse standard deviation and
 * gw = g weight, s (gw - mean(gw) - xhat mean(gw xhat)), and sums of g xhat and g for the weight
 * and bias, in one kernel (normalizeBackward) from the statistics saved in double; when the
 * backward itself is recorded (createGraph), it is written in tensor ops, s recomputed from x so
 * that its dependence on x is differentiated too.
 */
const NORMALIZE: OpDef<NormalizeAttrs> = {
  name: 'normalize',
  forward([x, ...rest], attrs, save) {
    const { axes, eps, stats, hasWeight, hasBias, along } = attrs;
    const weight = hasWeight ? rest[0]! : null;
    const bias = hasBias ? rest[hasWeight ? 1 : 0]! : null;
    const { values, mean: m, variance } = kernels().normalize(x!, axes, eps, { weight, bias, along });
    const statShape = x!.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const out = fromKernel(values, x!.shape, x!.dtype);
    stats.mean = statTensor(m, statShape, x!.dtype);
    stats.variance = statTensor(variance, statShape, x!.dtype);
    const invStd = variance.map((v) => 1 / Math.sqrt(v + eps));
    save(x!, fromKernel(m, statShape, 'float64'), fromKernel(invStd, statShape, 'float64'), ...(weight === null ? [] : [weight]));
    return out;
  },
  backward(g, ctx) {
    const [x, savedMean, savedInvStd, weight] = ctx.saved;
    const { axes, eps, hasBias, along } = ctx.attrs;
    const paramShape = ctx.inputs[1]?.shape ?? [];
    if (!isGradEnabled()) {
      // Not recorded: one kernel (two passes) instead of a dozen tensor ops.
      const r = kernels().normalizeBackward(g, x!, savedMean!, savedInvStd!, axes, weight ?? null, along);
      const grads = [fromKernel(r.grad, g.shape, g.dtype)];
      if (weight !== undefined) grads.push(statTensor(r.weightGrad, paramShape, g.dtype));
      if (hasBias) grads.push(statTensor(r.biasGrad, paramShape, g.dtype));
      return grads;
    }
    const centredX = sub(x!, mean(x!, axes, true));
    const invStd = rsqrt(add(mean(square(centredX), axes, true), eps));
    const xhat = mul(centredX, invStd);
    const gw = weight === undefined ? g : mul(g, reshape(weight, paramBroadcastShape(x!.shape, axes, along)));
    const centred = sub(gw, mean(gw, axes, true));
    const grads = [mul(invStd, sub(centred, mul(xhat, mean(mul(gw, xhat), axes, true))))];
    // The parameters' gradients sum over the dims they do not index.
    const summed = x!.shape.map((_, i) => i).filter((i) => axes.includes(i) === (along === 'kept'));
    const sumToParam = (t: Tensor): Tensor => reshape(summed.length === 0 ? t : sum(t, summed, true), paramShape);
    if (weight !== undefined) grads.push(sumToParam(mul(g, xhat)));
    if (hasBias) grads.push(sumToParam(g));
    return grads;
  },
};

export interface NormalizeResult {
  normalized: Tensor;
  /** The mean and biased variance over the axes, x's shape with those axes as 1 (no gradient). */
  mean: Tensor;
  variance: Tensor;
}

/** normalize's optional affine part: weight and bias of one value per position of the kept dims ('kept') or of the normalized dims ('normalized'), row-major. */
export interface NormalizeAffineArgs {
  weight?: Tensor | null;
  bias?: Tensor | null;
  along: NormalizeAffine['along'];
}

/**
 * (x - mean) / sqrt(biased variance + eps) over `axes`, then times weight and plus bias when
 * given, with the statistics used (for running averages).
 */
export function normalizeWithStats(x: Tensor, axes: readonly number[], eps: number, affine?: NormalizeAffineArgs): NormalizeResult {
  checkFloat('normalize', x);
  checkArg('normalize', 'axes', axes, intArray);
  checkArg('normalize', 'eps', eps, num);
  const dims = axes.map((a) => normalizeDim('normalize', a, x.ndim));
  const along = affine?.along ?? 'kept';
  if (along !== 'kept' && along !== 'normalized') throw new Error(`normalize: along must be 'kept' or 'normalized', got ${String(along)}`);
  const size = numel(paramBroadcastShape(x.shape, dims, along));
  const params = [affine?.weight, affine?.bias].filter((t): t is Tensor => t !== null && t !== undefined);
  for (const t of params) {
    checkFloat('normalize', t);
    if (t.numel() !== size || t.dtype !== x.dtype) {
      throw new Error(`normalize: weight and bias need ${size} ${x.dtype} values (one per position of the ${along} dims), got ${t.dtype} ${shapeStr(t.shape)}`);
    }
  }
  const stats: NormalizeAttrs['stats'] = { mean: null, variance: null };
  const attrs = { axes: dims, eps, hasWeight: affine?.weight != null, hasBias: affine?.bias != null, along, stats };
  const normalized = apply(NORMALIZE, [x, ...params], attrs);
  return { normalized, mean: stats.mean!, variance: stats.variance! };
}

/** (x - mean) / sqrt(biased variance + eps) over `axes`, times weight plus bias when given (batch, layer and group normalization). */
export function normalize(x: Tensor, axes: readonly number[], eps: number, affine?: NormalizeAffineArgs): Tensor {
  return normalizeWithStats(x, axes, eps, affine).normalized;
}

export interface DropoutOptions {
  /** The probability of zeroing an element (default 0.5). */
  p?: number;
  /** Dropout applies only in training (default true). */
  training?: boolean;
  generator?: Generator;
}

export type DropoutArgs = Args<[p: number, training: boolean, generator: Generator], DropoutOptions>;

export const DROPOUT_SPEC = { p: inRange(0, 1), training: bool, generator: instanceOf(Generator) };

/**
 * Inverted dropout: zeroes each element with probability p and scales the rest by 1 / (1 - p)
 * during training, so evaluation needs no change (torch.nn.functional.dropout). One op that
 * draws the mask and applies it in the same pass (x * mask rounds as mul(x, mask) does: the
 * product of two floats is exact in double); backward multiplies by the saved mask.
 */
export function dropout(x: Tensor, ...args: DropoutArgs): Tensor {
  checkFloat('F.dropout', x);
  const { p = 0.5, training = true, generator } = parseArgs('F.dropout', args, DROPOUT_SPEC);
  if (!training || p === 0) return x;
  if (p === 1) return mul(x, 0);
  return apply(DROPOUT, [x], { p, generator: generator ?? defaultGenerator, relu: false });
}

/**
 * dropout(relu(x), p, training, generator) with the same results, random draws and gradients, in
 * one pass each way when training (a feed-forward block's activation; relu's output is not kept).
 */
export function reluDropout(x: Tensor, p: number, training: boolean, generator?: Generator): Tensor {
  checkFloat('reluDropout', x);
  if (!training || p === 0 || p === 1) return dropout(relu(x), p, training, generator ?? defaultGenerator);
  return apply(DROPOUT, [x], { p, generator: generator ?? defaultGenerator, relu: true });
}

interface DropoutAttrs {
  p: number;
  generator: Generator;
  /**
   * relu applied first. The saved mask then carries relu's side in its sign (-m where x <= 0 or
   * NaN), and the gradient reluBackward(g * m, x) is (g * |mask|) * (mask >= 0): where m is 0 both
   * give g * 0, elsewhere the sign picks relu's factor.
   */
  relu: boolean;
}

const DROPOUT: OpDef<DropoutAttrs> = {
  name: 'dropout',
  privateGradients: true,
  // The mask.
  privateSaved: [0],
  forward([x], { p, generator, relu }, save) {
    const { mask, out } = dropoutArrays(x!.contiguous(), p, generator, relu);
    save(Tensor.fromData(mask, x!.shape, x!.dtype));
    return Tensor.fromData(out!, x!.shape, x!.dtype);
  },
  backward(g, ctx) {
    const [mask] = ctx.saved;
    if (!ctx.attrs.relu) return [mul(g, mask!)];
    if (isGradEnabled() || g.dtype !== mask!.dtype) return [mul(mul(g, abs(mask!)), ge(mask!, 0))];
    const grad = g.contiguous();
    return [Tensor.fromData(signedMaskGrad(grad.data, grad.offset, mask!.data), g.shape, g.dtype)];
  },
};

/** (g * |mask|) * (mask >= 0) in one pass, each product rounded to the dtype as mul's result is. */
function signedMaskGrad(g: TypedArray, offset: number, mask: TypedArray): TypedArray {
  const out = allocate(mask instanceof Float32Array ? 'float32' : 'float64', mask.length);
  if (mask instanceof Float32Array) {
    for (let i = 0; i < mask.length; i++) out[i] = Math.fround(g[offset + i]! * Math.abs(mask[i]!)) * +(mask[i]! >= 0);
  } else {
    for (let i = 0; i < mask.length; i++) out[i] = g[offset + i]! * Math.abs(mask[i]!) * +(mask[i]! >= 0);
  }
  return out;
}

/** Uniform draws per bulk call while building a dropout mask. */
const DROPOUT_CHUNK = 4096;

/**
 * Dropout's multiplier of the given shape: 1 / (1 - p) where a uniform draw falls below 1 - p, else 0,
 * in one pass. The same draws, comparisons and rounding as bernoulli(full(shape, 1 - p)) divided
 * by 1 - p (so seeded runs keep their masks), without its four whole-tensor passes (dropout on a
 * [128, 16, 2048] activation took ~4x the time of drawing the numbers).
 */
export function dropoutMask(shape: readonly number[], dtype: DType, p: number, generator: Generator): Tensor {
  return Tensor.fromData(dropoutArrays({ dtype, numel: () => numel(shape) }, p, generator, false).mask, shape, dtype);
}

/**
 * The mask and, when x holds data (contiguous), x * mask, or relu(x) * mask with `relu`, in one
 * pass over the generator's draws.
 */
function dropoutArrays(
  x: Tensor | { dtype: DType; numel: () => number },
  p: number,
  generator: Generator,
  relu: boolean,
): { mask: TypedArray; out: TypedArray | null } {
  const n = x.numel();
  // 1 - p and 1 / (1 - p) as the tensors of that dtype hold them.
  const [keepBelow, scale] = [allocate(x.dtype, 1), allocate(x.dtype, 1)];
  keepBelow[0] = 1 - p;
  scale[0] = div(Tensor.fromData(allocate(x.dtype, 1).fill(1), [], x.dtype), 1 - p).item();
  const [threshold, value] = [keepBelow[0]!, scale[0]!];
  const mask = allocate(x.dtype, n);
  const input = x instanceof Tensor ? x : null;
  const out = input === null ? null : allocate(x.dtype, n);
  // The draws in bounded chunks, compared as they come (a whole-tensor float64 array of draws
  // was 8 bytes per element of garbage). value * +(u < threshold), not a ternary: V8 compiles
  // that to a branch, mispredicted on a p share of random draws.
  const u = new Float64Array(Math.min(n, DROPOUT_CHUNK));
  for (let start = 0; start < n; start += u.length) {
    const count = Math.min(u.length, n - start);
    generator.fillDoubles(u, 0, count);
    if (input === null || out === null) {
      for (let i = 0; i < count; i++) mask[start + i] = value * +(u[i]! < threshold);
    } else if (relu) {
      const [data, from] = [input.data, input.offset + start];
      // Math.max(v, 0) is the reference relu (NaN kept, its sign bit aside; -0 and negatives to +0), without a branch.
      for (let i = 0; i < count; i++) {
        const m = value * +(u[i]! < threshold);
        const v = data[from + i]!;
        mask[start + i] = m * (2 * +(v > 0) - 1);
        out[start + i] = Math.max(v, 0) * m;
      }
    } else {
      const [data, from] = [input.data, input.offset + start];
      for (let i = 0; i < count; i++) {
        const m = value * +(u[i]! < threshold);
        mask[start + i] = m;
        out[start + i] = data[from + i]! * m;
      }
    }
  }
  return { mask, out };
}

type NormalizeSample = { axes: number[]; eps: number };

export const table: OpEntry<object>[] = [
  entry({
    name: 'normalize',
    run: ([x], a: NormalizeSample) => normalize(x!, a.axes, a.eps),
    torch: '(x0 - x0.mean(dim=a["axes"], keepdim=True)) / torch.sqrt(x0.var(dim=a["axes"], unbiased=False, keepdim=True) + a["eps"])',
    samples: [
      sample([f([4, 3, 2, 2])], { axes: [0, 2, 3], eps: 1e-5 }),
      sample([f([3, 5], undefined, 'transposed')], { axes: [1], eps: 1e-5 }),
      sample([f([2, 3, 4], undefined, 'strided')], { axes: [1, 2], eps: 0.1 }),
      sample([f([6, 2])], { axes: [0], eps: 1e-3 }),
    ],
  }),
  entry({
    name: 'softmax',
    run: ([x], a: { dim: number }) => softmax(x!, a.dim),
    torch: 'torch.softmax(x0, a["dim"])',
    samples: [sample([f([3, 5], [-5, 5])], { dim: -1 }), sample([f([2, 3, 4], undefined, 'transposed')], { dim: 0 })],
  }),
  entry({
    name: 'logSoftmax',
    run: ([x], a: { dim: number }) => logSoftmax(x!, a.dim),
    torch: 'torch.log_softmax(x0, a["dim"])',
    samples: [sample([f([3, 5], [-5, 5])], { dim: 1 }), sample([f([2, 3, 4], undefined, 'strided')], { dim: -2 })],
  }),
];
