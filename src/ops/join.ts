/** Joining and splitting: cat, stack, split, chunk, and pad (constant, reflect, replicate, circular). */
import { apply, type OpDef } from '../autograd/function.js';
import { kernels } from '../backend/registry.js';
import type { Tensor } from '../tensor/tensor.js';
import { allocate, resultType } from '../tensor/dtype.js';
import { normalizeDim, numel, shapeStr, type Shape, isSize } from '../tensor/shape.js';
import { broadcastView, checkTensor, fromKernel, promotionOperand, scalarTensor } from './util.js';
import { narrow, permute, select, unsqueeze } from './movement.js';
import { indexSelect } from './indexing.js';
import { anyNum, checkArg, int, intArray, intOrInts, oneOf, parseArgs, type Args } from './args.js';
import { entry, f, sample, type OpEntry } from './table.js';

/** Writes each part into its place along axis of a new tensor. */
const CAT: OpDef<{ axis: number }> = {
  name: 'cat',
  forward(parts, { axis }) {
    const first = parts[0]!;
    const dtype = resultType(parts.map(promotionOperand).map((o) => ({ ...o, tier: 'tensor' as const })));
    const total = parts.reduce((s, p) => s + p.shape[axis]!, 0);
    const shape = first.shape.map((d, i) => (i === axis ? total : d));
    const out = fromKernel(allocate(dtype, numel(shape)), shape, dtype);
    let start = 0;
    for (const p of parts) {
      const len = p.shape[axis]!;
      if (len > 0) kernels().assign(narrow(out, axis, start, len), p);
      start += len;
    }
    return out;
  },
  backward(g, ctx) {
    let start = 0;
    return ctx.inputs.map((meta) => {
      const len = meta.shape[ctx.attrs.axis]!;
      const part = narrow(g, ctx.attrs.axis, start, len);
      start += len;
      return part;
    });
  },
};

export interface DimOptions {
  dim?: number;
}

/** An optional `dim` (default 0), positionally or as `{dim}`. */
export type DimArgs = Args<[dim: number], DimOptions>;

function dimArg(op: string, args: readonly unknown[]): number {
  return parseArgs(op, args, { dim: int }).dim ?? 0;
}

/** Concatenates tensors of equal shape except along dim. */
export function cat(tensors: readonly Tensor[], ...args: DimArgs): Tensor {
  const dim = dimArg('cat', args);
  if (!Array.isArray(tensors) || tensors.length === 0) throw new Error('cat: expected a non-empty array of tensors');
  tensors.forEach((t, i) => checkTensor('cat', t, `tensors[${i}]`));
  // torch skips 1-D empty tensors when joining.
  const parts = tensors.filter((t) => !(t.ndim === 1 && t.shape[0] === 0));
  if (parts.length === 0) return tensors[0]!.clone();
  const first = parts[0]!;
  const axis = normalizeDim('cat', dim, first.ndim);
  parts.forEach((t, i) => {
    if (t.ndim !== first.ndim || t.shape.some((d: number, j: number) => j !== axis && d !== first.shape[j])) {
      throw new Error(
        `cat: tensors must have the same shape except in dim ${dim}, but tensor 0 has shape ${shapeStr(first.shape)} ` +
          `and tensor ${i} has shape ${shapeStr(t.shape)}`,
      );
    }
  });
  if (first.ndim === 0) throw new Error('cat: zero-dimensional tensors cannot be concatenated; use stack');
  return apply(CAT, parts, { axis });
}

/** Joins equally shaped tensors along a new dim. */
export function stack(tensors: readonly Tensor[], ...args: DimArgs): Tensor {
  const dim = dimArg('stack', args);
  if (!Array.isArray(tensors) || tensors.length === 0) throw new Error('stack: expected a non-empty array of tensors');
  tensors.forEach((t, i) => checkTensor('stack', t, `tensors[${i}]`));
  const first = tensors[0]!;
  tensors.forEach((t, i) => {
    if (t.ndim !== first.ndim || t.shape.some((d: number, j: number) => d !== first.shape[j])) {
      throw new Error(
        `stack: all tensors must have the same shape, but tensor 0 has shape ${shapeStr(first.shape)} and tensor ${i} has ${shapeStr(t.shape)}`,
      );
    }
  });
  const axis = normalizeDim('stack', dim, first.ndim + 1);
  return apply(CAT, tensors.map((t) => unsqueeze(t, axis)), { axis });
}

