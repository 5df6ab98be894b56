/**
 * The LU family of torch.linalg: solve, inv, det and slogdet, over the backend's LU with partial
 * pivoting (backend/cpu/linalg.ts), with PyTorch's backward formulas.
 */
import { apply, type OpDef } from '../autograd/function.js';
import { kernels } from '../backend/registry.js';
import type { Tensor } from '../tensor/tensor.js';
import { arange } from '../tensor/creation.js';
import { broadcastShapes, shapeStr } from '../tensor/shape.js';
import { broadcastView, checkTensor, fromKernel } from './util.js';
import { abs, add, cast, eq, log, mul, ne, neg, remainder, sign, sub } from './elementwise.js';
import { any, prod, sum } from './reduce.js';
import { select, squeeze, unsqueeze } from './movement.js';
import { stack } from './join.js';
import { matmul } from './linalg.js';
import { svd } from './svd.js';
import { batchOf, checkBoolean, checkSquare, diagonal, identity, mT, SHIFTED, shifted } from './matrix.js';
import { checkOptionKeys } from './args.js';
import { entry, f, sample, type OpEntry } from './table.js';

function singularMessage(op: string, info: Int32Array): string | null {
  const b = info.findIndex((v) => v !== 0);
  if (b < 0) return null;
  const where = info.length > 1 ? `(Batch element ${b}): ` : '';
  if (op === 'linalg.inv') {
    return `linalg.inv: ${where}The diagonal element ${info[b]} is zero, the inversion could not be completed because the input matrix is singular.`;
  }
  // torch's own wording names its Python function for solve.
  return `${op === 'linalg.solve' ? 'torch.linalg.solve' : op}: ${where}The solver failed because the input matrix is singular.`;
}

// ---- LU: solve, inv, det, slogdet -----------------------------------------------------------

interface SolveAttrs {
  /** The public op whose name the singular-matrix error carries (linalg.solve or linalg.inv). */
  op: string;
}

/** X with A X = B for [..., n, n] and [..., n, k] (batch dims broadcast). */
const SOLVE: OpDef<SolveAttrs> = {
  name: 'linalg.solve',
  forward([a, b], attrs, save) {
    const n = a!.shape[a!.ndim - 1]!;
    const k = b!.shape[b!.ndim - 1]!;
    const batch = broadcastShapes(attrs.op, batchOf(a!), batchOf(b!));
    const av = broadcastView(a!, [...batch, n, n]);
    const { lu, pivots, info } = kernels().luFactor(av);
    const message = singularMessage(attrs.op, info);
    if (message !== null) throw new Error(message);
    const luView = fromKernel(lu, [...batch, n, n], a!.dtype);
    const pivView = fromKernel(pivots, [...batch, n], 'int32');
    const x = fromKernel(kernels().luSolve(luView, pivView, broadcastView(b!, [...batch, n, k])), [...batch, n, k], a!.dtype);
    save(a!, x);
    return x;
  },
  backward(g, ctx) {
    const [a, x] = ctx.saved;
    const gb = solveMatrix(mT(a!), g, ctx.attrs.op);
    return [ctx.needsGrad[0] ? neg(matmul(gb, mT(x!))) : null, ctx.needsGrad[1] ? gb : null];
  },
};

export function solveMatrix(a: Tensor, b: Tensor, op: string): Tensor {
  return apply(SOLVE, [a, b], { op });
}

export interface SolveOptions {
  /** Solve X A = B instead of A X = B (default true: A X = B). */
  left?: boolean;
}

/**
 * X such that A X = B (torch.linalg.solve): A is [..., n, n]; B is [..., n, k] or, as torch
 * reads it, a batch of vectors [..., n] (when B is 1-D or has A's shape minus the last dim).
 * Batch dims broadcast. LU with partial pivoting; a singular A is an error.
 */
export function solve(A: Tensor, B: Tensor, options?: SolveOptions): Tensor {
  const op = 'linalg.solve';
  checkSquare(op, A);
  checkTensor(op, B, 'B');
  checkOptionKeys(op, options, ['left']);
  const left = options?.left === undefined ? true : checkBoolean(op, 'left', options.left);
  if (B.dtype !== A.dtype) throw new Error(`${op}: A and B must have the same dtype, got ${A.dtype} and ${B.dtype}`);
  if (B.ndim === 0) throw new Error(`${op}: The input tensor B must have at least 1 dimension.`);
  if (!left) {
    if (B.ndim < 2) throw new Error(`${op}: with left: false, B must be a batch of matrices [..., k, n], got shape ${shapeStr(B.shape)}`);
    return mT(solve(mT(A), mT(B)));
  }
  const n = A.shape[A.ndim - 1]!;
  const vector = B.ndim === 1 || (B.ndim === A.ndim - 1 && B.shape.every((d, i) => d === A.shape[i]));
  const B2 = vector ? unsqueeze(B, -1) : B;
  if (B2.ndim < 2 || B2.shape[B2.ndim - 2] !== n) {
    const rows = B2.ndim >= 2 ? B2.shape[B2.ndim - 2] : B2.shape[0];
    throw new Error(
      `${op}: Incompatible shapes of A and B for the equation AX = B (${n}x${n} and ${rows}x${B2.shape[B2.ndim - 1]})`,
    );
  }
  const x = solveMatrix(A, B2, op);
  return vector ? squeeze(x, -1) : x;
}

