/**
 * torch.linalg.svd / svdvals (one-sided Jacobi in the backend) with PyTorch's svd_backward, and
 * pinv on top of them (or of eigh for symmetric input).
 */
import { apply, type OpDef } from '../autograd/function.js';
import { kernels } from '../backend/registry.js';
import type { Tensor } from '../tensor/tensor.js';
import { numel } from '../tensor/shape.js';
import { fromKernel } from './util.js';
import { abs, add, gt, maximum, mul, reciprocal, square, sub, where } from './elementwise.js';
import { amax } from './reduce.js';
import { narrow, unsqueeze } from './movement.js';
import { matmul } from './linalg.js';
import { eigh } from './eigh.js';
import {
  batchOf, checkBoolean, checkMatrices, diagEmbed, divNonzero, identity, mT, pack, unpack, SYM, sym,
} from './matrix.js';
import { checkOptionKeys } from './args.js';
import { entry, f, sample, type OpEntry } from './table.js';

interface SvdAttrs {
  full: boolean;
  m: number;
  n: number;
}

function svdShapes({ full, m, n }: SvdAttrs): number[][] {
  const k = Math.min(m, n);
  // torch returns both square factors for an empty matrix, whatever full_matrices says.
  const square = full || k === 0;
  return [[m, square ? m : k], [k], [square ? n : k, n]];
}

/**
 * torch's svd_backward (real case) on the reduced factors: with E_ij = s_j^2 - s_i^2,
 * U [(skew(U^T gU) S + S skew(V^T gV)) / E + diag(gS)] V^T, plus the parts of gU / gV outside
 * U's / V's span for a tall / wide matrix. Where a cotangent is zero its terms are zero, so the
 * singular values alone have a finite gradient even when they repeat.
 */
function svdBackward(gU: Tensor, gS: Tensor, gVh: Tensor, u: Tensor, s: Tensor, vh: Tensor): Tensor {
  const m = u.shape[u.ndim - 2]!;
  const n = vh.shape[vh.ndim - 1]!;
  const k = s.shape[s.ndim - 1]!;
  const skew = (x: Tensor): Tensor => sub(x, mT(x));
  const uhgu = skew(matmul(mT(u), gU));
  const vhgv = skew(matmul(vh, mT(gVh)));
  const s2 = square(s);
  const e = add(sub(unsqueeze(s2, -2), unsqueeze(s2, -1)), identity(k, s));
  const inner = add(divNonzero(add(mul(uhgu, unsqueeze(s, -2)), mul(unsqueeze(s, -1), vhgv)), e), diagEmbed(gS));
  if (m > n) {
    const gUSinv = divNonzero(gU, unsqueeze(s, -2));
    const outside = sub(gUSinv, matmul(u, matmul(mT(u), gUSinv)));
    return matmul(add(matmul(u, inner), outside), vh);
  }
  if (m < n) {
    const sinvgVh = divNonzero(gVh, unsqueeze(s, -1));
    const outside = sub(sinvgVh, matmul(matmul(sinvgVh, mT(vh)), vh));
    return matmul(u, add(matmul(inner, vh), outside));
  }
  return matmul(u, matmul(inner, vh));
}

const SVD: OpDef<SvdAttrs> = {
  name: 'linalg.svd',
  forward([a], attrs, save) {
    const batch = batchOf(a!);
    const { u, s, vh } = kernels().svd(a!, attrs.full || Math.min(attrs.m, attrs.n) === 0 ? 'full' : 'reduced');
    const [us, ss, vs] = svdShapes(attrs);
    const U = fromKernel(u, [...batch, ...us!], a!.dtype);
    const S = fromKernel(s, [...batch, ...ss!], a!.dtype);
    const Vh = fromKernel(vh, [...batch, ...vs!], a!.dtype);
    save(U, S, Vh);
    return pack(batch, [U, S, Vh]);
  },
  backward(g, ctx) {
    const [u, s, vh] = ctx.saved;
    const k = s!.shape[s!.ndim - 1]!;
    const [gU, gS, gVh] = unpack(g, svdShapes(ctx.attrs));
    // full_matrices: only the first k columns of U (rows of Vh) are determined by A (torch narrows likewise).
    const keepU = (x: Tensor): Tensor => narrow(x, -1, 0, k);
    const keepV = (x: Tensor): Tensor => narrow(x, -2, 0, k);
    return [svdBackward(keepU(gU!), gS!, keepV(gVh!), keepU(u!), s!, keepV(vh!))];
  },
};

