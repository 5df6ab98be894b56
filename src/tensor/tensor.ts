/**
 * The Tensor: a strided view (shape, strides, offset) over a Storage, plus autograd state.
 * Its op methods are one-line sugar over the functions in ops/.
 */
import type { DType, TypedArray } from './dtype.js';
import { isFloat } from './dtype.js';
import { contiguousStrides, isContiguous, numel, normalizeDim, shapeStr, type Shape } from './shape.js';
import { Storage } from './storage.js';
import { AccumulateGrad, type Node } from '../autograd/node.js';
import { runBackward } from '../autograd/engine.js';
import { kernels } from '../backend/registry.js';
import { formatTensor } from './format.js';
import * as E from '../ops/elementwise.js';
import * as R from '../ops/reduce.js';
import * as L from '../ops/linalg.js';
import * as M from '../ops/movement.js';
import * as I from '../ops/indexing.js';
import * as J from '../ops/join.js';
import * as N from '../ops/nn.js';
import * as P from '../ops/inplace.js';
import * as A from '../ops/activation.js';
import { TENSOR_BRAND, type Args } from '../ops/args.js';

export type Nested<T> = T | Nested<T>[];
export type TensorLike = Tensor | number | boolean;

export interface BackwardArgs {
  /**
   * Keep the tensors the graph saved, for another backward through it (default: createGraph, as
   * PyTorch's retain_graph). Without it they are freed during the backward.
   */
  retainGraph?: boolean;
  /** Record the backward pass so the gradients can be differentiated again. */
  createGraph?: boolean;
}

const BACKWARD_OPTIONS = ['retainGraph', 'createGraph'] as const;

/** Reads backward's options, rejecting what is not a plain object of known boolean flags. */
function checkBackwardOptions(options: unknown): { createGraph: boolean; retainGraph: boolean } {
  if (options === undefined) return { createGraph: false, retainGraph: false };
  if (typeof options !== 'object' || options === null || Array.isArray(options) || options instanceof Tensor) {
    const got = options === null ? 'null' : Array.isArray(options) ? 'an array' : options instanceof Tensor ? 'a tensor' : typeof options;
    throw new Error(`backward: the gradient must be a tensor and the options a plain object { retainGraph, createGraph }, got ${got}`);
  }
  for (const [key, value] of Object.entries(options)) {
    if (!(BACKWARD_OPTIONS as readonly string[]).includes(key)) {
      throw new Error(`backward: unknown option '${key}' (the options are ${BACKWARD_OPTIONS.join(', ')})`);
    }
    if (value !== undefined && typeof value !== 'boolean') {
      throw new Error(`backward: option ${key} must be a boolean, got ${typeof value}`);
    }
  }
  const createGraph = (options as BackwardArgs).createGraph === true;
  return { createGraph, retainGraph: (options as BackwardArgs).retainGraph ?? createGraph };
}

/** A shape given either as one array or as separate sizes: `reshape([2, 3])` or `reshape(2, 3)`. */
export type ShapeArgs = [readonly number[]] | number[];

export function shapeFromArgs(args: ShapeArgs): number[] {
  return Array.isArray(args[0]) ? [...(args[0] as readonly number[])] : (args as number[]);
}

export class Tensor {
  /** The gradient accumulated by backward() (leaves, and non-leaves after retainGrad()). */
  grad: Tensor | null = null;
  private leafRequiresGrad = false;
  private node: Node | null = null;
  private accumulator: AccumulateGrad | null = null;
  /**
   * Internal, set for views made by movement ops: the base's gradFn when the view was taken. An
   * in-place op that later replaces the base's history leaves the view's own history out of date.
   */
  viewTakenAt: Node | null | undefined = undefined;

  /** Internal: use tensor(), zeros() and the other creation functions. */
  constructor(
    readonly storage: Storage,
    readonly shape: readonly number[],
    readonly strides: readonly number[],
    readonly offset: number,
    readonly dtype: DType,
    /** The tensor whose storage this view shares, or null for a tensor that owns its storage. */
    readonly base: Tensor | null = null,
  ) {}

