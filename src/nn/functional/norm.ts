/**
 * Normalization and channel dropout in the functional API (torch.nn.functional batch_norm,
 * layer_norm, group_norm, local_response_norm, dropout2d). Batch, layer and group norm run the
 * `normalize` primitive (statistics, normalization and, for batch and layer norm, the weight and
 * bias in one kernel, and one kernel backward); group norm adds its per-channel affine with
 * tensor ops, and the rest are composed of tensor ops. Statistics use
 * the biased variance, as PyTorch; batchNorm's running variance is updated with the unbiased
 * one, also as PyTorch.
 */
import { traceRegion } from '../../autograd/trace.js';
import type { Tensor } from '../../tensor/tensor.js';
import { isFloat } from '../../tensor/dtype.js';
import { numel, shapeStr, isSize } from '../../tensor/shape.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { checkTensor } from '../../ops/util.js';
import { add, div, mul, neg, pow, rsqrt, square } from '../../ops/elementwise.js';
import { DROPOUT_SPEC, dropoutMask, normalize, normalizeWithStats, type DropoutArgs } from '../../ops/nn.js';
import { defaultGenerator } from '../../tensor/random.js';
import { bool, num, parseArgs, parseOptions } from '../../ops/args.js';
import { reshape } from '../../ops/movement.js';
import { pad } from '../../ops/join.js';
import { avgPoolNd } from '../../ops/pool.js';

export interface BatchNormOptions {
  /** Normalize with the batch's statistics (and update the running ones); otherwise use the running ones. */
  training?: boolean;
  /** Weight of the new batch statistics in the running averages (default 0.1). */
  momentum?: number;
  eps?: number;
}

export interface NormOptions {
  eps?: number;
}

export interface LocalResponseNormOptions {
  alpha?: number;
  beta?: number;
  k?: number;
}

function checkFloat(op: string, x: Tensor, what = 'input'): void {
  checkTensor(op, x, what);
  if (!isFloat(x.dtype)) throw new Error(`${op}: expects a floating-point ${what}, got dtype ${x.dtype}`);
}

/** Checks an optional per-feature tensor (weight, bias, running statistics) against its expected shape. */
function checkParam(op: string, t: Tensor | null | undefined, what: string, shape: readonly number[], dtype: Tensor['dtype']): void {
  if (t === null || t === undefined) return;
  checkFloat(op, t, what);
  if (t.ndim !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new Error(`${op}: ${what} must have shape ${shapeStr(shape)}, got ${shapeStr(t.shape)}`);
  }
  if (t.dtype !== dtype) throw new Error(`${op}: ${what} has dtype ${t.dtype} but the input is ${dtype}`);
}

/** x * weight + bias with weight and bias shaped to broadcast (either may be absent). */
function affine(x: Tensor, weight: Tensor | null | undefined, bias: Tensor | null | undefined, shape: readonly number[]): Tensor {
  let y = x;
  if (weight != null) y = mul(y, reshape(weight, shape));
  if (bias != null) y = add(y, reshape(bias, shape));
  return y;
}

function checkEps(op: string, eps: number): void {
  if (!(eps >= 0)) throw new Error(`${op}: eps must be a non-negative number, got ${eps}`);
}

/**
 * Batch normalization of x [N, C, ...] per channel C (torch.nn.functional.batch_norm). In
 * training, normalizes with the batch mean and biased variance and, when running statistics are
 * given, updates them in place: running = (1 - momentum) running + momentum batch (the variance
 * unbiased). Otherwise normalizes with the running statistics.
 */
