/** Indexing ops: gather/scatter, indexSelect, maskedFill, oneHot, tril/triu, sort and topk. */
import { apply, type OpDef } from '../autograd/function.js';
import { kernels } from '../backend/registry.js';
import type { Tensor, TensorLike } from '../tensor/tensor.js';
import { normalizeDim, shapeStr, broadcastShapes, sameShape, numel, isSize, checkSize } from '../tensor/shape.js';
import { asTensor, checkIndexTensor, checkTensor, fromKernel, isTensor, scalarTensor } from './util.js';
import { cast, eq, ge, le, where, sub } from './elementwise.js';
import { expand, narrow, reshape, unsqueeze } from './movement.js';
import { pad } from './join.js';
import { entry, f, sample, type OpEntry } from './table.js';
import { anyNum, bool, checkArg, int, noExtraArgs, parseArgs, scalarOrTensor, type Args } from './args.js';
import type { ValuesIndices } from './reduce.js';

interface AxisAttrs {
  axis: number;
}

function checkGatherShapes(op: string, x: Tensor, axis: number, index: Tensor): void {
  checkIndexTensor(op, index);
  const ok = index.ndim === x.ndim && index.shape.every((d, i) => i === axis || d <= x.shape[i]!);
  if (!ok) {
    throw new Error(
      `${op}: index of shape ${shapeStr(index.shape)} does not fit input of shape ${shapeStr(x.shape)} along dim ${axis}: ` +
        `it needs the same rank, and sizes no larger than the input's in the other dims`,
    );
  }
}

function gatherOp(name: string): OpDef<AxisAttrs> {
  return {
    name,
    forward([x, index], { axis }, save) {
      save(index!);
      return fromKernel(kernels().gather(x!, axis, index!), index!.shape, x!.dtype);
    },
    backward(g, ctx) {
      const [index] = ctx.saved;
      const zeros = expand(scalarTensor(0, g.dtype), ctx.inputs[0]!.shape);
      return [scatterAdd(zeros, ctx.attrs.axis, index!, g), null];
    },
  };
}

const GATHER = gatherOp('gather');
const INDEX_SELECT = gatherOp('indexSelect');

/** out[i][j] = x[index[i][j]][j] along dim 0 (torch.gather); out has index's shape. */
export function gather(x: Tensor, dim: number, index: Tensor, ...extra: []): Tensor {
  checkTensor('gather', x);
  checkArg('gather', 'dim', dim, int);
  noExtraArgs('gather', extra);
  checkTensor('gather', index, 'index');
  const axis = x.ndim === 0 ? 0 : normalizeDim('gather', dim, x.ndim);
  if (x.ndim === 0) return apply(GATHER, [reshape(x, [1]), reshape(index, [1])], { axis }).reshape([]);
  checkGatherShapes('gather', x, axis, index);
  return apply(GATHER, [x, index], { axis });
}

/** The entries of x at the 1-D `index` along dim. */
export function indexSelect(x: Tensor, dim: number, index: Tensor, ...extra: []): Tensor {
  checkTensor('indexSelect', x);
  checkArg('indexSelect', 'dim', dim, int);
  noExtraArgs('indexSelect', extra);
  checkTensor('indexSelect', index, 'index');
  checkIndexTensor('indexSelect', index);
  if (index.ndim > 1) throw new Error(`indexSelect: index must be 1-D (or 0-D), got shape ${shapeStr(index.shape)}`);
  if (x.ndim === 0) throw new Error('indexSelect: input must have at least 1 dim');
  const axis = normalizeDim('indexSelect', dim, x.ndim);
  const n = numel(index.shape);
  const lined = reshape(index, x.shape.map((_, i) => (i === axis ? n : 1)));
  const full = expand(lined, x.shape.map((d, i) => (i === axis ? n : d)));
  return apply(INDEX_SELECT, [x, full], { axis });
}

