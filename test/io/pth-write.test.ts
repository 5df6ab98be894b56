import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '../../src/index.js';
import { readPth, savePth } from '../../src/io/pth.js';
import { load, readPthFile, save, saveSafetensors } from '../../src/io/node.js';
import { missingPython } from '../helpers/python.js';

const dir = mkdtempSync(join(tmpdir(), 'nabla-pth-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const g = new nb.Generator(7);
const sample = (): Record<string, nb.Tensor> => ({
  'layer.weight': nb.randn([3, 4], { generator: g }),
  'layer.bias': nb.randn([4], { generator: g, dtype: 'float64' }),
  counts: nb.tensor([[-(2 ** 31), 0], [5, 2 ** 31 - 1]], { dtype: 'int32' }),
  mask: nb.tensor([true, false, true]),
  scalar: nb.tensor(3.5),
  empty: nb.zeros([0, 5]),
  transposed: nb.arange(6).reshape([2, 3]).float().t(),
  special: nb.tensor([NaN, Infinity, -Infinity, -0], { allowNonFinite: true }),
});

describe('savePth', () => {
  test('round trip through readPth: every dtype, scalars, empty and non-contiguous tensors; int32 written as int64', () => {
    const tensors = sample();
    const contents = readPth(savePth(tensors));
    assert.deepEqual(Object.keys(contents.tensors), Object.keys(tensors));
    for (const [name, t] of Object.entries(tensors)) {
      const r = contents.tensors[name]!;
      assert.equal(r.dtype, t.dtype, name);
      assert.deepEqual(r.shape, t.shape, name);
      assert.deepEqual(Array.from(r.toTypedArray()), Array.from(t.toTypedArray()), name);
    }
    assert.equal(contents.fileDTypes.counts, 'int64');
    assert.equal(readPth(savePth(tensors, { intDType: 'int32' })).fileDTypes.counts, 'int32');
    assert.ok(Object.is((contents.tensors.special!.toArray() as number[])[3], -0));
  });

  test('arguments are checked', () => {
    assert.throws(() => savePth({ a: [1, 2] } as never), /pth: the value for "a" is not a Tensor/);
    assert.throws(() => savePth(null as never), /savePth expects a state dict/);
    assert.throws(() => savePth({}, { intDType: 'int16' } as never), /intDType must be 'int64' or 'int32', got "int16"/);
    assert.throws(() => savePth({}, { dtype: 'x' } as never), /unknown option 'dtype'/);
  });
});

describe('Node: save/load by extension and content', () => {
  test('a module to .pth and back, into a module and as a state dict; no temporary files left', () => {
    const path = join(dir, 'linear.pth');
    const a = new nb.nn.Linear(3, 2);
    save(a, path);
    const b = new nb.nn.Linear(3, 2);
    assert.deepEqual(load(b, path), {});
    assert.deepEqual(b.weight.toArray(), a.weight.toArray());
    const state = load(path);
    assert.deepEqual(Object.keys(state), ['weight', 'bias']);
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('.')), []);
    assert.throws(() => load(new nb.nn.Linear(4, 2), path), /linear\.pth: [\s\S]*size mismatch for 'weight'/);
    assert.throws(() => save(a, join(dir, 'x.pth'), { epoch: '1' }), /a \.pth file has no place for metadata/);
  });

  test('a state dict to .pt, safetensors loaded by content whatever its name', () => {
    save(sample(), join(dir, 'state.pt'));
    assert.deepEqual(load(join(dir, 'state.pt')).counts!.toArray(), [[-(2 ** 31), 0], [5, 2 ** 31 - 1]]);
    saveSafetensors(join(dir, 'weights.bin'), { w: nb.ones([2]) });
    assert.deepEqual(load(join(dir, 'weights.bin')).w!.toArray(), [1, 1]);
    assert.throws(() => load(join(dir, 'weights.bin'), { key: 'model' }), /weights\.bin: the key option picks an entry of a \.pth checkpoint/);
    assert.equal(readPthFile(join(dir, 'state.pt')).fileDTypes.mask, 'bool');
    writeFileSync(join(dir, 'bad.pth'), new Uint8Array([0x50, 0x4b, 3, 4, 9]));
    assert.throws(() => load(join(dir, 'bad.pth')), /bad\.pth: pth: the file has 5 bytes, too few for a zip archive/);
  });
});

const python = '/usr/bin/python3';
const torchLack = missingPython(python, ['torch']);
const torchMissing = torchLack === null ? false : `${python} with torch is not available (${torchLack})`;
if (torchMissing) console.log(`# skipping the torch.load checks: ${torchMissing}`);

function runTorch(script: string, timeout = 120_000): string {
  const result = spawnSync(python, ['-c', script], {
    encoding: 'utf8',
    timeout,
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OPENBLAS_CORETYPE: 'SkylakeX', OMP_NUM_THREADS: '1' },
  });
  assert.equal(result.status, 0, `python failed: ${result.stderr}`);
  return result.stdout;
}

