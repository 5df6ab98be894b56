/**
 * Convolutions in the functional API (torch.nn.functional.conv1d/2d/3d and conv_transpose1d/2d/3d),
 * over the primitives in ops/conv.ts. Inputs are [N, C, ...spatial] or unbatched [C, ...spatial].
 *
 * Padding is a number or one per spatial dim (both sides), [before, after] pairs per spatial dim,
 * or a mode: 'valid' (none), 'full' (dilation * (k - 1) on each side), or 'same': the total
 * padding that makes out = ceil(in / stride), split as TensorFlow does with the odd one at the
 * end. PyTorch accepts 'same' only with stride 1 (where it gives the same result); Nabla allows
 * any stride, with TensorFlow's ('SAME') placement.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { isSize, shapeStr } from '../../tensor/shape.js';
import { checkTensor } from '../../ops/util.js';
import { squeeze, unsqueeze } from '../../ops/movement.js';
import { convNd, convTransposeNd } from '../../ops/conv.js';
import type { ClampBounds } from '../../backend/types.js';
import { check, int, intOrInts, nullable, parseArgs, tensor, type Args } from '../../ops/args.js';

/** One value for every spatial dim, or one each. */
export type IntOrTuple = number | readonly number[];

export type ConvPadding = IntOrTuple | readonly (readonly [number, number])[] | 'valid' | 'same' | 'full';

export interface ConvOptions {
  stride?: IntOrTuple;
  padding?: ConvPadding;
  dilation?: IntOrTuple;
  groups?: number;
}

export interface ConvTransposeOptions {
  stride?: IntOrTuple;
  padding?: IntOrTuple;
  outputPadding?: IntOrTuple;
  groups?: number;
  dilation?: IntOrTuple;
}

/** The names of the spatial dims in shape messages: L, H W, or D H W. */
export function spatialNames(nd: number): string {
  return nd === 1 ? 'L' : nd === 2 ? 'H, W' : 'D, H, W';
}

/** A per-spatial-dim list of sizes >= min from a number or a list (torch's _ntuple), with a readable error. */
export function perDim(op: string, name: string, value: IntOrTuple, nd: number, min = 0): number[] {
  const list: unknown[] = typeof value === 'number' ? new Array<number>(nd).fill(value) : Array.isArray(value) ? [...value] : [value];
  if (list.length !== nd || !list.every((v) => isSize(v, min))) {
    throw new Error(`${op}: ${name} must be an integer or a list of ${nd} integers, each >= ${min}, got ${JSON.stringify(value)}`);
  }
  return list as number[];
}

/** [before, after] zero padding per spatial dim for a padding option (see the file comment). */
export function resolveConvPadding(
  op: string,
  padding: ConvPadding,
  inSize: readonly number[],
  kernel: readonly number[],
  stride: readonly number[],
  dilation: readonly number[],
): [number, number][] {
  const nd = inSize.length;
  if (padding === 'valid') return inSize.map(() => [0, 0]);
  if (padding === 'full') return kernel.map((k, d) => [dilation[d]! * (k - 1), dilation[d]! * (k - 1)]);
  if (padding === 'same') {
    return inSize.map((size, d) => {
      const out = Math.ceil(size / stride[d]!);
      const total = Math.max((out - 1) * stride[d]! + dilation[d]! * (kernel[d]! - 1) + 1 - size, 0);
      const before = Math.floor(total / 2);
      return [before, total - before];
    });
  }
  if (typeof padding === 'string') {
    throw new Error(`${op}: padding must be a number, a list, 'valid', 'same' or 'full', got '${padding}'`);
  }
  if (Array.isArray(padding) && padding.length > 0 && padding.every((p) => Array.isArray(p))) {
    const pairs = padding as readonly (readonly number[])[];
    if (pairs.length !== nd || pairs.some((p) => p.length !== 2 || !p.every((v) => isSize(v)))) {
      throw new Error(`${op}: padding pairs must be ${nd} [before, after] pairs of non-negative integers, got ${JSON.stringify(padding)}`);
    }
    return pairs.map(([before, after]) => [before!, after!]);
  }
  const each = perDim(op, 'padding', padding as IntOrTuple, nd);
  if (each.some((p) => p < 0)) throw new Error(`${op}: padding must be non-negative, got ${shapeStr(each)}`);
  return each.map((p) => [p, p]);
}

/** The bias given in the options object instead of positionally: `F.conv2d(x, w, {bias, stride})`. */
export interface ConvCallOptions extends ConvOptions {
  bias?: Tensor | null;
}

export interface ConvTransposeCallOptions extends ConvTransposeOptions {
  bias?: Tensor | null;
}

/** torch's positional order (bias, stride, padding, dilation, groups), or options after any of them. */
export type ConvArgs = Args<[bias: Tensor | null, stride: IntOrTuple, padding: ConvPadding, dilation: IntOrTuple, groups: number], ConvCallOptions>;

/** torch's positional order (bias, stride, padding, outputPadding, groups, dilation), or options after any of them. */
export type ConvTransposeArgs = Args<
  [bias: Tensor | null, stride: IntOrTuple, padding: IntOrTuple, outputPadding: IntOrTuple, groups: number, dilation: IntOrTuple],
  ConvTransposeCallOptions
>;

