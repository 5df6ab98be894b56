/**
 * The IDX format of MNIST and Fashion-MNIST, parsed from bytes (browser-safe; gzip handled by
 * fflate). Big-endian header: two zero bytes, a type code, the number of dims, one uint32 per dim,
 * then the values in C order.
 */
import { gunzipSync } from 'fflate';
import { Tensor } from '../tensor/tensor.js';
import { shapeStr } from '../tensor/shape.js';

export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

const TYPE_CODES: Record<number, { type: IdxType; bytes: number }> = {
  0x08: { type: 'uint8', bytes: 1 },
  0x09: { type: 'int8', bytes: 1 },
  0x0b: { type: 'int16', bytes: 2 },
  0x0c: { type: 'int32', bytes: 4 },
  0x0d: { type: 'float32', bytes: 4 },
  0x0e: { type: 'float64', bytes: 8 },
};

/** The decoded contents of an IDX file: its element type, shape and values (uint8 stays compact). */
export interface IdxArray {
  type: IdxType;
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Gunzips bytes that start with the gzip magic number; other bytes come back as they are. */
export function maybeGunzip(bytes: Uint8Array, what: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (e) {
    throw new Error(`${what}: the data starts like gzip but does not decompress (${(e as Error).message}); the file may be truncated or corrupt`);
  }
}

/** Parses an IDX file's bytes (gzipped or not). `name` goes into error messages. */
export function parseIdx(input: Uint8Array, name = 'IDX data'): IdxArray {
  const bytes = maybeGunzip(input, `parseIdx(${name})`);
  const fail = (why: string): never => {
    throw new Error(`parseIdx(${name}): ${why}`);
  };
  if (bytes.length < 4) fail(`only ${bytes.length} bytes; an IDX file starts with a 4-byte magic number`);
  if (bytes[0] !== 0 || bytes[1] !== 0) fail(`bad magic number: the first two bytes must be 0, got ${bytes[0]} and ${bytes[1]}; this is not an IDX file`);
  const code = TYPE_CODES[bytes[2]!];
  if (code === undefined) fail(`unknown element type code 0x${bytes[2]!.toString(16).padStart(2, '0')} (known: 08 09 0b 0c 0d 0e)`);
  const { type, bytes: width } = code!;
  const rank = bytes[3]!;
  const headerLength = 4 + 4 * rank;
  if (bytes.length < headerLength) fail(`the header declares ${rank} dims but the file ends after ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let d = 0; d < rank; d++) {
    const size = view.getUint32(4 + 4 * d, false);
    shape.push(size);
    count *= size;
  }
  const expected = headerLength + count * width;
  if (bytes.length !== expected) {
    fail(
      `shape ${shapeStr(shape)} of ${type} needs ${expected} bytes (header ${headerLength} + data ${count * width}) but the data has ` +
        `${bytes.length}; the file is truncated or not what its header says`,
    );
  }
  const body = bytes.subarray(headerLength);
  switch (type) {
    case 'uint8':
      return { type, shape, data: body.slice() };
    case 'int8':
      return { type, shape, data: new Int8Array(body.slice().buffer) };
    default: {
      const data = type === 'int16' ? new Int16Array(count) : type === 'int32' ? new Int32Array(count) : type === 'float32' ? new Float32Array(count) : new Float64Array(count);
      const bodyView = new DataView(body.buffer, body.byteOffset, body.byteLength);
      for (let i = 0; i < count; i++) {
        const at = i * width;
        data[i] =
          type === 'int16' ? bodyView.getInt16(at, false) : type === 'int32' ? bodyView.getInt32(at, false) : type === 'float32' ? bodyView.getFloat32(at, false) : bodyView.getFloat64(at, false);
      }
      return { type, shape, data };
    }
  }
}

export interface IdxTensorOptions {
  /** Divide by this after converting to float32 (e.g. 255 for images in [0, 1]). Integer data stays int32 when absent. */
  scale?: number;
}

/** An IDX array as a tensor: integer types as int32 (or float32 divided by `scale`), floats as they are. */
export function idxToTensor(idx: IdxArray, options: IdxTensorOptions = {}): Tensor {
  const { scale } = options;
  if (scale !== undefined) {
    if (!(scale > 0) || !Number.isFinite(scale)) throw new Error(`idxToTensor: scale must be a positive number, got ${scale}`);
    const out = new Float32Array(idx.data.length);
    const inv = 1 / scale;
    const data = idx.data;
    if (data instanceof Uint8Array) {
      // A lookup table keeps the hot loop monomorphic (47M pixels for Fashion-MNIST's training set).
      const table = Float32Array.from({ length: 256 }, (_, v) => v * inv);
      for (let i = 0; i < out.length; i++) out[i] = table[data[i]!]!;
    } else {
      for (let i = 0; i < out.length; i++) out[i] = data[i]! * inv;
    }
    return Tensor.fromData(out, idx.shape, 'float32');
  }
  if (idx.data instanceof Float32Array) return Tensor.fromData(idx.data, idx.shape, 'float32');
  if (idx.data instanceof Float64Array) return Tensor.fromData(idx.data, idx.shape, 'float64');
  return Tensor.fromData(Int32Array.from(idx.data), idx.shape, 'int32');
}

/** Encodes an IDX file (uncompressed) from a shape and values of one IDX type, e.g. to make test data. */
export function encodeIdx(type: IdxType, shape: readonly number[], values: ArrayLike<number>): Uint8Array {
  const entry = Object.entries(TYPE_CODES).find(([, v]) => v.type === type);
  if (entry === undefined) throw new Error(`encodeIdx: unknown type ${type}`);
  const [code, { bytes: width }] = entry;
  const count = shape.reduce((a, b) => a * b, 1);
  if (values.length !== count) throw new Error(`encodeIdx: shape ${shapeStr(shape)} holds ${count} values but got ${values.length}`);
  if (shape.length > 255) throw new Error(`encodeIdx: at most 255 dims, got ${shape.length}`);
  const header = 4 + 4 * shape.length;
  const out = new Uint8Array(header + count * width);
  const view = new DataView(out.buffer);
  out[2] = Number(code);
  out[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < count; i++) {
    const at = header + i * width;
    const v = values[i]!;
    if (type === 'uint8') view.setUint8(at, v);
    else if (type === 'int8') view.setInt8(at, v);
    else if (type === 'int16') view.setInt16(at, v, false);
    else if (type === 'int32') view.setInt32(at, v, false);
    else if (type === 'float32') view.setFloat32(at, v, false);
    else view.setFloat64(at, v, false);
  }
  return out;
}