describe('torch reads what Nabla writes, and Nabla reads torchvision checkpoints', { skip: torchMissing }, () => {
  test('torch.load gives the same values and dtypes', () => {
    const tensors = sample();
    const path = join(dir, 'for-torch.pth');
    save(tensors, path);
    const printed = runTorch(`
import json, math, torch
d = torch.load(${JSON.stringify(path)}, weights_only=True)  # the safe loader accepts our pickle too
def value(v):
    return v if not isinstance(v, float) or math.isfinite(v) else str(v)
print(json.dumps({k: [str(t.dtype), list(t.shape), [value(v) for v in t.reshape(-1).tolist()], t.is_contiguous()] for k, t in d.items()}))`);
    const fromTorch = JSON.parse(printed) as Record<string, [string, number[], (number | boolean | string)[], boolean]>;
    const torchDType = { float32: 'torch.float32', float64: 'torch.float64', int32: 'torch.int64', bool: 'torch.bool' } as const;
    assert.deepEqual(Object.keys(fromTorch), Object.keys(tensors));
    for (const [name, t] of Object.entries(tensors)) {
      const [dtype, shape, values, contiguous] = fromTorch[name]!;
      assert.equal(dtype, torchDType[t.dtype], name);
      assert.deepEqual(shape, t.shape, name);
      assert.ok(contiguous, name);
      const mine = Array.from(t.toTypedArray(), (v) => (t.dtype === 'bool' ? v === 1 : Number.isFinite(v) ? v : String(v).replace('Infinity', 'inf').replace('NaN', 'nan')));
      assert.deepEqual(values, mine, name);
    }
  });

  test('a Nabla CNN trained here continues in PyTorch: load_state_dict succeeds and outputs match', () => {
    const { nn } = nb;
    nb.manualSeed(3);
    const model = new nn.Sequential(new nn.Conv2d(1, 3, 3, { padding: 1 }), new nn.BatchNorm2d(3), new nn.ReLU(), new nn.Flatten(), new nn.Linear(48, 2));
    model.forward(nb.randn([4, 1, 4, 4])); // updates the running statistics and num_batches_tracked
    model.eval();
    const input = nb.randn([2, 1, 4, 4]);
    const path = join(dir, 'cnn.pth');
    save(model, path);
    const printed = runTorch(`
import json, torch
from torch import nn
m = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(), nn.Linear(48, 2))
m.load_state_dict(torch.load(${JSON.stringify(path)}))
m.eval()
x = torch.tensor(${JSON.stringify(input.toArray())})
print(json.dumps({'out': m(x).tolist(), 'tracked': int(m[1].num_batches_tracked)}))`);
    const { out, tracked } = JSON.parse(printed) as { out: number[][]; tracked: number };
    assert.equal(tracked, 1);
    const mine = (model.forward(input).toArray() as number[][]).flat();
    out.flat().forEach((v, i) => assert.ok(Math.abs(v - mine[i]!) < 1e-5, `output ${i}: torch ${v}, nabla ${mine[i]}`));
  });

  test('torchvision resnet18 state dict (torch.save) loads: every tensor matches torch', () => {
    const path = join(dir, 'resnet18.pth');
    const printed = runTorch(`
import json, torch, torchvision
torch.manual_seed(0)
sd = torchvision.models.resnet18().state_dict()
torch.save(sd, ${JSON.stringify(path)})
print(json.dumps({k: [list(v.shape), float(v.double().sum()), float(v.double().abs().max()) if v.numel() else 0.0] for k, v in sd.items()}))`);
    const expected = JSON.parse(printed) as Record<string, [number[], number, number]>;
    const started = Date.now();
    const state = load(path);
    const seconds = (Date.now() - started) / 1000;
    console.log(`# resnet18.pth (${Object.keys(state).length} tensors) loaded in ${seconds.toFixed(2)} s`);
    assert.deepEqual(Object.keys(state), Object.keys(expected));
    for (const [name, [shape, sum, max]] of Object.entries(expected)) {
      const t = state[name]!;
      assert.deepEqual(t.shape, shape, name);
      const values = t.toTypedArray();
      let s = 0;
      let m = 0;
      for (const v of values) {
        s += v;
        m = Math.max(m, Math.abs(v));
      }
      assert.ok(Math.abs(s - sum) <= 1e-6 * (Math.abs(sum) + values.length), `${name}: sum ${s} vs ${sum}`);
      assert.equal(m, max, name);
    }
  });
});

test("'nabla/node' exports load and save at the top level", async () => {
  const node = await import('../../src/node.js');
  assert.equal(node.load, load);
  assert.equal(node.save, save);
});