function scatterOp(mode: 'assign' | 'add'): OpDef<AxisAttrs> {
  return {
    name: mode === 'add' ? 'scatterAdd' : 'scatter',
    forward([x, index, src], { axis }, save) {
      save(index!);
      return fromKernel(kernels().scatter(x!, axis, index!, src!, mode), x!.shape, x!.dtype);
    },
    backward(g, ctx) {
      const [index] = ctx.saved;
      const { axis } = ctx.attrs;
      const gx = mode === 'add' ? g : scatter(g, axis, index!, 0);
      let gsrc: Tensor | null = null;
      if (ctx.needsGrad[2]) {
        gsrc = gather(g, axis, index!);
        const srcShape = ctx.inputs[2]!.shape;
        if (!sameShape(gsrc.shape, srcShape)) {
          // src may be larger than index: its unindexed tail gets zero gradient.
          const grown = gsrc;
          const pads = [...srcShape.keys()].reverse().flatMap((d) => [0, srcShape[d]! - grown.shape[d]!]);
          gsrc = pad(grown, pads);
        }
      }
      return [gx, null, gsrc];
    },
  };
}

const SCATTER = scatterOp('assign');
const SCATTER_ADD = scatterOp('add');

function scatterCall(op: OpDef<AxisAttrs>, x: Tensor, dim: number, index: Tensor, src: TensorLike, extra: readonly unknown[]): Tensor {
  checkTensor(op.name, x);
  checkArg(op.name, 'dim', dim, int);
  checkArg(op.name, 'src', src, scalarOrTensor);
  noExtraArgs(op.name, extra);
  checkTensor(op.name, index, 'index');
  const axis = normalizeDim(op.name, dim, x.ndim);
  checkGatherShapes(op.name, x, axis, index);
  const source = isTensor(src) ? src : expand(asTensor(src, x.dtype), index.shape);
  if (source.ndim !== index.ndim || index.shape.some((d, i) => d > source.shape[i]!)) {
    throw new Error(
      `${op.name}: src of shape ${shapeStr(source.shape)} must have index's rank and be at least as large as index ${shapeStr(index.shape)} in every dim`,
    );
  }
  if (source.dtype !== x.dtype) {
    throw new Error(`${op.name}: src dtype ${source.dtype} must match the input's dtype ${x.dtype}`);
  }
  return apply(op, [x, index, source], { axis });
}

/** A copy of x with src written at index along dim (torch.scatter). */
export function scatter(x: Tensor, dim: number, index: Tensor, src: TensorLike, ...extra: []): Tensor {
  return scatterCall(SCATTER, x, dim, index, src, extra);
}

/** A copy of x with src added at index along dim; repeated indices accumulate (torch.scatter_add). */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor, ...extra: []): Tensor {
  return scatterCall(SCATTER_ADD, x, dim, index, src, extra);
}

/** x with `value` where mask is true (mask broadcasts to x's shape). */
export function maskedFill(x: Tensor, mask: Tensor, value: TensorLike, ...extra: []): Tensor {
  checkTensor('maskedFill', x);
  checkArg('maskedFill', 'value', value, scalarOrTensor);
  noExtraArgs('maskedFill', extra);
  checkTensor('maskedFill', mask, 'mask');
  if (mask.dtype !== 'bool') throw new Error(`maskedFill: mask must be a bool tensor, got dtype ${mask.dtype}`);
  if (isTensor(value) && value.ndim !== 0) {
    throw new Error(`maskedFill: value must be a number or a 0-dim tensor, got shape ${shapeStr(value.shape)}`);
  }
  if (!sameShape(broadcastShapes('maskedFill', x.shape, mask.shape), x.shape)) {
    throw new Error(`maskedFill: mask of shape ${shapeStr(mask.shape)} does not broadcast to the input's shape ${shapeStr(x.shape)}`);
  }
  const v = isTensor(value) ? cast(value, x.dtype) : asTensor(value, x.dtype);
  return where(mask, v, x);
}

/** Int32 class indices -> one-hot int32 vectors in a new last dim of size numClasses (-1: max + 1). */
export function oneHot(indices: Tensor, ...args: Args<[numClasses: number], { numClasses?: number }>): Tensor {
  checkTensor('oneHot', indices);
  const { numClasses = -1 } = parseArgs('oneHot', args, { numClasses: anyNum });
  checkIndexTensor('oneHot', indices, 'indices');
  const values = indices.toTypedArray();
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (numClasses !== -1) checkSize('oneHot', 'numClasses', numClasses);
  const classes = numClasses === -1 ? (values.length === 0 ? 0 : hi + 1) : numClasses;
  if (values.length > 0 && (lo < 0 || hi >= classes)) {
    throw new Error(`oneHot: class values must be in [0, ${classes}), got values from ${lo} to ${hi}`);
  }
  const range = fromKernel(Int32Array.from({ length: classes }, (_, i) => i), [classes], 'int32');
  return cast(eq(unsqueeze(indices, -1), range), 'int32');
}

