import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as nb from '../../src/index.js';
import { loadPth, readPth, summarizePth } from '../../src/io/pth.js';
import { writeZip } from '../../src/io/zip.js';

const FIXTURES = new URL('../fixtures/pth/', import.meta.url);
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, FIXTURES)));
const json = <T>(name: string): T => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as T;

interface Expected {
  dtype: string;
  shape: number[];
  values: number[];
}

/** The library dtype a torch dtype loads as. */
function loadsAs(torchDType: string): nb.DType {
  if (torchDType === 'float64' || torchDType === 'bool') return torchDType;
  return torchDType.startsWith('float') || torchDType === 'bfloat16' ? 'float32' : 'int32';
}

function checkTensors(tensors: Record<string, nb.Tensor>, fileDTypes: Record<string, string> | null, expected: Record<string, Expected>): void {
  assert.deepEqual(Object.keys(tensors).sort(), Object.keys(expected).sort());
  for (const [name, e] of Object.entries(expected)) {
    const t = tensors[name]!;
    if (fileDTypes !== null) assert.equal(fileDTypes[name], e.dtype, name);
    assert.equal(t.dtype, loadsAs(e.dtype), name);
    assert.deepEqual(t.shape, e.shape, name);
    const got = Array.from(t.toTypedArray());
    assert.equal(got.length, e.values.length, name);
    got.forEach((v, i) => {
      const want = e.values[i]!;
      // float32 data round to float32 exactly as torch's .tolist() shows them.
      assert.ok(Object.is(v, want) || v === want || Math.abs(v - want) <= 1e-7 * Math.abs(want), `${name}[${i}]: ${v} vs ${want}`);
    });
  }
}

/** A .pth in torch's layout around a hand-written data.pkl (and storages). */
function craft(pkl: number[] | Uint8Array, storages: Record<string, Uint8Array> = {}, byteorder?: string): Uint8Array {
  const files: { name: string; data: Uint8Array }[] = [{ name: 'archive/data.pkl', data: Uint8Array.from(pkl) }];
  if (byteorder !== undefined) files.push({ name: 'archive/byteorder', data: new TextEncoder().encode(byteorder) });
  for (const [key, data] of Object.entries(storages)) files.push({ name: `archive/data/${key}`, data });
  files.push({ name: 'archive/version', data: new TextEncoder().encode('3\n') });
  return writeZip(files, (why) => {
    throw new Error(why);
  });
}
const op = (s: string): number[] => [...new TextEncoder().encode(s)];
const unicode = (s: string): number[] => [0x58, s.length, 0, 0, 0, ...op(s)];

