/** torch.linalg.qr: Householder QR in the backend (LAPACK's signs), with the backward of A = Q R. */
import { apply, type OpDef } from '../autograd/function.js';
import { kernels } from '../backend/registry.js';
import type { QrMode } from '../backend/types.js';
import type { Tensor } from '../tensor/tensor.js';
import { fromKernel } from './util.js';
import { add, sub } from './elementwise.js';
import { narrow } from './movement.js';
import { cat } from './join.js';
import { tril } from './indexing.js';
import { matmul } from './linalg.js';
import { solveMatrix } from './lu.js';
import { batchOf, checkMatrices, mT, pack, unpack } from './matrix.js';
import { checkOptionKeys } from './args.js';
import { entry, f, sample, type OpEntry } from './table.js';

interface QrAttrs {
  mode: QrMode;
  m: number;
  n: number;
}

function qrShapes({ mode, m, n }: QrAttrs): number[][] {
  const k = Math.min(m, n);
  return mode === 'complete' ? [[m, m], [m, n]] : mode === 'reduced' ? [[m, k], [k, n]] : [[0], [k, n]];
}

/** Z with Z R^T = W for upper-triangular, invertible R (square). */
function solveRightTransposed(w: Tensor, r: Tensor, op: string): Tensor {
  return mT(solveMatrix(r, mT(w), op));
}

/**
 * The gradient of A = Q R (m >= n, reduced; Q m x n, R n x n): (gQ + Q copyltu(M)) R^{-T} with
 * M = R gR^T - gQ^T Q and copyltu(M) = tril(M) + tril(M, -1)^T (Liao et al., 2019).
 */
function qrBackwardTall(gQ: Tensor, gR: Tensor, q: Tensor, r: Tensor): Tensor {
  const m = sub(matmul(r, mT(gR)), matmul(mT(gQ), q));
  const copyltu = add(tril(m), mT(tril(m, -1)));
  return solveRightTransposed(add(gQ, matmul(q, copyltu)), r, 'linalg.qr');
}

const QR: OpDef<QrAttrs> = {
  name: 'linalg.qr',
  forward([a], attrs, save) {
    const batch = batchOf(a!);
    const { q, r } = kernels().qr(a!, attrs.mode);
    const [qs, rs] = qrShapes(attrs);
    const Q = fromKernel(q, attrs.mode === 'r' ? [0] : [...batch, ...qs!], a!.dtype);
    const R = fromKernel(r, [...batch, ...rs!], a!.dtype);
    save(a!, Q, R);
    return attrs.mode === 'r' ? R : pack(batch, [Q, R]);
  },
  backward(g, ctx) {
    const { mode, m, n } = ctx.attrs;
    if (mode === 'r') {
      throw new Error(
        "linalg.qr: The derivative of linalg.qr depends on Q, which is not computed when mode='r'. " +
          "Please use linalg.qr(A, {mode: 'reduced'}) if you are going to differentiate through linalg.qr.",
      );
    }
    if (mode === 'complete' && m > n) {
      throw new Error("linalg.qr: The QR decomposition is not differentiable when mode='complete' and nrows > ncols.");
    }
    const [a, q, r] = ctx.saved;
    const [gQ, gR] = unpack(g, qrShapes(ctx.attrs));
    if (m >= n) return [qrBackwardTall(gQ!, gR!, q!, r!)];
    // Wide: A = [X | Y] with X = Q U (square QR) and Y = Q V; V = Q^T Y.
    const u = narrow(r!, -1, 0, m);
    const gU = narrow(gR!, -1, 0, m);
    const gV = narrow(gR!, -1, m, n - m);
    const y = narrow(a!, -1, m, n - m);
    const gX = qrBackwardTall(add(gQ!, matmul(y, mT(gV))), gU, q!, u);
    return [cat([gX, matmul(q!, gV)], -1)];
  },
};

export interface QrOptions {
  /** 'reduced' (default): Q [m, k], R [k, n]; 'complete': Q [m, m], R [m, n]; 'r': R only (Q empty). */
  mode?: QrMode;
}

export interface QrResult {
  Q: Tensor;
  R: Tensor;
}

/** Householder QR (torch.linalg.qr) of [..., m, n] matrices, with LAPACK's signs (R's diagonal may be negative). */
export function qr(A: Tensor, options?: QrOptions): QrResult {
  const op = 'linalg.qr';
  checkMatrices(op, A);
  checkOptionKeys(op, options, ['mode']);
  const mode = options?.mode ?? 'reduced';
  if (mode !== 'reduced' && mode !== 'complete' && mode !== 'r') {
    throw new Error(`${op}: qr received unrecognized mode '${String(mode)}' but expected one of 'reduced' (default), 'r', or 'complete'`);
  }
  const attrs = { mode, m: A.shape[A.ndim - 2]!, n: A.shape[A.ndim - 1]! };
  const out = apply(QR, [A], attrs);
  if (mode === 'r') return { Q: fromKernel(new (A.dtype === 'float32' ? Float32Array : Float64Array)(0), [0], A.dtype), R: out };
  const [Q, R] = unpack(out, qrShapes(attrs));
  return { Q: Q!, R: R! };
}

// ---- op table -------------------------------------------------------------------------------

export const table: OpEntry<object>[] = [
  entry({
    name: 'linalg.qr',
    run: ([a], { mode }: { mode: QrMode }) => {
      const r = qr(a!, { mode });
      return [r.Q, r.R];
    },
    torch: 'tuple(torch.linalg.qr(x0, mode=a["mode"]))',
    samples: [
      sample([f([4, 3])], { mode: 'reduced' as const }),
      sample([f([3, 3], undefined, 'transposed')], { mode: 'reduced' as const }),
      sample([f([2, 3, 5])], { mode: 'reduced' as const }),
      sample([f([3, 4])], { mode: 'complete' as const }),
    ],
  }),
  entry({
    name: 'linalg.qr (complete, tall; mode r)',
    run: ([a], { mode }: { mode: QrMode }) => qr(a!, { mode }).R,
    torch: 'torch.linalg.qr(x0, mode=a["mode"])[1]',
    samples: [sample([f([4, 3])], { mode: 'complete' as const }), sample([f([2, 4, 3])], { mode: 'r' as const })],
    differentiable: false,
  }),
];
