/** Neural-network building blocks: softmax, logSoftmax and normalize (primitives), dropout (composed of tensor ops). */
import type { Tensor } from '../tensor/tensor.js';
import { allocate, isFloat } from '../tensor/dtype.js';
import { normalizeDim, numel, shapeStr } from '../tensor/shape.js';
import { bernoulli, fullLike } from '../tensor/creation.js';
import { Generator } from '../tensor/random.js';
import { apply, type OpDef } from '../autograd/function.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { kernels } from '../backend/registry.js';
import { checkTensor, fromKernel } from './util.js';
import { add, div, exp, mul, rsqrt, square, sub } from './elementwise.js';
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
    forward([x], { axis }, save) {
      const out = fromKernel(kernels().softmax(x!, axis, log), x!.shape, x!.dtype);
      save(out);
      return out;
    },
    backward(g, ctx) {
      const [y] = ctx.saved;
      const { axis } = ctx.attrs;
      return log ? [sub(g, mul(exp(y!), sum(g, axis, true)))] : [mul(y!, sub(g, sum(mul(g, y!), axis, true)))];
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
  /** Inputs after x: the per-group weight, then the bias, when given. */
  hasWeight: boolean;
  hasBias: boolean;
  /** Where forward leaves the statistics (x's shape with the axes kept as 1) for the caller. */
  stats: { mean: Tensor | null; variance: Tensor | null };
}

function statTensor(values: Float64Array, shape: readonly number[], dtype: Tensor['dtype']): Tensor {
  const data = allocate(dtype, values.length);
  data.set(values);
  return fromKernel(data, shape, dtype);
}

/**
 * (x - mean) / sqrt(biased variance + eps) over `axes` as one primitive, times a weight and plus
 * a bias of one value per position of the kept dims when given (batch norm's per-channel affine):
 * the core of batch, layer and group normalization. Backward (torch's batch_norm_backward):
 * weight s (g - mean(g) - xhat mean(g xhat)) with s the inverse standard deviation and xhat the
 * normalized x, and sum(g xhat), sum(g) for the weight and bias, in one kernel
 * (normalizeBackward) from the statistics saved in double; when the backward itself is recorded
 * (createGraph), it is written in tensor ops, s recomputed from x so that its dependence on x is
 * differentiated too.
 */
const NORMALIZE: OpDef<NormalizeAttrs> = {
  name: 'normalize',
  forward([x, ...rest], attrs, save) {
    const { axes, eps, stats, hasWeight, hasBias } = attrs;
    const weight = hasWeight ? rest[0]! : null;
    const bias = hasBias ? rest[hasWeight ? 1 : 0]! : null;
    const { values, mean: m, variance } = kernels().normalize(x!, axes, eps, { weight, bias });
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
    const { axes, eps, hasBias } = ctx.attrs;
    const paramShape = ctx.inputs[1]?.shape ?? [];
    if (!isGradEnabled()) {
      // Not recorded: one kernel (two passes) instead of a dozen tensor ops.
      const r = kernels().normalizeBackward(g, x!, savedMean!, savedInvStd!, weight ?? null, axes);
      const grads = [fromKernel(r.grad, g.shape, g.dtype)];
      if (weight !== undefined) grads.push(statTensor(r.sumGradNormalized, paramShape, g.dtype));
      if (hasBias) grads.push(statTensor(r.sumGrad, paramShape, g.dtype));
      return grads;
    }
    const statShape = x!.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const centredX = sub(x!, mean(x!, axes, true));
    const invStd = rsqrt(add(mean(square(centredX), axes, true), eps));
    const xhat = mul(centredX, invStd);
    const gx = weight === undefined ? g : mul(g, reshape(weight, statShape));
    const centred = sub(gx, mean(gx, axes, true));
    const grads = [mul(invStd, sub(centred, mul(xhat, mean(mul(gx, xhat), axes, true))))];
    if (weight !== undefined) grads.push(reshape(sum(mul(g, xhat), axes, true), paramShape));
    if (hasBias) grads.push(reshape(sum(g, axes, true), paramShape));
    return grads;
  },
};

export interface NormalizeResult {
  normalized: Tensor;
  /** The mean and biased variance over the axes, x's shape with those axes as 1 (no gradient). */
  mean: Tensor;
  variance: Tensor;
}

/**
 * (x - mean) / sqrt(biased variance + eps) over `axes`, then times weight and plus bias (one
 * value per position of the kept dims, e.g. per channel for batch norm) when given, with the
 * statistics used (for running averages).
 */
export function normalizeWithStats(x: Tensor, axes: readonly number[], eps: number, weight?: Tensor | null, bias?: Tensor | null): NormalizeResult {
  checkFloat('normalize', x);
  checkArg('normalize', 'axes', axes, intArray);
  checkArg('normalize', 'eps', eps, num);
  const dims = axes.map((a) => normalizeDim('normalize', a, x.ndim));
  const groups = numel(x.shape.filter((_, i) => !dims.includes(i)));
  const params = [weight, bias].filter((t): t is Tensor => t !== null && t !== undefined);
  for (const t of params) {
    checkFloat('normalize', t);
    if (t.numel() !== groups || t.dtype !== x.dtype) {
      throw new Error(`normalize: weight and bias need one ${x.dtype} value per position of the kept dims (${groups}), got ${t.dtype} ${shapeStr(t.shape)}`);
    }
  }
  const stats: NormalizeAttrs['stats'] = { mean: null, variance: null };
  const attrs = { axes: dims, eps, hasWeight: weight != null, hasBias: bias != null, stats };
  const normalized = apply(NORMALIZE, [x, ...params], attrs);
  return { normalized, mean: stats.mean!, variance: stats.variance! };
}

/** (x - mean) / sqrt(biased variance + eps) over `axes` (batch/layer/group normalization before the affine). */
export function normalize(x: Tensor, axes: readonly number[], eps: number): Tensor {
  return normalizeWithStats(x, axes, eps).normalized;
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
 * during training, so evaluation needs no change (torch.nn.functional.dropout).
 */
export function dropout(x: Tensor, ...args: DropoutArgs): Tensor {
  checkFloat('F.dropout', x);
  const { p = 0.5, training = true, generator } = parseArgs('F.dropout', args, DROPOUT_SPEC);
  if (!training || p === 0) return x;
  if (p === 1) return mul(x, 0);
  const keep = bernoulli(fullLike(x.detach(), 1 - p), generator ? { generator } : {});
  return mul(x, div(keep, 1 - p));
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