describe('.pth files written by torch.save', () => {
  test('a module state dict (BatchNorm buffers, int64 num_batches_tracked) loads and gives torch outputs', () => {
    const expected = json<{ tensors: Record<string, Expected>; input: number[]; output: number[][] }>('module.json');
    const contents = readPth(fixture('module.pth'));
    checkTensors(contents.tensors, contents.fileDTypes, expected.tensors);
    const { nn } = nb;
    const model = new nn.Sequential(new nn.Conv2d(1, 3, 3, { padding: 1 }), new nn.BatchNorm2d(3), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(12, 2));
    model.loadStateDict(loadPth(fixture('module.pth')));
    model.eval();
    assert.equal(model.stateDict()['1.num_batches_tracked']!.item(), 3);
    const output = model.forward(nb.tensor(expected.input as never)).toArray() as number[][];
    output.flat().forEach((v, i) => assert.ok(Math.abs(v - expected.output.flat()[i]!) < 1e-5, `output ${i}: ${v}`));
  });

  test('every dtype: float16/bfloat16 as float32, integers as int32, float64 and bool as themselves', () => {
    const contents = readPth(fixture('dtypes.pth'));
    checkTensors(contents.tensors, contents.fileDTypes, json('dtypes.json'));
    assert.ok(Object.is((contents.tensors.f16!.toArray() as number[])[4], -0), 'float16 -0 stays -0');
  });

  test('views sharing one storage (permuted, sliced with an offset, expanded) and a Parameter', () => {
    const contents = readPth(fixture('views.pth'));
    checkTensors(contents.tensors, contents.fileDTypes, json('views.json'));
    const protocol4 = readPth(fixture('views-protocol4.pth'));
    checkTensors(protocol4.tensors, protocol4.fileDTypes, json('views.json'));
    const summary = summarizePth(fixture('views.pth'));
    const storageOf = (name: string): string => summary.tensors.find((t) => t.name === name)!.storage;
    assert.equal(storageOf('permuted'), storageOf('grid'), 'the views share the storage in the file');
    // Loaded tensors are independent copies.
    contents.tensors.grid!.fill_(0);
    assert.equal(contents.tensors.row!.sum().item(), 12 + 13 + 14 + 15 + 16 + 17 + 18 + 19 + 20 + 21 + 22 + 23);
  });

  test('a nested checkpoint: every tensor by dotted path, non-tensor values in the tree, key picks a state dict', () => {
    const expected = json<{ tensors: Record<string, Expected>; lr: number }>('checkpoint.json');
    const contents = readPth(fixture('checkpoint.pth'));
    checkTensors(contents.tensors, contents.fileDTypes, expected.tensors);
    const value = contents.value as nb.io.PthDict;
    assert.equal(value.epoch, 3);
    assert.equal(value.note, 'hello');
    assert.equal(value.best, null);
    assert.deepEqual(value.history, [0.5, 0.25]);
    const groups = (value.optimizer as nb.io.PthDict).param_groups as nb.io.PthDict[];
    assert.equal(groups[0]!.lr, expected.lr);
    assert.deepEqual(groups[0]!.betas, [0.9, 0.999]);
    assert.equal(groups[0]!.amsgrad, false);
    const model = loadPth(fixture('checkpoint.pth'), { key: 'model' });
    assert.deepEqual(Object.keys(model), Object.keys(readPth(fixture('module.pth')).tensors));
    assert.deepEqual(Object.keys(loadPth(fixture('checkpoint.pth'), { key: ['optimizer', 'state', '0'] })).sort(), ['exp_avg', 'exp_avg_sq', 'step']);
    assert.throws(() => loadPth(fixture('checkpoint.pth'), { key: 'state_dict' }), /pth: loadPth: the checkpoint has no entry 'state_dict' \(entries: model, optimizer, epoch, note, best, history\)/);
    assert.throws(() => loadPth(fixture('checkpoint.pth'), { key: 'epoch' }), /'epoch' holds no tensors/);
    assert.throws(() => loadPth(fixture('checkpoint.pth'), { key: ['model', '0.weight'] }), /'model\.0\.weight' is a single tensor, not a state dict/);
    assert.throws(() => loadPth(fixture('checkpoint.pth'), { key: ['epoch', 'x'] }), /'epoch' has no entry 'x' \(it is not a dict\)/);
    assert.throws(() => loadPth(fixture('checkpoint.pth'), { keys: 'model' } as never), /unknown option 'keys'/);
  });

  test('summarizePth lists tensors and other entries without decoding data', () => {
    const summary = summarizePth(fixture('checkpoint.pth'));
    const bias = summary.tensors.find((t) => t.name === 'model.1.num_batches_tracked')!;
    assert.deepEqual([bias.dtype, bias.shape], ['int64', []]);
    assert.deepEqual(summary.others.find((o) => o.name === 'note'), { name: 'note', value: '"hello"' });
  });

  test('deflated entries and zip64 records (other zip tools) load the same', () => {
    const a = readPth(fixture('module.pth')).tensors;
    const b = readPth(fixture('zip64-deflated.pth')).tensors;
    for (const name of Object.keys(a)) assert.deepEqual(b[name]!.toArray(), a[name]!.toArray(), name);
  });

  test('the legacy (pre-1.6) format gets an error saying how to convert', () => {
    assert.throws(() => readPth(fixture('legacy.pth')), /pth: it is in the legacy \(pre-1\.6\) torch\.save format.*_use_new_zipfile_serialization=True/);
  });

  test('files that are not checkpoints', () => {
    assert.throws(() => readPth(new Uint8Array([1, 2, 3, 4])), /pth: not a PyTorch checkpoint: it does not start with a zip signature \(got 01 02 03 04\)/);
    assert.throws(() => readPth(readFileSync(new URL('../fixtures/safetensors/cnn.safetensors', import.meta.url))), /not a PyTorch checkpoint/);
    assert.throws(() => readPth('x' as never), /expected a Uint8Array or ArrayBuffer, got string/);
    const script = writeZip([{ name: 'm/constants.pkl', data: new Uint8Array([0x80, 2, 0x4e, 0x2e]) }, { name: 'm/version', data: new Uint8Array([0x33]) }], () => {
      throw new Error('x');
    });
    assert.throws(() => readPth(script), /TorchScript archive/);
  });
});

