/** Movement ops: views that change only shape, strides and offset (and reshape, which may copy). */
import { apply, type OpDef } from '../autograd/function.js';
import { kernels } from '../backend/registry.js';
import { Tensor } from '../tensor/tensor.js';
import { allocate } from '../tensor/dtype.js';
import { checkShape, checkSize, inferShape, isSize, normalizeDim, normalizeDims, numel, shapeStr, type Shape } from '../tensor/shape.js';
import { isContiguous } from '../tensor/shape.js';
import { checkTensor, fromKernel } from './util.js';
import { entry, f, sample, type OpEntry } from './table.js';
import { anyArray, anyNum, checkArg, int, intArray, intOrInts, noExtraArgs, nullable } from './args.js';

function viewOf(x: Tensor, shape: readonly number[], strides: readonly number[], offset: number): Tensor {
  const root = x.base ?? x;
  const view = new Tensor(x.storage, shape, strides, offset, x.dtype, root);
  view.viewTakenAt = root.gradFn;
  return view;
}

/**
 * Strides that let `shape` view x's storage without copying, or null when the element order
 * would not survive (torch's computeStride).
 */
function viewStrides(x: Tensor, shape: readonly number[]): number[] | null {
  if (numel(x.shape) === 0 || x.ndim === 0) {
    const out = new Array<number>(shape.length);
    let s = 1;
    for (let i = shape.length - 1; i >= 0; i--) {
      out[i] = s;
      s *= Math.max(shape[i]!, 1);
    }
    return out;
  }
  const newStrides = new Array<number>(shape.length);
  let viewD = shape.length - 1;
  let chunkBase = x.strides[x.ndim - 1]!;
  let tensorElems = 1;
  let viewElems = 1;
  for (let d = x.ndim - 1; d >= 0; d--) {
    tensorElems *= x.shape[d]!;
    if (d === 0 || (x.shape[d - 1] !== 1 && x.strides[d - 1] !== tensorElems * chunkBase)) {
      while (viewD >= 0 && (viewElems < tensorElems || shape[viewD] === 1)) {
        newStrides[viewD] = viewElems * chunkBase;
        viewElems *= shape[viewD]!;
        viewD--;
      }
      if (viewElems !== tensorElems) return null;
      if (d > 0) {
        chunkBase = x.strides[d - 1]!;
        tensorElems = 1;
        viewElems = 1;
      }
    }
  }
  if (viewD !== -1) return null;
  return newStrides;
}

const RESHAPE: OpDef<{ shape: number[] }> = {
  name: 'reshape',
  privateGradients: true,
  forward([x], { shape }) {
    const strides = viewStrides(x!, shape);
    if (strides !== null) return viewOf(x!, shape, strides, x!.offset);
    return fromKernel(kernels().copy(x!, x!.dtype), shape, x!.dtype);
  },
  backward(g, ctx) {
    return [reshape(g, ctx.inputs[0]!.shape)];
  },
};

/** A tensor with the same elements in a new shape (one size may be -1): a view when possible, else a copy. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('reshape', x);
  checkArg('reshape', 'shape', shape, anyArray);
  return apply(RESHAPE, [x], { shape: inferShape('reshape', x.shape, shape) });
}

/** Like reshape, but never copies: throws when the layout cannot be viewed in the new shape. */
export function view(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('view', x);
  checkArg('view', 'shape', shape, anyArray);
  const target = inferShape('view', x.shape, shape);
  if (viewStrides(x, target) === null) {
    throw new Error(
      `view: shape ${shapeStr(target)} cannot view a tensor of shape ${shapeStr(x.shape)} with strides ` +
        `${shapeStr(x.strides)} without copying (a dimension spans non-contiguous memory); use reshape() instead`,
    );
  }
  return apply(RESHAPE, [x], { shape: target });
}

const PERMUTE: OpDef<{ dims: number[] }> = {
  name: 'permute',
  privateGradients: true,
  forward([x], { dims }) {
    return viewOf(x!, dims.map((d) => x!.shape[d]!), dims.map((d) => x!.strides[d]!), x!.offset);
  },
  backward(g, ctx) {
    const inverse = new Array<number>(ctx.attrs.dims.length);
    ctx.attrs.dims.forEach((d, i) => (inverse[d] = i));
    return [permute(g, inverse)];
  },
};

