/**
 * The safetensors format (Hugging Face; what PyTorch users save weights in), read and written
 * from bytes, so it works in browsers too. Layout: an 8-byte little-endian header length N,
 * N bytes of JSON ({name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}),
 * then the tensor data, back to back, little-endian, row-major.
 *
 * Files are untrusted input: every length, offset, dtype and shape is checked before a byte is
 * read, so a damaged or hostile file gives an Error naming the problem, never an out-of-bounds
 * read, a crash or a huge allocation.
 */
import { Tensor } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';
import { getOwn, preview, quoteShort, setOwn } from '../util/untrusted.js';
import { decodeElements, ELEMENT_BYTES, LOADS_AS, toLibraryArray, type ElementType } from './elements.js';

/** Element types of the format (safetensors' Dtype enum). */
export type SafetensorsDType = ElementType;
const BYTES = ELEMENT_BYTES;

const WRITES_AS: Record<DType, SafetensorsDType> = { float32: 'F32', float64: 'F64', int32: 'I32', bool: 'BOOL' };

/** The reference implementation's limit on the header size. */
export const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';

/** One tensor's entry in the header. */
export interface SafetensorsEntry {
  dtype: SafetensorsDType;
  shape: number[];
  /** Byte range [begin, end) within the data section (after the header). */
  dataOffsets: [number, number];
}

export interface SafetensorsHeader {
  /** Entries by tensor name, in file order (by offset). */
  entries: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
  /** Byte offset of the data section in the file (8 + header length). */
  dataStart: number;
}

export interface SafetensorsContents {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
  /** The dtype each tensor had in the file (e.g. I64 for a tensor loaded as int32). */
  fileDTypes: Record<string, SafetensorsDType>;
}

function fail(why: string): never {
  throw new Error(`safetensors: ${why}`);
}

function asBytes(input: Uint8Array | ArrayBuffer): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  return fail(`expected a Uint8Array or ArrayBuffer, got ${input === null ? 'null' : typeof input}`);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Parses and validates the header without touching the tensor data. */
export function readSafetensorsHeader(input: Uint8Array | ArrayBuffer): SafetensorsHeader {
  const bytes = asBytes(input);
  return parseSafetensorsHeader(bytes, bytes.length);
}

/** The header length N stored in the first 8 bytes (checked against the limit and the file size). */
export function headerLengthOf(prefix: Uint8Array, fileLength: number): number {
  if (prefix.length < 8 || fileLength < 8) {
    fail(`the file has ${fileLength} bytes, fewer than the 8-byte header length; it is truncated or not a safetensors file`);
  }
  const view = new DataView(prefix.buffer, prefix.byteOffset, 8);
  const headerLength = view.getUint32(4, true) * 2 ** 32 + view.getUint32(0, true);
  if (headerLength > MAX_HEADER_BYTES) {
    fail(`header length ${headerLength} is over the ${MAX_HEADER_BYTES}-byte limit; the file is corrupt or not a safetensors file`);
  }
  if (headerLength > fileLength - 8) {
    fail(`header length ${headerLength} runs past the end of the file (${fileLength} bytes); the file is truncated or corrupt`);
  }
  return headerLength;
}

/**
 * Validates the header in `bytes` (which must hold at least the first 8 + N bytes of a file of
 * `fileLength` bytes), so a file's header can be checked without reading its data.
 */