export interface SvdOptions {
  /** Square U [m, m] and Vh [n, n] instead of the reduced [m, k] and [k, n] (default true, as torch). */
  fullMatrices?: boolean;
}

export interface SvdResult {
  U: Tensor;
  /** Singular values, descending, [..., k]. */
  S: Tensor;
  Vh: Tensor;
}

function svdPacked(op: string, A: Tensor, full: boolean): { packed: Tensor; attrs: SvdAttrs } {
  const attrs = { full, m: A.shape[A.ndim - 2]!, n: A.shape[A.ndim - 1]! };
  return { packed: apply(SVD, [A], attrs), attrs };
}

/**
 * A = U diag(S) Vh (torch.linalg.svd) for [..., m, n] matrices: one-sided Jacobi in float64, so
 * small singular values keep their relative accuracy; repeated and zero singular values are fine
 * (U and Vh are completed to orthonormal bases). Singular vectors' signs are arbitrary.
 */
export function svd(A: Tensor, options?: SvdOptions): SvdResult {
  const op = 'linalg.svd';
  checkMatrices(op, A);
  checkOptionKeys(op, options, ['fullMatrices']);
  const full = options?.fullMatrices === undefined ? true : checkBoolean(op, 'fullMatrices', options.fullMatrices);
  const { packed, attrs } = svdPacked(op, A, full);
  const [U, S, Vh] = unpack(packed, svdShapes(attrs));
  return { U: U!, S: S!, Vh: Vh! };
}

/** Singular values, descending (torch.linalg.svdvals); their gradient is U diag(g) Vh. */
export function svdvals(A: Tensor): Tensor {
  checkMatrices('linalg.svdvals', A);
  const { packed, attrs } = svdPacked('linalg.svdvals', A, false);
  return unpack(packed, svdShapes(attrs))[1]!;
}

// ---- pinv -----------------------------------------------------------------------------------

export interface PinvOptions {
  /** Absolute tolerance: singular values <= max(atol, rtol * largest) are treated as zero. */
  atol?: number;
  /** Relative tolerance; default eps * max(m, n), or 0 when atol > 0 is given. */
  rtol?: number;
  /** torch's older name for rtol (not together with atol or rtol). */
  rcond?: number;
  /** A is symmetric: use eigh (reading the lower triangle) instead of the SVD. */
  hermitian?: boolean;
}

function checkTolerance(op: string, name: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || Number.isNaN(v) || v < 0) throw new Error(`${op}: option '${name}' must be a non-negative number, got ${String(v)}`);
  return v;
}

