/** Reductions (sum, mean, prod, max/min, var/std, logsumexp, norm, any/all) and cumulative sums. */
import { apply, type OpDef } from '../autograd/function.js';
import { kernels } from '../backend/registry.js';
import type { ReduceOp } from '../backend/types.js';
import type { Tensor } from '../tensor/tensor.js';
import { isFloat, type DType } from '../tensor/dtype.js';
import { normalizeDim, normalizeDims, numel, shapeStr, type Shape } from '../tensor/shape.js';
import { checkTensor, fromKernel, scalarTensor } from './util.js';
import { abs, div, eq, gt, isFinite, log, mul, pow, sign, sqrt, square, sub, where, exp, add } from './elementwise.js';
import { expand, flatten, flip, permute, reshape, squeeze, unsqueeze } from './movement.js';
import { gather } from './indexing.js';
import { entry, f, sample, type OpEntry } from './table.js';
import { bool, checkArg, either, int, intOrInts, noExtraArgs, nullable, num, oneOf, parseArgs, type Args } from './args.js';

export interface ValuesIndices {
  values: Tensor;
  indices: Tensor;
}


/** The optional arguments of a reduction: dims (all when omitted or null) and whether to keep them. */
export interface ReduceOptions {
  dim?: number | readonly number[] | null;
  keepdim?: boolean;
}

/** `(dim, keepdim)` positionally, or `({dim, keepdim})`, or `(dim, {keepdim})`. */
export type ReduceArgs = Args<[dim: number | readonly number[] | null, keepdim: boolean], ReduceOptions>;

const REDUCE_SPEC = { dim: nullable(intOrInts), keepdim: bool };

