/** Reading the [N, F] data matrices that PCA and t-SNE take (Tensors or arrays of rows) into float64. */
import { Tensor } from '../tensor/tensor.js';
import type { FloatDType } from '../tensor/dtype.js';

export interface Matrix {
  data: Float64Array;
  rows: number;
  cols: number;
  /** The dtype results are returned in: the input's float dtype (float32 for integer tensors), float64 for arrays. */
  dtype: FloatDType;
}

export type MatrixLike = Tensor | readonly (readonly number[])[];

/** X as a float64 row-major matrix; rejects other ranks, ragged rows and non-finite values. */
export function readMatrix(op: string, X: MatrixLike): Matrix {
  let data: Float64Array;
  let rows: number;
  let cols: number;
  let dtype: FloatDType = 'float64';
  if (X instanceof Tensor) {
    if (X.ndim !== 2) throw new Error(`${op}: expected a 2-D [samples, features] tensor, got shape [${X.shape.join(', ')}]`);
    if (X.dtype === 'bool') throw new Error(`${op}: expected numeric data, got a bool tensor`);
    [rows, cols] = X.shape as [number, number];
    data = Float64Array.from(X.contiguous().toTypedArray() as ArrayLike<number>);
    dtype = X.dtype === 'float64' ? 'float64' : 'float32';
  } else if (Array.isArray(X)) {
    rows = X.length;
    cols = rows > 0 && Array.isArray(X[0]) ? X[0].length : 0;
    data = new Float64Array(rows * cols);
    X.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== cols) throw new Error(`${op}: row ${i} has ${Array.isArray(row) ? row.length : 'no'} values, expected ${cols} like row 0`);
      row.forEach((v, j) => {
        if (typeof v !== 'number') throw new Error(`${op}: row ${i} holds a non-number ${JSON.stringify(v)}`);
        data[i * cols + j] = v;
      });
    });
  } else {
    throw new Error(`${op}: expected a 2-D Tensor or an array of rows, got ${X === null ? 'null' : typeof X}`);
  }
  if (rows === 0 || cols === 0) throw new Error(`${op}: the data is empty ([${rows}, ${cols}])`);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) throw new Error(`${op}: the data holds a non-finite value (${data[i]}) at row ${Math.floor(i / cols)}, column ${i % cols}`);
  }
  return { data, rows, cols, dtype };
}

/** A float64 row-major array as a tensor of the given dtype. */
export function toTensor(data: Float64Array, shape: readonly number[], dtype: FloatDType): Tensor {
  return Tensor.fromData(dtype === 'float64' ? data : Float32Array.from(data), shape, dtype);
}

