/**
 * Pooling in the functional API (torch.nn.functional max_pool1d/2d/3d, avg_pool1d/2d/3d,
 * adaptive_avg_pool1d/2d/3d, adaptive_max_pool1d/2d/3d). Inputs are [N, C, ...spatial] or
 * unbatched [C, ...spatial]. The stride defaults to the kernel size. With ceilMode the output
 * size rounds up, but (as torch) the last window must start inside the input or its left padding.
 */
import { traceRegion } from '../../autograd/trace.js';
import type { Tensor } from '../../tensor/tensor.js';
import { tensor } from '../../tensor/creation.js';
import { shapeStr, isSize } from '../../tensor/shape.js';
import { isFloat } from '../../tensor/dtype.js';
import type { ValuesIndices } from '../../ops/reduce.js';
import { matmul } from '../../ops/linalg.js';
import { squeeze, transpose } from '../../ops/movement.js';
import { adaptiveMaxPoolNd, avgPoolNd, maxPoolNd } from '../../ops/pool.js';
import { batchify, perDim, type IntOrTuple } from './conv.js';
import { bool, int, intOrInts, noExtraArgs, nullable, parseArgs, parseOptions, type Args } from '../../ops/args.js';

export interface MaxPoolOptions {
  /** Default: the kernel size. */
  stride?: IntOrTuple | null;
  /** Implicit -Infinity padding on both sides, at most half the kernel. */
  padding?: IntOrTuple;
  dilation?: IntOrTuple;
  ceilMode?: boolean;
  /** Also return the argmax of each window as a flat index into its input plane (int32). */
  returnIndices?: boolean;
}

export interface AvgPoolOptions {
  /** Default: the kernel size. */
  stride?: IntOrTuple | null;
  /** Implicit zero padding on both sides, at most half the kernel. */
  padding?: IntOrTuple;
  ceilMode?: boolean;
  /** Count the zero padding in each window's divisor (default true, as torch). */
  countIncludePad?: boolean;
  /** Divide every window sum by this instead. */
  divisorOverride?: number | null;
}

export interface AdaptiveMaxPoolOptions {
  returnIndices?: boolean;
}

/** adaptive_max_pool2d(input, output_size, return_indices). */
export type AdaptiveMaxPoolArgs = Args<[returnIndices: boolean], AdaptiveMaxPoolOptions>;

/** A size per spatial dim; null keeps the input's size there (torch's None). */
export type AdaptiveSize = number | readonly (number | null)[];

export const MAX_POOL_SPEC = { stride: nullable(intOrInts), padding: intOrInts, dilation: intOrInts, ceilMode: bool, returnIndices: bool };
export const AVG_POOL_1D_SPEC = { stride: nullable(intOrInts), padding: intOrInts, ceilMode: bool, countIncludePad: bool };
export const AVG_POOL_SPEC = { ...AVG_POOL_1D_SPEC, divisorOverride: nullable(int) };
export const ADAPTIVE_MAX_POOL_SPEC = { returnIndices: bool };

/** torch's positional order after the kernel size (max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)), or options after any of them. */
export type MaxPoolArgs = Args<[stride: IntOrTuple | null, padding: IntOrTuple, dilation: IntOrTuple, ceilMode: boolean, returnIndices: boolean], MaxPoolOptions>;
/** avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override). */
export type AvgPoolArgs = Args<[stride: IntOrTuple | null, padding: IntOrTuple, ceilMode: boolean, countIncludePad: boolean, divisorOverride: number | null], AvgPoolOptions>;
export type AvgPool1dArgs = Args<[stride: IntOrTuple | null, padding: IntOrTuple, ceilMode: boolean, countIncludePad: boolean], Omit<AvgPoolOptions, 'divisorOverride'>>;

type WithIndices<O> = O & { returnIndices: true };
type WithoutIndices<O> = O & { returnIndices?: false };

function unbatch(result: ValuesIndices, added: boolean): ValuesIndices {
  return added ? { values: squeeze(result.values, 0), indices: squeeze(result.indices, 0) } : result;
}