/** Shape after reducing `axes`, keeping them as size 1. */
function keptShape(shape: Shape, axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function reducedShape(shape: Shape, axes: readonly number[], keepdim: boolean): number[] {
  return keepdim ? keptShape(shape, axes) : shape.filter((_, i) => !axes.includes(i));
}

interface ReduceAttrs {
  axes: number[];
  keepdim: boolean;
}

function reduceForward(op: ReduceOp, x: Tensor, { axes, keepdim }: ReduceAttrs, outDtype: DType): Tensor {
  const data = kernels().reduce(op, x, axes, outDtype);
  return fromKernel(data, reducedShape(x.shape, axes, keepdim), outDtype);
}

/** The gradient of a reduction's output, broadcast back over the reduced axes. */
function expandBack(g: Tensor, inputShape: Shape, attrs: ReduceAttrs): Tensor {
  return expand(reshape(g, keptShape(inputShape, attrs.axes)), inputShape);
}

const SUM: OpDef<ReduceAttrs> = {
  name: 'sum',
  privateGradients: true,
  forward([x], attrs) {
    return reduceForward('sum', x!, attrs, x!.dtype === 'bool' ? 'int32' : x!.dtype);
  },
  backward(g, ctx) {
    return [expandBack(g, ctx.inputs[0]!.shape, ctx.attrs)];
  },
};

/** Max and min over several axes: the gradient is shared evenly among tied extremes (torch.amax). */
function extremeOp(op: 'max' | 'min'): OpDef<ReduceAttrs> {
  return {
    name: op === 'max' ? 'amax' : 'amin',
    forward([x], attrs, save) {
      if (numel(x!.shape) === 0 || attrs.axes.some((a) => x!.shape[a] === 0)) {
        throw new Error(`${op === 'max' ? 'amax' : 'amin'}: cannot reduce over an empty dimension of a tensor of shape ${shapeStr(x!.shape)}`);
      }
      const out = reduceForward(op, x!, attrs, x!.dtype);
      save(x!, out);
      return out;
    },
    backward(g, ctx) {
      const [x, out] = ctx.saved;
      const shape = ctx.inputs[0]!.shape;
      const mask = eq(x!, expandBack(out!, shape, ctx.attrs));
      const count = sum(mask, ctx.attrs.axes, true);
      return [div(mul(expandBack(g, shape, ctx.attrs), mask), count)];
    },
  };
}

const AMAX = extremeOp('max');
const AMIN = extremeOp('min');

/** Product over the last axis; its gradient is the product of the other elements (exact with zeros). */
const PROD_LAST: OpDef<{ keepdim: boolean }> = {
  name: 'prod',
  forward([x], { keepdim }, save) {
    save(x!);
    return reduceForward('prod', x!, { axes: [x!.ndim - 1], keepdim }, x!.dtype === 'bool' ? 'int32' : x!.dtype);
  },
  backward(g, ctx) {
    const [x] = ctx.saved;
    const n = x!.shape[x!.ndim - 1]!;
    const shape = x!.shape;
    // others[..., i, j] = x[..., j] except 1 on the diagonal; its product over j excludes x[..., i].
    const diag = eyeMask(n);
    const rows = expand(unsqueeze(x!, -2), [...shape, n]);
    const exclusive = prod(where(diag, 1, rows), -1);
    const gk = ctx.attrs.keepdim ? g : unsqueeze(g, -1);
    return [mul(gk, exclusive)];
  },
};

function eyeMask(n: number): Tensor {
  const data = new Uint8Array(n * n);
  for (let i = 0; i < n; i++) data[i * n + i] = 1;
  return fromKernel(data, [n, n], 'bool');
}

function reduceAttrs(op: string, x: Tensor, args: readonly unknown[]): ReduceAttrs {
  checkTensor(op, x);
  const { dim, keepdim = false } = parseArgs(op, args, REDUCE_SPEC);
  return { axes: normalizeDims(op, dim ?? undefined, x.ndim), keepdim };
}

/** Sum over `dim` (all dims when omitted). bool and int32 sum to int32. */
export function sum(x: Tensor, ...args: ReduceArgs): Tensor {
  return apply(SUM, [x], reduceAttrs('sum', x, args));
}

export function mean(x: Tensor, ...args: ReduceArgs): Tensor {
  const attrs = reduceAttrs('mean', x, args);
  const keepdim = attrs.keepdim;
  if (!isFloat(x.dtype)) {
    throw new Error(`mean: input dtype must be floating point, got ${x.dtype}; convert it first with .float()`);
  }
  const count = numel(attrs.axes.map((a) => x.shape[a]!));
  return div(sum(x, attrs.axes, keepdim), count);
}

/** Product over `dim` (all dims when omitted). */
export function prod(x: Tensor, ...args: ReduceArgs): Tensor {
  const { axes, keepdim } = reduceAttrs('prod', x, args);
  if (x.ndim === 0) return apply(PROD_LAST, [reshape(x, [1])], { keepdim: false });
  // Move the reduced axes last and merge them into one, then reduce that.
  const rest = [...x.shape.keys()].filter((d) => !axes.includes(d));
  const moved = permute(x, [...rest, ...axes]);
  const merged = reshape(moved, [...rest.map((d) => x.shape[d]!), numel(axes.map((d) => x.shape[d]!))]);
  const out = apply(PROD_LAST, [merged], { keepdim: false });
  return keepdim ? reshape(out, keptShape(x.shape, axes)) : out;
}

export function amax(x: Tensor, ...args: ReduceArgs): Tensor {
  return apply(AMAX, [x], reduceAttrs('amax', x, args));
}

export function amin(x: Tensor, ...args: ReduceArgs): Tensor {
  return apply(AMIN, [x], reduceAttrs('amin', x, args));
}

function extremeAlong(op: 'max' | 'min', x: Tensor, dim: number, keepdim: boolean): ValuesIndices {
  checkTensor(op, x);
  const d = normalizeDim(op, dim, x.ndim);
  if (x.ndim > 0 && x.shape[d] === 0) {
    throw new Error(`${op}: cannot reduce over dim ${dim} of size 0 (shape ${shapeStr(x.shape)})`);
  }
  const indices = argReduce(op === 'max' ? 'argmax' : 'argmin', x, d, true);
  const values = x.ndim === 0 ? x.clone() : gather(x, d, indices);
  return keepdim || x.ndim === 0
    ? { values, indices }
    : { values: squeeze(values, d), indices: squeeze(indices, d) };
}

/** max/min along a dim: `(dim, keepdim)`, `(dim, {keepdim})` or `({dim, keepdim})`. */
export interface ExtremeOptions {
  dim: number;
  keepdim?: boolean;
}

function extreme(op: 'max' | 'min', x: Tensor, args: readonly unknown[]): Tensor | ValuesIndices {
  checkTensor(op, x);
  const { dim, keepdim } = parseArgs(op, args, { dim: int, keepdim: bool });
  if (dim === undefined) {
    if (keepdim !== undefined) throw new Error(`${op}: keepdim needs a dim (${op}(x, dim, keepdim)); without a dim the result is one number`);
    return op === 'max' ? amax(x) : amin(x);
  }
  return extremeAlong(op, x, dim, keepdim ?? false);
}

/** The largest element, or with a dim the largest along it and where it is (torch.max). */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, dim: number, ...rest: Args<[keepdim: boolean], { keepdim?: boolean }>): ValuesIndices;
export function max(x: Tensor, options: ExtremeOptions): ValuesIndices;
export function max(x: Tensor, ...args: unknown[]): Tensor | ValuesIndices {
  return extreme('max', x, args);
}

