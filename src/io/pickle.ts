/**
 * A restricted pickle virtual machine (browser-safe): it decodes Python's binary pickle opcodes
 * (protocols 2-5, as torch.save writes) into plain data, and asks its caller for every global a
 * pickle names. The caller answers with a value it implements itself or refuses, so decoding
 * never runs code the file chooses: a "call" (REDUCE, NEWOBJ, INST, OBJ) can only reach what
 * the caller returned for an allowed global. Extension codes, out-of-band buffers and the
 * protocol 0 text opcodes are refused.
 *
 * Limits for hostile input: every length is checked against the bytes left before anything is
 * allocated, the memo holds at most MAX_MEMO entries, integers at most MAX_LONG_BYTES bytes, and
 * the caller walks the result with a depth limit (pickles can build cycles).
 */

type Fail = (why: string) => never;

/** Python values as decoded. Dicts keep insertion order; tuples and lists stay distinct. */
export type Py = null | boolean | number | bigint | string | PyBytes | PyList | PyTuple | PyDict | PySet | PyObject;

export class PyBytes {
  constructor(readonly bytes: Uint8Array) {}
}
export class PyList {
  readonly items: Py[] = [];
}
export class PyTuple {
  constructor(readonly items: readonly Py[]) {}
}
export class PySet {
  readonly items: Py[] = [];
}
export class PyDict {
  /** Entries by a string form of their key (keys are str, int, float, bool or None). */
  readonly entries = new Map<string, [Py, Py]>();
  /** What BUILD set on the dict (torch's `_metadata` attribute of a state dict), if anything. */
  state: Py | undefined = undefined;

  set(key: Py, value: Py, fail: Fail): void {
    this.entries.set(dictKey(key, fail), [key, value]);
  }
}

/** A value the caller gave for a global: callable (a class or function it implements) or not (a dtype). */
export abstract class PyObject {
  constructor(readonly name: string) {}
  /** Applies the global to positional arguments (REDUCE, NEWOBJ, INST, OBJ); undefined = not callable. */
  call?(args: readonly Py[]): Py;
  /** Applies BUILD's state; undefined = BUILD is refused. */
  build?(state: Py): void;
}

export interface UnpickleHooks {
  /** The value of `module.name`, or a throw refusing it. */
  findGlobal(module: string, name: string): Py;
  /** The object a persistent id names (BINPERSID). */
  persistentLoad(pid: Py): Py;
}

export const MAX_MEMO = 1 << 22;
const MAX_LONG_BYTES = 1024;
const MAX_GLOBAL_NAME = 256;

function dictKey(key: Py, fail: Fail): string {
  if (key === null) return 'N';
  if (typeof key === 'boolean') return key ? 'i1' : 'i0'; // Python: True == 1
  if (typeof key === 'number' || typeof key === 'bigint') return `i${key}`;
  if (typeof key === 'string') return `s${key}`;
  return fail(`a dict key is a ${pyTypeName(key)}; only str, int, float, bool and None keys are supported`);
}

export function pyTypeName(v: Py): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'string') return 'str';
  if (v instanceof PyBytes) return 'bytes';
  if (v instanceof PyList) return 'list';
  if (v instanceof PyTuple) return 'tuple';
  if (v instanceof PyDict) return 'dict';
  if (v instanceof PySet) return 'set';
  return `'${v.name}'`;
}

/** Text-protocol opcodes: named in the refusal. */
const TEXT_OPCODES: Record<number, string> = {
  0x46: 'FLOAT', 0x49: 'INT', 0x4c: 'LONG', 0x50: 'PERSID', 0x53: 'STRING', 0x56: 'UNICODE', 0x67: 'GET', 0x70: 'PUT',
};