/** What the pieces of one unbind share: the source, the axis, and a slot per piece for its gradient. */
interface UnbindShared {
  source: Tensor;
  axis: number;
  grads: (Tensor | undefined)[];
}

/**
 * The pieces' gradients (undefined: zero) written into one new tensor laid out in memory as
 * `source` is (its dims in the order of their strides), not row-major in its shape: when the
 * source is a permuted view (multi-head attention's q, k and v as [B, heads, T, headDim] views
 * of in_proj's [T, B, 3, E] output), the gradient then passes back through the permute and
 * reshape as views, and each piece is copied once, straight into in_proj's output gradient.
 */
function joinInLayoutOf(source: Tensor, axis: number, grads: readonly (Tensor | undefined)[]): Tensor {
  const order = source.shape.map((_, d) => d).sort((a, b) => source.strides[b]! - source.strides[a]! || a - b);
  const inverse = order.map((_, d) => order.indexOf(d));
  const dense = fromKernel(allocate(source.dtype, source.numel()), order.map((d) => source.shape[d]!), source.dtype);
  const out = permute(dense, inverse);
  grads.forEach((g, i) => {
    if (g !== undefined) kernels().assign(select(out, axis, i), g);
  });
  return out;
}

/**
 * The anchor of an unbind: a 0-dim token every piece hangs from. Pieces run their backward
 * first (they consume the token), each leaving its gradient in a slot; the anchor then joins
 * the slots once. Selecting each piece separately would instead build a full-size zero gradient
 * per piece, which makes a T-step recurrence cost O(T^2).
 */
const UNBIND_ANCHOR: OpDef<UnbindShared> = {
  name: 'unbind',
  forward([x]) {
    return scalarTensor(0, x!.dtype);
  },
  backward(_g, { attrs }) {
    const { source, axis } = attrs;
    const grads = [...attrs.grads];
    attrs.grads.fill(undefined);
    // A recorded backward (gradients of gradients) stacks through the differentiable op.
    if (grads.some((g) => g?.requiresGrad === true)) {
      const pieceShape = source.shape.filter((_, i) => i !== axis);
      return [stack(grads.map((g) => g ?? fromKernel(allocate(source.dtype, numel(pieceShape)), pieceShape, source.dtype)), axis)];
    }
    return [joinInLayoutOf(source, axis, grads)];
  },
};

const UNBIND_PIECE: OpDef<UnbindShared & { index: number }> = {
  name: 'unbind',
  forward(_token, { source, axis, index }) {
    return select(source, axis, index);
  },
  backward(g, { attrs }) {
    attrs.grads[attrs.index] = g;
    return [scalarTensor(0, g.dtype)];
  },
};

/** The slices along dim, with that dim removed (torch.unbind): views of x. */
export function unbind(x: Tensor, ...args: DimArgs): Tensor[] {
  checkTensor('unbind', x);
  const dim = dimArg('unbind', args);
  if (x.ndim === 0) throw new Error('unbind: a zero-dimensional tensor has no dim to unbind');
  const axis = normalizeDim('unbind', dim, x.ndim);
  const size = x.shape[axis]!;
  const shared: UnbindShared = { source: x, axis, grads: new Array<Tensor | undefined>(size).fill(undefined) };
  const token = apply(UNBIND_ANCHOR, [x], shared);
  if (!token.requiresGrad) return Array.from({ length: size }, (_, i) => select(x, axis, i));
  return Array.from({ length: size }, (_, index) => apply(UNBIND_PIECE, [token], { ...shared, index }));
}

/** Views of consecutive pieces along dim: of size `splitSize` each (the last may be smaller), or of the listed sizes. */
export function split(x: Tensor, splitSize: number | readonly number[], ...args: DimArgs): Tensor[] {
  checkTensor('split', x);
  checkArg('split', 'splitSize', splitSize, intOrInts);
  const dim = dimArg('split', args);
  const axis = normalizeDim('split', dim, x.ndim);
  const size = x.shape[axis]!;
  let sizes: number[];
  if (typeof splitSize === 'number') {
    if (!isSize(splitSize, 1)) {
      throw new Error(`split: splitSize must be a positive integer, got ${splitSize}`);
    }
    sizes = [];
    for (let s = 0; s < size; s += splitSize) sizes.push(Math.min(splitSize, size - s));
    if (size === 0) sizes.push(0);
  } else {
    sizes = [...splitSize];
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total !== size || sizes.some((s) => !isSize(s))) {
      throw new Error(`split: sizes ${shapeStr(sizes)} must be non-negative and add up to ${size}, the size of dim ${dim}`);
    }
  }
  let start = 0;
  return sizes.map((len) => {
    const part = narrow(x, axis, start, len);
    start += len;
    return part;
  });
}