/** The shared implementation; `op` names the caller (a function or a layer) in messages. */
export function maxPoolN(op: string, nd: number, input: Tensor, kernelSize: IntOrTuple, options: MaxPoolOptions): Tensor | ValuesIndices {
  const [x, added] = batchify(op, input, nd);
  parseOptions(op, options, MAX_POOL_SPEC);
  const kernel = perDim(op, 'kernelSize', kernelSize, nd);
  const result = maxPoolNd(
    x,
    {
      kernel,
      stride: options.stride == null ? kernel : perDim(op, 'stride', options.stride, nd),
      padding: perDim(op, 'padding', options.padding ?? 0, nd),
      dilation: perDim(op, 'dilation', options.dilation ?? 1, nd),
      ceilMode: options.ceilMode ?? false,
    },
    op,
  );
  const out = unbatch(result, added);
  return options.returnIndices === true ? out : out.values;
}

export function maxPool1d(input: Tensor, kernelSize: IntOrTuple, options?: WithoutIndices<MaxPoolOptions>): Tensor;
export function maxPool1d(input: Tensor, kernelSize: IntOrTuple, options: WithIndices<MaxPoolOptions>): ValuesIndices;
/** Max over windows of [N, C, L]. */
export function maxPool1d(input: Tensor, kernelSize: IntOrTuple, ...args: MaxPoolArgs): Tensor | ValuesIndices;
export function maxPool1d(input: Tensor, kernelSize: IntOrTuple, ...args: readonly unknown[]): Tensor | ValuesIndices {
  return maxPoolN('maxPool1d', 1, input, kernelSize, parseArgs('F.maxPool1d', args, MAX_POOL_SPEC));
}

export function maxPool2d(input: Tensor, kernelSize: IntOrTuple, options?: WithoutIndices<MaxPoolOptions>): Tensor;
export function maxPool2d(input: Tensor, kernelSize: IntOrTuple, options: WithIndices<MaxPoolOptions>): ValuesIndices;
/** Max over windows of [N, C, H, W]. */
export function maxPool2d(input: Tensor, kernelSize: IntOrTuple, ...args: MaxPoolArgs): Tensor | ValuesIndices;
export function maxPool2d(input: Tensor, kernelSize: IntOrTuple, ...args: readonly unknown[]): Tensor | ValuesIndices {
  return maxPoolN('maxPool2d', 2, input, kernelSize, parseArgs('F.maxPool2d', args, MAX_POOL_SPEC));
}

export function maxPool3d(input: Tensor, kernelSize: IntOrTuple, options?: WithoutIndices<MaxPoolOptions>): Tensor;
export function maxPool3d(input: Tensor, kernelSize: IntOrTuple, options: WithIndices<MaxPoolOptions>): ValuesIndices;
/** Max over windows of [N, C, D, H, W]. */
export function maxPool3d(input: Tensor, kernelSize: IntOrTuple, ...args: MaxPoolArgs): Tensor | ValuesIndices;
export function maxPool3d(input: Tensor, kernelSize: IntOrTuple, ...args: readonly unknown[]): Tensor | ValuesIndices {
  return maxPoolN('maxPool3d', 3, input, kernelSize, parseArgs('F.maxPool3d', args, MAX_POOL_SPEC));
}

/** The shared implementation; `op` names the caller (a function or a layer) in messages. */
export function avgPoolN(op: string, nd: number, input: Tensor, kernelSize: IntOrTuple, options: AvgPoolOptions): Tensor {
  const [x, added] = batchify(op, input, nd);
  parseOptions(op, options, AVG_POOL_SPEC);
  const kernel = perDim(op, 'kernelSize', kernelSize, nd);
  const out = avgPoolNd(
    x,
    {
      kernel,
      stride: options.stride == null ? kernel : perDim(op, 'stride', options.stride, nd),
      padding: perDim(op, 'padding', options.padding ?? 0, nd),
      ceilMode: options.ceilMode ?? false,
      countIncludePad: options.countIncludePad ?? true,
      divisorOverride: options.divisorOverride ?? null,
    },
    op,
  );
  return added ? squeeze(out, 0) : out;
}