export function min(x: Tensor): Tensor;
export function min(x: Tensor, dim: number, ...rest: Args<[keepdim: boolean], { keepdim?: boolean }>): ValuesIndices;
export function min(x: Tensor, options: ExtremeOptions): ValuesIndices;
export function min(x: Tensor, ...args: unknown[]): Tensor | ValuesIndices {
  return extreme('min', x, args);
}

function argReduce(op: 'argmax' | 'argmin', x: Tensor, axis: number, keepdim: boolean): Tensor {
  if (x.ndim === 0) return scalarTensor(0, 'int32');
  const data = kernels().argReduce(op, x, axis);
  return fromKernel(data, reducedShape(x.shape, [axis], keepdim), 'int32');
}

export interface ArgExtremeOptions {
  dim?: number | null;
  keepdim?: boolean;
}

export type ArgExtremeArgs = Args<[dim: number | null, keepdim: boolean], ArgExtremeOptions>;

function argExtreme(op: 'argmax' | 'argmin', x: Tensor, args: readonly unknown[]): Tensor {
  checkTensor(op, x);
  const { dim: d, keepdim = false } = parseArgs(op, args, { dim: nullable(int), keepdim: bool });
  const dim = d ?? undefined;
  if (x.numel() === 0) throw new Error(`${op}: cannot take ${op} of an empty tensor (shape ${shapeStr(x.shape)})`);
  if (dim === undefined) {
    const flat = argReduce(op, flatten(x), 0, false);
    return keepdim ? reshape(flat, x.shape.map(() => 1)) : flat;
  }
  return argReduce(op, x, normalizeDim(op, dim, x.ndim), keepdim);
}

/** Index of the largest element (of the flattened tensor when dim is omitted), as int32. */
export function argmax(x: Tensor, ...args: ArgExtremeArgs): Tensor {
  return argExtreme('argmax', x, args);
}

export function argmin(x: Tensor, ...args: ArgExtremeArgs): Tensor {
  return argExtreme('argmin', x, args);
}

export interface VarianceOptions {
  dim?: number | readonly number[] | null;
  /** Divide by N - 1 (Bessel's correction, the default) instead of N. */
  unbiased?: boolean;
  /** Divide by N - correction; overrides unbiased. */
  correction?: number;
  keepdim?: boolean;
}

/** `(dim, unbiased, keepdim)` as torch's positional form, or options (with `correction`) after any of them. */
export type VarianceArgs = Args<[dim: number | readonly number[] | null, unbiased: boolean, keepdim: boolean], VarianceOptions>;

const VARIANCE_SPEC = { dim: nullable(intOrInts), unbiased: bool, keepdim: bool, correction: num };

/** Variance over `dim` (unbiased by default, as torch.var). */
export function variance(x: Tensor, ...args: VarianceArgs): Tensor {
  return varianceOf('var', x, args);
}

function varianceOf(op: 'var' | 'std', x: Tensor, args: readonly unknown[]): Tensor {
  checkTensor(op, x);
  const options = parseArgs(op, args, VARIANCE_SPEC, ['dim', 'unbiased', 'keepdim']);
  if (options.correction !== undefined && options.unbiased !== undefined) {
    throw new Error(`${op}: give either correction or unbiased, not both (unbiased: false is correction: 0)`);
  }
  const attrs = reduceAttrs(op, x, [{ dim: options.dim, keepdim: options.keepdim }]);
  if (!isFloat(x.dtype)) throw new Error(`${op}: input dtype must be floating point, got ${x.dtype}`);
  const correction = options.correction ?? (options.unbiased === false ? 0 : 1);
  const n = numel(attrs.axes.map((a) => x.shape[a]!));
  const centered = sub(x, mean(x, attrs.axes, true));
  return div(sum(square(centered), attrs.axes, attrs.keepdim), Math.max(n - correction, 0));
}