export function batchNorm(
  input: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight?: Tensor | null,
  bias?: Tensor | null,
  options: BatchNormOptions = {},
  ...extra: []
): Tensor {
  const op = 'batchNorm';
  checkFloat(op, input);
  parseOptions(`F.${op}`, options, { training: bool, momentum: num, eps: num }, extra);
  if (input.ndim < 2) throw new Error(`${op}: expects input [N, C, ...] with at least 2 dims, got ${shapeStr(input.shape)}`);
  const training = options.training ?? false;
  const momentum = options.momentum ?? 0.1;
  const eps = options.eps ?? 1e-5;
  checkEps(op, eps);
  const channels = input.shape[1]!;
  for (const [t, what] of [[runningMean, 'runningMean'], [runningVar, 'runningVar'], [weight, 'weight'], [bias, 'bias']] as const) {
    checkParam(op, t, what, [channels], input.dtype);
  }
  if ((runningMean === null) !== (runningVar === null)) {
    throw new Error(`${op}: runningMean and runningVar must both be given or both be null`);
  }
  const statShape = [channels, ...input.shape.slice(2).map(() => 1)];
  if (!training) {
    if (runningMean === null || runningVar === null) {
      throw new Error(`${op}: running statistics are needed when not training (pass training: true to use the batch's)`);
    }
    // torch's form: x * alpha + beta, alpha = weight / sqrt(runningVar + eps), beta = bias - runningMean * alpha.
    const evalForm = (): Tensor => {
      let alpha = rsqrt(add(runningVar, eps));
      if (weight != null) alpha = mul(alpha, weight);
      let beta = neg(mul(runningMean, alpha));
      if (bias != null) beta = add(beta, bias);
      return add(mul(input, reshape(alpha, statShape)), reshape(beta, statShape));
    };
    // A graph exporter sees one op (ONNX BatchNormalization); inputs input, weight, bias, mean, var.
    return traceRegion('batchNorm', [input, weight ?? null, bias ?? null, runningMean, runningVar], { eps }, evalForm, (y) => [y]);
  }
  const count = numel(input.shape) / channels;
  if (count <= 1) {
    throw new Error(`${op}: expected more than 1 value per channel when training, got input ${shapeStr(input.shape)}`);
  }
  const dims = [0, ...input.shape.slice(2).map((_, i) => i + 2)];
  // The per-channel weight and bias run inside the normalize kernel (and its backward).
  const { normalized, mean: batchMean, variance: batchVar } = normalizeWithStats(input, dims, eps, { weight, bias, along: 'kept' });
  if (runningMean !== null && runningVar !== null) {
    noGrad(() => {
      runningMean.copy_(add(mul(runningMean, 1 - momentum), mul(reshape(batchMean, [channels]), momentum)));
      const unbiased = mul(reshape(batchVar, [channels]), count / (count - 1));
      runningVar.copy_(add(mul(runningVar, 1 - momentum), mul(unbiased, momentum)));
    });
  }
  return normalized;
}

/** Normalizes over the trailing dims given by normalizedShape (torch.nn.functional.layer_norm). */
export function layerNorm(
  input: Tensor,
  normalizedShape: number | readonly number[],
  weight?: Tensor | null,
  bias?: Tensor | null,
  options: NormOptions = {},
  ...extra: []
): Tensor {
  const op = 'layerNorm';
  checkFloat(op, input);
  parseOptions(`F.${op}`, options, { eps: num }, extra);
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
  const k = shape.length;
  const trailing = input.shape.slice(input.ndim - k);
  if (k === 0 || k > input.ndim || trailing.some((d, i) => d !== shape[i])) {
    throw new Error(
      `${op}: input ${shapeStr(input.shape)} must end with the normalized shape ${shapeStr(shape)} ` +
        `(expected input [*, ${shape.join(', ')}])`,
    );
  }
  const eps = options.eps ?? 1e-5;
  checkEps(op, eps);
  checkParam(op, weight, 'weight', shape, input.dtype);
  checkParam(op, bias, 'bias', shape, input.dtype);
  const dims = shape.map((_, i) => input.ndim - k + i);
  // A graph exporter sees one op (ONNX LayerNormalization over the last k axes).
  return traceRegion('layerNorm', [input, weight ?? null, bias ?? null], { eps, axis: -k }, () => normalize(input, dims, eps, { weight, bias, along: 'normalized' }), (y) => [y]);
}