/** Mean over windows of [N, C, L] (torch's avg_pool1d has no divisorOverride). */
export function avgPool1d(input: Tensor, kernelSize: IntOrTuple, ...args: AvgPool1dArgs): Tensor {
  return avgPoolN('avgPool1d', 1, input, kernelSize, parseArgs('F.avgPool1d', args, AVG_POOL_1D_SPEC));
}

/** Mean over windows of [N, C, H, W]. */
export function avgPool2d(input: Tensor, kernelSize: IntOrTuple, ...args: AvgPoolArgs): Tensor {
  return avgPoolN('avgPool2d', 2, input, kernelSize, parseArgs('F.avgPool2d', args, AVG_POOL_SPEC));
}

/** Mean over windows of [N, C, D, H, W]. */
export function avgPool3d(input: Tensor, kernelSize: IntOrTuple, ...args: AvgPoolArgs): Tensor {
  return avgPoolN('avgPool3d', 3, input, kernelSize, parseArgs('F.avgPool3d', args, AVG_POOL_SPEC));
}

function adaptiveSizes(op: string, outputSize: AdaptiveSize, inSize: readonly number[]): number[] {
  const nd = inSize.length;
  const list = typeof outputSize === 'number' ? new Array<number>(nd).fill(outputSize) : [...outputSize];
  if (list.length !== nd) {
    throw new Error(`${op}: outputSize must be an integer or a list of ${nd} (integers or null), got ${JSON.stringify(outputSize)}`);
  }
  return list.map((s, d) => {
    const size = s ?? inSize[d]!;
    if (!isSize(size, 1)) {
      throw new Error(`${op}: outputSize must hold positive integers (or null), got ${JSON.stringify(outputSize)}`);
    }
    return size;
  });
}

/** [O, I] matrix averaging torch's adaptive windows floor(o I / O) .. ceil((o + 1) I / O). */
export function averagingMatrix(inSize: number, outSize: number, dtype: Tensor['dtype']): Tensor {
  const rows: number[][] = [];
  for (let o = 0; o < outSize; o++) {
    const lo = Math.floor((o * inSize) / outSize);
    const hi = Math.ceil(((o + 1) * inSize) / outSize);
    rows.push(Array.from({ length: inSize }, (_, i) => (i >= lo && i < hi ? 1 / (hi - lo) : 0)));
  }
  return tensor(rows, { dtype });
}

/**
 * Adaptive average pooling: the windows are separable, so each spatial dim is averaged by one
 * matrix product with its averaging matrix (differentiable to any order through matmul). `op`
 * names the caller (a function or a layer) in messages.
 */
export function adaptiveAvgPoolN(op: string, nd: number, input: Tensor, outputSize: AdaptiveSize): Tensor {
  const [x, added] = batchify(op, input, nd);
  if (!isFloat(x.dtype)) throw new Error(`${op}: expects a floating-point input, got dtype ${x.dtype}`);
  const inSize = x.shape.slice(2);
  if (inSize.some((s) => s === 0)) throw new Error(`${op}: input ${shapeStr(input.shape)} has an empty spatial dim`);
  const outSize = adaptiveSizes(op, outputSize, inSize);
  const pooled = (): Tensor => {
    let out = x;
    inSize.forEach((size, d) => {
      if (size === outSize[d]) return;
      const axis = 2 + d;
      const averaging = transpose(averagingMatrix(size, outSize[d]!, x.dtype), 0, 1);
      out = transpose(matmul(transpose(out, axis, -1), averaging), axis, -1);
    });
    return out === x ? x.clone() : out;
  };
  // A graph exporter sees one op (ONNX GlobalAveragePool, or AveragePool when the windows tile).
  const out = traceRegion('adaptiveAvgPool', [x], { inSize, outSize }, pooled, (y) => [y]);
  return added ? squeeze(out, 0) : out;
}

/** Averages [N, C, L] down to outputSize with torch's adaptive windows. */
export function adaptiveAvgPool1d(input: Tensor, outputSize: AdaptiveSize, ...extra: []): Tensor {
  noExtraArgs('F.adaptiveAvgPool1d', extra);
  return adaptiveAvgPoolN('adaptiveAvgPool1d', 1, input, outputSize);
}

