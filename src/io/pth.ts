/**
 * PyTorch checkpoints (.pth / .pt, torch.save's zip format) read and written from bytes, so it
 * works in browsers too. Layout: a zip whose entries sit under one folder `<archive>/`:
 * `data.pkl` (the pickled object, tensors in it as `_rebuild_tensor_v2` calls whose storages are
 * persistent ids), `data/<key>` (each storage's raw bytes), `version`, and `byteorder`.
 *
 * The pickle is decoded by a restricted unpickler (pickle.ts) that knows only what torch.save
 * writes for tensors, state dicts and nested dicts/lists/tuples of them: every other global is
 * refused by name, so loading never imports or runs anything the file names. Storages are
 * decoded like safetensors data: float16/bfloat16 (and float8) as float32, integers as int32
 * with a range check, float64 and bool as themselves. Tensors are copied out of their storages,
 * so views that shared a storage in PyTorch come back as independent tensors.
 */
import { Tensor } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';
import { shapeStr } from '../tensor/shape.js';
import { decodeElements, ELEMENT_BYTES, LOADS_AS, toLibraryArray, type DecodedElements, type ElementType } from './elements.js';
import { PickleWriter, PyBytes, PyDict, PyList, PyObject, PySet, PyTuple, pyTypeName, unpickle, type Py } from './pickle.js';
import { readZip, writeZip, type ZipArchive } from './zip.js';
import { setOwn } from '../util/untrusted.js';
import { checkOptionKeys } from '../ops/args.js';

/** torch's dtype names for the element types a .pth can hold. */
export type TorchDType =
  | 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool'
  | 'uint16' | 'uint32' | 'uint64' | 'float8_e4m3fn' | 'float8_e5m2';

const TORCH_DTYPES: Record<TorchDType, ElementType> = {
  float32: 'F32', float64: 'F64', float16: 'F16', bfloat16: 'BF16', int64: 'I64', int32: 'I32', int16: 'I16', int8: 'I8', uint8: 'U8',
  bool: 'BOOL', uint16: 'U16', uint32: 'U32', uint64: 'U64', float8_e4m3fn: 'F8_E4M3', float8_e5m2: 'F8_E5M2',
};
/** torch's other names for the same dtypes (torch.float is torch.float32, ...). */
const DTYPE_ALIASES: Record<string, TorchDType> = { float: 'float32', double: 'float64', half: 'float16', long: 'int64', int: 'int32', short: 'int16' };

/** The legacy typed storage classes (torch.FloatStorage, ...) and torch 2's byte-level UntypedStorage. */
const STORAGE_CLASSES: Record<string, TorchDType> = {
  FloatStorage: 'float32', DoubleStorage: 'float64', HalfStorage: 'float16', BFloat16Storage: 'bfloat16', LongStorage: 'int64',
  IntStorage: 'int32', ShortStorage: 'int16', CharStorage: 'int8', ByteStorage: 'uint8', BoolStorage: 'bool', UntypedStorage: 'uint8',
};

/** What a .pth holds once decoded: dicts as objects (keys as strings), lists and tuples as arrays. */
export type PthValue = Tensor | number | bigint | string | boolean | null | Uint8Array | PthValue[] | PthDict;
export interface PthDict {
  [key: string]: PthValue;
}

export interface PthContents {
  /** The whole object torch.save wrote. */
  value: PthValue;
  /** Every tensor in it by dotted path (a state dict's own keys, `model.fc.weight` inside a {model: ...} checkpoint). */
  tensors: Record<string, Tensor>;
  /** The dtype each tensor had in the file (e.g. int64 for a tensor loaded as int32). */
  fileDTypes: Record<string, TorchDType>;
}

/** A tensor as data.pkl describes it, before its data is read. */
export interface PthTensorInfo {
  name: string;
  dtype: TorchDType;
  shape: number[];
  /** The zip entry (data/<key>) of its storage; tensors sharing a storage share it. */
  storage: string;
}

