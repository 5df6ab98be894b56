/** Matrix products: matmul with PyTorch's rank rules, mm, bmm, dot, outer, linear. */
import { apply, type OpDef } from '../autograd/function.js';
import { kernels } from '../backend/registry.js';
import type { Tensor } from '../tensor/tensor.js';
import type { View } from '../backend/types.js';
import type { DType, TypedArray } from '../tensor/dtype.js';
import { broadcastShapes, shapeStr } from '../tensor/shape.js';
import { broadcastView, checkTensor, fromKernel, resultTypeOf } from './util.js';
import { add, mul } from './elementwise.js';
import { reshape, squeeze, transpose, unsqueeze } from './movement.js';
import { entry, f, sample, type OpEntry } from './table.js';
import { noExtraArgs } from './args.js';

/**
 * A view [..., M, K] as one matrix [prod(...) * M, K] when its batch dims and rows are evenly
 * strided (a reshape without a copy), else null.
 */
function asRows(v: View): View | null {
  const rank = v.shape.length;
  let rows = 1;
  let rowStride = 0;
  let expected = -1;
  for (let d = rank - 2; d >= 0; d--) {
    const size = v.shape[d]!;
    if (size === 1) continue;
    if (expected === -1) rowStride = v.strides[d]!;
    else if (v.strides[d] !== expected) return null;
    expected = v.strides[d]! * size;
    rows *= size;
  }
  return { data: v.data, dtype: v.dtype, shape: [rows, v.shape[rank - 1]!], strides: [rowStride, v.strides[rank - 1]!], offset: v.offset };
}

/**
 * a @ b for a [..., M, K] and b [..., K, N] broadcast to the same batch dims, through the matmul
 * kernel. When b is one matrix for the whole batch (its batch strides are 0) and a's batch dims
 * fold into its rows, it runs as one product [prod(...) * M, K] @ [K, N]: a batch of products of
 * a few rows each would pack the shared matrix again for every entry (a Linear on [T, B, D]
 * ran as T products of B rows).
 */
function batchedProduct(av: View, bv: View, dtype: DType, bias?: View): TypedArray {
  const rank = bv.shape.length;
  const shared = rank > 2 && bv.strides.slice(0, rank - 2).every((s) => s === 0);
  const rows = shared ? asRows(av) : null;
  if (rows === null) return kernels().matmul(av, bv, dtype, bias);
  const matrix: View = { data: bv.data, dtype: bv.dtype, shape: bv.shape.slice(-2), strides: bv.strides.slice(-2), offset: bv.offset };
  return kernels().matmul(rows, matrix, dtype, bias);
}

/** [..., M, K] @ [..., K, N] with broadcast batch dims; both operands have rank >= 2. */
/** True when t's last two dims are laid out column by column (a transposed view, such as k^T in attention's scores). */
function columnMajor(t: Tensor): boolean {
  const n = t.ndim;
  return n >= 2 && t.shape[n - 2]! > 1 && t.shape[n - 1]! > 1 && t.strides[n - 2] === 1 && t.strides[n - 1] !== 1;
}

/**
 * x @ y for the gradient of `operand`, laid out as the operand is: for a column-major operand,
 * (y^T @ x^T)^T, so the gradient flows back to the tensor the operand transposes as a dense
 * array rather than a transposed one that every later copy gathers element by element (attention's
 * k gradient, stacked into in_proj's). Each element is the same sum in the same order.
 */
function productIn(operand: Tensor, x: Tensor, y: Tensor): Tensor {
  return columnMajor(operand) ? transpose(matmul(transpose(y, -1, -2), transpose(x, -1, -2)), -1, -2) : matmul(x, y);
}

const MATMUL: OpDef<undefined> = {
  name: 'matmul',
  privateGradients: true,
  forward([a, b], _attrs, save) {
    const batch = broadcastShapes('matmul', a!.shape.slice(0, -2), b!.shape.slice(0, -2));
    const m = a!.shape[a!.ndim - 2]!;
    const k = a!.shape[a!.ndim - 1]!;
    const n = b!.shape[b!.ndim - 1]!;
    const dtype = resultTypeOf(a!, b!);
    const av = broadcastView(a!, [...batch, m, k]);
    const bv = broadcastView(b!, [...batch, k, n]);
    save(a!, b!);
    return fromKernel(batchedProduct(av, bv, dtype), [...batch, m, n], dtype);
  },
  backward(g, ctx) {
    const [a, b] = ctx.saved;
    // A 2-D b shared by a batch of a: its gradient is one product over all rows, not a batch of
    // products summed afterwards.
    const sharedB = b!.ndim === 2 && a!.ndim > 2;
    const gradB = (): Tensor =>
      sharedB
        ? productIn(b!, transpose(reshape(a!, [-1, a!.shape[a!.ndim - 1]!]), 0, 1), reshape(g, [-1, g.shape[g.ndim - 1]!]))
        : productIn(b!, transpose(a!, -1, -2), g);
    return [
      ctx.needsGrad[0] ? productIn(a!, g, transpose(b!, -1, -2)) : null,
      ctx.needsGrad[1] ? gradB() : null,
    ];
  },
};

