/**
 * Element types of stored tensors (safetensors' names; .pth storages map onto them) and their
 * decoding into the library's dtypes: integers as int32 (range-checked), small floats as float32.
 */
import type { DType } from '../tensor/dtype.js';

/** Element types of stored tensors (safetensors' Dtype enum). */
export type ElementType =
  | 'BOOL' | 'U8' | 'I8' | 'F8_E5M2' | 'F8_E4M3' | 'I16' | 'U16' | 'F16' | 'BF16' | 'I32' | 'U32' | 'F32' | 'F64' | 'I64' | 'U64';

export const ELEMENT_BYTES: Record<ElementType, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8,
};

/** The library dtype each element type loads as. */
export const LOADS_AS: Record<ElementType, DType> = {
  BOOL: 'bool', U8: 'int32', I8: 'int32', I16: 'int32', U16: 'int32', I32: 'int32', U32: 'int32', I64: 'int32', U64: 'int32',
  F8_E5M2: 'float32', F8_E4M3: 'float32', F16: 'float32', BF16: 'float32', F32: 'float32', F64: 'float64',
};

/** Decoded elements: the library's arrays, or (for 64-bit and unsigned 32-bit integers) a wider one to range-check. */
export type DecodedElements = Float32Array | Float64Array | Int32Array | Uint8Array | Uint32Array | BigInt64Array | BigUint64Array;

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** float8 e4m3fn (no infinities; S.1111.111 is NaN) and e5m2 (IEEE-like), as torch.float8_e4m3fn / float8_e5m2. */
function fp8ToFloat(b: number, e4m3: boolean): number {
  const sign = b & 0x80 ? -1 : 1;
  if (e4m3) {
    const exponent = (b >> 3) & 0xf;
    const mantissa = b & 0x7;
    if (exponent === 0xf && mantissa === 0x7) return NaN;
    if (exponent === 0) return sign * mantissa * 2 ** -9;
    return sign * (1 + mantissa / 8) * 2 ** (exponent - 7);
  }
  const exponent = (b >> 2) & 0x1f;
  const mantissa = b & 0x3;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  if (exponent === 0) return sign * mantissa * 2 ** -16;
  return sign * (1 + mantissa / 4) * 2 ** (exponent - 15);
}

/**
 * Decodes `raw` (a whole number of elements) into a fresh array: F32/F64/I32/BOOL as themselves,
 * F16/BF16/F8 as float32, 8- and 16-bit integers as int32, U32/I64/U64 as their own width (the
 * caller range-checks them into int32 with toInt32).
 */
export function decodeElements(raw: Uint8Array, type: ElementType, littleEndian = true): DecodedElements {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const count = raw.byteLength / ELEMENT_BYTES[type];
  const native = littleEndian === littleEndianHost;
  // A fresh, aligned copy: Node Buffers slice() as views of a shared pool, so copy explicitly.
  const copyAligned = (): ArrayBuffer => new Uint8Array(raw).buffer as ArrayBuffer;
  switch (type) {
    case 'F32':
      return native ? new Float32Array(copyAligned()) : Float32Array.from({ length: count }, (_, i) => view.getFloat32(i * 4, littleEndian));
    case 'F64':
      return native ? new Float64Array(copyAligned()) : Float64Array.from({ length: count }, (_, i) => view.getFloat64(i * 8, littleEndian));
    case 'I32':
      return native ? new Int32Array(copyAligned()) : Int32Array.from({ length: count }, (_, i) => view.getInt32(i * 4, littleEndian));
    case 'BOOL':
      return Uint8Array.from(raw, (v) => (v !== 0 ? 1 : 0));
    case 'U8':
      return Int32Array.from(raw);
    case 'I8':
      return Int32Array.from({ length: count }, (_, i) => view.getInt8(i));
    case 'I16':
      return Int32Array.from({ length: count }, (_, i) => view.getInt16(i * 2, littleEndian));
    case 'U16':
      return Int32Array.from({ length: count }, (_, i) => view.getUint16(i * 2, littleEndian));
    case 'U32':
      return Uint32Array.from({ length: count }, (_, i) => view.getUint32(i * 4, littleEndian));
    case 'I64':
      return native ? new BigInt64Array(copyAligned()) : BigInt64Array.from({ length: count }, (_, i) => view.getBigInt64(i * 8, littleEndian));
    case 'U64':
      return native ? new BigUint64Array(copyAligned()) : BigUint64Array.from({ length: count }, (_, i) => view.getBigUint64(i * 8, littleEndian));
    case 'F16':
      return Float32Array.from({ length: count }, (_, i) => halfToFloat(view.getUint16(i * 2, littleEndian)));
    case 'BF16': {
      // bfloat16 is the top half of a float32: widen the bits and reinterpret them.
      const bits = new Uint32Array(count);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(i * 2, littleEndian) << 16;
      return new Float32Array(bits.buffer);
    }
    case 'F8_E4M3':
    case 'F8_E5M2':
      return Float32Array.from(raw, (b) => fp8ToFloat(b, type === 'F8_E4M3'));
  }
}

/** The library's array for decoded elements: wide integers become int32 after a range check (`outOfRange` throws). */
export function toLibraryArray(
  values: DecodedElements,
  outOfRange: (value: number | bigint, index: number) => never,
): Float32Array | Float64Array | Int32Array | Uint8Array {
  if (!(values instanceof Uint32Array || values instanceof BigInt64Array || values instanceof BigUint64Array)) return values;
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < -2147483648 || v > 2147483647) outOfRange(v, i);
    out[i] = Number(v);
  }
  return out;
}