/** The structure of a .pth without its tensor data: the tensors, and the other (non-tensor) leaves. */
export interface PthSummary {
  tensors: PthTensorInfo[];
  others: { name: string; value: string }[];
}

function fail(why: string): never {
  throw new Error(`pth: ${why}`);
}

function asBytes(input: Uint8Array | ArrayBuffer): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  return fail(`expected a Uint8Array or ArrayBuffer, got ${input === null ? 'null' : typeof input}`);
}

// ---- reading ------------------------------------------------------------------------------

class StorageRecord {
  #bytes: Uint8Array | null = null;
  constructor(
    readonly key: string,
    readonly entryName: string,
    readonly dtype: TorchDType,
    readonly untyped: boolean,
    readonly byteLength: number,
    private readonly archive: ZipArchive,
  ) {}
  bytes(): Uint8Array {
    this.#bytes ??= this.archive.read(this.archive.entries.get(this.entryName)!);
    return this.#bytes;
  }
}

class TensorRecord {
  constructor(
    readonly storage: StorageRecord,
    readonly dtype: TorchDType,
    readonly offset: number,
    readonly shape: number[],
    readonly strides: number[],
  ) {}
}

/** A global the allow-list admits: a callable implemented here, or a value (dtype, storage class). */
class AllowedGlobal extends PyObject {
  constructor(
    name: string,
    readonly value: { dtype: TorchDType; storageClass: boolean } | null,
    call?: (args: readonly Py[]) => Py,
  ) {
    super(name);
    if (call !== undefined) this.call = call;
  }
}

/** A tensor value on the pickle stack (BUILD with an empty state is accepted, as torch does). */
class TensorValue extends PyObject {
  constructor(readonly record: TensorRecord) {
    super('torch.Tensor');
  }
  override build(state: Py): void {
    const empty = state === null || (state instanceof PyDict && state.entries.size === 0) || (state instanceof PyTuple && state.items.every((v) => v === null || (v instanceof PyDict && v.entries.size === 0)));
    if (!empty) fail('data.pkl sets Python attributes on a tensor (a tensor subclass?); only plain tensors and parameters are supported');
  }
}

const REFUSAL_HINT = 'only torch tensor/state-dict records are allowed';

function isInt(v: Py): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

function intTuple(v: Py, what: string): number[] {
  const items = v instanceof PyTuple || v instanceof PyList ? v.items : null;
  if (items === null || items.length > 64 || !items.every((x) => isInt(x) && x >= 0)) {
    fail(`${what} must be a tuple of at most 64 non-negative integers, got ${describePy(v)}`);
  }
  return items as number[];
}

function describePy(v: Py): string {
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (v instanceof PyTuple && v.items.length <= 8 && v.items.every((x) => typeof x === 'number')) return `(${v.items.join(', ')})`;
  return `a ${pyTypeName(v)}`;
}

function rebuildTensor(args: readonly Py[], version: 2 | 3): Py {
  const [storage, offset, size, stride, requiresGrad] = args;
  const arity = version === 2 ? [6, 7] : [7, 8];
  if (!arity.includes(args.length)) fail(`_rebuild_tensor_v${version} takes ${arity.join(' or ')} arguments, got ${args.length}`);
  if (!(storage instanceof StorageValue)) fail(`_rebuild_tensor_v${version}'s storage must be a storage record, got ${describePy(storage ?? null)}`);
  if (!isInt(offset ?? null) || (offset as number) < 0) fail(`a tensor's storage offset must be a non-negative integer, got ${describePy(offset ?? null)}`);
  if (typeof requiresGrad !== 'boolean') fail(`a tensor's requires_grad must be a bool, got ${describePy(requiresGrad ?? null)}`);
  const shape = intTuple(size ?? null, 'a tensor size');
  const strides = intTuple(stride ?? null, 'a tensor stride');
  if (shape.length !== strides.length) fail(`a tensor has size ${shapeStr(shape)} but ${strides.length} strides`);
  let dtype = storage.record.dtype;
  if (version === 3) {
    const given = args[6];
    if (!(given instanceof AllowedGlobal) || given.value === null || given.value.storageClass) fail(`_rebuild_tensor_v3's dtype must be a torch dtype, got ${describePy(given ?? null)}`);
    if (!storage.record.untyped) fail('_rebuild_tensor_v3 needs an UntypedStorage');
    dtype = given.value.dtype;
  }
  return new TensorValue(new TensorRecord(storage.record, dtype, offset as number, shape, strides));
}