/** Averages [N, C, H, W] down to outputSize (a number, or [h, w] with null keeping that size). */
export function adaptiveAvgPool2d(input: Tensor, outputSize: AdaptiveSize, ...extra: []): Tensor {
  noExtraArgs('F.adaptiveAvgPool2d', extra);
  return adaptiveAvgPoolN('adaptiveAvgPool2d', 2, input, outputSize);
}

/** Averages [N, C, D, H, W] down to outputSize. */
export function adaptiveAvgPool3d(input: Tensor, outputSize: AdaptiveSize, ...extra: []): Tensor {
  noExtraArgs('F.adaptiveAvgPool3d', extra);
  return adaptiveAvgPoolN('adaptiveAvgPool3d', 3, input, outputSize);
}

/** The shared implementation; `op` names the caller (a function or a layer) in messages. */
export function adaptiveMaxPoolN(op: string, nd: number, input: Tensor, outputSize: AdaptiveSize, options: AdaptiveMaxPoolOptions): Tensor | ValuesIndices {
  const [x, added] = batchify(op, input, nd);
  parseOptions(op, options, ADAPTIVE_MAX_POOL_SPEC);
  const out = unbatch(adaptiveMaxPoolNd(x, adaptiveSizes(op, outputSize, x.shape.slice(2)), op), added);
  return options.returnIndices === true ? out : out.values;
}

export function adaptiveMaxPool1d(input: Tensor, outputSize: AdaptiveSize, options?: WithoutIndices<AdaptiveMaxPoolOptions>): Tensor;
export function adaptiveMaxPool1d(input: Tensor, outputSize: AdaptiveSize, options: WithIndices<AdaptiveMaxPoolOptions>): ValuesIndices;
/** Max over torch's adaptive windows of [N, C, L]. */
export function adaptiveMaxPool1d(input: Tensor, outputSize: AdaptiveSize, ...args: AdaptiveMaxPoolArgs): Tensor | ValuesIndices;
export function adaptiveMaxPool1d(input: Tensor, outputSize: AdaptiveSize, ...args: readonly unknown[]): Tensor | ValuesIndices {
  return adaptiveMaxPoolN('adaptiveMaxPool1d', 1, input, outputSize, parseArgs('F.adaptiveMaxPool1d', args, ADAPTIVE_MAX_POOL_SPEC));
}

export function adaptiveMaxPool2d(input: Tensor, outputSize: AdaptiveSize, options?: WithoutIndices<AdaptiveMaxPoolOptions>): Tensor;
export function adaptiveMaxPool2d(input: Tensor, outputSize: AdaptiveSize, options: WithIndices<AdaptiveMaxPoolOptions>): ValuesIndices;
/** Max over torch's adaptive windows of [N, C, H, W]. */
export function adaptiveMaxPool2d(input: Tensor, outputSize: AdaptiveSize, ...args: AdaptiveMaxPoolArgs): Tensor | ValuesIndices;
export function adaptiveMaxPool2d(input: Tensor, outputSize: AdaptiveSize, ...args: readonly unknown[]): Tensor | ValuesIndices {
  return adaptiveMaxPoolN('adaptiveMaxPool2d', 2, input, outputSize, parseArgs('F.adaptiveMaxPool2d', args, ADAPTIVE_MAX_POOL_SPEC));
}

export function adaptiveMaxPool3d(input: Tensor, outputSize: AdaptiveSize, options?: WithoutIndices<AdaptiveMaxPoolOptions>): Tensor;
export function adaptiveMaxPool3d(input: Tensor, outputSize: AdaptiveSize, options: WithIndices<AdaptiveMaxPoolOptions>): ValuesIndices;
/** Max over torch's adaptive windows of [N, C, D, H, W]. */
export function adaptiveMaxPool3d(input: Tensor, outputSize: AdaptiveSize, ...args: AdaptiveMaxPoolArgs): Tensor | ValuesIndices;
export function adaptiveMaxPool3d(input: Tensor, outputSize: AdaptiveSize, ...args: readonly unknown[]): Tensor | ValuesIndices {
  return adaptiveMaxPoolN('adaptiveMaxPool3d', 3, input, outputSize, parseArgs('F.adaptiveMaxPool3d', args, ADAPTIVE_MAX_POOL_SPEC));
}