/** Normalizes x [N, C, ...] over groups of C / numGroups channels (torch.nn.functional.group_norm). */
export function groupNorm(
  input: Tensor,
  numGroups: number,
  weight?: Tensor | null,
  bias?: Tensor | null,
  options: NormOptions = {},
  ...extra: []
): Tensor {
  const op = 'groupNorm';
  checkFloat(op, input);
  parseOptions(`F.${op}`, options, { eps: num }, extra);
  if (input.ndim < 2) throw new Error(`${op}: expects input [N, C, ...] with at least 2 dims, got ${shapeStr(input.shape)}`);
  const channels = input.shape[1]!;
  if (!isSize(numGroups, 1) || channels % numGroups !== 0) {
    throw new Error(`${op}: numGroups (${numGroups}) must be a positive integer dividing the ${channels} channels of input ${shapeStr(input.shape)}`);
  }
  const eps = options.eps ?? 1e-5;
  checkEps(op, eps);
  checkParam(op, weight, 'weight', [channels], input.dtype);
  checkParam(op, bias, 'bias', [channels], input.dtype);
  const batch = input.shape[0]!;
  if (numel(input.shape) === 0) return affine(input, weight, bias, [channels, ...input.shape.slice(2).map(() => 1)]);
  const normalized = reshape(normalize(reshape(input, [batch, numGroups, -1]), [2], eps), input.shape);
  return affine(normalized, weight, bias, [channels, ...input.shape.slice(2).map(() => 1)]);
}

/**
 * Local response normalization across channels (torch.nn.functional.local_response_norm):
 * x / (k + alpha * mean of x^2 over `size` neighbouring channels, zero-padded)^beta, with the
 * window running from c - floor(size / 2) to c + floor((size - 1) / 2).
 */
export const LOCAL_RESPONSE_NORM_SPEC = { alpha: num, beta: num, k: num };

export function localResponseNorm(input: Tensor, size: number, options: LocalResponseNormOptions = {}, ...extra: []): Tensor {
  const op = 'localResponseNorm';
  checkFloat(op, input);
  parseOptions(`F.${op}`, options, LOCAL_RESPONSE_NORM_SPEC, extra);
  if (input.ndim < 3) {
    throw new Error(`${op}: expects input [N, C, ...] with at least 3 dims, got ${shapeStr(input.shape)} (${input.ndim} dims)`);
  }
  if (!isSize(size, 1)) throw new Error(`${op}: size must be a positive integer, got ${size}`);
  const { alpha = 1e-4, beta = 0.75, k = 1 } = options;
  if (numel(input.shape) === 0) return input.clone();
  const [batch, channels] = input.shape as [number, number];
  const squares = reshape(square(input), [batch, 1, channels, -1]);
  const padded = pad(squares, [0, 0, Math.floor(size / 2), Math.floor((size - 1) / 2)]);
  const windowMean = avgPoolNd(
    padded,
    { kernel: [size, 1], stride: [1, 1], padding: [0, 0], ceilMode: false, countIncludePad: true, divisorOverride: null },
    op,
  );
  const denominator = pow(add(mul(reshape(windowMean, input.shape), alpha), k), beta);
  return div(input, denominator);
}

/**
 * Zeroes whole channels of [N, C, H, W] (or unbatched [C, H, W]) with probability p while
 * training and scales the rest by 1 / (1 - p) (torch.nn.functional.dropout2d).
 */
export function dropout2d(input: Tensor, ...args: DropoutArgs): Tensor {
  const op = 'dropout2d';
  checkFloat(op, input);
  const { p = 0.5, training = true, generator } = parseArgs(`F.${op}`, args, DROPOUT_SPEC);
  if (input.ndim !== 3 && input.ndim !== 4) {
    throw new Error(`${op}: expects input [N, C, H, W] or [C, H, W], got ${shapeStr(input.shape)} (${input.ndim} dims)`);
  }
  if (!training || p === 0) return input;
  if (p === 1) return mul(input, 0);
  const channelDims = input.ndim === 4 ? 2 : 1;
  const maskShape = [...input.shape.slice(0, channelDims), 1, 1];
  return mul(input, dropoutMask(maskShape, input.dtype, p, generator ?? defaultGenerator));
}
