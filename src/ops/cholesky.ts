/** torch.linalg.cholesky over the backend's kernel, with PyTorch's backward (Iain Murray's formula). */
import { apply, type OpDef } from '../autograd/function.js';
import { kernels } from '../backend/registry.js';
import type { Tensor } from '../tensor/tensor.js';
import { fromKernel } from './util.js';
import { add, mul } from './elementwise.js';
import { tril } from './indexing.js';
import { matmul } from './linalg.js';
import { solveMatrix } from './lu.js';
import { checkBoolean, checkSquare, mT, SPD, spd } from './matrix.js';
import { checkOptionKeys } from './args.js';
import { entry, f, sample, type OpEntry } from './table.js';

/** The lower factor L with A = L L^T, read from A's lower triangle. */
const CHOLESKY: OpDef<undefined> = {
  name: 'linalg.cholesky',
  forward([a], _attrs, save) {
    const l = fromKernel(kernels().cholesky(a!), a!.shape, a!.dtype);
    save(l);
    return l;
  },
  backward(gL, ctx) {
    // torch's cholesky_backward (Iain Murray, arXiv:1602.07527): L^{-T} Phi(L^T gL) L^{-1}, symmetrized.
    const [l] = ctx.saved;
    let gA = tril(matmul(mT(l!), gL));
    gA = mul(add(gA, mT(tril(gA, -1))), 0.5);
    gA = solveMatrix(mT(l!), gA, 'linalg.cholesky');
    return [mT(solveMatrix(mT(l!), mT(gA), 'linalg.cholesky'))];
  },
};

export interface CholeskyOptions {
  /** Return the upper factor U with A = U^T U, read from A's upper triangle (default false). */
  upper?: boolean;
}

/**
 * The Cholesky factor of symmetric positive-definite matrices (torch.linalg.cholesky): lower L
 * with A = L L^T from A's lower triangle, or with `upper` U = L^T from the upper triangle.
 */
export function cholesky(A: Tensor, options?: CholeskyOptions): Tensor {
  const op = 'linalg.cholesky';
  checkSquare(op, A);
  checkOptionKeys(op, options, ['upper']);
  const upper = options?.upper === undefined ? false : checkBoolean(op, 'upper', options.upper);
  if (!upper) return apply(CHOLESKY, [A], undefined);
  return mT(apply(CHOLESKY, [mT(A)], undefined));
}

// ---- op table -------------------------------------------------------------------------------

export const table: OpEntry<object>[] = [
  entry({
    name: 'linalg.cholesky',
    run: ([a], { upper }: { upper: boolean }) => cholesky(spd(a!), { upper }),
    torch: `torch.linalg.cholesky(${SPD}, upper=a["upper"])`,
    samples: [sample([f([3, 3])], { upper: false }), sample([f([2, 4, 4])], { upper: true })],
  }),
];