/** Splits into `chunks` pieces of ceil(size / chunks) along dim (fewer when that divides evenly earlier). */
export function chunk(x: Tensor, chunks: number, ...args: DimArgs): Tensor[] {
  checkTensor('chunk', x);
  const dim = dimArg('chunk', args);
  if (!isSize(chunks, 1)) throw new Error(`chunk: chunks must be a positive integer, got ${chunks}`);
  const axis = normalizeDim('chunk', dim, x.ndim);
  const size = x.shape[axis]!;
  return split(x, Math.max(1, Math.ceil(size / chunks)), axis);
}

export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

interface PadAttrs {
  /** [before, after] per dim, first dim first. */
  widths: [number, number][];
  value: number;
}

function paddedShape(shape: Shape, widths: readonly [number, number][]): number[] {
  return shape.map((d, i) => d + widths[i]![0] + widths[i]![1]);
}

/** Constant padding with non-negative widths: fill, then write the input into the middle. */
const PAD_CONSTANT: OpDef<PadAttrs> = {
  name: 'pad',
  forward([x], { widths, value }) {
    const shape = paddedShape(x!.shape, widths);
    const out = fromKernel(allocate(x!.dtype, numel(shape)), shape, x!.dtype);
    kernels().assign(out, broadcastView(scalarTensor(value, x!.dtype), shape));
    if (numel(x!.shape) > 0) kernels().assign(interior(out, x!.shape, widths), x!);
    return out;
  },
  backward(g, ctx) {
    return [interior(g, ctx.inputs[0]!.shape, ctx.attrs.widths)];
  },
};

function interior(t: Tensor, inner: Shape, widths: readonly [number, number][]): Tensor {
  let v = t;
  inner.forEach((d, i) => {
    if (widths[i]![0] !== 0 || widths[i]![1] !== 0) v = narrow(v, i, widths[i]![0], d);
  });
  return v;
}

/** Source index for each padded position along one dim. */
function padIndex(mode: Exclude<PadMode, 'constant'>, size: number, before: number, after: number): Int32Array {
  const out = new Int32Array(size + before + after);
  for (let j = 0; j < out.length; j++) {
    const i = j - before;
    if (mode === 'replicate') out[j] = Math.min(Math.max(i, 0), size - 1);
    else if (mode === 'circular') out[j] = ((i % size) + size) % size;
    else out[j] = i < 0 ? -i : i >= size ? 2 * (size - 1) - i : i;
  }
  return out;
}

/**
 * Pads x (torch.nn.functional.pad): `pads` lists (before, after) pairs starting from the last
 * dim. Constant padding may be negative (crops); reflect needs pads smaller than the size.
 */
export interface PadOptions {
  mode?: PadMode;
  /** The fill of constant padding (default 0). */
  value?: number;
}