/** Bool mask over the last two dims keeping col - row <= k (lower) or >= k (upper). */
function triangleMask(rows: number, cols: number, k: number, lower: boolean): Tensor {
  const r = fromKernel(Int32Array.from({ length: rows }, (_, i) => i), [rows, 1], 'int32');
  const c = fromKernel(Int32Array.from({ length: cols }, (_, i) => i), [1, cols], 'int32');
  const diff = sub(c, r);
  return lower ? le(diff, k) : ge(diff, k);
}

export type TriangleArgs = Args<[diagonal: number], { diagonal?: number }>;

function triangle(op: 'tril' | 'triu', x: Tensor, args: readonly unknown[]): Tensor {
  checkTensor(op, x);
  const { diagonal = 0 } = parseArgs(op, args, { diagonal: int });
  if (x.ndim < 2) throw new Error(`${op}: input must have at least 2 dims, got shape ${shapeStr(x.shape)}`);
  const mask = triangleMask(x.shape[x.ndim - 2]!, x.shape[x.ndim - 1]!, diagonal, op === 'tril');
  return where(mask, x, asTensor(0, x.dtype));
}

/** The lower triangle of the last two dims (elements with col - row <= diagonal); the rest zero. */
export function tril(x: Tensor, ...args: TriangleArgs): Tensor {
  return triangle('tril', x, args);
}

export function triu(x: Tensor, ...args: TriangleArgs): Tensor {
  return triangle('triu', x, args);
}

export interface SortOptions {
  dim?: number;
  descending?: boolean;
  /** Accepted for torch's signature: the sort is always stable. */
  stable?: boolean;
}

export type SortArgs = Args<[dim: number, descending: boolean], SortOptions>;

function sortArgs(op: string, x: Tensor, args: readonly unknown[]): { dim: number; descending: boolean } {
  checkTensor(op, x);
  const { dim = -1, descending = false } = parseArgs(op, args, { dim: int, descending: bool, stable: bool }, ['dim', 'descending']);
  return { dim, descending };
}

/** Indices that sort x along dim (stable; NaN sorts last ascending). */
export function argsort(x: Tensor, ...args: SortArgs): Tensor {
  const { dim, descending } = sortArgs('argsort', x, args);
  return argsortAlong(x, dim, descending);
}

function argsortAlong(x: Tensor, dim: number, descending: boolean): Tensor {
  if (x.ndim === 0) return scalarTensor(0, 'int32');
  const axis = normalizeDim('argsort', dim, x.ndim);
  return fromKernel(kernels().argsort(x, axis, descending), x.shape, 'int32');
}

/** Sorted values along dim and the indices they came from (stable, as torch.sort(stable=True)). */
export function sort(x: Tensor, ...args: SortArgs): ValuesIndices {
  const { dim, descending } = sortArgs('sort', x, args);
  const indices = argsortAlong(x, dim, descending);
  return { values: x.ndim === 0 ? x.clone() : gather(x, dim, indices), indices };
}

/** The k largest (or smallest) values along dim, in order, with their indices. */
export interface TopkOptions {
  dim?: number;
  largest?: boolean;
  sorted?: boolean;
}

export type TopkArgs = Args<[dim: number, largest: boolean, sorted: boolean], TopkOptions>;

export function topk(x: Tensor, k: number, ...args: TopkArgs): ValuesIndices {
  checkTensor('topk', x);
  checkArg('topk', 'k', k, int);
  const { dim = -1, largest = true, sorted = true } = parseArgs('topk', args, { dim: int, largest: bool, sorted: bool });
  const axis = x.ndim === 0 ? 0 : normalizeDim('topk', dim, x.ndim);
  const size = x.ndim === 0 ? 1 : x.shape[axis]!;
  if (!isSize(k) || k > size) {
    throw new Error(`topk: k = ${k} is out of range for dim ${dim} of size ${size} (shape ${shapeStr(x.shape)})`);
  }
  void sorted; // results always come sorted, which torch allows for sorted=false too
  if (x.ndim === 0) return { values: x.clone(), indices: scalarTensor(0, 'int32') };
  const indices = narrow(argsortAlong(x, axis, largest), axis, 0, k).contiguous();
  return { values: gather(x, axis, indices), indices };
}

