/**
 * What the linalg ops (lu.ts, cholesky.ts, qr.ts, eigh.ts, svd.ts, matrix-norm.ts) share: argument
 * checks with torch's messages, small matrix helpers written in tensor ops, and the packing of a
 * primitive's several outputs along the last dim (its public function unpacks views of them).
 */
import { Tensor } from '../tensor/tensor.js';
import { eye } from '../tensor/creation.js';
import { numel } from '../tensor/shape.js';
import { checkTensor } from './util.js';
import { checkOptionKeys } from './args.js';
import { add, eq, mul, reciprocal, where } from './elementwise.js';
import { sum } from './reduce.js';
import { narrow, reshape, transpose, unsqueeze } from './movement.js';
import { cat } from './join.js';
import { matmul } from './linalg.js';

// ---- argument checks ------------------------------------------------------------------------

/**
 * The order and options of a norm called as f(x, ord?, options?) or f(x, { ord, ... }): the
 * options are checked against `known` (ord included), and ord may be given only once.
 */
export function ordAndOptions<O extends { ord?: unknown }>(op: string, ordArg: unknown, options: O | undefined, known: readonly string[]): { ord: unknown; options: O | undefined } {
  let opts = options;
  let ord = ordArg;
  if (ord !== null && typeof ord === 'object' && !Array.isArray(ord) && !(ord instanceof Tensor)) {
    if (opts !== undefined) throw new Error(`${op}: got two options objects; pass ord in the options or as the second argument`);
    opts = ord as O;
    ord = undefined;
  }
  checkOptionKeys(op, opts, known);
  if (opts?.ord !== undefined) {
    if (ord !== undefined) throw new Error(`${op}: ord was given twice (as an argument and as an option)`);
    ord = opts.ord;
  }
  return { ord, options: opts };
}

export function checkBoolean(op: string, name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new Error(`${op}: option '${name}' must be a boolean, got ${typeof v}`);
  return v;
}

/** A float tensor with at least 2 dims (a batch of matrices). */
export function checkMatrices(op: string, x: unknown, what = 'A'): asserts x is Tensor {
  checkTensor(op, x, what);
  if (x.ndim < 2) throw new Error(`${op}: The input tensor ${what} must have at least 2 dimensions.`);
  if (x.dtype !== 'float32' && x.dtype !== 'float64') {
    throw new Error(`${op}: Expected a floating point tensor as input. Got ${x.dtype}`);
  }
}

export function checkSquare(op: string, x: unknown, what = 'A'): asserts x is Tensor {
  checkMatrices(op, x, what);
  const m = x.shape[x.ndim - 2]!;
  const n = x.shape[x.ndim - 1]!;
  if (m !== n) throw new Error(`${op}: ${what} must be batches of square matrices, but they are ${m} by ${n} matrices`);
}

// ---- small matrix helpers -------------------------------------------------------------------

export function mT(x: Tensor): Tensor {
  return transpose(x, -1, -2);
}

export function identity(n: number, like: Tensor): Tensor {
  return eye(n, n, { dtype: like.dtype });
}

/** [..., k] -> [..., k, k] with the vector on the diagonal. */
export function diagEmbed(v: Tensor): Tensor {
  return mul(unsqueeze(v, -1), identity(v.shape[v.ndim - 1]!, v));
}

/** The diagonal of square matrices [..., n, n] -> [..., n]. */
export function diagonal(a: Tensor): Tensor {
  return sum(mul(a, identity(a.shape[a.ndim - 1]!, a)), -1);
}

/** num / den, but 0 wherever num is 0 (also where den is 0): a zero cotangent stays zero. */
export function divNonzero(num: Tensor, den: Tensor): Tensor {
  const zero = eq(num, 0);
  return where(zero, 0, mul(num, reciprocal(where(zero, 1, den))));
}

/** Joins results [...batch, ...] into one [...batch, total] (flattening all but the batch dims). */
export function pack(batch: readonly number[], parts: Tensor[]): Tensor {
  return cat(parts.map((p) => reshape(p, [...batch, numel(p.shape.slice(batch.length))])), -1);
}

/** Views of the parts of a packed [...batch, total] tensor, with the given trailing shapes. */
export function unpack(packed: Tensor, shapes: number[][]): Tensor[] {
  const batch = packed.shape.slice(0, -1);
  let at = 0;
  return shapes.map((s) => {
    const size = numel(s);
    const part = reshape(narrow(packed, -1, at, size), [...batch, ...s]);
    at += size;
    return part;
  });
}

export function batchOf(x: Tensor): number[] {
  return x.shape.slice(0, -2);
}

// ---- sample inputs for the op table: well-conditioned, symmetric, positive-definite ----------

export const SHIFTED = 'x0 + 4 * torch.eye(x0.shape[-1], dtype=x0.dtype)';
// A non-tensor passes through, so the op under test reports it (test/core/junk-args.test.ts).
export const shifted = (x: Tensor): Tensor => (x instanceof Tensor ? add(x, mul(identity(x.shape[x.ndim - 1]!, x), 4)) : x);
export const SYM = 'x0 + x0.mT';
export const sym = (x: Tensor): Tensor => add(x, mT(x));
export const SPD = 'x0 @ x0.mT + 3 * torch.eye(x0.shape[-1], dtype=x0.dtype)';
export const spd = (x: Tensor): Tensor => add(matmul(x, mT(x)), mul(identity(x.shape[x.ndim - 1]!, x), 3));