/** Runs the pickle in `bytes` and returns the object it builds. */
export function unpickle(bytes: Uint8Array, hooks: UnpickleHooks, fail: Fail): Py {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let stack: Py[] = [];
  const marks: Py[][] = [];
  const memo = new Map<number, Py>();
  let at = 0;
  let opAt = 0;

  const here = (): string => `at byte ${opAt}`;
  const need = (n: number, what: string): number => {
    if (!Number.isSafeInteger(n) || n < 0 || at + n > bytes.length) fail(`${what} ${here()} needs ${n} bytes but only ${bytes.length - at} are left; data.pkl is truncated or corrupt`);
    const start = at;
    at += n;
    return start;
  };
  const u8 = (): number => bytes[need(1, 'an argument')]!;
  const u16 = (): number => view.getUint16(need(2, 'an argument'), true);
  const u32 = (): number => view.getUint32(need(4, 'an argument'), true);
  const u64 = (what: string): number => {
    const start = need(8, what);
    const value = view.getUint32(start + 4, true) * 2 ** 32 + view.getUint32(start, true);
    if (!Number.isSafeInteger(value)) fail(`${what} ${here()} is ${value}, too large`);
    return value;
  };
  const text = (n: number, what: string): string => {
    const start = need(n, what);
    try {
      return utf8.decode(bytes.subarray(start, start + n));
    } catch {
      return fail(`${what} ${here()} is not valid UTF-8`);
    }
  };
  const line = (what: string): string => {
    const end = bytes.indexOf(0x0a, at);
    if (end < 0 || end - at > MAX_GLOBAL_NAME) fail(`${what} ${here()} is not a short newline-terminated name`);
    const value = text(end - at, what);
    at++;
    return value;
  };
  // Pushes go through a function so that a value computed by popMark lands on the restored stack.
  const push = (value: Py): void => {
    stack.push(value);
  };
  const pop = (): Py => {
    if (stack.length === 0) fail(`the stack is empty ${here()}; data.pkl is corrupt`);
    return stack.pop()!;
  };
  const top = (): Py => {
    if (stack.length === 0) fail(`the stack is empty ${here()}; data.pkl is corrupt`);
    return stack[stack.length - 1]!;
  };
  const popMark = (): Py[] => {
    const items = stack;
    const previous = marks.pop();
    if (previous === undefined) fail(`an opcode ${here()} needs a MARK but there is none; data.pkl is corrupt`);
    stack = previous;
    return items;
  };
  const put = (index: number): void => {
    if (memo.size >= MAX_MEMO && !memo.has(index)) fail(`the memo would exceed ${MAX_MEMO} entries`);
    memo.set(index, top());
  };
  const get = (index: number): void => {
    if (!memo.has(index)) fail(`memo entry ${index} read ${here()} was never stored; data.pkl is corrupt`);
    push(memo.get(index)!);
  };
  const long = (n: number): number | bigint => {
    if (n > MAX_LONG_BYTES) fail(`an integer of ${n} bytes ${here()} is too large`);
    const start = need(n, 'an integer');
    if (n === 0) return 0;
    let value = 0n;
    for (let i = n - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[start + i]!);
    if (bytes[start + n - 1]! & 0x80) value -= 1n << BigInt(8 * n);
    return Number.isSafeInteger(Number(value)) && BigInt(Number(value)) === value ? Number(value) : value;
  };
  const call = (callable: Py, args: readonly Py[], opcode: string): Py => {
    if (!(callable instanceof PyObject) || callable.call === undefined) fail(`${opcode} ${here()} calls a ${pyTypeName(callable)}, which is not callable`);
    return callable.call(args);
  };
  const tupleArgs = (value: Py, opcode: string): readonly Py[] => {
    if (!(value instanceof PyTuple)) fail(`${opcode} ${here()} expects a tuple of arguments, got a ${pyTypeName(value)}`);
    return value.items;
  };
  const list = (target: Py, opcode: string): PyList => {
    if (!(target instanceof PyList)) fail(`${opcode} ${here()} appends to a ${pyTypeName(target)}; only lists are supported`);
    return target;
  };
  const dict = (target: Py, opcode: string): PyDict => {
    if (!(target instanceof PyDict)) fail(`${opcode} ${here()} sets items on a ${pyTypeName(target)}; only dicts are supported`);
    return target;
  };
  const setItems = (target: PyDict, items: Py[]): void => {
    if (items.length % 2 !== 0) fail(`SETITEMS ${here()} has an odd number of items`);
    for (let i = 0; i < items.length; i += 2) target.set(items[i]!, items[i + 1]!, fail);
  };
  const addToSet = (target: Py, items: Py[]): void => {
    if (!(target instanceof PySet)) fail(`ADDITEMS ${here()} adds to a ${pyTypeName(target)}, not a set`);
    target.items.push(...items);
  };
  const global = (module: string, name: string): void => {
    push(hooks.findGlobal(module, name));
  };

  for (;;) {
    opAt = at;
    if (at >= bytes.length) fail('data.pkl ends without a STOP opcode; it is truncated');
    const op = bytes[at++]!;
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail(`pickle protocol ${bytes[at - 1]} is newer than 5`);
        break;
      case 0x95: // FRAME: a length prefix, nothing to do
        u64('a frame length');
        break;
      case 0x2e: // STOP
        return pop();
      case 0x28: // MARK
        marks.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        if (stack.length > 0) stack.pop();
        else popMark();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x4a: // BININT
        push(view.getInt32(need(4, 'BININT'), true));
        break;
      case 0x4b: // BININT1
        push(u8());
        break;
      case 0x4d: // BININT2
        push(u16());
        break;
      case 0x8a: // LONG1
        push(long(u8()));
        break;
      case 0x8b: // LONG4
        push(long(u32()));
        break;
      case 0x47: // BINFLOAT (big-endian)
        push(view.getFloat64(need(8, 'BINFLOAT'), false));
        break;
      case 0x58: // BINUNICODE
        push(text(u32(), 'a string'));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(text(u8(), 'a string'));
        break;
      case 0x8d: // BINUNICODE8
        push(text(u64('a string length'), 'a string'));
        break;
      case 0x54: // BINSTRING (Python 2 str; torch.load decodes it as UTF-8)
        push(text(u32(), 'a string'));
        break;
      case 0x55: // SHORT_BINSTRING
        push(text(u8(), 'a string'));
        break;
      case 0x42: // BINBYTES
      case 0x43: // SHORT_BINBYTES
      case 0x8e: // BINBYTES8
      case 0x96: { // BYTEARRAY8
        const n = op === 0x42 ? u32() : op === 0x43 ? u8() : u64('a bytes length');
        const start = need(n, 'a bytes object');
        push(new PyBytes(bytes.slice(start, start + n)));
        break;
      }
      case 0x29: // EMPTY_TUPLE
        push(new PyTuple([]));
        break;
      case 0x85: // TUPLE1
        push(new PyTuple([pop()]));
        break;
      case 0x86: { // TUPLE2
        const b = pop();
        push(new PyTuple([pop(), b]));
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop();
        const b = pop();
        push(new PyTuple([pop(), b, c]));
        break;
      }
      case 0x74: // TUPLE
        push(new PyTuple(popMark()));
        break;
      case 0x5d: // EMPTY_LIST
        push(new PyList());
        break;
      case 0x6c: { // LIST
        const items = popMark();
        const value = new PyList();
        value.items.push(...items);
        push(value);
        break;
      }
      case 0x61: { // APPEND
        const value = pop();
        list(top(), 'APPEND').items.push(value);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        list(top(), 'APPENDS').items.push(...items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        push(new PyDict());
        break;
      case 0x64: { // DICT
        const items = popMark();
        const value = new PyDict();
        setItems(value, items);
        push(value);
        break;
      }
      case 0x73: { // SETITEM
        const value = pop();
        const key = pop();
        dict(top(), 'SETITEM').set(key, value, fail);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        setItems(dict(top(), 'SETITEMS'), items);
        break;
      }
      case 0x8f: // EMPTY_SET
        push(new PySet());
        break;
      case 0x90: { // ADDITEMS
        const items = popMark();
        addToSet(top(), items);
        break;
      }
      case 0x91: { // FROZENSET
        const value = new PySet();
        value.items.push(...popMark());
        push(value);
        break;
      }
      case 0x71: // BINPUT
        put(u8());
        break;
      case 0x72: // LONG_BINPUT
        put(u32());
        break;
      case 0x94: // MEMOIZE
        put(memo.size);
        break;
      case 0x68: // BINGET
        get(u8());
        break;
      case 0x6a: // LONG_BINGET
        get(u32());
        break;
      case 0x63: { // GLOBAL
        const module = line('a GLOBAL module name');
        global(module, line('a GLOBAL name'));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') {
          fail(`STACK_GLOBAL ${here()} needs two strings, got a ${pyTypeName(module)} and a ${pyTypeName(name)}`);
        }
        global(module, name);
        break;
      }
      case 0x52: { // REDUCE
        const args = tupleArgs(pop(), 'REDUCE');
        push(call(pop(), args, 'REDUCE'));
        break;
      }
      case 0x81: { // NEWOBJ
        const args = tupleArgs(pop(), 'NEWOBJ');
        push(call(pop(), args, 'NEWOBJ'));
        break;
      }
      case 0x92: { // NEWOBJ_EX
        const kwargs = pop();
        const args = tupleArgs(pop(), 'NEWOBJ_EX');
        if (!(kwargs instanceof PyDict) || kwargs.entries.size > 0) fail(`NEWOBJ_EX ${here()} passes keyword arguments, which are not supported`);
        push(call(pop(), args, 'NEWOBJ_EX'));
        break;
      }
      case 0x69: { // INST: a global named inline, called with the items since MARK
        const module = line('an INST module name');
        const callable = hooks.findGlobal(module, line('an INST name'));
        push(call(callable, popMark(), 'INST'));
        break;
      }
      case 0x6f: { // OBJ: the first item since MARK called with the rest
        const items = popMark();
        if (items.length === 0) fail(`OBJ ${here()} has no class`);
        push(call(items[0]!, items.slice(1), 'OBJ'));
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        const target = top();
        if (target instanceof PyDict) target.state = state;
        else if (target instanceof PyObject && target.build !== undefined) target.build(state);
        else fail(`BUILD ${here()} sets state on a ${pyTypeName(target)}, which is not supported`);
        break;
      }
      case 0x51: // BINPERSID
        push(hooks.persistentLoad(pop()));
        break;
      case 0x82:
      case 0x83:
      case 0x84:
        fail(`extension-registry opcode EXT${op === 0x82 ? 1 : op === 0x83 ? 2 : 4} ${here()} is refused: it names a global indirectly`);
        break;
      case 0x97:
      case 0x98:
        fail(`out-of-band buffer opcode ${here()} is not supported (torch.save does not write it)`);
        break;
      default: {
        const name = TEXT_OPCODES[op];
        if (name !== undefined) fail(`protocol 0 text opcode ${name} ${here()} is not supported (torch.save writes binary protocol 2)`);
        fail(`unknown pickle opcode 0x${op.toString(16).padStart(2, '0')} ${here()}; data.pkl is corrupt`);
      }
    }
  }
}