function rebuildParameter(args: readonly Py[], withState: boolean): Py {
  const [data, requiresGrad] = args;
  if (args.length !== (withState ? 4 : 3)) fail(`_rebuild_parameter${withState ? '_with_state' : ''} takes ${withState ? 4 : 3} arguments, got ${args.length}`);
  if (!(data instanceof TensorValue)) fail(`a parameter's data must be a tensor, got ${describePy(data ?? null)}`);
  if (typeof requiresGrad !== 'boolean') fail(`a parameter's requires_grad must be a bool, got ${describePy(requiresGrad ?? null)}`);
  if (withState) data.build(args[3]!);
  return data;
}

function orderedDict(args: readonly Py[]): Py {
  const result = new PyDict();
  if (args.length === 0) return result;
  const pairs = args[0]!;
  if (args.length > 1 || !(pairs instanceof PyList || pairs instanceof PyTuple)) fail(`OrderedDict takes a list of pairs, got ${args.length} arguments`);
  for (const pair of pairs.items) {
    if (!((pair instanceof PyTuple || pair instanceof PyList) && pair.items.length === 2)) fail('OrderedDict takes (key, value) pairs');
    result.set(pair.items[0]!, pair.items[1]!, fail);
  }
  return result;
}

/** The allow-list: module.name -> what data.pkl gets for it. Everything else is refused. */
function allowedGlobal(fileModule: string, name: string): Py {
  // Protocol 2 pickles name Python 3's builtins by their Python 2 module, as Python's Unpickler maps back.
  const module = fileModule === '__builtin__' ? 'builtins' : fileModule === 'copy_reg' ? 'copyreg' : fileModule;
  const full = `${module}.${name}`;
  const dtype = (DTYPE_ALIASES[name] ?? name) as TorchDType;
  if (module === 'torch' && dtype in TORCH_DTYPES) return new AllowedGlobal(full, { dtype, storageClass: false });
  if ((module === 'torch' || (module === 'torch.storage' && name === 'UntypedStorage')) && name in STORAGE_CLASSES) {
    return new AllowedGlobal(full, { dtype: STORAGE_CLASSES[name]!, storageClass: true });
  }
  switch (full) {
    case 'torch._utils._rebuild_tensor_v2':
      return new AllowedGlobal(full, null, (args) => rebuildTensor(args, 2));
    case 'torch._utils._rebuild_tensor_v3':
      return new AllowedGlobal(full, null, (args) => rebuildTensor(args, 3));
    case 'torch._utils._rebuild_parameter':
      return new AllowedGlobal(full, null, (args) => rebuildParameter(args, false));
    case 'torch._utils._rebuild_parameter_with_state':
      return new AllowedGlobal(full, null, (args) => rebuildParameter(args, true));
    case 'collections.OrderedDict':
      return new AllowedGlobal(full, null, orderedDict);
    case 'torch.Size':
      return new AllowedGlobal(full, null, (args) => new PyTuple(intTuple(args[0] ?? null, 'torch.Size')));
    case 'torch.device':
      return new AllowedGlobal(full, null, (args) => {
        if (typeof args[0] !== 'string') fail(`torch.device takes a string, got ${describePy(args[0] ?? null)}`);
        return args.length > 1 ? `${args[0]}:${describePy(args[1]!)}` : args[0];
      });
    case '_codecs.encode': // how protocol 2 pickles Python 3 bytes: encode(text, 'latin1')
      return new AllowedGlobal(full, null, ([text, encoding]) => {
        if (typeof text !== 'string' || (encoding !== 'latin1' && encoding !== 'latin-1')) fail('_codecs.encode is only accepted as encode(str, "latin1")');
        const out = new Uint8Array(text.length);
        for (let i = 0; i < text.length; i++) {
          const c = text.charCodeAt(i);
          if (c > 255) fail('_codecs.encode got a character outside latin1');
          out[i] = c;
        }
        return new PyBytes(out);
      });
    case 'builtins.set':
    case 'builtins.frozenset':
      return new AllowedGlobal(full, null, (args) => {
        const result = new PySet();
        const items = args[0];
        if (items !== undefined) {
          if (!(items instanceof PyList || items instanceof PyTuple)) fail(`${full} takes a list, got ${describePy(items)}`);
          result.items.push(...items.items);
        }
        return result;
      });
  }
  const wholeModule = module.startsWith('torch.nn.modules.') ? " (the file holds a whole pickled module: in Python, torch.save(model.state_dict(), f) instead)" : '';
  return fail(`refusing to load global '${full}' from data.pkl: ${REFUSAL_HINT}${wholeModule}`);
}

