/** torch.linalg.matrix_norm and vector_norm. */
import type { Tensor } from '../tensor/tensor.js';
import { normalizeDim } from '../tensor/shape.js';
import { checkTensor } from './util.js';
import { abs } from './elementwise.js';
import { amax, amin, norm, sum } from './reduce.js';
import { permute, unsqueeze } from './movement.js';
import { svdvals } from './svd.js';
import { checkBoolean, checkMatrices, ordAndOptions } from './matrix.js';
import { entry, f, sample, type OpEntry } from './table.js';

export type MatrixNormOrd = 'fro' | 'nuc' | number;

export interface MatrixNormOptions {
  /** The order, also accepted as the second argument (default 'fro'). */
  ord?: MatrixNormOrd;
  /** The two dims holding the matrices (default [-2, -1]). */
  dim?: readonly [number, number];
  keepdim?: boolean;
}

/**
 * Matrix norms (torch.linalg.matrix_norm): 'fro' (default), 'nuc' (sum of singular values), 2 / -2
 * (largest / smallest singular value), 1 / -1 (max / min column abs sum), Infinity / -Infinity
 * (max / min row abs sum).
 */
export function matrixNorm(A: Tensor, ordArg?: MatrixNormOrd | MatrixNormOptions, optionsArg?: MatrixNormOptions): Tensor {
  const op = 'linalg.matrix_norm';
  checkMatrices(op, A);
  const resolved = ordAndOptions(op, ordArg, optionsArg, ['ord', 'dim', 'keepdim']);
  const options = resolved.options;
  const ord = resolved.ord ?? 'fro';
  const keepdim = options?.keepdim === undefined ? false : checkBoolean(op, 'keepdim', options.keepdim);
  const dimArg = options?.dim ?? [-2, -1];
  if (!Array.isArray(dimArg) || dimArg.length !== 2 || !dimArg.every((d) => Number.isInteger(d))) {
    throw new Error(`${op}: dim must be a pair of integers, got ${JSON.stringify(dimArg)}`);
  }
  const d0 = normalizeDim(op, dimArg[0]!, A.ndim);
  const d1 = normalizeDim(op, dimArg[1]!, A.ndim);
  if (d0 === d1) throw new Error(`${op}: dims must be different. Got (${dimArg[0]}, ${dimArg[1]})`);
  if (ord === 'fro') return norm(A, 2, [d0, d1], keepdim);
  const spectral = ord === 'nuc' || ord === 2 || ord === -2;
  if (spectral) {
    const perm = [...A.shape.keys()].filter((d) => d !== d0 && d !== d1).concat([d0, d1]);
    const s = svdvals(permute(A, perm));
    let out = ord === 'nuc' ? sum(s, -1) : ord === 2 ? amax(s, -1) : amin(s, -1);
    if (keepdim) for (const d of [d0, d1].sort((a, b) => a - b)) out = unsqueeze(out, d);
    return out;
  }
  if (ord !== 1 && ord !== -1 && ord !== Infinity && ord !== -Infinity) {
    throw new Error(`${op}: Order ${typeof ord === 'string' ? `'${ord}'` : String(ord)} not supported.`);
  }
  // 1: column sums (over d0) then the max over d1; Infinity: the other way round.
  const [sumDim, extremeDimBefore] = Math.abs(ord) === Infinity ? [d1, d0] : [d0, d1];
  let extremeDim = extremeDimBefore;
  if (!keepdim && sumDim < extremeDim) extremeDim--;
  const sums = sum(abs(A), sumDim, keepdim);
  return ord > 0 ? amax(sums, extremeDim, keepdim) : amin(sums, extremeDim, keepdim);
}

export interface VectorNormOptions {
  /** The order, also accepted as the second argument (default 2). */
  ord?: number;
  /** Dims to reduce (default: all). */
  dim?: number | readonly number[];
  keepdim?: boolean;
}

/** Vector norms (torch.linalg.vector_norm): ord 2 (default), any p > 0, 0, Infinity, -Infinity. */
export function vectorNorm(x: Tensor, ordArg?: number | VectorNormOptions, optionsArg?: VectorNormOptions): Tensor {
  const op = 'linalg.vector_norm';
  checkTensor(op, x);
  const { ord: given, options } = ordAndOptions(op, ordArg, optionsArg, ['ord', 'dim', 'keepdim']);
  const ord = given ?? 2;
  if (typeof ord !== 'number' || Number.isNaN(ord)) throw new Error(`${op}: ord must be a number, got ${String(ord)}`);
  const keepdim = options?.keepdim === undefined ? false : checkBoolean(op, 'keepdim', options.keepdim);
  return norm(x, ord, options?.dim, keepdim);
}

// ---- op table -------------------------------------------------------------------------------

export const table: OpEntry<object>[] = [
  entry({
    name: 'linalg.matrixNorm',
    // JSON has no Infinity: the samples spell the infinite orders 'inf' and '-inf'.
    run: ([a], { ord, dim, keepdim }: { ord: MatrixNormOrd | 'inf' | '-inf'; dim: number[]; keepdim: boolean }) =>
      matrixNorm(a!, ord === 'inf' ? Infinity : ord === '-inf' ? -Infinity : ord, { dim: [dim[0]!, dim[1]!], keepdim }),
    torch: 'torch.linalg.matrix_norm(x0, ord=float(a["ord"]) if a["ord"] in ("inf", "-inf") else a["ord"], dim=tuple(a["dim"]), keepdim=a["keepdim"])',
    samples: [
      sample([f([3, 4])], { ord: 'fro' as const, dim: [-2, -1], keepdim: false }),
      sample([f([2, 3, 4])], { ord: 'nuc' as const, dim: [-2, -1], keepdim: true }),
      sample([f([3, 2, 4])], { ord: 2, dim: [0, 2], keepdim: false }),
      sample([f([3, 4])], { ord: -2, dim: [-2, -1], keepdim: false }),
      sample([f([2, 3, 4])], { ord: 1, dim: [-1, -2], keepdim: false }),
      sample([f([3, 4])], { ord: -1, dim: [-2, -1], keepdim: true }),
      sample([f([2, 3, 4])], { ord: 'inf' as const, dim: [0, 1], keepdim: false }),
      sample([f([3, 4])], { ord: '-inf' as const, dim: [-2, -1], keepdim: false }),
    ],
  }),
  entry({
    name: 'linalg.vectorNorm',
    run: ([x], { ord, dim, keepdim }: { ord: number; dim: number[]; keepdim: boolean }) => vectorNorm(x!, ord, { dim, keepdim }),
    torch: 'torch.linalg.vector_norm(x0, ord=a["ord"], dim=a["dim"], keepdim=a["keepdim"])',
    samples: [sample([f([3, 4])], { ord: 2, dim: [1], keepdim: false }), sample([f([2, 3, 4])], { ord: 3, dim: [0, 2], keepdim: true })],
  }),
];