/** The Moore-Penrose pseudo-inverse [..., n, m] (torch.linalg.pinv), with torch's tolerances. */
export function pinv(A: Tensor, options?: PinvOptions): Tensor {
  const op = 'linalg.pinv';
  checkMatrices(op, A);
  checkOptionKeys(op, options, ['atol', 'rtol', 'rcond', 'hermitian']);
  const hermitian = options?.hermitian === undefined ? false : checkBoolean(op, 'hermitian', options.hermitian);
  let atol = checkTolerance(op, 'atol', options?.atol);
  let rtol = checkTolerance(op, 'rtol', options?.rtol);
  const rcond = checkTolerance(op, 'rcond', options?.rcond);
  if (rcond !== undefined) {
    if (atol !== undefined || rtol !== undefined) throw new Error(`${op}: rcond cannot be given together with atol or rtol (rcond is the older name for rtol)`);
    rtol = rcond;
    atol = 0;
  }
  const m = A.shape[A.ndim - 2]!;
  const n = A.shape[A.ndim - 1]!;
  const eps = A.dtype === 'float32' ? 2 ** -23 : 2 ** -52;
  const rtolValue = rtol ?? (atol !== undefined && atol > 0 ? 0 : eps * Math.max(m, n));
  const atolValue = atol ?? 0;
  if (numel(A.shape) === 0) return mT(mul(A, 0));
  if (hermitian) {
    if (m !== n) throw new Error(`${op}: A must be batches of square matrices with hermitian: true, but they are ${m} by ${n} matrices`);
    const { eigenvalues: s, eigenvectors: u } = eigh(A);
    const absS = abs(s);
    const tol = maximum(mul(amax(absS, -1, true), rtolValue), atolValue);
    const sInv = where(gt(absS, tol), reciprocal(s), 0);
    return matmul(mul(u, unsqueeze(sInv, -2)), mT(u));
  }
  const { U, S, Vh } = svd(A, { fullMatrices: false });
  const tol = maximum(mul(narrow(S, -1, 0, 1), rtolValue), atolValue);
  const sInv = where(gt(S, tol), reciprocal(S), 0);
  return matmul(mul(mT(Vh), unsqueeze(sInv, -2)), mT(U));
}

// ---- op table -------------------------------------------------------------------------------

export const table: OpEntry<object>[] = [
  entry({
    // Gauge-invariant functions of the factors: S, |U|, |Vh| and U Vh.
    name: 'linalg.svd',
    run: ([a]) => {
      const r = svd(a!, { fullMatrices: false });
      return [r.S, abs(r.U), abs(r.Vh), matmul(r.U, r.Vh)];
    },
    torch: '(lambda r: (r[1], r[0].abs(), r[2].abs(), r[0] @ r[2]))(torch.linalg.svd(x0, full_matrices=False))',
    samples: [sample([f([4, 3])]), sample([f([3, 5], undefined, 'transposed')]), sample([f([2, 3, 3])]), sample([f([1, 4])]), sample([f([4, 1])])],
  }),
  entry({
    // full_matrices: the trailing columns of U (rows of Vh) are any orthonormal completion, and
    // torch's backward ignores them (it narrows to k), so only the leading k are compared.
    name: 'linalg.svd (full_matrices)',
    run: ([a]) => {
      const r = svd(a!);
      const k = Math.min(a!.shape[0]!, a!.shape[1]!);
      const u = narrow(r.U, -1, 0, k);
      const vh = narrow(r.Vh, -2, 0, k);
      return [r.S, abs(u), abs(vh), matmul(u, vh), mul(r.U, 0)];
    },
    torch: '(lambda r, k: (r[1], r[0][:, :k].abs(), r[2][:k].abs(), r[0][:, :k] @ r[2][:k], r[0] * 0))(torch.linalg.svd(x0), min(x0.shape))',
    samples: [sample([f([5, 3])]), sample([f([2, 4])])],
  }),
  entry({
    name: 'linalg.svdvals',
    run: ([a]) => svdvals(a!),
    torch: 'torch.linalg.svdvals(x0)',
    samples: [sample([f([3, 4])]), sample([f([2, 4, 3])])],
  }),
  entry({
    name: 'linalg.pinv',
    run: ([a], { hermitian }: { hermitian: boolean }) => pinv(hermitian ? sym(a!) : a!, { hermitian }),
    torch: `torch.linalg.pinv(${SYM} if a["hermitian"] else x0, hermitian=a["hermitian"])`,
    samples: [sample([f([4, 3])], { hermitian: false }), sample([f([2, 3, 5])], { hermitian: false }), sample([f([3, 3])], { hermitian: true })],
  }),
];