class StorageValue extends PyObject {
  constructor(readonly record: StorageRecord) {
    super('storage');
  }
}

const LEGACY_HINT =
  'it is in the legacy (pre-1.6) torch.save format, which this reader does not support; convert it with a current torch: ' +
  "python3 -c \"import torch; torch.save(torch.load('old.pth'), 'new.pth', _use_new_zipfile_serialization=True)\"";

/** Opens the zip and finds the archive's folder, checking version and byte order. */
function openArchive(bytes: Uint8Array): { archive: ZipArchive; prefix: string; littleEndian: boolean } {
  const isZip = bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5);
  if (!isZip) {
    if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1]! <= 5) fail(LEGACY_HINT);
    if (bytes.length >= 262 && new TextDecoder().decode(bytes.subarray(257, 262)) === 'ustar') fail(LEGACY_HINT.replace('legacy (pre-1.6)', 'legacy tar (pre-1.0)'));
    fail(`not a PyTorch checkpoint: it does not start with a zip signature (got ${[...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ') || 'no bytes'})`);
  }
  const archive = readZip(bytes, fail);
  const first = archive.entries.keys().next();
  const slash = first.done === true ? -1 : first.value.indexOf('/');
  if (slash <= 0) fail('the zip has no <archive>/ folder; it is not a torch.save file');
  const prefix = first.value!.slice(0, slash + 1);
  const readText = (name: string): string | null => {
    const entry = archive.entries.get(prefix + name);
    if (entry === undefined) return null;
    if (entry.size > 64) fail(`${prefix}${name} has ${entry.size} bytes, too many for what it holds`);
    return new TextDecoder().decode(archive.read(entry)).trim();
  };
  if (!archive.entries.has(`${prefix}data.pkl`)) {
    if (archive.entries.has(`${prefix}constants.pkl`) || [...archive.entries.keys()].some((k) => k.startsWith(`${prefix}code/`))) {
      fail('this is a TorchScript archive (torch.jit.save), not a torch.save checkpoint; in Python, save its state_dict() with torch.save');
    }
    fail(`the archive has no ${prefix}data.pkl; it is not a torch.save file`);
  }
  const version = readText('version') ?? readText('.data/version');
  if (version === null) fail(`the archive has no ${prefix}version record`);
  if (!/^\d+$/.test(version) || Number(version) < 1) fail(`the archive's version record is ${JSON.stringify(version)}, not a format version`);
  const byteorder = readText('byteorder') ?? 'little';
  if (byteorder !== 'little' && byteorder !== 'big') fail(`the archive's byteorder record is ${JSON.stringify(byteorder)}, not "little" or "big"`);
  return { archive, prefix, littleEndian: byteorder === 'little' };
}