function checkDTypes(op: string, a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype) {
    throw new Error(`${op}: both operands must have the same dtype, got ${a.dtype} and ${b.dtype}`);
  }
  if (a.dtype === 'bool') throw new Error(`${op}: bool tensors cannot be multiplied; convert them with .float()`);
}

/**
 * Matrix product with torch.matmul's rules: 1-D @ 1-D is a dot product, a 1-D operand is
 * treated as a row (left) or column (right) vector and that dim removed, and batch dims broadcast.
 */
export function matmul(a: Tensor, b: Tensor, ...extra: []): Tensor {
  noExtraArgs('matmul', extra);
  checkTensor('matmul', a);
  checkTensor('matmul', b);
  if (a.ndim === 0 || b.ndim === 0) {
    throw new Error(`matmul: both arguments need at least 1 dim, got shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
  }
  checkDTypes('matmul', a, b);
  const ka = a.shape[a.ndim - 1]!;
  const kb = b.ndim === 1 ? b.shape[0]! : b.shape[b.ndim - 2]!;
  if (ka !== kb) {
    throw new Error(
      `matmul: shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)} cannot be multiplied: the inner dims ` +
        `${ka} and ${kb} differ (a's last dim must equal b's ${b.ndim === 1 ? 'only' : 'second-to-last'} dim)`,
    );
  }
  const a2 = a.ndim === 1 ? unsqueeze(a, 0) : a;
  const b2 = b.ndim === 1 ? unsqueeze(b, 1) : b;
  let out = apply(MATMUL, [a2, b2], undefined);
  if (b.ndim === 1) out = squeeze(out, -1);
  if (a.ndim === 1) out = squeeze(out, a.ndim === 1 && b.ndim === 1 ? -1 : -2);
  return out;
}

/** 2-D matrix product. */
export function mm(a: Tensor, b: Tensor, ...extra: []): Tensor {
  noExtraArgs('mm', extra);
  checkTensor('mm', a);
  checkTensor('mm', b);
  if (a.ndim !== 2 || b.ndim !== 2) {
    throw new Error(`mm: expects two 2-D tensors, got shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
  }
  return matmul(a, b);
}

/** Batched 3-D matrix product with equal batch sizes. */
export function bmm(a: Tensor, b: Tensor, ...extra: []): Tensor {
  noExtraArgs('bmm', extra);
  checkTensor('bmm', a);
  checkTensor('bmm', b);
  if (a.ndim !== 3 || b.ndim !== 3 || a.shape[0] !== b.shape[0]) {
    throw new Error(
      `bmm: expects two 3-D tensors [B, M, K] and [B, K, N] with the same B, got ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`,
    );
  }
  return matmul(a, b);
}