/** Reorders the dims: result dim i is input dim dims[i]. */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  checkTensor('permute', x);
  checkArg('permute', 'dims', dims, anyArray);
  if (dims.length !== x.ndim) {
    throw new Error(`permute: got ${dims.length} dims ${shapeStr(dims)} for a tensor of rank ${x.ndim} (shape ${shapeStr(x.shape)})`);
  }
  const norm = normalizeDims('permute', dims, x.ndim);
  return apply(PERMUTE, [x], { dims: norm });
}

export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  checkTensor('transpose', x);
  checkArg('transpose', 'dim0', dim0, int);
  checkArg('transpose', 'dim1', dim1, int);
  if (x.ndim === 0) return apply(PERMUTE, [x], { dims: [] });
  const a = normalizeDim('transpose', dim0, x.ndim);
  const b = normalizeDim('transpose', dim1, x.ndim);
  const dims = [...x.shape.keys()];
  dims[a] = b;
  dims[b] = a;
  return apply(PERMUTE, [x], { dims });
}

/** Matrix transpose for rank <= 2 (torch's .t()). */
export function t(x: Tensor): Tensor {
  checkTensor('t', x);
  if (x.ndim > 2) {
    throw new Error(`t: expects a tensor of rank <= 2, got shape ${shapeStr(x.shape)}; use transpose(dim0, dim1) or .mT`);
  }
  return x.ndim < 2 ? apply(PERMUTE, [x], { dims: [...x.shape.keys()] }) : transpose(x, 0, 1);
}

const EXPAND: OpDef<{ shape: number[] }> = {
  name: 'expand',
  privateGradients: true,
  forward([x], { shape }) {
    const lead = shape.length - x!.ndim;
    const strides = shape.map((d, i) => (i < lead || x!.shape[i - lead] !== d ? 0 : x!.strides[i - lead]!));
    return viewOf(x!, shape, strides, x!.offset);
  },
  backward(g) {
    return [g]; // the engine sums it back to the input's shape
  },
};

/** Broadcasts size-1 dims (and new leading dims) to `shape` without copying; -1 keeps a size. */
export function expand(x: Tensor, shape: Shape): Tensor {
  checkTensor('expand', x);
  checkShape('expand', shape, 'any');
  const lead = shape.length - x.ndim;
  if (lead < 0) {
    throw new Error(`expand: the target shape ${shapeStr(shape)} has fewer dims than the input ${shapeStr(x.shape)}`);
  }
  const target = shape.map((d, i) => {
    const own = i >= lead ? x.shape[i - lead]! : undefined;
    if (d === -1) {
      if (own === undefined) throw new Error(`expand: -1 is not allowed for the new leading dim ${i} in ${shapeStr(shape)}`);
      return own;
    }
    if (own !== undefined && own !== 1 && own !== d) {
      throw new Error(
        `expand: cannot expand shape ${shapeStr(x.shape)} to ${shapeStr(shape)}: dim ${i} has size ${own}, ` +
          `which is neither 1 nor ${d}`,
      );
    }
    return d;
  });
  return apply(EXPAND, [x], { shape: target });
}

/** Removes size-1 dims: all of them, or those named (a named dim of another size is left alone). */
export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  checkTensor('squeeze', x);
  if (dim !== undefined) checkArg('squeeze', 'dim', dim, intOrInts);
  const dims = dim === undefined ? [...x.shape.keys()] : normalizeDims('squeeze', dim, x.ndim);
  return reshape(x, x.shape.filter((d, i) => !(d === 1 && dims.includes(i))));
}

/** Inserts a size-1 dim at position dim (in [-rank-1, rank]). */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  checkTensor('unsqueeze', x);
  checkArg('unsqueeze', 'dim', dim, int);
  const d = normalizeDim('unsqueeze', dim, x.ndim + 1);
  const shape = [...x.shape];
  shape.splice(d, 0, 1);
  return reshape(x, shape);
}

/** Merges dims startDim..endDim into one. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  checkTensor('flatten', x);
  checkArg('flatten', 'startDim', startDim, int);
  checkArg('flatten', 'endDim', endDim, int);
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeDim('flatten', startDim, x.ndim);
  const e = normalizeDim('flatten', endDim, x.ndim);
  if (s > e) throw new Error(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
  const shape = [...x.shape.slice(0, s), numel(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

/** Splits dim into `sizes` (one may be -1). */
export function unflatten(x: Tensor, dim: number, sizes: readonly number[]): Tensor {
  checkTensor('unflatten', x);
  checkArg('unflatten', 'dim', dim, int);
  checkArg('unflatten', 'sizes', sizes, intArray);
  const d = normalizeDim('unflatten', dim, x.ndim);
  const inner = inferShape('unflatten', [x.shape[d]!], sizes);
  return reshape(x, [...x.shape.slice(0, d), ...inner, ...x.shape.slice(d + 1)]);
}