/** Runs data.pkl with the allow-list; storages become records checked against their zip entries. */
function decodePickle(bytes: Uint8Array): { root: Py; littleEndian: boolean } {
  const { archive, prefix, littleEndian } = openArchive(bytes);
  const storages = new Map<string, StorageRecord>();
  const root = unpickle(archive.read(archive.entries.get(`${prefix}data.pkl`)!), {
    findGlobal: allowedGlobal,
    persistentLoad(pid: Py): Py {
      const items = pid instanceof PyTuple ? pid.items : [];
      const [tag, storageClass, key, location, numel] = items;
      if (items.length !== 5 || tag !== 'storage') fail(`persistent id ${describePy(pid)} is not a ('storage', type, key, location, numel) record`);
      if (!(storageClass instanceof AllowedGlobal) || storageClass.value === null || !storageClass.value.storageClass) {
        fail(`a storage record's type must be a torch storage class, got ${describePy(storageClass ?? null)}`);
      }
      if (typeof key !== 'string' || typeof location !== 'string' || !isInt(numel ?? null) || (numel as number) < 0) {
        fail(`storage record (key ${describePy(key ?? null)}, location ${describePy(location ?? null)}, numel ${describePy(numel ?? null)}) is malformed`);
      }
      const dtype = storageClass.value.dtype;
      const entryName = `${prefix}data/${key}`;
      const entry = archive.entries.get(entryName);
      if (entry === undefined) fail(`storage '${key}' is missing: the archive has no ${entryName}`);
      const byteLength = (numel as number) * ELEMENT_BYTES[TORCH_DTYPES[dtype]];
      if (entry.size !== byteLength) fail(`storage '${key}' holds ${numel} ${dtype} elements (${byteLength} bytes) but ${entryName} has ${entry.size} bytes`);
      const known = storages.get(key);
      if (known !== undefined && known.dtype !== dtype) fail(`storage '${key}' is used as both ${known.dtype} and ${dtype}`);
      const record = known ?? new StorageRecord(key, entryName, dtype, storageClass.name.endsWith('UntypedStorage'), byteLength, archive);
      storages.set(key, record);
      return new StorageValue(record);
    },
  }, (why) => fail(`data.pkl: ${why}`));
  return { root, littleEndian };
}

const MAX_DEPTH = 1000;

/** Walks the decoded object: visits tensors and other leaves with their dotted paths, and builds the value tree. */
function walk(
  root: Py,
  onTensor: (record: TensorRecord, path: string) => PthValue,
  onLeaf: (value: PthValue, path: string) => void,
  nodeBudget: number,
): PthValue {
  let nodes = 0;
  const visit = (v: Py, path: string, depth: number): PthValue => {
    if (++nodes > nodeBudget) fail('data.pkl builds more objects than it has bytes (shared sub-objects repeated?); refusing');
    if (depth > MAX_DEPTH) fail(`data.pkl nests deeper than ${MAX_DEPTH} levels (or contains a cycle)`);
    const child = (key: string): string => (path === '' ? key : `${path}.${key}`);
    if (v instanceof TensorValue) return onTensor(v.record, path === '' ? 'tensor' : path);
    if (v instanceof PyDict) {
      const out: PthDict = {};
      for (const [key, value] of v.entries.values()) {
        const name = String(key);
        setOwn(out, name, visit(value, child(name), depth + 1));
      }
      return out;
    }
    if (v instanceof PyList || v instanceof PyTuple || v instanceof PySet) return v.items.map((x, i) => visit(x, child(String(i)), depth + 1));
    let leaf: PthValue;
    if (v instanceof PyBytes) leaf = v.bytes;
    else if (v instanceof AllowedGlobal && v.value !== null) leaf = `torch.${v.value.dtype}`;
    else if (v instanceof PyObject) return fail(`data.pkl holds ${v.name} at '${path}' as a value, which a checkpoint cannot hold`);
    else leaf = v;
    onLeaf(leaf, path);
    return leaf;
  };
  return visit(root, '', 0);
}