export function std(x: Tensor, ...args: VarianceArgs): Tensor {
  return sqrt(varianceOf('std', x, args));
}

/** log(sum(exp(x))) over dim, computed stably by subtracting the maximum first. */
export function logsumexp(x: Tensor, ...args: ReduceArgs): Tensor {
  const { axes, keepdim } = reduceAttrs('logsumexp', x, args);
  const xf = isFloat(x.dtype) ? x : x.float();
  // Shift by the maximum where there is one; an empty reduction gives log(0) = -inf unshifted.
  const m = x.numel() === 0 ? null : amax(xf.detach(), axes, true);
  const shift = m === null ? 0 : where(isFinite(m), m, 0);
  const out = add(log(sum(exp(sub(xf, shift)), axes, true)), shift);
  return keepdim ? out : reshape(out, reducedShape(x.shape, axes, false));
}

export type NormOrder = number | 'fro';

interface NormAttrs extends ReduceAttrs {
  p: number;
}

/** Vector p-norm with torch's gradient conventions (zero gradient at a zero norm). */
const NORM: OpDef<NormAttrs> = {
  name: 'norm',
  forward([x], attrs, save) {
    const { p, axes, keepdim } = attrs;
    const a = abs(x!);
    let out: Tensor;
    if (p === Infinity) out = amax(a, axes, keepdim);
    else if (p === -Infinity) out = amin(a, axes, keepdim);
    else if (p === 0) out = sum(gt(a, 0).to(x!.dtype), axes, keepdim);
    else if (p === 1) out = sum(a, axes, keepdim);
    else if (p === 2) out = sqrt(sum(square(a), axes, keepdim));
    else out = pow(sum(pow(a, p), axes, keepdim), 1 / p);
    save(x!, out);
    return out;
  },
  backward(g, ctx) {
    const [x, out] = ctx.saved;
    const { p } = ctx.attrs;
    const shape = ctx.inputs[0]!.shape;
    const gx = expandBack(g, shape, ctx.attrs);
    const n = expandBack(out!, shape, ctx.attrs);
    if (p === 0) return [null];
    if (p === 1) return [mul(gx, sign(x!))];
    if (p === Infinity || p === -Infinity) {
      const mask = eq(abs(x!), n);
      const count = sum(mask, ctx.attrs.axes, true);
      return [div(mul(mul(gx, sign(x!)), mask), count)];
    }
    const zero = eq(n, 0);
    if (p === 2) return [mul(x!, where(zero, 0, div(gx, n)))];
    const scale = where(zero, 0, div(gx, pow(n, p - 1)));
    return [mul(mul(x!, pow(abs(x!), p - 2)), scale)];
  },
};

export interface NormOptions extends ReduceOptions {
  p?: NormOrder;
}

export type NormArgs = Args<[p: NormOrder, dim: number | readonly number[] | null, keepdim: boolean], NormOptions>;

/** The p-norm over dim (all elements by default): p = 2 ('fro'), 1, Infinity, -Infinity, 0 or any p > 0. */
export function norm(x: Tensor, ...args: NormArgs): Tensor {
  checkTensor('norm', x);
  const { p = 2, dim, keepdim } = parseArgs('norm', args, { p: either(num, oneOf('fro')), ...REDUCE_SPEC });
  const attrs = reduceAttrs('norm', x, [{ dim, keepdim }]);
  if (!isFloat(x.dtype)) throw new Error(`norm: input dtype must be floating point, got ${x.dtype}`);
  return apply(NORM, [x], { ...attrs, p: p === 'fro' ? 2 : p });
}

export function all(x: Tensor, ...args: ReduceArgs): Tensor {
  return reduceForward('all', x, reduceAttrs('all', x, args), 'bool');
}

export function any(x: Tensor, ...args: ReduceArgs): Tensor {
  return reduceForward('any', x, reduceAttrs('any', x, args), 'bool');
}

