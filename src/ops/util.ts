/** Small helpers the op files share: turning scalars into tensors and tensors into kernel views. */
import { Tensor, type TensorLike } from '../tensor/tensor.js';
import { allocate, isFloat, resultType, scalarDType, type DType, type PromotionOperand } from '../tensor/dtype.js';
import { sameShape, shapeStr, type Shape } from '../tensor/shape.js';
import type { View } from '../backend/types.js';
import type { TypedArray } from '../tensor/dtype.js';

export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}

/** How an operand takes part in type promotion. */
export function promotionOperand(x: TensorLike): PromotionOperand {
  if (x instanceof Tensor) return { dtype: x.dtype, tier: x.ndim === 0 ? 'zeroDim' : 'tensor' };
  return { dtype: scalarDType(x), tier: 'scalar' };
}

export function resultTypeOf(...xs: TensorLike[]): DType {
  // The common cases, decided without building promotion operands: two tensors of one dtype,
  // or a float tensor and a JS number (the scalar cannot raise the tensor's category).
  if (xs.length === 2) {
    const [a, b] = xs as [TensorLike, TensorLike];
    if (a instanceof Tensor) {
      if (b instanceof Tensor ? b.dtype === a.dtype : typeof b === 'number' && isFloat(a.dtype)) return a.dtype;
    } else if (b instanceof Tensor && typeof a === 'number' && isFloat(b.dtype)) return b.dtype;
  }
  return resultType(xs.map(promotionOperand));
}

/** A 0-dim tensor holding a scalar, rounded to the dtype it will be computed in. */
export function scalarTensor(value: number | boolean, dtype: DType): Tensor {
  const data = allocate(dtype, 1);
  data[0] = typeof value === 'boolean' ? Number(value) : dtype === 'bool' ? Number(value !== 0) : value;
  return Tensor.fromData(data, [], dtype);
}

/** A tensor operand as is, a scalar as a 0-dim tensor of `dtype`. */
export function asTensor(x: TensorLike, dtype: DType): Tensor {
  return x instanceof Tensor ? x : scalarTensor(x, dtype);
}

/** The view of `t` broadcast to `shape` (size-1 and missing dims read with stride 0). */
export function broadcastView(t: View, shape: Shape): View {
  if (sameShape(t.shape, shape)) return t;
  const lead = shape.length - t.shape.length;
  const strides = shape.map((d, i) => {
    const j = i - lead;
    return j < 0 || t.shape[j] === 1 ? 0 : t.strides[j]!;
  });
  return { data: t.data, dtype: t.dtype, shape, strides, offset: t.offset };
}

export function fromKernel(data: TypedArray, shape: Shape, dtype: DType): Tensor {
  return Tensor.fromData(data, shape, dtype);
}

export function checkTensor(op: string, x: unknown, what = 'input'): asserts x is Tensor {
  if (!(x instanceof Tensor)) {
    throw new Error(`${op}: expected ${what} to be a Tensor, got ${x === null ? 'null' : typeof x}`);
  }
}

export function checkIndexTensor(op: string, index: Tensor, what = 'index'): void {
  if (index.dtype !== 'int32') {
    throw new Error(`${op}: ${what} must be an int32 tensor, got dtype ${index.dtype} with shape ${shapeStr(index.shape)}`);
  }
}