/** Builds a protocol 2 pickle, opcode by opcode (what savePth needs). */
export class PickleWriter {
  #chunks: number[] = [];
  #encoder = new TextEncoder();

  #bytes(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) this.#chunks.push(values[i]!);
  }
  #u32(value: number): void {
    this.#chunks.push(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff);
  }

  proto(): this {
    this.#chunks.push(0x80, 2);
    return this;
  }
  global(module: string, name: string): this {
    this.#chunks.push(0x63);
    this.#bytes(this.#encoder.encode(`${module}\n${name}\n`));
    return this;
  }
  string(value: string): this {
    const encoded = this.#encoder.encode(value);
    this.#chunks.push(0x58);
    this.#u32(encoded.length);
    this.#bytes(encoded);
    return this;
  }
  int(value: number): this {
    if (!Number.isSafeInteger(value)) throw new Error(`PickleWriter.int: ${value} is not a safe integer`);
    if (value >= 0 && value < 256) this.#chunks.push(0x4b, value);
    else if (value >= 0 && value < 65536) this.#chunks.push(0x4d, value & 0xff, value >> 8);
    else if (value >= -(2 ** 31) && value < 2 ** 31) {
      this.#chunks.push(0x4a);
      this.#u32(value);
    } else {
      // LONG1: 8 little-endian two's-complement bytes hold any safe integer.
      const encoded = new Uint8Array(8);
      new DataView(encoded.buffer).setBigInt64(0, BigInt(value), true);
      this.#chunks.push(0x8a, 8);
      this.#bytes(encoded);
    }
    return this;
  }
  bool(value: boolean): this {
    this.#chunks.push(value ? 0x88 : 0x89);
    return this;
  }
  /** A tuple of integers (sizes, strides). */
  intTuple(values: readonly number[]): this {
    this.mark();
    for (const v of values) this.int(v);
    return this.tuple();
  }
  mark(): this {
    this.#chunks.push(0x28);
    return this;
  }
  tuple(): this {
    this.#chunks.push(0x74);
    return this;
  }
  emptyTuple(): this {
    this.#chunks.push(0x29);
    return this;
  }
  reduce(): this {
    this.#chunks.push(0x52);
    return this;
  }
  persistentId(): this {
    this.#chunks.push(0x51);
    return this;
  }
  setItems(): this {
    this.#chunks.push(0x75);
    return this;
  }
  stop(): Uint8Array {
    this.#chunks.push(0x2e);
    return Uint8Array.from(this.#chunks);
  }
}