export const convPadding = check<ConvPadding>(
  "an integer, a list of them, [before, after] pairs, 'valid', 'same' or 'full'",
  (v) => intOrInts(v) || v === 'valid' || v === 'same' || v === 'full' || (Array.isArray(v) && v.every((p) => intOrInts(p))),
);
const CONV_SPEC = { bias: nullable(tensor), stride: intOrInts, padding: convPadding, dilation: intOrInts, groups: int };
const CONV_TRANSPOSE_SPEC = { bias: nullable(tensor), stride: intOrInts, padding: intOrInts, outputPadding: intOrInts, groups: int, dilation: intOrInts };

function convCall(op: string, nd: number, input: Tensor, weight: Tensor, args: readonly unknown[]): Tensor {
  const { bias, ...options } = parseArgs(`F.${op}`, args, CONV_SPEC);
  return convolve(op, nd, input, weight, bias, options);
}

function convTransposeCall(op: string, nd: number, input: Tensor, weight: Tensor, args: readonly unknown[]): Tensor {
  const { bias, ...options } = parseArgs(`F.${op}`, args, CONV_TRANSPOSE_SPEC);
  return convolveTransposed(op, nd, input, weight, bias, options);
}

/** Adds a batch dim to an unbatched input; returns the batched input and whether it was added. */
export function batchify(op: string, x: Tensor, nd: number): [Tensor, boolean] {
  checkTensor(op, x);
  if (x.ndim === nd + 2) return [x, false];
  if (x.ndim === nd + 1) return [unsqueeze(x, 0), true];
  const names = spatialNames(nd);
  throw new Error(`${op}: expects input [N, C, ${names}] or [C, ${names}], got ${shapeStr(x.shape)} (${x.ndim} dims)`);
}

/**
 * The N-d convolution behind conv1d/2d/3d (options already parsed). `clamp`: an activation folded
 * into the output (the conv layers pass the one nn.utils.fuseForInference gave them; see convNd).
 */
export function convolve(
  op: string, nd: number, input: Tensor, weight: Tensor, bias: Tensor | null | undefined, options: ConvOptions, clamp?: ClampBounds,
): Tensor {
  const [x, added] = batchify(op, input, nd);
  checkTensor(op, weight, 'weight');
  if (weight.ndim !== nd + 2) {
    throw new Error(`${op}: weight must be ${nd + 2}-D [outChannels, inChannels / groups, ${spatialNames(nd)}], got ${shapeStr(weight.shape)}`);
  }
  const stride = perDim(op, 'stride', options.stride ?? 1, nd);
  const dilation = perDim(op, 'dilation', options.dilation ?? 1, nd);
  const padding = resolveConvPadding(op, options.padding ?? 0, x.shape.slice(2), weight.shape.slice(2), stride, dilation);
  const out = convNd(x, weight, bias, { stride, padding, dilation, groups: options.groups ?? 1 }, op, clamp);
  return added ? squeeze(out, 0) : out;
}

function convolveTransposed(
  op: string,
  nd: number,
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null | undefined,
  options: ConvTransposeOptions,
): Tensor {
  const [x, added] = batchify(op, input, nd);
  const out = convTransposeNd(
    x,
    weight,
    bias,
    {
      stride: perDim(op, 'stride', options.stride ?? 1, nd),
      padding: perDim(op, 'padding', options.padding ?? 0, nd),
      outputPadding: perDim(op, 'outputPadding', options.outputPadding ?? 0, nd),
      dilation: perDim(op, 'dilation', options.dilation ?? 1, nd),
      groups: options.groups ?? 1,
    },
    op,
  );
  return added ? squeeze(out, 0) : out;
}

/** 1-D cross-correlation: input [N, C, L], weight [O, C / groups, k], bias [O]. */
export function conv1d(input: Tensor, weight: Tensor, ...args: ConvArgs): Tensor {
  return convCall('conv1d', 1, input, weight, args);
}

/** 2-D cross-correlation: input [N, C, H, W], weight [O, C / groups, kh, kw], bias [O]. */
export function conv2d(input: Tensor, weight: Tensor, ...args: ConvArgs): Tensor {
  return convCall('conv2d', 2, input, weight, args);
}

/** 3-D cross-correlation: input [N, C, D, H, W], weight [O, C / groups, kd, kh, kw], bias [O]. */
export function conv3d(input: Tensor, weight: Tensor, ...args: ConvArgs): Tensor {
  return convCall('conv3d', 3, input, weight, args);
}

/** 1-D transposed convolution: weight [Cin, Cout / groups, k]. */
export function convTranspose1d(input: Tensor, weight: Tensor, ...args: ConvTransposeArgs): Tensor {
  return convTransposeCall('convTranspose1d', 1, input, weight, args);
}

/**
 * 2-D transposed convolution (the gradient of conv2d with respect to its input): weight
 * [Cin, Cout / groups, kh, kw]; out = (in - 1) stride - 2 padding + dilation (k - 1) + outputPadding + 1.
 */
export function convTranspose2d(input: Tensor, weight: Tensor, ...args: ConvTransposeArgs): Tensor {
  return convTransposeCall('convTranspose2d', 2, input, weight, args);
}

/** 3-D transposed convolution: weight [Cin, Cout / groups, kd, kh, kw]. */
export function convTranspose3d(input: Tensor, weight: Tensor, ...args: ConvTransposeArgs): Tensor {
  return convTransposeCall('convTranspose3d', 3, input, weight, args);
}