const CUMSUM: OpDef<{ axis: number }> = {
  name: 'cumsum',
  forward([x], { axis }) {
    const dtype = x!.dtype === 'bool' ? 'int32' : x!.dtype;
    if (x!.ndim === 0) return x!.to(dtype).clone();
    return fromKernel(kernels().scan('cumsum', x!, axis, dtype), x!.shape, dtype);
  },
  backward(g, ctx) {
    if (g.ndim === 0) return [g];
    const axis = ctx.attrs.axis;
    return [flip(cumsum(flip(g, [axis]), axis), [axis])];
  },
};

/** Running sum along dim. */
export function cumsum(x: Tensor, dim: number, ...extra: []): Tensor {
  checkTensor('cumsum', x);
  checkArg('cumsum', 'dim', dim, int);
  noExtraArgs('cumsum', extra);
  return apply(CUMSUM, [x], { axis: normalizeDim('cumsum', dim, x.ndim) });
}

/** Sums a broadcast gradient back down to `shape` (used once, by the autograd engine). */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  const lead = g.ndim - shape.length;
  if (lead < 0) throw new Error(`sumToShape: cannot reduce ${shapeStr(g.shape)} to ${shapeStr(shape)}`);
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead) axes.push(i);
    else if (shape[i - lead] === 1 && g.shape[i] !== 1) axes.push(i);
    else if (shape[i - lead] !== g.shape[i]) {
      throw new Error(`sumToShape: cannot reduce ${shapeStr(g.shape)} to ${shapeStr(shape)}`);
    }
  }
  const summed = axes.length > 0 ? sum(g, axes, true) : g;
  return reshape(summed, shape);
}

// ---- op table ------------------------------------------------------------------------------

type DimAttrs = { dim: number | number[] | null; keepdim: boolean };
const dimSamples = [
  sample([f([3, 4])], { dim: null, keepdim: false } as DimAttrs),
  sample([f([3, 4], undefined, 'transposed')], { dim: 1, keepdim: false } as DimAttrs),
  sample([f([2, 3, 4])], { dim: [0, 2], keepdim: true } as DimAttrs),
  sample([f([2, 3, 4], undefined, 'strided')], { dim: -2, keepdim: false } as DimAttrs),
];
const dimOf = (a: DimAttrs): number | number[] | undefined => a.dim ?? undefined;
const torchDim = 'dim=(tuple(range(x0.dim())) if a["dim"] is None else a["dim"]), keepdim=a["keepdim"]';