export function parseSafetensorsHeader(bytes: Uint8Array, fileLength: number): SafetensorsHeader {
  const headerLength = headerLengthOf(bytes, fileLength);
  if (bytes.length < 8 + headerLength) fail(`only ${bytes.length} bytes given for a header of ${headerLength} bytes`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    fail('the header is not valid UTF-8');
  }
  if (!text.startsWith('{')) fail(`the header must be a JSON object starting with '{', got ${quoteShort(text, 20)}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    fail(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('the header must be a JSON object');
  // JSON.parse makes every key (`__proto__` too) an own property; copy them with setOwn and read
  // them with getOwn so no file key can reach or replace a prototype.
  const metadata: Record<string, string> = {};
  const found: [string, SafetensorsEntry][] = [];
  for (const [key, raw] of Object.entries(json as Record<string, unknown>)) {
    if (key === METADATA_KEY) {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(`${METADATA_KEY} must be an object of strings`);
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`${METADATA_KEY}[${quoteShort(k)}] must be a string, got ${preview(v)}`);
        setOwn(metadata, k, v);
      }
      continue;
    }
    const name = quoteShort(key);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(`the entry for tensor ${name} must be an object`);
    const info = raw as Record<string, unknown>;
    const dtype = getOwn(info, 'dtype');
    if (typeof dtype !== 'string' || !Object.hasOwn(BYTES, dtype)) {
      fail(`tensor ${name} has unknown dtype ${preview(dtype)} (known: ${Object.keys(BYTES).join(', ')})`);
    }
    const shape = getOwn(info, 'shape');
    if (!Array.isArray(shape) || !shape.every(isCount)) fail(`tensor ${name} has an invalid shape ${preview(shape)}`);
    const offsets = getOwn(info, 'data_offsets');
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0]! > offsets[1]!) {
      fail(`tensor ${name} has invalid data_offsets ${preview(offsets)}; expected [begin, end] with 0 <= begin <= end`);
    }
    let count = 1;
    for (const d of shape as number[]) count *= d;
    const width = BYTES[dtype as SafetensorsDType];
    const expected = count * width;
    const [begin, end] = offsets as [number, number];
    if (!Number.isSafeInteger(expected) || expected !== end - begin) {
      fail(
        `tensor ${name}: shape ${preview(shape)} of ${dtype} needs ${expected} bytes but data_offsets [${begin}, ${end}] ` +
          `give ${end - begin}`,
      );
    }
    found.push([key, { dtype: dtype as SafetensorsDType, shape: [...(shape as number[])], dataOffsets: [begin, end] }]);
  }
  // The tensors must tile the data section exactly: no gaps, no overlaps, nothing past the end.
  found.sort((a, b) => a[1].dataOffsets[0] - b[1].dataOffsets[0] || a[1].dataOffsets[1] - b[1].dataOffsets[1]);
  const dataStart = 8 + headerLength;
  const dataLength = fileLength - dataStart;
  let position = 0;
  for (const [key, entry] of found) {
    const name = quoteShort(key);
    const [begin, end] = entry.dataOffsets;
    if (begin !== position) {
      fail(
        begin < position
          ? `tensor ${name} at bytes [${begin}, ${end}) overlaps the tensor before it (which ends at ${position})`
          : `there is a gap of ${begin - position} unused bytes before tensor ${name} at [${begin}, ${end})`,
      );
    }
    if (end > dataLength) {
      fail(`tensor ${name} at bytes [${begin}, ${end}) runs past the end of the data (${dataLength} bytes); the file is truncated`);
    }
    position = end;
  }
  if (position !== dataLength) {
    fail(`the tensors cover ${position} bytes of data but the file has ${dataLength}; the header does not describe the whole file`);
  }
  return { entries: new Map(found), metadata, dataStart };
}

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function decodeTensor(name: string, entry: SafetensorsEntry, bytes: Uint8Array, start: number): Tensor {
  const [begin, end] = entry.dataOffsets;
  const values = decodeElements(bytes.subarray(start + begin, start + end), entry.dtype);
  const data = toLibraryArray(values, (v, i) =>
    fail(`tensor ${quoteShort(name)} holds the ${entry.dtype} value ${v} at flat index ${i}, outside the int32 range this library stores integers in`),
  );
  return Tensor.fromData(data, entry.shape, LOADS_AS[entry.dtype]);
}

/** Reads every tensor and the metadata from safetensors bytes. */
export function deserializeSafetensors(input: Uint8Array | ArrayBuffer): SafetensorsContents {
  const bytes = asBytes(input);
  const header = readSafetensorsHeader(bytes);
  const tensors: Record<string, Tensor> = {};
  const fileDTypes: Record<string, SafetensorsDType> = {};
  for (const [name, entry] of header.entries) {
    setOwn(tensors, name, decodeTensor(name, entry, bytes, header.dataStart));
    setOwn(fileDTypes, name, entry.dtype);
  }
  return { tensors, metadata: header.metadata, fileDTypes };
}

/**
 * Encodes tensors (e.g. a state dict) and string metadata as safetensors bytes: float32 as F32,
 * float64 as F64, int32 as I32, bool as BOOL. Tensors are laid out largest element size first,
 * then by name, and the header is padded to 8 bytes, as the reference implementation does.
 */
export function serializeSafetensors(tensors: Record<string, Tensor> | Map<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array {
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  for (const [name, t] of entries) {
    if (name === '' || name === METADATA_KEY) fail(`cannot save a tensor named ${quoteShort(name)}`);
    if (!(t instanceof Tensor)) fail(`the value for ${quoteShort(name)} is not a Tensor`);
  }
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') fail(`metadata values must be strings; ${quoteShort(k)} is ${typeof v}`);
  }
  entries.sort(([a, ta], [b, tb]) => BYTES[WRITES_AS[tb.dtype]] - BYTES[WRITES_AS[ta.dtype]] || (a < b ? -1 : a > b ? 1 : 0));
  // setOwn: a tensor named `__proto__` must become a JSON key, not the header's prototype.
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header[METADATA_KEY] = metadata;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of entries) {
    const values = t.toTypedArray();
    let chunk: Uint8Array;
    if (littleEndianHost || t.dtype === 'bool') {
      chunk = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    } else {
      chunk = new Uint8Array(values.byteLength);
      const view = new DataView(chunk.buffer);
      const width = values.BYTES_PER_ELEMENT;
      values.forEach((v, i) => {
        if (t.dtype === 'float64') view.setFloat64(i * width, v, true);
        else if (t.dtype === 'float32') view.setFloat32(i * width, v, true);
        else view.setInt32(i * width, v, true);
      });
    }
    setOwn(header, name, { dtype: WRITES_AS[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + chunk.byteLength] });
    chunks.push(chunk);
    offset += chunk.byteLength;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const spaced = new Uint8Array(padded).fill(0x20);
    spaced.set(json);
    json = spaced;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, json.length % 2 ** 32, true);
  view.setUint32(4, Math.floor(json.length / 2 ** 32), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/** Anything with a PyTorch-style state dict: nn.Module, a fitted scaler, or your own object. */
export interface HasStateDict {
  stateDict(): Record<string, Tensor>;
  loadStateDict(state: Record<string, Tensor>, options: { strict: boolean }): unknown;
}

/** A module's state dict as safetensors bytes (the browser counterpart of save()). */
export function stateDictToBytes(module: HasStateDict, metadata: Record<string, string> = {}): Uint8Array {
  if (module === null || typeof module !== 'object' || typeof module.stateDict !== 'function') {
    fail('expected an object with a stateDict() method (an nn.Module, for example)');
  }
  return serializeSafetensors(module.stateDict(), metadata);
}

export interface LoadOptions {
  /** Require the file's keys to match the module's exactly (default true, as PyTorch). */
  strict?: boolean;
}

/** Loads safetensors bytes into a module with loadStateDict; returns the file's metadata. */
export function loadStateDictFromBytes(module: HasStateDict, input: Uint8Array | ArrayBuffer, options: LoadOptions = {}): Record<string, string> {
  if (module === null || typeof module !== 'object' || typeof module.loadStateDict !== 'function') {
    fail('expected an object with a loadStateDict() method (an nn.Module, for example)');
  }
  const { tensors, metadata } = deserializeSafetensors(input);
  module.loadStateDict(tensors, { strict: options.strict ?? true });
  return metadata;
}
