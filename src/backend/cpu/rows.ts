/**
 * Row iteration for elementwise kernels: walks an output of `shape` in row-major order as runs
 * ("rows") along the innermost dim after merging dims that every operand lays out
 * contiguously, so the inner loops are plain strided loops instead of per-element index math.
 */
import type { Shape } from '../../tensor/shape.js';
import { isContiguous } from './strided.js';

export interface Operand {
  readonly strides: Shape;
  readonly offset: number;
}

/** fn(offsets of each operand at the row start, output offset, row length, each operand's inner stride). */
export type RowFn = (offsets: Int32Array, outOffset: number, length: number, strides: Int32Array) => void;

/** True when every operand reads `shape` contiguously from its offset (size-1 dims ignored). */
function allContiguous(shape: Shape, operands: readonly Operand[]): boolean {
  for (const operand of operands) if (!isContiguous(shape, operand.strides)) return false;
  return true;
}

/** Reused offset/stride buffers (a free list, so nested walks get their own). */
const SCRATCH = 8;
const free: Int32Array[] = [];

function take(k: number): Int32Array {
  return (k <= SCRATCH ? free.pop() : undefined) ?? new Int32Array(Math.max(k, SCRATCH));
}

export function forEachRow(shape: Shape, operands: readonly Operand[], fn: RowFn): void {
  const k = operands.length;
  const rank = shape.length;
  let total = 1;
  for (let i = 0; i < rank; i++) total *= shape[i]!;
  if (total === 0) return;
  const offsets = take(k);
  const inner = take(k);
  try {
    walk(shape, operands, fn, total, offsets, inner);
  } finally {
    if (offsets.length === SCRATCH) free.push(offsets);
    if (inner.length === SCRATCH) free.push(inner);
  }
}

function walk(shape: Shape, operands: readonly Operand[], fn: RowFn, total: number, offsets: Int32Array, inner: Int32Array): void {
  const k = operands.length;
  const rank = shape.length;
  for (let j = 0; j < k; j++) offsets[j] = operands[j]!.offset;
  // The common case (every operand dense and in order) is one row: no dim bookkeeping at all.
  if (allContiguous(shape, operands)) {
    inner.fill(1);
    fn(offsets, 0, total, inner);
    return;
  }
  inner.fill(0);
  // Merged dims, innermost first; strides[m * k + j] is operand j's stride in merged dim m.
  // Size-1 dims are dropped; a dim merges into the one inside it when every operand steps
  // through the pair contiguously.
  const dims: number[] = [];
  const strides: number[] = [];
  for (let i = rank - 1; i >= 0; i--) {
    const d = shape[i]!;
    if (d === 1) continue;
    const m = dims.length - 1;
    let merge = m >= 0;
    for (let j = 0; merge && j < k; j++) merge = operands[j]!.strides[i] === strides[m * k + j]! * dims[m]!;
    if (merge) {
      dims[m] = dims[m]! * d;
    } else {
      dims.push(d);
      for (let j = 0; j < k; j++) strides.push(operands[j]!.strides[i]!);
    }
  }
  if (dims.length === 0) {
    fn(offsets, 0, 1, inner);
    return;
  }
  const len = dims[0]!;
  for (let j = 0; j < k; j++) inner[j] = strides[j]!;
  const outer = dims.length;
  const rows = total / len;
  const idx = new Array<number>(outer).fill(0);
  let out = 0;
  for (let r = 0; r < rows; r++) {
    fn(offsets, out, len, inner);
    out += len;
    for (let m = 1; m < outer; m++) {
      const base = m * k;
      for (let j = 0; j < k; j++) offsets[j] = offsets[j]! + strides[base + j]!;
      if (++idx[m]! < dims[m]!) break;
      for (let j = 0; j < k; j++) offsets[j] = offsets[j]! - strides[base + j]! * dims[m]!;
      idx[m] = 0;
    }
  }
}
