/**
 * Row iteration for elementwise kernels: walks an output of `shape` in row-major order as runs
 * ("rows") along the innermost dim after merging dims that every operand lays out
 * contiguously, so the inner loops are plain strided loops instead of per-element index math.
 */
import type { Shape } from '../../tensor/shape.js';

export interface Operand {
  readonly strides: Shape;
  readonly offset: number;
}

/** fn(offsets of each operand at the row start, output offset, row length, each operand's inner stride). */
export type RowFn = (offsets: Int32Array, outOffset: number, length: number, strides: Int32Array) => void;

export function forEachRow(shape: Shape, operands: readonly Operand[], fn: RowFn): void {
  const k = operands.length;
  // Drop size-1 dims, then merge neighbours that every operand steps through contiguously.
  const dims: number[] = [];
  const strides: number[][] = operands.map(() => []);
  shape.forEach((d, i) => {
    if (d === 1) return;
    dims.push(d);
    operands.forEach((o, j) => strides[j]!.push(o.strides[i]!));
  });
  if (dims.some((d) => d === 0)) return;
  for (let i = dims.length - 2; i >= 0; i--) {
    const inner = dims[i + 1]!;
    if (strides.every((s) => s[i] === s[i + 1]! * inner)) {
      dims[i] = dims[i]! * inner;
      dims.splice(i + 1, 1);
      strides.forEach((s) => {
        s[i] = s[i + 1]!;
        s.splice(i + 1, 1);
      });
    }
  }
  const offsets = Int32Array.from(operands, (o) => o.offset);
  const inner = new Int32Array(k);
  if (dims.length === 0) {
    fn(offsets, 0, 1, inner);
    return;
  }
  const rank = dims.length;
  const len = dims[rank - 1]!;
  strides.forEach((s, j) => (inner[j] = s[rank - 1]!));
  const rows = dims.slice(0, rank - 1).reduce((a, b) => a * b, 1);
  const idx = new Int32Array(rank);
  let out = 0;
  for (let r = 0; r < rows; r++) {
    fn(offsets, out, len, inner);
    out += len;
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]!++;
      for (let j = 0; j < k; j++) offsets[j]! += strides[j]![d]!;
      if (idx[d]! < dims[d]!) break;
      for (let j = 0; j < k; j++) offsets[j]! -= strides[j]![d]! * dims[d]!;
      idx[d] = 0;
    }
  }
}