  /** A new contiguous tensor over a typed array of the right length and type. */
  /** Lets ops/args.ts recognise tensors without importing this module. */
  get [TENSOR_BRAND](): true {
    return true;
  }

  static fromData(data: TypedArray, shape: Shape, dtype: DType): Tensor {
    return new Tensor(new Storage(data), [...shape], contiguousStrides(shape), 0, dtype);
  }

  /** The backing array (shared with views): part of the kernel View interface. */
  get data(): TypedArray {
    return this.storage.data;
  }

  get ndim(): number {
    return this.shape.length;
  }

  dim(): number {
    return this.shape.length;
  }

  numel(): number {
    return numel(this.shape);
  }

  /** The shape, or one size (negative dims allowed). */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    if (dim === undefined) return [...this.shape];
    return this.shape[normalizeDim('size', dim, this.ndim)] ?? 1;
  }

  isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }

  // ---- autograd state -------------------------------------------------------------------

  get requiresGrad(): boolean {
    return this.leafRequiresGrad || this.node !== null;
  }

  set requiresGrad(flag: boolean) {
    this.requiresGrad_(flag);
  }

  /** The op that produced this tensor, or null for a leaf. */
  get gradFn(): Node | null {
    return this.node;
  }

  get isLeaf(): boolean {
    return this.node === null;
  }

  /** Sets requiresGrad on a leaf (torch's requires_grad_). */
  requiresGrad_(flag = true): this {
    if (this.node !== null) {
      if (flag) return this;
      throw new Error(
        `requiresGrad_: cannot turn off requiresGrad on a non-leaf tensor (made by '${this.node.name}'); use detach()`,
      );
    }
    if (flag && !isFloat(this.dtype)) {
      throw new Error(`requiresGrad_: only floating-point tensors can require gradients, got dtype ${this.dtype}`);
    }
    this.leafRequiresGrad = flag;
    return this;
  }

  /** Keeps .grad for this non-leaf tensor after backward(). */
  retainGrad(): this {
    if (this.node !== null) this.node.retained = this;
    else if (!this.leafRequiresGrad) {
      throw new Error('retainGrad: the tensor does not require grad, so it will never have a gradient');
    }
    return this;
  }

  /** Internal: the graph node gradients for this tensor flow into (null if it needs none). */
  gradEdge(): Node | null {
    if (this.node !== null) return this.node;
    if (!this.leafRequiresGrad) return null;
    this.accumulator ??= new AccumulateGrad(this);
    return this.accumulator;
  }

  /** Internal: makes this tensor the output of a recorded op (or a leaf again, with null). */
  setGradFn(node: Node | null): void {
    this.node = node;
  }

  /** A tensor sharing this one's data with no autograd history. */
  detach(): Tensor {
    return new Tensor(this.storage, this.shape, this.strides, this.offset, this.dtype, this.base ?? this);
  }

  /** The same view as a new, history-free tensor object (internal use by apply()). */
  alias(): Tensor {
    return this.detach();
  }

  /**
   * Computes gradients of this tensor with respect to every leaf that requires grad, adding
   * them into their .grad. A non-scalar tensor needs the gradient of some scalar with respect
   * to it, as in PyTorch.
   */
  backward(options?: BackwardArgs): void;
  backward(gradient: Tensor | null | undefined, options?: BackwardArgs): void;
  backward(first?: Tensor | BackwardArgs | null, second?: BackwardArgs, ...extra: unknown[]): void {
    // PyTorch users write backward(retain_graph=True): an options object may come first.
    const [gradient, options] = first instanceof Tensor || first == null ? [first ?? undefined, second] : [undefined, first];
    if (extra.length > 0 || (!(first instanceof Tensor) && first != null && second !== undefined)) {
      throw new Error('backward: expected backward(), backward(options), backward(gradient) or backward(gradient, options), got extra arguments');
    }
    const { createGraph, retainGraph } = checkBackwardOptions(options);
    if (!this.requiresGrad) {
      throw new Error(
        'backward: this tensor does not require grad and has no gradFn: no input of the computation had ' +
          'requiresGrad set (create them with { requiresGrad: true }), or it was computed inside noGrad()',
      );
    }
    let g = gradient;
    if (g === undefined) {
      if (this.numel() !== 1) {
        throw new Error(
          `backward: grad can be implicitly created only for scalar outputs, but this tensor has shape ` +
            `${shapeStr(this.shape)}; pass a gradient of that shape, or reduce the output first (e.g. .sum())`,
        );
      }
      g = E.onesLikeRaw(this);
    } else if (g.shape.length !== this.shape.length || g.shape.some((d, i) => d !== this.shape[i])) {
      throw new Error(
        `backward: gradient has shape ${shapeStr(g.shape)} but the tensor has shape ${shapeStr(this.shape)}`,
      );
    }
    runBackward([this], [g], { createGraph, retainGraph });
  }

  // ---- read-out ---------------------------------------------------------------------------

  /** The value of a one-element tensor (bool gives 0 or 1). */
  item(): number {
    if (this.numel() !== 1) {
      throw new Error(`item: only one-element tensors can be converted to a number, got shape ${shapeStr(this.shape)}`);
    }
    return this.storage.data[this.offset]!;
  }

  /** A contiguous copy of the elements in row-major order, as a typed array of this dtype. */
  toTypedArray(): TypedArray {
    return kernels().copy(this, this.dtype);
  }

  /** The elements as nested arrays (numbers; booleans for bool tensors). */
  toArray(): Nested<number> | Nested<boolean> {
    const flat = this.toTypedArray();
    const conv = this.dtype === 'bool' ? (v: number) => v !== 0 : (v: number) => v;
    if (this.ndim === 0) return conv(flat[0]!);
    const build = (dim: number, start: number): Nested<number | boolean>[] => {
      const size = this.shape[dim]!;
      const step = numel(this.shape.slice(dim + 1));
      const out: Nested<number | boolean>[] = [];
      for (let i = 0; i < size; i++) {
        out.push(dim === this.ndim - 1 ? conv(flat[start + i]!) : build(dim + 1, start + i * step));
      }
      return out;
    };
    return build(0, 0) as Nested<number> | Nested<boolean>;
  }

  toString(): string {
    return formatTensor(this);
  }

  // ---- conversions ------------------------------------------------------------------------

  to(dtype: DType): Tensor {
    return dtype === this.dtype ? this : E.cast(this, dtype);
  }
  float(): Tensor { return this.to('float32'); }
  double(): Tensor { return this.to('float64'); }
  int(): Tensor { return this.to('int32'); }
  bool(): Tensor { return this.to('bool'); }

  // ---- elementwise ------------------------------------------------------------------------

  add(other: TensorLike, ...args: Args<[alpha: number | boolean], E.AlphaOptions>): Tensor { return E.add(this, other, ...args); }
  sub(other: TensorLike, ...args: Args<[alpha: number | boolean], E.AlphaOptions>): Tensor { return E.sub(this, other, ...args); }
  mul(other: TensorLike, ...extra: []): Tensor { return E.mul(this, other, ...extra); }
  div(other: TensorLike, ...args: Args<[roundingMode: E.RoundingMode | null], E.DivOptions>): Tensor { return E.div(this, other, ...args); }
  pow(exponent: TensorLike, ...extra: []): Tensor { return E.pow(this, exponent, ...extra); }
  maximum(other: TensorLike, ...extra: []): Tensor { return E.maximum(this, other, ...extra); }
  minimum(other: TensorLike, ...extra: []): Tensor { return E.minimum(this, other, ...extra); }
  remainder(other: TensorLike, ...extra: []): Tensor { return E.remainder(this, other, ...extra); }
  floorDivide(other: TensorLike, ...extra: []): Tensor { return E.floorDivide(this, other, ...extra); }
  eq(other: TensorLike, ...extra: []): Tensor { return E.eq(this, other, ...extra); }
  ne(other: TensorLike, ...extra: []): Tensor { return E.ne(this, other, ...extra); }
  lt(other: TensorLike, ...extra: []): Tensor { return E.lt(this, other, ...extra); }
  le(other: TensorLike, ...extra: []): Tensor { return E.le(this, other, ...extra); }
  gt(other: TensorLike, ...extra: []): Tensor { return E.gt(this, other, ...extra); }
  ge(other: TensorLike, ...extra: []): Tensor { return E.ge(this, other, ...extra); }
  logicalAnd(other: TensorLike, ...extra: []): Tensor { return E.logicalAnd(this, other, ...extra); }
  logicalOr(other: TensorLike, ...extra: []): Tensor { return E.logicalOr(this, other, ...extra); }
  logicalXor(other: TensorLike, ...extra: []): Tensor { return E.logicalXor(this, other, ...extra); }
  logicalNot(...extra: []): Tensor { return E.logicalNot(this, ...extra); }
  neg(...extra: []): Tensor { return E.neg(this, ...extra); }
  abs(...extra: []): Tensor { return E.abs(this, ...extra); }
  sign(...extra: []): Tensor { return E.sign(this, ...extra); }
  exp(...extra: []): Tensor { return E.exp(this, ...extra); }
  log(...extra: []): Tensor { return E.log(this, ...extra); }
  log1p(...extra: []): Tensor { return E.log1p(this, ...extra); }
  expm1(...extra: []): Tensor { return E.expm1(this, ...extra); }
  sqrt(...extra: []): Tensor { return E.sqrt(this, ...extra); }
  rsqrt(...extra: []): Tensor { return E.rsqrt(this, ...extra); }
  square(...extra: []): Tensor { return E.square(this, ...extra); }
  reciprocal(...extra: []): Tensor { return E.reciprocal(this, ...extra); }
  sin(...extra: []): Tensor { return E.sin(this, ...extra); }
  cos(...extra: []): Tensor { return E.cos(this, ...extra); }
  tanh(...extra: []): Tensor { return E.tanh(this, ...extra); }
  sigmoid(...extra: []): Tensor { return E.sigmoid(this, ...extra); }
  relu(...extra: []): Tensor { return E.relu(this, ...extra); }
  erf(...extra: []): Tensor { return E.erf(this, ...extra); }
  floor(...extra: []): Tensor { return E.floor(this, ...extra); }
  ceil(...extra: []): Tensor { return E.ceil(this, ...extra); }
  round(...extra: []): Tensor { return E.round(this, ...extra); }
  trunc(...extra: []): Tensor { return E.trunc(this, ...extra); }
  isNan(...extra: []): Tensor { return E.isNan(this, ...extra); }
  isFinite(...extra: []): Tensor { return E.isFinite(this, ...extra); }
  leakyRelu(...args: Args<[negativeSlope: number], E.LeakyReluOptions>): Tensor { return E.leakyRelu(this, ...args); }
  elu(...args: Args<[alpha: number], E.EluOptions>): Tensor { return E.elu(this, ...args); }
  selu(...extra: []): Tensor { return E.selu(this, ...extra); }
  softplus(...args: Args<[beta: number, threshold: number], E.SoftplusOptions>): Tensor { return E.softplus(this, ...args); }
  gelu(...args: Args<[approximate: E.GeluApproximate], E.GeluOptions>): Tensor { return E.gelu(this, ...args); }
  hardshrink(lambd?: number): Tensor { return A.hardshrink(this, lambd); }
  prelu(weight: Tensor): Tensor { return A.prelu(this, weight); }
  clamp(...args: Args<[min: E.ClampBound, max: E.ClampBound], E.ClampOptions>): Tensor { return E.clamp(this, ...args); }
  where(condition: Tensor, other: TensorLike): Tensor { return E.where(condition, this, other); }

  // ---- reductions -------------------------------------------------------------------------

  sum(...args: R.ReduceArgs): Tensor { return R.sum(this, ...args); }
  mean(...args: R.ReduceArgs): Tensor { return R.mean(this, ...args); }
  prod(...args: R.ReduceArgs): Tensor { return R.prod(this, ...args); }
  max(): Tensor;
  max(dim: number, ...rest: Args<[keepdim: boolean], { keepdim?: boolean }>): R.ValuesIndices;
  max(options: R.ExtremeOptions): R.ValuesIndices;
  max(...args: unknown[]): Tensor | R.ValuesIndices { return (R.max as (x: Tensor, ...a: unknown[]) => Tensor | R.ValuesIndices)(this, ...args); }
  min(): Tensor;
  min(dim: number, ...rest: Args<[keepdim: boolean], { keepdim?: boolean }>): R.ValuesIndices;
  min(options: R.ExtremeOptions): R.ValuesIndices;
  min(...args: unknown[]): Tensor | R.ValuesIndices { return (R.min as (x: Tensor, ...a: unknown[]) => Tensor | R.ValuesIndices)(this, ...args); }
  amax(...args: R.ReduceArgs): Tensor { return R.amax(this, ...args); }
  amin(...args: R.ReduceArgs): Tensor { return R.amin(this, ...args); }
  argmax(...args: R.ArgExtremeArgs): Tensor { return R.argmax(this, ...args); }
  argmin(...args: R.ArgExtremeArgs): Tensor { return R.argmin(this, ...args); }
  var(...args: R.VarianceArgs): Tensor { return R.variance(this, ...args); }
  std(...args: R.VarianceArgs): Tensor { return R.std(this, ...args); }
  logsumexp(...args: R.ReduceArgs): Tensor { return R.logsumexp(this, ...args); }
  norm(...args: R.NormArgs): Tensor { return R.norm(this, ...args); }
  all(...args: R.ReduceArgs): Tensor { return R.all(this, ...args); }
  any(...args: R.ReduceArgs): Tensor { return R.any(this, ...args); }
  cumsum(dim: number, ...extra: []): Tensor { return R.cumsum(this, dim, ...extra); }
  softmax(dim: number, ...extra: []): Tensor { return N.softmax(this, dim, ...extra); }
  logSoftmax(dim: number, ...extra: []): Tensor { return N.logSoftmax(this, dim, ...extra); }

  // ---- linear algebra ---------------------------------------------------------------------

  matmul(other: Tensor): Tensor { return L.matmul(this, other); }
  mm(other: Tensor): Tensor { return L.mm(this, other); }
  bmm(other: Tensor): Tensor { return L.bmm(this, other); }
  dot(other: Tensor): Tensor { return L.dot(this, other); }
  outer(other: Tensor): Tensor { return L.outer(this, other); }

  // ---- views and copies -------------------------------------------------------------------

  reshape(...shape: ShapeArgs): Tensor { return M.reshape(this, shapeFromArgs(shape)); }
  view(...shape: ShapeArgs): Tensor { return M.view(this, shapeFromArgs(shape)); }
  permute(...dims: ShapeArgs): Tensor { return M.permute(this, shapeFromArgs(dims)); }
  expand(...shape: ShapeArgs): Tensor { return M.expand(this, shapeFromArgs(shape)); }
  expandAs(other: Tensor): Tensor { return M.expand(this, other.shape); }
  transpose(dim0: number, dim1: number): Tensor { return M.transpose(this, dim0, dim1); }
  /** The transpose of a matrix (rank <= 2), as torch's .t(). */
  t(): Tensor { return M.t(this); }
  /** Transpose of the last two dims (torch's .mT). */
  get mT(): Tensor { return M.transpose(this, -2, -1); }
  squeeze(dim?: number | readonly number[]): Tensor { return M.squeeze(this, dim); }
  unsqueeze(dim: number): Tensor { return M.unsqueeze(this, dim); }
  flatten(startDim?: number, endDim?: number): Tensor { return M.flatten(this, startDim, endDim); }
  unflatten(dim: number, sizes: readonly number[]): Tensor { return M.unflatten(this, dim, sizes); }
  narrow(dim: number, start: number, length: number): Tensor { return M.narrow(this, dim, start, length); }
  slice(dim: number, start?: number | null, end?: number | null, step?: number): Tensor {
    return M.slice(this, dim, start, end, step);
  }
  select(dim: number, index: number): Tensor { return M.select(this, dim, index); }
  flip(dims: number | readonly number[]): Tensor { return M.flip(this, dims); }
  contiguous(): Tensor { return M.contiguous(this); }
  clone(): Tensor { return M.clone(this); }

  // ---- indexing ---------------------------------------------------------------------------

  gather(dim: number, index: Tensor, ...extra: []): Tensor { return I.gather(this, dim, index, ...extra); }
  scatter(dim: number, index: Tensor, src: TensorLike, ...extra: []): Tensor { return I.scatter(this, dim, index, src, ...extra); }
  scatterAdd(dim: number, index: Tensor, src: Tensor, ...extra: []): Tensor { return I.scatterAdd(this, dim, index, src, ...extra); }
  indexSelect(dim: number, index: Tensor, ...extra: []): Tensor { return I.indexSelect(this, dim, index, ...extra); }
  maskedFill(mask: Tensor, value: TensorLike, ...extra: []): Tensor { return I.maskedFill(this, mask, value, ...extra); }
  tril(...args: I.TriangleArgs): Tensor { return I.tril(this, ...args); }
  triu(...args: I.TriangleArgs): Tensor { return I.triu(this, ...args); }
  topk(k: number, ...args: I.TopkArgs): R.ValuesIndices { return I.topk(this, k, ...args); }
  sort(...args: I.SortArgs): R.ValuesIndices { return I.sort(this, ...args); }
  argsort(...args: I.SortArgs): Tensor { return I.argsort(this, ...args); }
  split(splitSize: number | readonly number[], ...args: J.DimArgs): Tensor[] { return J.split(this, splitSize, ...args); }
  chunk(chunks: number, ...args: J.DimArgs): Tensor[] { return J.chunk(this, chunks, ...args); }
  unbind(...args: J.DimArgs): Tensor[] { return J.unbind(this, ...args); }

  // ---- in place (bump the version counter; autograd checks it) ------------------------------

  add_(other: TensorLike, ...args: Args<[alpha: number | boolean], E.AlphaOptions>): this { return P.inplace(this, 'add_', (self) => E.add(self, other, ...args)); }
  sub_(other: TensorLike, ...args: Args<[alpha: number | boolean], E.AlphaOptions>): this { return P.inplace(this, 'sub_', (self) => E.sub(self, other, ...args)); }
  mul_(other: TensorLike): this { return P.inplace(this, 'mul_', (self) => E.mul(self, other)); }
  div_(other: TensorLike, ...args: Args<[roundingMode: E.RoundingMode | null], E.DivOptions>): this { return P.inplace(this, 'div_', (self) => E.div(self, other, ...args)); }
  clamp_(...args: Args<[min: E.ClampBound, max: E.ClampBound], E.ClampOptions>): this { return P.inplace(this, 'clamp_', (self) => E.clamp(self, ...args)); }
  maskedFill_(mask: Tensor, value: TensorLike): this { return P.inplace(this, 'maskedFill_', (self) => I.maskedFill(self, mask, value)); }
  copy_(src: Tensor): this { return P.copyInto(this, src); }
  fill_(value: number): this { return P.fill(this, value); }
  zero_(): this { return P.fill(this, 0, 'zero_'); }
  uniform_(low = 0, high = 1): this { return P.fillRandom(this, { kind: 'uniform', low, high }); }
  normal_(mean = 0, std = 1): this { return P.fillRandom(this, { kind: 'normal', mean, std }); }
}