describe('malicious pickles are refused without running anything', () => {
  const cases: [string, RegExp][] = [
    ['evil-global-os-system.pth', /refusing to load global 'os\.system' from data\.pkl: only torch tensor\/state-dict records are allowed/],
    ['evil-stack-global-eval.pth', /refusing to load global 'builtins\.eval'/],
    ['evil-reduce-popen.pth', /refusing to load global '(subprocess|commands)\.Popen'/],
    ['evil-nested-in-state-dict.pth', /refusing to load global 'builtins\.eval'/],
    ['evil-inst-opcode.pth', /refusing to load global 'os\.system'/],
    ['evil-whole-module.pth', /refusing to load global 'torch\.nn\.modules\.linear\.Linear' .*torch\.save\(model\.state_dict\(\), f\) instead/],
  ];
  for (const [file, message] of cases) {
    test(file, () => {
      assert.throws(() => readPth(fixture(file)), (e: unknown) => {
        assert.ok(e instanceof Error);
        assert.match(e.message, /^pth: /);
        assert.match(e.message, message);
        return true;
      });
      assert.throws(() => summarizePth(fixture(file)), message);
    });
  }

  test('calls reach only allowed globals; other opcodes that name code are refused', () => {
    const refusals: [number[], RegExp][] = [
      // EXT1 names a global through the extension registry.
      [[0x80, 2, 0x82, 1, 0x29, 0x52, 0x2e], /extension-registry opcode EXT1/],
      // REDUCE on a string, OBJ with a dtype as the class.
      [[0x80, 2, ...unicode('x'), 0x29, 0x52, 0x2e], /REDUCE at byte \d+ calls a str, which is not callable/],
      [[0x80, 2, 0x28, ...op('ctorch\nfloat32\n'), 0x6f, 0x2e], /OBJ at byte \d+ calls a 'torch\.float32', which is not callable/],
      // BUILD on a list (setstate of an arbitrary object) and text protocol opcodes.
      [[0x80, 2, 0x5d, 0x7d, 0x62, 0x2e], /BUILD at byte \d+ sets state on a list/],
      [[0x49, ...op('1\n'), 0x2e], /protocol 0 text opcode INT/],
      [[0x80, 2, 0x97, 0x2e], /out-of-band buffer opcode/],
      // A global nested in a list in a dict, named with STACK_GLOBAL.
      [[0x80, 4, 0x7d, ...unicode('k'), 0x5d, 0x8c, 5, ...op('posix'), 0x8c, 6, ...op('system'), 0x93, 0x61, 0x73, 0x2e], /refusing to load global 'posix\.system'/],
      [[0x80, 2, ...op('ctorch._utils\n_rebuild_sparse_tensor\n'), 0x2e], /refusing to load global 'torch\._utils\._rebuild_sparse_tensor'/],
    ];
    for (const [pkl, message] of refusals) assert.throws(() => readPth(craft(pkl)), message);
  });

  test('hostile structure: cycles, deep nesting, truncation and bad memo reads are clean errors', () => {
    const cycle = [0x80, 2, 0x5d, 0x71, 0, 0x68, 0, 0x61, 0x2e]; // l = []; l.append(l)
    assert.throws(() => readPth(craft(cycle)), /nests deeper than 1000 levels \(or contains a cycle\)|builds more objects than it has bytes/);
    const deep = [0x80, 2, ...new Array<number>(5000).fill(0x5d), ...new Array<number>(4999).fill(0x61), 0x2e];
    assert.throws(() => readPth(craft(deep)), /nests deeper than 1000 levels/);
    assert.throws(() => readPth(craft([0x80, 2, 0x5d])), /ends without a STOP opcode/);
    assert.throws(() => readPth(craft([0x80, 2, 0x68, 9, 0x2e])), /memo entry 9 read at byte 2 was never stored/);
    assert.throws(() => readPth(craft([0x80, 2, 0x58, 0xff, 0xff, 0xff, 0x7f, 0x2e])), /needs 2147483647 bytes but only 1 are left/);
    assert.throws(() => readPth(craft([0x80, 2, 0x74, 0x2e])), /needs a MARK but there is none/);
    // A shared list doubled 40 times would be 2^40 nodes when walked.
    const doubling = [0x80, 2, 0x5d];
    for (let i = 0; i < 40; i++) doubling.push(0x32, 0x86);
    doubling.push(0x2e);
    assert.throws(() => readPth(craft(doubling)), /builds more objects than it has bytes|nests deeper/);
  });
});