// ---- op table ------------------------------------------------------------------------------

const idx = (shape: number[], values: number[][] | number[]): { shape: number[]; dtype: 'int32'; values: number[][] | number[] } => ({
  shape,
  dtype: 'int32',
  values,
});

export const table: OpEntry<object>[] = [
  entry({
    name: 'gather',
    run: ([x, i], a: { dim: number }) => gather(x!, a.dim, i!),
    torch: 'torch.gather(x0, a["dim"], x1.long())',
    samples: [
      sample([f([3, 4]), idx([3, 2], [[0, 3], [1, 1], [2, 0]])], { dim: 1 }),
      sample([f([3, 4], undefined, 'transposed'), idx([2, 4], [[0, 1, 2, 0], [2, 2, 1, 0]])], { dim: 0 }),
    ],
  }),
  entry({
    name: 'scatterAdd',
    run: ([x, i, s], a: { dim: number }) => scatterAdd(x!, a.dim, i!, s!),
    torch: 'torch.scatter_add(x0, a["dim"], x1.long(), x2)',
    samples: [sample([f([3, 4]), idx([3, 2], [[0, 3], [1, 1], [2, 0]]), f([3, 2])], { dim: 1 })],
  }),
  entry({
    name: 'scatter',
    run: ([x, i, s], a: { dim: number }) => scatter(x!, a.dim, i!, s!),
    torch: 'torch.scatter(x0, a["dim"], x1.long(), x2)',
    samples: [sample([f([3, 4]), idx([2, 4], [[0, 1, 2, 0], [2, 0, 1, 1]]), f([2, 4])], { dim: 0 })],
  }),
  entry({
    name: 'indexSelect',
    run: ([x, i], a: { dim: number }) => indexSelect(x!, a.dim, i!),
    torch: 'torch.index_select(x0, a["dim"], x1.long())',
    samples: [sample([f([3, 4]), idx([5], [3, 0, 0, 2, 1])], { dim: 1 }), sample([f([3, 4], undefined, 'strided'), idx([2], [2, 2])], { dim: 0 })],
  }),
  entry({
    name: 'maskedFill',
    run: ([x, m], a: { value: number }) => maskedFill(x!, m!, a.value),
    torch: 'torch.masked_fill(x0, x1, a["value"])',
    samples: [sample([f([3, 4]), { shape: [4], dtype: 'bool' }], { value: -1.5 })],
  }),
  entry({
    name: 'oneHot',
    run: ([i], a: { n: number }) => oneHot(i!, a.n),
    torch: 'torch.nn.functional.one_hot(x0.long(), a["n"]).int()',
    differentiable: false,
    samples: [sample([idx([2, 3], [[0, 2, 1], [3, 3, 0]])], { n: 5 }), sample([idx([3], [2, 0, 1])], { n: -1 })],
  }),
  entry({
    name: 'tril',
    run: ([x], a: { k: number }) => [tril(x!, a.k), triu(x!, a.k)],
    torch: '(torch.tril(x0, a["k"]), torch.triu(x0, a["k"]))',
    samples: [sample([f([4, 5])], { k: 0 }), sample([f([2, 3, 3], undefined, 'transposed')], { k: -1 })],
  }),
  entry({
    name: 'sort',
    run: ([x], a: { dim: number; descending: boolean }) => {
      const r = sort(x!, a.dim, a.descending);
      return [r.values, r.indices];
    },
    torch: 'tuple(r if i == 0 else r.int() for i, r in enumerate(torch.sort(x0, dim=a["dim"], descending=a["descending"], stable=True)))',
    samples: [sample([f([3, 5])], { dim: -1, descending: false }), sample([f([4, 3], undefined, 'transposed')], { dim: 0, descending: true })],
  }),
  entry({
    name: 'topk',
    run: ([x], a: { k: number; dim: number; largest: boolean }) => {
      const r = topk(x!, a.k, a.dim, a.largest);
      return [r.values, r.indices];
    },
    torch: 'tuple(r if i == 0 else r.int() for i, r in enumerate(torch.topk(x0, a["k"], a["dim"], a["largest"])))',
    samples: [sample([f([3, 6])], { k: 2, dim: 1, largest: true }), sample([f([5, 2])], { k: 3, dim: 0, largest: false })],
  }),
];
