/** Strided iteration helpers for the reference kernels. */
import type { View } from '../types.js';
import { isContiguous, numel, type Shape } from '../../tensor/shape.js';

export { isContiguous };

/**
 * The storage position of every element of a strided layout, in row-major order, or null when
 * the layout is contiguous (element i is at offset + i).
 */
export function stridedPositions(shape: Shape, strides: Shape, offset: number): Int32Array | null {
  if (isContiguous(shape, strides)) return null;
  const n = numel(shape);
  const out = new Int32Array(n);
  const rank = shape.length;
  const last = rank - 1;
  const lastSize = shape[last]!;
  const lastStride = strides[last]!;
  const idx = new Array<number>(rank).fill(0);
  let pos = offset;
  let i = 0;
  while (i < n) {
    for (let j = 0; j < lastSize; j++) out[i++] = pos + j * lastStride;
    let d = rank - 2;
    while (d >= 0) {
      idx[d]!++;
      pos += strides[d]!;
      if (idx[d]! < shape[d]!) break;
      pos -= strides[d]! * shape[d]!;
      idx[d] = 0;
      d--;
    }
  }
  return out;
}

/** Positions of every element of a view (always materialised, even when contiguous). */
export function positionsOf(v: View): Int32Array {
  const p = stridedPositions(v.shape, v.strides, v.offset);
  if (p !== null) return p;
  const n = numel(v.shape);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = v.offset + i;
  return out;
}

/** A view with its axes reordered (no data moved). */
export function permuteView(v: View, perm: readonly number[]): View {
  return {
    data: v.data,
    dtype: v.dtype,
    offset: v.offset,
    shape: perm.map((d) => v.shape[d]!),
    strides: perm.map((d) => v.strides[d]!),
  };
}

/** The view with `axis` moved to the end, plus the product of the other sizes. */
export function axisLast(v: View, axis: number): View {
  const perm = [...v.shape.keys()].filter((d) => d !== axis);
  perm.push(axis);
  return permuteView(v, perm);
}