describe('storages and tensor records are checked', () => {
  // {'t': _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())} with one float storage of `numel` elements.
  const tensorPickle = (storageClass: string, numel: number, offset: number, size: number[], stride: number[], rebuild = '_rebuild_tensor_v2', extra: number[] = []): number[] => [
    0x80, 2, 0x7d, ...unicode('t'), ...op(`ctorch._utils\n${rebuild}\n`), 0x28,
    0x28, ...unicode('storage'), ...op(`ctorch\n${storageClass}\n`), ...unicode('0'), ...unicode('cpu'), 0x4b, numel, 0x74, 0x51,
    0x4b, offset, 0x28, ...size.flatMap((s) => [0x4b, s]), 0x74, 0x28, ...stride.flatMap((s) => [0x4b, s]), 0x74, 0x89,
    ...op('ccollections\nOrderedDict\n'), 0x29, 0x52, ...extra, 0x74, 0x52, 0x73, 0x2e,
  ];
  const floats = (values: number[]): Uint8Array => new Uint8Array(Float32Array.from(values).buffer);

  test('a strided view inside its storage', () => {
    const t = readPth(craft(tensorPickle('FloatStorage', 6, 1, [2, 2], [3, 1]), { 0: floats([0, 1, 2, 3, 4, 5]) })).tensors.t!;
    assert.deepEqual(t.toArray(), [[1, 2], [4, 5]]);
  });

  test('byteorder "big": storages are byte-swapped; other byte orders are refused', () => {
    const big = new Uint8Array(8);
    new DataView(big.buffer).setFloat32(0, 1.5, false);
    new DataView(big.buffer).setFloat32(4, -2, false);
    assert.deepEqual(readPth(craft(tensorPickle('FloatStorage', 2, 0, [2], [1]), { 0: big }, 'big')).tensors.t!.toArray(), [1.5, -2]);
    assert.throws(() => readPth(craft(tensorPickle('FloatStorage', 2, 0, [2], [1]), { 0: big }, 'middle')), /byteorder record is "middle", not "little" or "big"/);
  });

  test('torch 2 layout: UntypedStorage with _rebuild_tensor_v3 and a dtype global (uint16)', () => {
    const pkl = tensorPickle('UntypedStorage', 8, 0, [4], [1], '_rebuild_tensor_v3', op('ctorch\nuint16\n'));
    const contents = readPth(craft(pkl, { 0: new Uint8Array(Uint16Array.from([1, 2, 65535, 0]).buffer) }));
    assert.deepEqual(contents.tensors.t!.toArray(), [1, 2, 65535, 0]);
    assert.equal(contents.fileDTypes.t, 'uint16');
  });

  test('views past the storage, sizes that disagree with the entry, missing storages, int64 overflow', () => {
    assert.throws(() => readPth(craft(tensorPickle('FloatStorage', 6, 1, [2, 3], [3, 1]), { 0: floats([0, 1, 2, 3, 4, 5]) })), /tensor 't' \(size \[2, 3\], stride \[3, 1\], offset 1\) reaches element 6 of storage '0', which has 6/);
    assert.throws(() => readPth(craft(tensorPickle('FloatStorage', 7, 0, [2], [1]), { 0: floats([0, 1, 2, 3, 4, 5]) })), /storage '0' holds 7 float32 elements \(28 bytes\) but archive\/data\/0 has 24 bytes/);
    assert.throws(() => readPth(craft(tensorPickle('FloatStorage', 6, 0, [2], [1]))), /storage '0' is missing: the archive has no archive\/data\/0/);
    assert.throws(() => readPth(craft(tensorPickle('ComplexFloatStorage', 1, 0, [1], [1]), { 0: new Uint8Array(8) })), /refusing to load global 'torch\.ComplexFloatStorage'/);
    const big = new Uint8Array(BigInt64Array.from([5n, 1n << 40n]).buffer);
    assert.throws(() => readPth(craft(tensorPickle('LongStorage', 2, 0, [2], [1]), { 0: big })), /tensor 't' holds the int64 value 1099511627776 at flat index 1, outside the int32 range/);
    // Stride 0 over one element, expanded to 2^26 * 2^26 elements.
    const expand = tensorPickle('FloatStorage', 1, 0, [], [], '_rebuild_tensor_v2');
    const at = expand.indexOf(0x89) - 2; // the empty stride tuple's MARK TUPLE
    const huge = [...expand.slice(0, at - 2), 0x28, 0x4a, 0, 0, 0, 4, 0x4a, 0, 0, 0, 4, 0x74, 0x28, 0x4b, 0, 0x4b, 0, 0x74, ...expand.slice(at + 2)];
    assert.throws(() => readPth(craft(huge, { 0: floats([1]) })), /would expand its storage to \d+ elements/);
  });
});