interface SliceAttrs {
  dim: number;
  start: number;
  length: number;
  step: number;
}

function sliceView(x: Tensor, { dim, start, length, step }: SliceAttrs): Tensor {
  const shape = [...x.shape];
  const strides = [...x.strides];
  shape[dim] = length;
  strides[dim] = x.strides[dim]! * step;
  return viewOf(x, shape, strides, x.offset + (length > 0 ? start * x.strides[dim]! : 0));
}

const SLICE: OpDef<SliceAttrs> = {
  name: 'slice',
  privateGradients: true,
  forward([x], attrs) {
    return sliceView(x!, attrs);
  },
  backward(g, ctx) {
    return [apply(SLICE_BACKWARD, [g], { ...ctx.attrs, inputShape: ctx.inputs[0]!.shape })];
  },
};

/** Zeros of the sliced tensor's shape with the gradient written into the sliced region. */
const SLICE_BACKWARD: OpDef<SliceAttrs & { inputShape: Shape }> = {
  name: 'sliceBackward',
  privateGradients: true,
  forward([g], attrs) {
    const out = fromKernel(allocate(g!.dtype, numel(attrs.inputShape)), attrs.inputShape, g!.dtype);
    kernels().assign(sliceView(out, attrs), g!);
    return out;
  },
  backward(gg, ctx) {
    return [apply(SLICE, [gg], ctx.attrs)];
  },
};

/** Elements start, start+step, ... below end along dim, with Python's slice rules (negatives count from the end). */
export function slice(x: Tensor, dim: number, start?: number | null, end?: number | null, step = 1, ...extra: []): Tensor {
  checkTensor('slice', x);
  checkArg('slice', 'dim', dim, int);
  for (const [name, value] of [['start', start], ['end', end]] as const) if (value !== undefined) checkArg('slice', name, value, nullable(anyNum));
  checkArg('slice', 'step', step, anyNum);
  noExtraArgs('slice', extra);
  const d = normalizeDim('slice', dim, x.ndim);
  checkSize('slice', 'step', step, 1);
  for (const [name, index] of [['start', start], ['end', end]] as const) {
    if (index != null && !Number.isSafeInteger(index)) throw new Error(`slice: ${name} must be an integer or null, got ${index}`);
  }
  const size = x.shape[d] ?? 1;
  const clampIndex = (i: number): number => Math.min(Math.max(i < 0 ? i + size : i, 0), size);
  const s = clampIndex(start ?? 0);
  const e = clampIndex(end ?? size);
  const length = e > s ? Math.ceil((e - s) / step) : 0;
  return apply(SLICE, [x], { dim: d, start: s, length, step });
}

/** `length` elements along dim from start (a negative start counts from the end). */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  checkTensor('narrow', x);
  for (const [name, value] of [['dim', dim], ['start', start], ['length', length]] as const) checkArg('narrow', name, value, int);
  const d = normalizeDim('narrow', dim, x.ndim);
  const size = x.shape[d]!;
  const s = start < 0 ? start + size : start;
  if (!isSize(s) || !isSize(length) || s + length > size) {
    throw new Error(
      `narrow: start ${start} and length ${length} are out of range for dim ${dim} of size ${size} (shape ${shapeStr(x.shape)})`,
    );
  }
  return apply(SLICE, [x], { dim: d, start: s, length, step: 1 });
}

/** The slice at `index` along dim, with that dim removed (x[:, index] for dim 1). */
export function select(x: Tensor, dim: number, index: number): Tensor {
  checkTensor('select', x);
  checkArg('select', 'dim', dim, int);
  checkArg('select', 'index', index, int);
  const d = normalizeDim('select', dim, x.ndim);
  const size = x.shape[d]!;
  if (!Number.isInteger(index) || index < -size || index >= size) {
    throw new Error(`select: index ${index} is out of range for dim ${dim} of size ${size}`);
  }
  return squeeze(narrow(x, d, index < 0 ? index + size : index, 1), d);
}

const FLIP: OpDef<{ dims: number[] }> = {
  name: 'flip',
  forward([x], { dims }) {
    const strides = [...x!.strides];
    let offset = x!.offset;
    for (const d of dims) {
      if (x!.shape[d]! > 0) offset += (x!.shape[d]! - 1) * x!.strides[d]!;
      strides[d] = -x!.strides[d]!;
    }
    return viewOf(x!, x!.shape, strides, offset);
  },
  backward(g, ctx) {
    return [flip(g, ctx.attrs.dims)];
  },
};

