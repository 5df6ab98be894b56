import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '../../src/index.js';
import { deserializeSafetensors, readSafetensorsHeader, serializeSafetensors, loadStateDictFromBytes, stateDictToBytes } from '../../src/io/index.js';
import { load, loadSafetensors, readSafetensorsFileHeader, save, saveSafetensors } from '../../src/io/node.js';

const FIXTURES = new URL('../fixtures/safetensors/', import.meta.url);
const fixtureBytes = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, FIXTURES)));

function bytesWithHeader(header: unknown, data: Uint8Array = new Uint8Array(0), lengthOverride?: number): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, lengthOverride ?? json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('safetensors round trip', () => {
  test('every library dtype, with scalars, empty and non-contiguous tensors, and metadata', () => {
    const g = new nb.Generator(0);
    const tensors = {
      'layer.weight': nb.randn([3, 4], { generator: g }),
      'layer.bias': nb.randn([4], { generator: g, dtype: 'float64' }),
      counts: nb.tensor([[-(2 ** 31), 0], [5, 2 ** 31 - 1]], { dtype: 'int32' }),
      mask: nb.tensor([true, false, true]),
      scalar: nb.tensor(3.5, { dtype: 'float64' }),
      empty: nb.zeros([0, 5]),
      transposed: nb.arange(6).reshape([2, 3]).float().t(),
      special: nb.tensor([NaN, Infinity, -Infinity, -0], { allowNonFinite: true }),
    };
    const bytes = serializeSafetensors(tensors, { format: 'pt', epoch: '3' });
    const headerLength = new DataView(bytes.buffer).getUint32(0, true);
    assert.equal(headerLength % 8, 0, 'the header is padded to 8 bytes');
    const back = deserializeSafetensors(bytes);
    assert.deepEqual(back.metadata, { format: 'pt', epoch: '3' });
    assert.deepEqual(Object.keys(back.tensors).sort(), Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) {
      const r = back.tensors[name]!;
      assert.equal(r.dtype, t.dtype, name);
      assert.deepEqual(r.shape, t.shape, name);
      assert.deepEqual(Array.from(r.toTypedArray()), Array.from(t.toTypedArray()), name);
    }
    assert.ok(Object.is((back.tensors.special!.toArray() as number[])[3], -0));
  });

  test('names and metadata keys that are Object.prototype members (__proto__, constructor, toString) round-trip', () => {
    const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];
    const tensors = new Map(names.map((n, i) => [n, nb.full([1], i + 0.5)]));
    const metadata: Record<string, string> = {};
    for (const n of names) Object.defineProperty(metadata, n, { value: `m-${n}`, enumerable: true });
    const back = deserializeSafetensors(serializeSafetensors(tensors, metadata));
    assert.deepEqual(Object.keys(back.tensors).sort(), [...names].sort());
    names.forEach((n, i) => {
      assert.ok(Object.hasOwn(back.tensors, n), n);
      assert.deepEqual(back.tensors[n]!.toArray(), [i + 0.5], n);
      assert.equal(back.fileDTypes[n], 'F32', n);
      assert.equal(back.metadata[n], `m-${n}`, n);
    });
    assert.equal(Object.getPrototypeOf(back.tensors), Object.prototype, 'the prototype is untouched');
    assert.equal((back.tensors as { shape?: unknown }).shape, undefined);
    // A file written elsewhere with a __proto__ tensor loads with it as a key.
    const file = bytesWithHeader('{"__proto__": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}, "__metadata__": {"__proto__": "x"}}', new Uint8Array([7]));
    const loaded = deserializeSafetensors(file);
    assert.deepEqual(loaded.tensors['__proto__']!.toArray(), [7]);
    assert.equal(loaded.metadata['__proto__'], 'x');
  });

  test('a module buffer named __proto__ survives stateDict, save and load', () => {
    class WithOddName extends nb.nn.Module {
      constructor() {
        super();
        this.registerBuffer('__proto__', nb.tensor([1, 2]).float());
      }
      forward(x: nb.Tensor): nb.Tensor {
        return x;
      }
    }
    const source = new WithOddName();
    const dict = source.stateDict();
    assert.deepEqual(Object.keys(dict), ['__proto__']);
    const target = new WithOddName();
    target.stateDict()['__proto__']!.fill_(0);
    loadStateDictFromBytes(target, stateDictToBytes(source));
    assert.deepEqual(target.stateDict()['__proto__']!.toArray(), [1, 2]);
  });

  test('ArrayBuffer input and Map input', () => {
    const bytes = serializeSafetensors(new Map([['x', nb.ones([2])]]));
    const copy = bytes.slice().buffer;
    assert.deepEqual(deserializeSafetensors(copy).tensors.x!.toArray(), [1, 1]);
  });
});