export function pad(x: Tensor, pads: readonly number[], ...args: Args<[mode: PadMode, value: number], PadOptions>): Tensor {
  checkTensor('pad', x);
  checkArg('pad', 'pads', pads, intArray);
  const { mode = 'constant', value = 0 } = parseArgs('pad', args, { mode: oneOf('constant', 'reflect', 'replicate', 'circular'), value: anyNum });
  if (pads.length % 2 !== 0 || pads.length / 2 > x.ndim || pads.some((p) => !Number.isInteger(p))) {
    throw new Error(
      `pad: pads must be an even-length list of integers with at most 2 per dim (input has ${x.ndim} dims), got ${shapeStr(pads)}`,
    );
  }
  const widths: [number, number][] = x.shape.map(() => [0, 0]);
  for (let k = 0; k < pads.length / 2; k++) widths[x.ndim - 1 - k] = [pads[2 * k]!, pads[2 * k + 1]!];
  if (mode === 'constant') {
    // Negative widths crop first; the rest pad.
    let cropped = x;
    widths.forEach(([b, a], i) => {
      if (b < 0 || a < 0) {
        const start = Math.max(-b, 0);
        const len = cropped.shape[i]! - start - Math.max(-a, 0);
        if (len < 0) throw new Error(`pad: negative padding ${shapeStr(pads)} removes more than the size of dim ${i}`);
        cropped = narrow(cropped, i, start, len);
      }
    });
    const positive = widths.map(([b, a]) => [Math.max(b, 0), Math.max(a, 0)] as [number, number]);
    if (positive.every(([b, a]) => b === 0 && a === 0)) return cropped === x ? x.clone() : cropped;
    return apply(PAD_CONSTANT, [cropped], { widths: positive, value });
  }
  if (mode !== 'reflect' && mode !== 'replicate' && mode !== 'circular') {
    throw new Error(`pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got '${String(mode)}'`);
  }
  let out = x;
  widths.forEach(([b, a], i) => {
    if (b === 0 && a === 0) return;
    const size = x.shape[i]!;
    const limit = mode === 'reflect' ? size - 1 : mode === 'circular' ? size : Infinity;
    if (b < 0 || a < 0 || b > limit || a > limit || size === 0) {
      throw new Error(
        `pad: ${mode} padding of (${b}, ${a}) is invalid for dim ${i} of size ${size}` +
          (mode === 'reflect' ? ' (each pad must be smaller than the size)' : ''),
      );
    }
    const index = padIndex(mode, size, b, a);
    out = indexSelect(out, i, fromKernel(index, [index.length], 'int32'));
  });
  return out;
}

// ---- op table ------------------------------------------------------------------------------

export const table: OpEntry<object>[] = [
  entry({
    name: 'cat',
    run: ([a, b, c], at: { dim: number }) => cat([a!, b!, c!], at.dim),
    torch: 'torch.cat([x0, x1, x2], a["dim"])',
    samples: [sample([f([2, 3]), f([1, 3]), f([3, 3], undefined, 'transposed')], { dim: 0 }), sample([f([2, 1]), f([2, 2]), f([2, 3])], { dim: -1 })],
  }),
  entry({
    name: 'stack',
    run: ([a, b], at: { dim: number }) => stack([a!, b!], at.dim),
    torch: 'torch.stack([x0, x1], a["dim"])',
    samples: [sample([f([2, 3]), f([2, 3], undefined, 'strided')], { dim: 1 })],
  }),
  entry({
    name: 'split',
    run: ([x], a: { size: number | number[]; dim: number }) => split(x!, a.size, a.dim),
    torch: 'torch.split(x0, a["size"], a["dim"])',
    samples: [sample([f([5, 2])], { size: 2, dim: 0 }), sample([f([2, 6])], { size: [1, 3, 2], dim: 1 })],
  }),
  entry({
    name: 'unbind',
    run: ([x], a: { dim: number }) => unbind(x!, a.dim),
    torch: 'torch.unbind(x0, a["dim"])',
    samples: [sample([f([3, 2, 4])], { dim: 0 }), sample([f([2, 3, 4], undefined, 'transposed')], { dim: -1 })],
  }),
  entry({
    name: 'chunk',
    run: ([x], a: { chunks: number; dim: number }) => chunk(x!, a.chunks, a.dim),
    torch: 'torch.chunk(x0, a["chunks"], a["dim"])',
    samples: [sample([f([7, 2])], { chunks: 3, dim: 0 })],
  }),
  entry({
    name: 'pad',
    run: ([x], a: { pads: number[]; mode: string; value: number }) => pad(x!, a.pads, a.mode as PadMode, a.value),
    torch: 'torch.nn.functional.pad(x0, a["pads"], a["mode"], a["value"]) if a["mode"] == "constant" else torch.nn.functional.pad(x0, a["pads"], a["mode"])',
    samples: [
      sample([f([2, 3])], { pads: [1, 2], mode: 'constant', value: 0.5 }),
      sample([f([2, 4, 3])], { pads: [1, 0, -1, 2], mode: 'constant', value: 0 }),
      sample([f([1, 2, 5])], { pads: [2, 3], mode: 'reflect', value: 0 }),
      sample([f([1, 2, 3, 4])], { pads: [1, 2, 2, 1], mode: 'replicate', value: 0 }),
      sample([f([1, 2, 3, 4])], { pads: [1, 1, 2, 0], mode: 'reflect', value: 0 }),
      sample([f([1, 2, 4])], { pads: [2, 1], mode: 'circular', value: 0 }),
    ],
  }),
];