/** Copies a tensor out of its storage, checking that its view stays inside it. */
function materialize(record: TensorRecord, name: string, littleEndian: boolean, budget: { elements: number }): Tensor {
  const type = TORCH_DTYPES[record.dtype];
  const width = ELEMENT_BYTES[type];
  const { storage, shape, strides, offset } = record;
  if (storage.byteLength % width !== 0) fail(`tensor '${name}': its storage has ${storage.byteLength} bytes, not a whole number of ${record.dtype} elements`);
  const available = storage.byteLength / width;
  let count = 1;
  let last = offset;
  for (let d = 0; d < shape.length; d++) {
    count *= shape[d]!;
    last += (shape[d]! - 1) * strides[d]!;
  }
  if (!Number.isSafeInteger(count)) fail(`tensor '${name}' has size ${shapeStr(shape)}, too many elements`);
  if (count > 0 && (!Number.isSafeInteger(last) || last >= available)) {
    fail(`tensor '${name}' (size ${shapeStr(shape)}, stride ${shapeStr(strides)}, offset ${offset}) reaches element ${last} of storage '${storage.key}', which has ${available}`);
  }
  budget.elements -= count;
  if (budget.elements < 0) fail(`tensor '${name}' would expand its storage to ${count} elements; the file's tensors add up to far more elements than it stores`);
  const span = count === 0 ? 0 : last - offset + 1;
  const values = decodeElements(storage.bytes().subarray(offset * width, (offset + span) * width), type, littleEndian);
  const data = toLibraryArray(gather(values, shape, strides, count), (v, i) =>
    fail(`tensor '${name}' holds the ${record.dtype} value ${v} at flat index ${i}, outside the int32 range this library stores integers in`),
  );
  return Tensor.fromData(data, shape, LOADS_AS[type] as DType);
}

/** The elements of a strided view (starting at values[0]) in row-major order; the array itself when already contiguous. */
function gather(values: DecodedElements, shape: readonly number[], strides: readonly number[], count: number): DecodedElements {
  let contiguous = true;
  for (let d = shape.length - 1, expected = 1; d >= 0; d--) {
    if (shape[d]! !== 1 && strides[d]! !== expected) contiguous = false;
    expected *= shape[d]!;
  }
  if (contiguous || count === 0) return values.length === count ? values : values.slice(0, count);
  const out = new (values.constructor as new (n: number) => DecodedElements)(count) as unknown as { [i: number]: number | bigint };
  const source = values as unknown as { [i: number]: number | bigint };
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  let at = 0;
  for (let i = 0; i < count; i++) {
    out[i] = source[at]!;
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d]! < shape[d]!) {
        at += strides[d]!;
        break;
      }
      at -= (shape[d]! - 1) * strides[d]!;
      index[d] = 0;
    }
  }
  return out as unknown as DecodedElements;
}

function addTensorName(tensors: Record<string, unknown>, name: string): void {
  if (Object.prototype.hasOwnProperty.call(tensors, name)) fail(`two tensors flatten to the name '${name}'`);
}

/** Decodes a .pth: the whole object, every tensor by dotted path, and the file dtypes. */
export function readPth(input: Uint8Array | ArrayBuffer): PthContents {
  const bytes = asBytes(input);
  const { root, littleEndian } = decodePickle(bytes);
  const tensors: Record<string, Tensor> = {};
  const fileDTypes: Record<string, TorchDType> = {};
  const made = new Map<TensorRecord, Tensor>();
  const budget = { elements: Math.max(1 << 24, 16 * bytes.length) };
  const value = walk(
    root,
    (record, name) => {
      addTensorName(tensors, name);
      let tensor = made.get(record);
      if (tensor === undefined) {
        tensor = materialize(record, name, littleEndian, budget);
        made.set(record, tensor);
      }
      setOwn(tensors, name, tensor);
      setOwn(fileDTypes, name, record.dtype);
      return tensor;
    },
    () => {},
    bytes.length + 16,
  );
  return { value, tensors, fileDTypes };
}