describe('files written by PyTorch', () => {
  const expected = JSON.parse(readFileSync(new URL('dtypes.json', FIXTURES), 'utf8')) as {
    metadata: Record<string, string>;
    tensors: Record<string, { fileDType: string; shape: number[]; values: number[] }>;
  };

  test('every safetensors dtype loads: integers as int32, F16/BF16 as float32', () => {
    const file = deserializeSafetensors(fixtureBytes('dtypes.safetensors'));
    assert.deepEqual(file.metadata, expected.metadata);
    for (const [name, e] of Object.entries(expected.tensors)) {
      const t = file.tensors[name]!;
      assert.equal(file.fileDTypes[name], e.fileDType, name);
      assert.deepEqual(t.shape, e.shape, name);
      const wantDType = e.fileDType === 'F64' ? 'float64' : e.fileDType.startsWith('F') || e.fileDType === 'BF16' ? 'float32' : e.fileDType === 'BOOL' ? 'bool' : 'int32';
      assert.equal(t.dtype, wantDType, name);
      Array.from(t.toTypedArray()).forEach((v, i) => {
        const want = e.values[i]!;
        assert.ok(v === want || Math.abs(v - want) <= 1e-7 * Math.abs(want), `${name}[${i}]: ${v} vs ${want}`);
      });
    }
  });

  test('int64 beyond the int32 range is a clear error', () => {
    assert.throws(() => deserializeSafetensors(fixtureBytes('i64-overflow.safetensors')), /tensor "big" holds the I64 value 1099511627776 at flat index 1, outside the int32 range/);
  });

  test('float8 e4m3fn and e5m2 decode to the values of their specifications', () => {
    const e4m3 = [0x00, 0x38, 0x40, 0xb8, 0x7e, 0x01, 0x08, 0x7f];
    const e5m2 = [0x3c, 0x40, 0x7b, 0x7c, 0xfc, 0x01, 0x7e];
    const data = new Uint8Array([...e4m3, ...e5m2]);
    const bytes = bytesWithHeader({ a: { dtype: 'F8_E4M3', shape: [8], data_offsets: [0, 8] }, b: { dtype: 'F8_E5M2', shape: [7], data_offsets: [8, 15] } }, data);
    const { tensors } = deserializeSafetensors(bytes);
    assert.deepEqual(tensors.a!.toArray(), [0, 1, 2, -1, 448, 2 ** -9, 2 ** -6, NaN]);
    assert.deepEqual(tensors.b!.toArray(), [1, 2, 57344, Infinity, -Infinity, 2 ** -16, NaN]);
  });

  interface Models {
    cnn: { input: number[][][][]; output: number[][] };
    lstm: { input: number[][][]; output: number[][][]; h: number[][][]; c: number[][][] };
  }
  const models = JSON.parse(readFileSync(new URL('models.json', FIXTURES), 'utf8')) as Models;
  const close = (actual: nb.Tensor, expected: unknown): void => {
    const want = nb.tensor(expected as number[], { dtype: 'float64' }).toTypedArray();
    const got = actual.toTypedArray();
    assert.equal(got.length, want.length);
    got.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) <= 1e-10, `element ${i}: ${v} vs ${want[i]}`));
  };

  test('a PyTorch CNN state dict (with int64 num_batches_tracked) loads and gives PyTorch outputs', () => {
    const { nn } = nb;
    const dtype = 'float64' as const;
    const model = new nn.Sequential(
      new nn.Conv2d(1, 4, 3, { padding: 1, dtype }), new nn.BatchNorm2d(4, { dtype }), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(),
      new nn.Linear(64, 3, { dtype }),
    );
    const metadata = loadStateDictFromBytes(model, fixtureBytes('cnn.safetensors'));
    assert.deepEqual(metadata, { format: 'pt' });
    model.eval();
    close(model.forward(nb.tensor(models.cnn.input, { dtype })), models.cnn.output);
    assert.equal(model.stateDict()['1.num_batches_tracked']!.item(), 3);
  });

  test('a PyTorch 2-layer LSTM state dict loads and gives PyTorch outputs', () => {
    const dtype = 'float64' as const;
    const lstm = new nb.nn.LSTM(5, 6, { numLayers: 2, batchFirst: true, dtype });
    loadStateDictFromBytes(lstm, fixtureBytes('lstm.safetensors'));
    lstm.eval();
    const [output, [h, c]] = lstm.forward(nb.tensor(models.lstm.input, { dtype }));
    close(output, models.lstm.output);
    close(h, models.lstm.h);
    close(c, models.lstm.c);
  });

  test('a state dict from another architecture is rejected by loadStateDict', () => {
    const wrong = new nb.nn.Linear(5, 6);
    assert.throws(() => loadStateDictFromBytes(wrong, fixtureBytes('lstm.safetensors')), /unexpected key 'weight_ih_l0'/);
  });
});

