/**
 * The IDX format of MNIST and Fashion-MNIST, parsed from bytes (browser-safe; gzip handled by
 * fflate). Big-endian header: two zero bytes, a type code, the number of dims, one uint32 per dim,
 * then the values in C order.
 */
import { Tensor } from '../tensor/tensor.js';
import { shapeStr } from '../tensor/shape.js';
import { preview } from '../util/untrusted.js';
import { checkOptionKeys, describe, noExtraArgs } from '../ops/args.js';
import { gunzipBounded, isGzip } from './gzip.js';

export { isGzip };

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

/** Default limit on an IDX file's decompressed size (2 GiB; EMNIST's largest file is 550 MB). */
export const IDX_MAX_BYTES = 2 ** 31;

export interface ParseIdxOptions {
  /**
   * Refuse files whose header declares more than this many bytes (header + data; default
   * IDX_MAX_BYTES = 2 GiB). Checked before a gzipped file is inflated past its header.
   */
  maxBytes?: number;
}

/** Gunzips bytes that start with the gzip magic number (bounded by maxBytes, CRC-checked); other bytes come back as they are. */
export function maybeGunzip(bytes: Uint8Array, what: string, options: { maxBytes?: number } = {}, ...extra: []): Uint8Array {
  checkOptionKeys('maybeGunzip', options, ['maxBytes'], extra);
  if (!isGzip(bytes)) return bytes;
  return gunzipBounded(bytes, what, { maxBytes: checkMaxBytes(what, options.maxBytes, IDX_MAX_BYTES) });
}

/** Validates a maxBytes option (a positive safe integer), or returns the default. */
export function checkMaxBytes(what: string, maxBytes: unknown, fallback: number): number {
  if (maxBytes === undefined) return fallback;
  if (typeof maxBytes !== 'number' || !Number.isSafeInteger(maxBytes) || maxBytes <= 0) {
    throw new Error(`${what}: maxBytes must be a positive integer, got ${preview(maxBytes)}`);
  }
  return maxBytes;
}

interface IdxHeader {
  type: IdxType;
  width: number;
  shape: number[];
  headerLength: number;
  /** Header + data bytes the header declares. */
  totalBytes: number;
}

/** The header at the start of `bytes`, or undefined while fewer bytes than it needs are there. */
function readIdxHeader(bytes: Uint8Array, fail: (why: string) => never): IdxHeader | undefined {
  if (bytes.length < 4) return undefined;
  if (bytes[0] !== 0 || bytes[1] !== 0) fail(`bad magic number: the first two bytes must be 0, got ${bytes[0]} and ${bytes[1]}; this is not an IDX file`);
  const code = Object.hasOwn(TYPE_CODES, bytes[2]!) ? TYPE_CODES[bytes[2]!] : undefined;
  if (code === undefined) return fail(`unknown element type code 0x${bytes[2]!.toString(16).padStart(2, '0')} (known: 08 09 0b 0c 0d 0e)`);
  const rank = bytes[3]!;
  const headerLength = 4 + 4 * rank;
  if (bytes.length < headerLength) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, headerLength);
  const shape: number[] = [];
  let count = 1;
  for (let d = 0; d < rank; d++) {
    const size = view.getUint32(4 + 4 * d, false);
    shape.push(size);
    count *= size;
  }
  return { type: code.type, width: code.bytes, shape, headerLength, totalBytes: headerLength + count * code.bytes };
}

/**
 * Parses an IDX file's bytes (gzipped or not). `name` goes into error messages. A gzipped file
 * is inflated only as far as its header allows: one that declares more than maxBytes, or
 * decompresses to more or fewer bytes than declared, or fails its CRC, is an error.
 */
export function parseIdx(input: Uint8Array, name = 'IDX data', options: ParseIdxOptions = {}, ...extra: []): IdxArray {
  // An options object in the name's place would have its limits silently ignored.
  if (typeof name !== 'string') throw new TypeError(`parseIdx: name must be a string (options go third: parseIdx(bytes, name, { maxBytes })), got ${describe(name)}`);
  noExtraArgs('parseIdx', extra, 'bytes, a name and an options object');
  return parseIdxBytes(input, name, options, false);
}

/**
 * parseIdx, for callers that own `input` (e.g. a file just read): `owned` lets uint8 and int8
 * data be a view of it instead of a copy.
 */
export function parseIdxBytes(input: Uint8Array, name: string, options: ParseIdxOptions, owned: boolean): IdxArray {
  const what = `parseIdx(${name})`;
  const fail = (why: string): never => {
    throw new Error(`${what}: ${why}`);
  };
  if (!(input instanceof Uint8Array)) fail(`expected the file's bytes as a Uint8Array, got ${preview(input)}`);
  checkOptionKeys('parseIdx', options, ['maxBytes']);
  const maxBytes = checkMaxBytes(what, options.maxBytes, IDX_MAX_BYTES);
  const bytes = isGzip(input)
    ? gunzipBounded(input, what, { maxBytes, expectedSize: (prefix) => readIdxHeader(prefix, fail)?.totalBytes })
    : input;
  const header = readIdxHeader(bytes, fail);
  if (header === undefined) {
    if (bytes.length < 4) fail(`only ${bytes.length} bytes; an IDX file starts with a 4-byte magic number`);
    return fail(`the header declares ${bytes[3]} dims but the file ends after ${bytes.length} bytes`);
  }
  const { type, width, shape, headerLength, totalBytes } = header;
  if (bytes.length !== totalBytes) {
    fail(
      `shape ${shapeStr(shape)} of ${type} needs ${totalBytes} bytes (header ${headerLength} + data ${totalBytes - headerLength}) but the data has ` +
        `${bytes.length}; the file is truncated or not what its header says`,
    );
  }
  if (totalBytes > maxBytes) fail(`the header declares ${totalBytes} bytes, more than maxBytes = ${maxBytes}; raise maxBytes if the file is trusted`);
  const count = (totalBytes - headerLength) / width;
  const body = bytes.subarray(headerLength);
  // Inflated bytes are ours already; the caller's bytes are copied unless the caller gave them away.
  const data = bytes === input && !owned ? body.slice() : body;
  switch (type) {
    case 'uint8':
      return { type, shape, data };
    case 'int8':
      return { type, shape, data: new Int8Array(data.buffer, data.byteOffset, data.length) };
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
export function idxToTensor(idx: IdxArray, options: IdxTensorOptions = {}, ...extra: []): Tensor {
  checkOptionKeys('idxToTensor', options, ['scale'], extra);
  const { scale } = options;
  if (scale !== undefined) {
    if (!(scale > 0) || !Number.isFinite(scale)) throw new Error(`idxToTensor: scale must be a positive number, got ${scale}`);
    const out = new Float32Array(idx.data.length);
    const inv = 1 / scale;
    const data = idx.data;
    if (data instanceof Uint8Array) {
      // A lookup table keeps the hot loop monomorphic (47M pixels for Fashion-MNIST's training set).
      const table = uint8ScaleTable(scale);
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

/** The float32 value of each byte 0..255 divided by `scale` (shared with ByteImages so both give the same bits). */
export function uint8ScaleTable(scale: number): Float32Array {
  const inv = 1 / scale;
  return Float32Array.from({ length: 256 }, (_, v) => v * inv);
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