export const table: OpEntry<object>[] = [
  entry({ name: 'sum', run: ([x], a: DimAttrs) => sum(x!, dimOf(a), a.keepdim), torch: `torch.sum(x0, ${torchDim})`, samples: dimSamples }),
  entry({ name: 'mean', run: ([x], a: DimAttrs) => mean(x!, dimOf(a), a.keepdim), torch: `torch.mean(x0, ${torchDim})`, samples: dimSamples }),
  entry({ name: 'amax', run: ([x], a: DimAttrs) => amax(x!, dimOf(a), a.keepdim), torch: `torch.amax(x0, ${torchDim})`, samples: dimSamples }),
  entry({ name: 'amin', run: ([x], a: DimAttrs) => amin(x!, dimOf(a), a.keepdim), torch: `torch.amin(x0, ${torchDim})`, samples: dimSamples }),
  entry({ name: 'logsumexp', run: ([x], a: DimAttrs) => logsumexp(x!, dimOf(a), a.keepdim), torch: `torch.logsumexp(x0, ${torchDim})`, samples: dimSamples }),
  entry({
    name: 'prod',
    run: ([x], a: DimAttrs) => prod(x!, dimOf(a), a.keepdim),
    torch: '(torch.prod(x0) if a["dim"] is None else torch.prod(x0, a["dim"], keepdim=a["keepdim"]))',
    samples: [
      sample([f([3, 4], [0.5, 1.5])], { dim: null, keepdim: false } as DimAttrs),
      sample([f([3, 4], undefined, 'transposed')], { dim: 1, keepdim: true } as DimAttrs),
      sample([{ shape: [2, 3], values: [[1, 0, 2], [0, 0, 3]] }], { dim: 1, keepdim: false } as DimAttrs),
    ],
  }),
  entry({
    name: 'var',
    run: ([x], a: DimAttrs & { unbiased: boolean }) => variance(x!, dimOf(a), { unbiased: a.unbiased, keepdim: a.keepdim }),
    torch: `torch.var(x0, ${torchDim}, unbiased=a["unbiased"])`,
    samples: [
      sample([f([3, 4])], { dim: null, keepdim: false, unbiased: true }),
      sample([f([3, 4], undefined, 'transposed')], { dim: 1, keepdim: true, unbiased: false }),
      sample([f([2, 3, 4])], { dim: [0, 2], keepdim: false, unbiased: true }),
    ],
  }),
  entry({
    name: 'std',
    run: ([x], a: DimAttrs & { unbiased: boolean }) => std(x!, dimOf(a), { unbiased: a.unbiased, keepdim: a.keepdim }),
    torch: `torch.std(x0, ${torchDim}, unbiased=a["unbiased"])`,
    samples: [
      sample([f([3, 4])], { dim: null, keepdim: false, unbiased: true }),
      sample([f([2, 3, 4], undefined, 'strided')], { dim: -1, keepdim: false, unbiased: false }),
    ],
  }),
  entry({
    name: 'norm',
    run: ([x], a: DimAttrs & { p: number | string }) => norm(x!, a.p === 'Infinity' ? Infinity : (a.p as number), dimOf(a), a.keepdim),
    torch: `torch.linalg.vector_norm(x0, ord=float(a["p"]), ${torchDim})`,
    samples: [
      sample([f([3, 4])], { dim: null, keepdim: false, p: 2 }),
      sample([f([3, 4])], { dim: 1, keepdim: true, p: 1 }),
      sample([f([3, 4], undefined, 'transposed')], { dim: 0, keepdim: false, p: 'Infinity' }),
      sample([f([2, 5])], { dim: -1, keepdim: false, p: 3 }),
    ],
  }),
  entry({
    name: 'maxDim',
    run: ([x], a: { dim: number; keepdim: boolean }) => {
      const r = max(x!, a.dim, a.keepdim);
      return [r.values, r.indices];
    },
    torch: 'tuple(torch.max(x0, a["dim"], keepdim=a["keepdim"]))',
    samples: [sample([f([3, 4])], { dim: 1, keepdim: false }), sample([f([2, 3, 4], undefined, 'strided')], { dim: 0, keepdim: true })],
  }),
  entry({
    name: 'minDim',
    run: ([x], a: { dim: number; keepdim: boolean }) => {
      const r = min(x!, a.dim, a.keepdim);
      return [r.values, r.indices];
    },
    torch: 'tuple(torch.min(x0, a["dim"], keepdim=a["keepdim"]))',
    samples: [sample([f([3, 4], undefined, 'transposed')], { dim: -1, keepdim: false })],
  }),
  entry({
    name: 'argmax',
    run: ([x], a: { dim: number | null; keepdim: boolean }) => [argmax(x!, a.dim ?? undefined, a.keepdim), argmin(x!, a.dim ?? undefined, a.keepdim)],
    torch: '(torch.argmax(x0, a["dim"], keepdim=a["keepdim"]).int(), torch.argmin(x0, a["dim"], keepdim=a["keepdim"]).int())',
    differentiable: false,
    samples: [sample([f([3, 4])], { dim: null, keepdim: false }), sample([f([3, 4])], { dim: 0, keepdim: true })],
  }),
  entry({
    name: 'cumsum',
    run: ([x], a: { dim: number }) => cumsum(x!, a.dim),
    torch: 'torch.cumsum(x0, a["dim"])',
    samples: [sample([f([5])], { dim: 0 }), sample([f([3, 4], undefined, 'transposed')], { dim: 1 })],
  }),
  entry({
    name: 'allAny',
    run: ([x], a: { dim: number | null }) => [all(x!, a.dim ?? undefined), any(x!, a.dim ?? undefined)],
    torch: '(torch.all(x0) if a["dim"] is None else torch.all(x0, a["dim"]), torch.any(x0) if a["dim"] is None else torch.any(x0, a["dim"]))',
    differentiable: false,
    samples: [sample([{ shape: [2, 3], dtype: 'bool' }], { dim: null }), sample([{ shape: [3, 2], dtype: 'bool' }], { dim: 1 })],
  }),
];