/** The tensors' names, dtypes and shapes and the other entries of a .pth, without decoding tensor data. */
export function summarizePth(input: Uint8Array | ArrayBuffer): PthSummary {
  const bytes = asBytes(input);
  const { root } = decodePickle(bytes);
  const summary: PthSummary = { tensors: [], others: [] };
  const names = new Set<string>();
  walk(
    root,
    (record, name) => {
      if (names.has(name)) fail(`two tensors flatten to the name '${name}'`);
      names.add(name);
      summary.tensors.push({ name, dtype: record.dtype, shape: [...record.shape], storage: record.storage.key });
      return null;
    },
    (value, name) => {
      const shown = value instanceof Uint8Array ? `<${value.length} bytes>` : typeof value === 'string' ? JSON.stringify(value) : String(value);
      summary.others.push({ name, value: shown });
    },
    bytes.length + 16,
  );
  return summary;
}

export interface LoadPthOptions {
  /**
   * Take the state dict from this entry of a checkpoint dict (e.g. 'model' or 'state_dict'), or
   * from a path of entries (['checkpoint', 'model']). Without it, every tensor in the file is
   * returned under its dotted path.
   */
  key?: string | readonly string[];
}

/**
 * A .pth as a state dict: every tensor by name, ready for `module.loadStateDict`. A plain
 * state dict keeps its keys; tensors nested in dicts/lists get dotted paths; non-tensor entries
 * (epoch counters, hyperparameters) are not included (readPth returns everything).
 */
export function loadPth(input: Uint8Array | ArrayBuffer, options: LoadPthOptions = {}): Record<string, Tensor> {
  checkOptionKeys('loadPth', options, ['key']);
  const { value, tensors } = readPth(input);
  if (options.key === undefined) return tensors;
  const path = typeof options.key === 'string' ? [options.key] : options.key;
  if (!Array.isArray(path) || path.length === 0 || !path.every((k) => typeof k === 'string')) fail('loadPth: key must be a string or a non-empty array of strings');
  let node: PthValue = value;
  for (let i = 0; i < path.length; i++) {
    const isDict = node !== null && typeof node === 'object' && !Array.isArray(node) && !(node instanceof Tensor) && !(node instanceof Uint8Array);
    if (!isDict || !Object.prototype.hasOwnProperty.call(node, path[i]!)) {
      const where = i === 0 ? 'the checkpoint' : `'${path.slice(0, i).join('.')}'`;
      const keys = isDict ? Object.keys(node as PthDict) : [];
      fail(`loadPth: ${where} has no entry '${path[i]}'${keys.length > 0 ? ` (entries: ${keys.slice(0, 20).join(', ')})` : isDict ? '' : ' (it is not a dict)'}`);
    }
    node = (node as PthDict)[path[i]!]!;
  }
  if (node instanceof Tensor) fail(`loadPth: '${path.join('.')}' is a single tensor, not a state dict`);
  const picked: Record<string, Tensor> = {};
  const collect = (v: PthValue, name: string): void => {
    if (v instanceof Tensor) {
      addTensorName(picked, name);
      setOwn(picked, name, v);
    } else if (Array.isArray(v)) v.forEach((x, i) => collect(x, name === '' ? String(i) : `${name}.${i}`));
    else if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) {
      for (const [k, x] of Object.entries(v)) collect(x, name === '' ? k : `${name}.${k}`);
    }
  };
  collect(node, '');
  if (Object.keys(picked).length === 0) fail(`loadPth: '${path.join('.')}' holds no tensors`);
  return picked;
}

// ---- writing ------------------------------------------------------------------------------

export interface SavePthOptions {
  /**
   * The dtype int32 tensors are written as: 'int64' (default; what PyTorch uses for integer
   * tensors such as num_batches_tracked, and what reading turns back into int32) or 'int32'.
   */
  intDType?: 'int64' | 'int32';
}