/** Inner product of two 1-D tensors of the same length. */
export function dot(a: Tensor, b: Tensor, ...extra: []): Tensor {
  noExtraArgs('dot', extra);
  checkTensor('dot', a);
  checkTensor('dot', b);
  if (a.ndim !== 1 || b.ndim !== 1 || a.shape[0] !== b.shape[0]) {
    throw new Error(`dot: expects two 1-D tensors of the same length, got shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
  }
  return matmul(a, b);
}

/** Outer product: [n] x [m] -> [n, m]. */
export function outer(a: Tensor, b: Tensor, ...extra: []): Tensor {
  noExtraArgs('outer', extra);
  checkTensor('outer', a);
  checkTensor('outer', b);
  if (a.ndim !== 1 || b.ndim !== 1) {
    throw new Error(`outer: expects two 1-D tensors, got shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
  }
  return mul(reshape(a, [-1, 1]), reshape(b, [1, -1]));
}

/**
 * x @ weight^T (+ bias) as one op. The backward computes the weight gradient as grad^T @ x over
 * all leading dims, a contiguous [outFeatures, inFeatures] product, instead of the transposed
 * view (and its copy) that the composed matmul(x, weight^T) would hand to the weight. The bias goes
 * to the matmul kernel, which starts each row's sum from it; its gradient (grad) is summed to
 * [outFeatures] by the engine.
 */
const LINEAR: OpDef<undefined> = {
  name: 'linear',
  privateGradients: true,
  forward([x, weight, bias], _attrs, save) {
    const inFeatures = weight!.shape[1]!;
    const outFeatures = weight!.shape[0]!;
    const batch = x!.shape.slice(0, -1);
    const weightT: View = {
      data: weight!.data, dtype: weight!.dtype, shape: [inFeatures, outFeatures],
      strides: [weight!.strides[1]!, weight!.strides[0]!], offset: weight!.offset,
    };
    const out = batchedProduct(x!, broadcastView(weightT, [...batch.slice(0, -1), inFeatures, outFeatures]), x!.dtype, bias);
    save(x!, weight!);
    return fromKernel(out, [...batch, outFeatures], x!.dtype);
  },
  backward(g, ctx) {
    const [x, weight] = ctx.saved;
    const inFeatures = weight!.shape[1]!;
    const outFeatures = weight!.shape[0]!;
    return [
      ctx.needsGrad[0] ? matmul(g, weight!) : null,
      ctx.needsGrad[1] ? matmul(transpose(reshape(g, [-1, outFeatures]), 0, 1), reshape(x!, [-1, inFeatures])) : null,
      ctx.needsGrad[2] === true ? g : null,
    ];
  },
};

/** x @ weight^T + bias, with weight of shape [outFeatures, inFeatures] (torch.nn.functional.linear). */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null, ...extra: []): Tensor {
  noExtraArgs('linear', extra);
  checkTensor('linear', x);
  checkTensor('linear', weight, 'weight');
  if (weight.ndim !== 2) throw new Error(`linear: weight must be 2-D [outFeatures, inFeatures], got shape ${shapeStr(weight.shape)}`);
  const inFeatures = weight.shape[1]!;
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== inFeatures) {
    throw new Error(
      `linear: input of shape ${shapeStr(x.shape)} does not match weight ${shapeStr(weight.shape)}: the input's last dim ` +
        `must be ${inFeatures} (in features)${x.ndim > 2 ? '; flatten the input first if it is an image' : ''}`,
    );
  }
  const hasBias = bias !== undefined && bias !== null;
  if (hasBias) {
    checkTensor('linear', bias, 'bias');
    if (bias.ndim !== 1 || bias.shape[0] !== weight.shape[0]) {
      throw new Error(`linear: bias must have shape [${weight.shape[0]}], got ${shapeStr(bias.shape)}`);
    }
  }
  checkDTypes('linear', x, weight);
  const x2 = x.ndim === 1 ? unsqueeze(x, 0) : x;
  const fuseBias = hasBias && bias.dtype === x.dtype;
  let out = apply(LINEAR, fuseBias ? [x2, weight, bias] : [x2, weight], undefined);
  if (x.ndim === 1) out = squeeze(out, 0);
  return hasBias && !fuseBias ? add(out, bias) : out;
}

// ---- op table ------------------------------------------------------------------------------

export const table: OpEntry<object>[] = [
  entry({
    name: 'matmul',
    run: ([a, b]) => matmul(a!, b!),
    torch: 'torch.matmul(x0, x1)',
    samples: [
      sample([f([3, 4]), f([4, 5])]),
      sample([f([4]), f([4])]),
      sample([f([4]), f([4, 3])]),
      sample([f([2, 3, 4]), f([4])]),
      sample([f([2, 1, 3, 4], undefined, 'transposed'), f([3, 4, 2])]),
      sample([f([3, 4], undefined, 'strided'), f([2, 4, 5], undefined, 'transposed')]),
    ],
  }),
  entry({ name: 'outer', run: ([a, b]) => outer(a!, b!), torch: 'torch.outer(x0, x1)', samples: [sample([f([3]), f([4])])] }),
  entry({
    name: 'linear',
    run: ([x, w, b]) => linear(x!, w!, b),
    torch: 'torch.nn.functional.linear(x0, x1, x2)',
    samples: [sample([f([2, 3]), f([4, 3]), f([4])]), sample([f([2, 5, 3]), f([4, 3], undefined, 'transposed'), f([4])])],
  }),
];
