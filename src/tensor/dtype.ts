/** Element types a tensor can hold, with PyTorch's promotion rules. */
import { KernelError } from '../backend/types.js';

export type DType = 'float32' | 'float64' | 'int32' | 'bool';
export type FloatDType = 'float32' | 'float64';

export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

export const DTYPES: readonly DType[] = ['bool', 'int32', 'float32', 'float64'];

/** The dtype new float tensors get, as torch.get_default_dtype(). */
export const DEFAULT_FLOAT: FloatDType = 'float32';

export function isFloat(dtype: DType): dtype is FloatDType {
  return dtype === 'float32' || dtype === 'float64';
}

export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && (DTYPES as readonly string[]).includes(value);
}

/**
 * A zeroed typed array of `size` elements. Too large a size is a KernelError naming the byte size
 * (the op that asked for it adds its name), not the engine's bare RangeError.
 */
export function allocate(dtype: DType, size: number): TypedArray {
  try {
    return allocateUnchecked(dtype, size);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    const bytes = size * bytesPerElement(dtype);
    throw new KernelError(
      `cannot allocate ${size} ${dtype} elements (${bytes} bytes, ${(bytes / 2 ** 30).toFixed(1)} GiB): ` +
        `more than this JavaScript engine can hold in one array, or more memory than is free`,
    );
  }
}

function allocateUnchecked(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'float64':
      return new Float64Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'bool':
      return new Uint8Array(size);
    default:
      // Reached only from untyped callers (JS, or a cast string): name the mistake instead of crashing later.
      throw new Error(`unknown dtype '${String(dtype)}': Nabla's dtypes are ${DTYPES.join(', ')}`);
  }
}

export function bytesPerElement(dtype: DType): number {
  return dtype === 'float64' ? 8 : dtype === 'bool' ? 1 : 4;
}

/** bool < int < float: the kind of number a dtype holds. */
function category(dtype: DType): number {
  return dtype === 'bool' ? 0 : dtype === 'int32' ? 1 : 2;
}

/** The larger of two dtypes (float64 > float32 > int32 > bool). */
export function promoteTypes(a: DType, b: DType): DType {
  return DTYPES.indexOf(a) >= DTYPES.indexOf(b) ? a : b;
}

/** An operand as torch's type promotion sees it: a tensor with dims, a 0-dim tensor, or a JS scalar. */
export interface PromotionOperand {
  dtype: DType;
  tier: 'tensor' | 'zeroDim' | 'scalar';
}

/**
 * torch.result_type: dimensioned tensors decide, unless a 0-dim tensor or a scalar is of a higher
 * category (bool < int < float), in which case that operand's category wins. A float scalar
 * promotes to the default float dtype, never to float64.
 */
export function resultType(operands: readonly PromotionOperand[]): DType {
  const best: Record<PromotionOperand['tier'], DType | null> = { tensor: null, zeroDim: null, scalar: null };
  for (const o of operands) {
    const cur = best[o.tier];
    best[o.tier] = cur === null ? o.dtype : promoteTypes(cur, o.dtype);
  }
  let result: DType | null = best.tensor;
  if (best.zeroDim !== null && (result === null || category(best.zeroDim) > category(result))) {
    result = best.zeroDim;
  }
  if (best.scalar !== null && (result === null || category(best.scalar) > category(result))) {
    result = best.scalar === 'float64' ? DEFAULT_FLOAT : best.scalar;
  }
  return result ?? DEFAULT_FLOAT;
}

/** The dtype a JS value stands for when used as a scalar operand. */
export function scalarDType(value: number | boolean): DType {
  if (typeof value === 'boolean') return 'bool';
  return Number.isInteger(value) ? 'int32' : 'float64';
}

/** The float dtype an op with float output (exp, mean, div) gives for this input dtype. */
export function toFloat(dtype: DType): FloatDType {
  return isFloat(dtype) ? dtype : DEFAULT_FLOAT;
}