const WRITES_AS: Record<DType, { storage: string; width: number }> = {
  float32: { storage: 'FloatStorage', width: 4 },
  float64: { storage: 'DoubleStorage', width: 8 },
  int32: { storage: 'IntStorage', width: 4 },
  bool: { storage: 'BoolStorage', width: 1 },
};

function storageBytes(tensor: Tensor, asInt64: boolean): Uint8Array {
  const values = tensor.toTypedArray();
  if (tensor.dtype === 'int32' && asInt64) {
    const out = new BigInt64Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = BigInt(values[i]!);
    return littleEndianBytes(new Uint8Array(out.buffer), 8);
  }
  if (tensor.dtype === 'bool') return Uint8Array.from(values, (v) => (v ? 1 : 0));
  return littleEndianBytes(new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice(), values.BYTES_PER_ELEMENT);
}

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function littleEndianBytes(bytes: Uint8Array, width: number): Uint8Array {
  if (!littleEndianHost) for (let i = 0; i < bytes.length; i += width) bytes.subarray(i, i + width).reverse();
  return bytes;
}

/**
 * Encodes a state dict as a .pth that torch.load reads: torch.save's zip layout (archive/data.pkl,
 * archive/data/<n>, archive/version, archive/byteorder) with a protocol 2 pickle of an
 * OrderedDict of `_rebuild_tensor_v2` records, one contiguous storage per tensor.
 */
export function savePth(tensors: Record<string, Tensor> | Map<string, Tensor>, options: SavePthOptions = {}): Uint8Array {
  if (tensors === null || typeof tensors !== 'object') fail(`savePth expects a state dict (names -> Tensors), got ${tensors === null ? 'null' : typeof tensors}`);
  checkOptionKeys('savePth', options, ['intDType']);
  const intDType = options.intDType ?? 'int64';
  if (intDType !== 'int64' && intDType !== 'int32') fail(`savePth: intDType must be 'int64' or 'int32', got ${JSON.stringify(intDType)}`);
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  for (const [name, t] of entries) {
    if (typeof name !== 'string') fail(`state dict keys must be strings, got ${typeof name}`);
    if (!(t instanceof Tensor)) fail(`the value for "${name}" is not a Tensor`);
  }
  const pickle = new PickleWriter().proto().global('collections', 'OrderedDict').emptyTuple().reduce().mark();
  const files: { name: string; data: Uint8Array }[] = [];
  entries.forEach(([name, tensor], key) => {
    const asInt64 = tensor.dtype === 'int32' && intDType === 'int64';
    const { storage, width } = asInt64 ? { storage: 'LongStorage', width: 8 } : WRITES_AS[tensor.dtype];
    const data = storageBytes(tensor, asInt64);
    files.push({ name: `archive/data/${key}`, data });
    const strides: number[] = [];
    for (let d = tensor.shape.length - 1, s = 1; d >= 0; d--) {
      strides.unshift(s);
      s *= tensor.shape[d]!;
    }
    pickle.string(name).global('torch._utils', '_rebuild_tensor_v2').mark()
      .mark().string('storage').global('torch', storage).string(String(key)).string('cpu').int(data.length / width).tuple().persistentId()
      .int(0).intTuple(tensor.shape).intTuple(strides).bool(false)
      .global('collections', 'OrderedDict').emptyTuple().reduce()
      .tuple().reduce();
  });
  const pkl = pickle.setItems().stop();
  const encoder = new TextEncoder();
  return writeZip(
    [
      { name: 'archive/data.pkl', data: pkl },
      { name: 'archive/byteorder', data: encoder.encode('little') },
      ...files,
      { name: 'archive/version', data: encoder.encode('3\n') },
    ],
    fail,
  );
}

/** True when bytes look like a torch.save file (a zip, or the legacy pickle format, which loading explains). */
export function looksLikePth(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && ((bytes[0] === 0x50 && bytes[1] === 0x4b) || (bytes[0] === 0x80 && bytes[1]! <= 5));
}