/** The inverse of square matrices (torch.linalg.inv); a singular matrix is an error. */
export function inv(A: Tensor): Tensor {
  checkSquare('linalg.inv', A);
  return solveMatrix(A, identity(A.shape[A.ndim - 1]!, A), 'linalg.inv');
}

/** LU of [..., n, n] as tensors: the factors, and the permutation's sign (+-1) in A's dtype. */
function luWithSign(a: Tensor): { lu: Tensor; parity: Tensor } {
  const n = a.shape[a.ndim - 1]!;
  const batch = batchOf(a);
  const { lu, pivots } = kernels().luFactor(a);
  const swaps = sum(ne(fromKernel(pivots, [...batch, n], 'int32'), arange(1, n + 1, 1, { dtype: 'int32' })), -1);
  const parity = sub(1, mul(cast(remainder(swaps, 2), a.dtype), 2));
  return { lu: fromKernel(lu, a.shape, a.dtype), parity };
}

/** The product of all but one of the last dim's entries, for each one (no division, so zeros are fine). */
function prodOthers(s: Tensor): Tensor {
  const k = s.shape[s.ndim - 1]!;
  const id = identity(k, s);
  return prod(add(mul(unsqueeze(s, -2), sub(1, id)), id), -1);
}

/**
 * d det(A) / dA = adj(A)^T: det(A) A^{-T} where A is invertible; through the SVD where some
 * matrix is singular, adj(A)^T = det(U) det(V^T) U diag(prod_{j != i} s_j) V^T (torch's way).
 */
function detGradient(a: Tensor, detA: Tensor): Tensor {
  if (any(eq(detA, 0)).item() === 0) return mul(unsqueeze(unsqueeze(detA, -1), -1), mT(inv(a)));
  const { U, S, Vh } = svd(a);
  const alpha = mul(det(U.detach()), det(Vh.detach()));
  const d = mul(prodOthers(S), unsqueeze(alpha, -1));
  return matmul(mul(U, unsqueeze(d, -2)), Vh);
}

const DET: OpDef<undefined> = {
  name: 'linalg.det',
  forward([a], _attrs, save) {
    const { lu, parity } = luWithSign(a!);
    const out = mul(prod(diagonal(lu), -1), parity);
    save(a!, out);
    return out;
  },
  backward(g, ctx) {
    const [a, d] = ctx.saved;
    return [mul(unsqueeze(unsqueeze(g, -1), -1), detGradient(a!, d!))];
  },
};

/** Determinants of square matrices [..., n, n] -> [...] (torch.linalg.det), through LU. */
export function det(A: Tensor): Tensor {
  checkSquare('linalg.det', A);
  return apply(DET, [A], undefined);
}

/** [..., 2]: sign and log|det| (the sign is only recorded for the packing; its gradient is zero). */
const SLOGDET: OpDef<undefined> = {
  name: 'linalg.slogdet',
  forward([a], _attrs, save) {
    const { lu, parity } = luWithSign(a!);
    const d = diagonal(lu);
    save(a!);
    return stack([mul(prod(sign(d), -1), parity), sum(log(abs(d)), -1)], -1);
  },
  backward(g, ctx) {
    const [a] = ctx.saved;
    return [mul(unsqueeze(unsqueeze(select(g, -1, 1), -1), -1), mT(inv(a!)))];
  },
};

export interface SignLogAbsDet {
  /** +-1, or 0 for a singular matrix. */
  sign: Tensor;
  /** log |det A| (-Infinity for a singular matrix). */
  logabsdet: Tensor;
}

/** sign and log|det| of square matrices (torch.linalg.slogdet): no overflow where det would. */
export function slogdet(A: Tensor): SignLogAbsDet {
  checkSquare('linalg.slogdet', A);
  const packed = apply(SLOGDET, [A], undefined);
  return { sign: select(packed, -1, 0).detach(), logabsdet: select(packed, -1, 1) };
}

// ---- op table -------------------------------------------------------------------------------

export const table: OpEntry<object>[] = [
  entry({
    name: 'linalg.solve',
    run: ([a, b]) => solve(shifted(a!), b!),
    torch: `torch.linalg.solve(${SHIFTED}, x1)`,
    samples: [
      sample([f([3, 3]), f([3, 2])]),
      sample([f([2, 3, 3], undefined, 'transposed'), f([3])]),
      sample([f([2, 1, 3, 3]), f([3, 3, 1])]),
    ],
  }),
  entry({
    name: 'linalg.inv',
    run: ([a]) => inv(shifted(a!)),
    torch: `torch.linalg.inv(${SHIFTED})`,
    samples: [sample([f([3, 3])]), sample([f([2, 4, 4], undefined, 'strided')])],
  }),
  entry({
    name: 'linalg.det',
    run: ([a]) => det(a!),
    torch: 'torch.linalg.det(x0)',
    samples: [sample([f([3, 3])]), sample([f([2, 4, 4], undefined, 'transposed')]), sample([f([1, 1])])],
  }),
  entry({
    name: 'linalg.slogdet',
    run: ([a]) => {
      const r = slogdet(a!);
      return [r.sign, r.logabsdet];
    },
    torch: 'tuple(torch.linalg.slogdet(x0))',
    samples: [sample([f([3, 3])]), sample([f([2, 4, 4])])],
  }),
];