describe('corrupted files give clear errors', () => {
  const valid = serializeSafetensors({ a: nb.arange(4).float(), b: nb.ones([2], { dtype: 'float64' }) }, { k: 'v' });
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty file', new Uint8Array(0), /fewer than the 8-byte header length/],
    ['truncated data', valid.subarray(0, valid.length - 3), /runs past the end of the data|cover .* bytes of data but the file has/],
    ['truncated header', valid.subarray(0, 20), /header length \d+ runs past the end of the file \(20 bytes\)/],
    ['huge header length', (() => { const b = valid.slice(); new DataView(b.buffer).setUint32(4, 7, true); return b; })(), /header length 30064771\d+ is over the 100000000-byte limit/],
    ['header length lies (too short)', (() => { const b = valid.slice(); new DataView(b.buffer).setUint32(0, 10, true); return b; })(), /not valid JSON/],
    ['not JSON', bytesWithHeader('{"a": nope}'), /the header is not valid JSON/],
    ['JSON but not an object', bytesWithHeader('[1, 2]'), /must be a JSON object starting with '\{'/],
    ['invalid UTF-8', bytesWithHeader('{"\xff"}').map((v, i) => (i === 10 ? 0xff : v)), /not valid UTF-8/],
    ['unknown dtype', bytesWithHeader({ a: { dtype: 'F128', shape: [1], data_offsets: [0, 16] } }, new Uint8Array(16)), /tensor "a" has unknown dtype "F128"/],
    ['shape disagrees with byte count', bytesWithHeader({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)), /shape \[3\] of F32 needs 12 bytes but data_offsets \[0, 8\] give 8/],
    ['offsets past the end', bytesWithHeader({ a: { dtype: 'U8', shape: [8], data_offsets: [0, 8] } }, new Uint8Array(4)), /runs past the end of the data \(4 bytes\)/],
    ['overlapping offsets', bytesWithHeader({ a: { dtype: 'U8', shape: [4], data_offsets: [0, 4] }, b: { dtype: 'U8', shape: [4], data_offsets: [2, 6] } }, new Uint8Array(6)), /tensor "b" at bytes \[2, 6\) overlaps the tensor before it/],
    ['a gap between tensors', bytesWithHeader({ a: { dtype: 'U8', shape: [2], data_offsets: [0, 2] }, b: { dtype: 'U8', shape: [2], data_offsets: [4, 6] } }, new Uint8Array(6)), /gap of 2 unused bytes before tensor "b"/],
    ['trailing bytes not covered', bytesWithHeader({ a: { dtype: 'U8', shape: [2], data_offsets: [0, 2] } }, new Uint8Array(5)), /cover 2 bytes of data but the file has 5/],
    ['negative or fractional offsets', bytesWithHeader({ a: { dtype: 'U8', shape: [2], data_offsets: [-1, 1.5] } }, new Uint8Array(2)), /invalid data_offsets/],
    ['reversed offsets', bytesWithHeader({ a: { dtype: 'U8', shape: [0], data_offsets: [2, 0] } }, new Uint8Array(2)), /invalid data_offsets \[2, 0\]/],
    ['bad shape', bytesWithHeader({ a: { dtype: 'U8', shape: [-2], data_offsets: [0, 2] } }, new Uint8Array(2)), /invalid shape \[-2\]/],
    ['overflowing shape', bytesWithHeader({ a: { dtype: 'F64', shape: [2 ** 30, 2 ** 30, 2 ** 30], data_offsets: [0, 8] } }, new Uint8Array(8)), /needs \d.*e\+\d+ bytes|needs \d+ bytes/],
    ['metadata that is not strings', bytesWithHeader({ __metadata__: { epoch: 3 } }), /__metadata__\["epoch"\] must be a string/],
    ['an entry that is not an object', bytesWithHeader({ a: 5 }), /the entry for tensor "a" must be an object/],
  ];
  const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);
  const longName = 'n'.repeat(300_000);
  cases.push(
    ['a dtype named like an Object.prototype member', bytesWithHeader({ a: { dtype: 'constructor', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)), /tensor "a" has unknown dtype "constructor"/],
    ['a toString dtype', bytesWithHeader({ a: { dtype: 'toString', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)), /unknown dtype "toString"/],
    ['an inherited field is not a field', bytesWithHeader('{"a": {"dtype": "U8", "data_offsets": [0, 1]}}', new Uint8Array(1)), /tensor "a" has an invalid shape undefined/],
    ['a dtype nested 5,000 deep', bytesWithHeader(`{"a": {"dtype": ${deep(5000)}, "shape": [1], "data_offsets": [0, 1]}}`, new Uint8Array(1)), /unknown dtype \[\[\[\[\.\.\.\]\]\]\]/],
    ['a shape nested 5,000 deep', bytesWithHeader(`{"a": {"dtype": "U8", "shape": ${deep(5000)}, "data_offsets": [0, 1]}}`, new Uint8Array(1)), /invalid shape \[\[\[\[\.\.\.\]\]\]\]/],
    ['data_offsets nested 5,000 deep', bytesWithHeader(`{"a": {"dtype": "U8", "shape": [1], "data_offsets": ${deep(5000)}}}`, new Uint8Array(1)), /invalid data_offsets \[\[\[\[\.\.\.\]\]\]\]/],
    ['a 300,000-character name is not repeated in full', bytesWithHeader({ [longName]: { dtype: 'F128', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)), /^.{0,300}$/s],
    ['a huge shape array is not repeated in full', bytesWithHeader({ a: { dtype: 'U8', shape: Array.from({ length: 100_000 }, () => 1).concat([-1]), data_offsets: [0, 1] } }, new Uint8Array(1)), /^.{0,300}$/s],
  );
  for (const [name, bytes, message] of cases) {
    test(name, () => {
      assert.throws(() => deserializeSafetensors(bytes), (e: unknown) => {
        assert.ok(e instanceof Error);
        assert.match(e.message, /^safetensors: /);
        assert.match(e.message, message);
        return true;
      });
    });
  }
});

describe('Node file helpers', () => {
  test('save/load a module, atomically, leaving no temporary files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nabla-io-'));
    const path = join(dir, 'model.safetensors');
    const a = new nb.nn.Linear(3, 2);
    save(a, path, { epoch: '1' });
    const b = new nb.nn.Linear(3, 2);
    assert.deepEqual(load(b, path), { epoch: '1' });
    assert.deepEqual(b.weight.toArray(), a.weight.toArray());
    save(new nb.nn.Linear(3, 2), path);
    assert.deepEqual(readdirSync(dir), ['model.safetensors']);
    assert.deepEqual([...readSafetensorsFileHeader(path).entries.keys()].sort(), ['bias', 'weight']);
    assert.throws(() => load(new nb.nn.Linear(4, 2), path), /model\.safetensors: [\s\S]*size mismatch for 'weight'/);
    assert.throws(() => load(b, join(dir, 'missing.safetensors')), /load: cannot read .*missing\.safetensors/);
  });

  test('saveSafetensors / loadSafetensors, and a bad file names its path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nabla-io-'));
    const path = join(dir, 't.safetensors');
    saveSafetensors(path, { x: nb.ones([2, 2]) }, { a: 'b' });
    assert.deepEqual(loadSafetensors(path).tensors.x!.shape, [2, 2]);
    writeFileSync(join(dir, 'bad.safetensors'), new Uint8Array([1, 2, 3]));
    assert.throws(() => loadSafetensors(join(dir, 'bad.safetensors')), /bad\.safetensors: safetensors: the file has 3 bytes/);
    assert.throws(() => readSafetensorsFileHeader(join(dir, 'bad.safetensors')), /bad\.safetensors: safetensors: the file has 3 bytes/);
  });

  test('any object with stateDict/loadStateDict: a fitted scaler', () => {
    const scaler = new nb.data.StandardScaler().fit(nb.tensor([[1, 2], [3, 6]]).float());
    const copy = new nb.data.StandardScaler();
    loadStateDictFromBytes(copy, stateDictToBytes(scaler));
    assert.deepEqual(copy.transform(nb.tensor([[2, 4]]).float()).toArray(), [[0, 0]]);
    assert.throws(() => stateDictToBytes({} as never), /expected an object with a stateDict\(\) method/);
  });

  test('the header can be read without the data', () => {
    const header = readSafetensorsHeader(fixtureBytes('cnn.safetensors'));
    assert.equal(header.entries.get('1.num_batches_tracked')!.dtype, 'I64');
    assert.deepEqual(header.entries.get('0.weight')!.shape, [4, 1, 3, 3]);
  });
});