/** Reverses the order along dims (a view with negative strides). */
export function flip(x: Tensor, dims: number | readonly number[]): Tensor {
  checkTensor('flip', x);
  checkArg('flip', 'dims', dims, intOrInts);
  return apply(FLIP, [x], { dims: normalizeDims('flip', dims, x.ndim) });
}

const CLONE: OpDef<undefined> = {
  name: 'clone',
  forward([x]) {
    return fromKernel(kernels().copy(x!, x!.dtype), x!.shape, x!.dtype);
  },
  backward(g) {
    return [g];
  },
};

/** A copy with its own contiguous storage (gradient flows through). */
export function clone(x: Tensor): Tensor {
  checkTensor('clone', x);
  return apply(CLONE, [x], undefined);
}

/** x itself when already contiguous, else a contiguous copy. */
export function contiguous(x: Tensor): Tensor {
  checkTensor('contiguous', x);
  return isContiguous(x.shape, x.strides) ? x : clone(x);
}

// ---- op table ------------------------------------------------------------------------------

export const table: OpEntry<object>[] = [
  entry({
    name: 'reshape',
    run: ([x], a: { shape: number[] }) => reshape(x!, a.shape),
    torch: 'torch.reshape(x0, a["shape"])',
    samples: [sample([f([2, 6])], { shape: [3, -1] }), sample([f([3, 4], undefined, 'transposed')], { shape: [12] })],
  }),
  entry({
    name: 'permute',
    run: ([x], a: { dims: number[] }) => permute(x!, a.dims),
    torch: 'x0.permute(*a["dims"])',
    samples: [sample([f([2, 3, 4])], { dims: [2, 0, 1] })],
  }),
  entry({
    name: 'transpose',
    run: ([x], a: { d0: number; d1: number }) => transpose(x!, a.d0, a.d1),
    torch: 'torch.transpose(x0, a["d0"], a["d1"])',
    samples: [sample([f([2, 3, 4])], { d0: 0, d1: -1 })],
  }),
  entry({
    name: 'expand',
    run: ([x], a: { shape: number[] }) => expand(x!, a.shape),
    torch: 'x0.expand(*a["shape"])',
    samples: [sample([f([3, 1])], { shape: [2, 3, 4] }), sample([f([1, 4])], { shape: [-1, 4] })],
  }),
  entry({
    name: 'squeezeUnsqueeze',
    run: ([x]) => [squeeze(x!), squeeze(x!, 1), unsqueeze(x!, -1)],
    torch: '(torch.squeeze(x0), torch.squeeze(x0, 1), torch.unsqueeze(x0, -1))',
    samples: [sample([f([2, 1, 3, 1])])],
  }),
  entry({
    name: 'flatten',
    run: ([x], a: { s: number; e: number }) => flatten(x!, a.s, a.e),
    torch: 'torch.flatten(x0, a["s"], a["e"])',
    samples: [sample([f([2, 3, 4], undefined, 'strided')], { s: 1, e: -1 }), sample([f([2, 3, 4])], { s: 0, e: 1 })],
  }),
  entry({
    name: 'slice',
    run: ([x], a: { dim: number; start: number; end: number; step: number }) => slice(x!, a.dim, a.start, a.end, a.step),
    torch: 'x0[(slice(None),) * (a["dim"] % x0.dim()) + (slice(a["start"], a["end"], a["step"]),)]',
    samples: [sample([f([4, 6])], { dim: 1, start: 1, end: -1, step: 2 }), sample([f([5, 3])], { dim: 0, start: -3, end: 5, step: 1 })],
  }),
  entry({
    name: 'narrow',
    run: ([x], a: { dim: number; start: number; length: number }) => narrow(x!, a.dim, a.start, a.length),
    torch: 'torch.narrow(x0, a["dim"], a["start"], a["length"])',
    samples: [sample([f([4, 6], undefined, 'transposed')], { dim: 0, start: 1, length: 2 })],
  }),
  entry({
    name: 'select',
    run: ([x], a: { dim: number; index: number }) => select(x!, a.dim, a.index),
    torch: 'torch.select(x0, a["dim"], a["index"])',
    samples: [sample([f([3, 4])], { dim: 1, index: -1 })],
  }),
  entry({
    name: 'flip',
    run: ([x], a: { dims: number[] }) => flip(x!, a.dims),
    torch: 'torch.flip(x0, a["dims"])',
    samples: [sample([f([3, 4])], { dims: [0, 1] }), sample([f([2, 3, 4], undefined, 'strided')], { dims: [-1] })],
  }),
];
