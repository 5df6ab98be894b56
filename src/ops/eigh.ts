/** torch.linalg.eigh / eigvalsh: the backend's symmetric eigensolver, with PyTorch's backward. */
import { apply, type OpDef } from '../autograd/function.js';
import { kernels } from '../backend/registry.js';
import { Tensor } from '../tensor/tensor.js';
import { fromKernel } from './util.js';
import { abs, add, mul, sub } from './elementwise.js';
import { unsqueeze } from './movement.js';
import { matmul } from './linalg.js';
import { batchOf, checkSquare, diagEmbed, divNonzero, identity, mT, pack, unpack, SYM, sym } from './matrix.js';
import { checkOptionKeys } from './args.js';
import { entry, f, sample, type OpEntry } from './table.js';

const EIGH: OpDef<{ lower: boolean }> = {
  name: 'linalg.eigh',
  forward([a], { lower }, save) {
    const n = a!.shape[a!.ndim - 1]!;
    const batch = batchOf(a!);
    const { values, vectors } = kernels().eigh(a!, lower);
    const L = fromKernel(values, [...batch, n], a!.dtype);
    const V = fromKernel(vectors, a!.shape, a!.dtype);
    save(L, V);
    return pack(batch, [L, V]);
  },
  backward(g, ctx) {
    // torch's linalg_eig_backward for Hermitian input: V (diag(gL) + skew(V^T gV) / E) V^T, E_ij = L_j - L_i.
    const [l, v] = ctx.saved;
    const n = l!.shape[l!.ndim - 1]!;
    const [gL, gV] = unpack(g, [[n], [n, n]]);
    const vtgv = matmul(mT(v!), gV!);
    const skew = mul(sub(vtgv, mT(vtgv)), 0.5);
    const e = add(sub(unsqueeze(l!, -2), unsqueeze(l!, -1)), identity(n, l!));
    const inner = add(divNonzero(skew, e), diagEmbed(gL!));
    return [matmul(v!, matmul(inner, mT(v!)))];
  },
};

export interface EighOptions {
  /** Which triangle of A is read: 'L' (default) or 'U'. */
  UPLO?: 'L' | 'U';
}

export interface EighResult {
  /** Ascending, [..., n]. */
  eigenvalues: Tensor;
  /** Orthonormal eigenvectors as columns, [..., n, n] (each column's sign is arbitrary). */
  eigenvectors: Tensor;
}

function eighPacked(op: string, A: Tensor, options: EighOptions | undefined): Tensor {
  checkSquare(op, A);
  checkOptionKeys(op, options, ['UPLO']);
  const uplo = options?.UPLO ?? 'L';
  if (uplo !== 'L' && uplo !== 'U') throw new Error(`${op}: Expected UPLO argument to be 'L' or 'U', but got ${String(uplo)}`);
  return apply(EIGH, [A], { lower: uplo === 'L' });
}

/** Eigenvalues (ascending) and eigenvectors of symmetric matrices (torch.linalg.eigh), from one triangle. */
export function eigh(A: Tensor, options?: EighOptions): EighResult {
  const n = A instanceof Tensor ? A.shape[A.ndim - 1]! : 0;
  const [eigenvalues, eigenvectors] = unpack(eighPacked('linalg.eigh', A, options), [[n], [n, n]]);
  return { eigenvalues: eigenvalues!, eigenvectors: eigenvectors! };
}

/** Eigenvalues (ascending) of symmetric matrices (torch.linalg.eigvalsh). */
export function eigvalsh(A: Tensor, options?: EighOptions): Tensor {
  const n = A instanceof Tensor ? A.shape[A.ndim - 1]! : 0;
  return unpack(eighPacked('linalg.eigvalsh', A, options), [[n], [n, n]])[0]!;
}

// ---- op table -------------------------------------------------------------------------------

export const table: OpEntry<object>[] = [
  entry({
    // Eigenvectors are compared sign-invariantly (|V|, as PyTorch's own tests do); A = X + X^T.
    name: 'linalg.eigh',
    run: ([a], { UPLO }: { UPLO: 'L' | 'U' }) => {
      const r = eigh(sym(a!), { UPLO });
      return [r.eigenvalues, abs(r.eigenvectors)];
    },
    torch: `(lambda r: (r[0], r[1].abs()))(torch.linalg.eigh(${SYM}, UPLO=a["UPLO"]))`,
    samples: [sample([f([3, 3])], { UPLO: 'L' as const }), sample([f([2, 4, 4], undefined, 'transposed')], { UPLO: 'U' as const }), sample([f([1, 1])], { UPLO: 'L' as const })],
  }),
  entry({
    name: 'linalg.eigvalsh',
    run: ([a]) => eigvalsh(sym(a!)),
    torch: `torch.linalg.eigvalsh(${SYM})`,
    samples: [sample([f([4, 4])])],
  }),
];
