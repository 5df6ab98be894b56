/**
 * io.toTorchSource: the printed PyTorch definition, run by /usr/bin/python3 with torch (skipped
 * with a printed reason without it), loads the .pth Nabla saved with strict key matching and gives
 * Nabla's outputs; layers it cannot express and junk arguments are named errors.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '../../src/index.js';
import { save } from '../../src/io/node.js';
import { missingPython } from '../helpers/python.js';

const { nn } = nb;
const { toTorchSource } = nb.io;

function model(): nb.nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 4, 3, { padding: 'same' }),
    new nn.BatchNorm2d(4),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(4, 6, [3, 1], { stride: [1, 2], padding: [1, 0], dilation: [1, 1], groups: 2, bias: false }),
    new nn.AvgPool2d(3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }),
    new nn.AdaptiveAvgPool2d([2, null]),
    new nn.Flatten(),
    new nn.Sequential(new nn.Linear(6 * 2 * 2, 8), new nn.LayerNorm(8, { eps: 1e-6 }), new nn.LeakyReLU(0.2), new nn.Dropout(0.25)),
    new nn.Linear(8, 3, { bias: false }),
    new nn.GELU('tanh'),
    new nn.LogSoftmax(1),
  );
}

test('prints an nn.Sequential with the same children in the same order (the same state-dict keys)', () => {
  const source = toTorchSource(new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Sequential(new nn.Dropout(0.5), new nn.Linear(8, 2))), { name: 'net' });
  assert.equal(
    source,
    'import torch\nfrom torch import nn\n\nnet = nn.Sequential(\n    nn.Linear(4, 8, bias=True),\n    nn.ReLU(),\n    nn.Sequential(\n' +
      '        nn.Dropout(p=0.5),\n        nn.Linear(8, 2, bias=True),\n    ),\n)\n',
  );
});

test('layers without an exact PyTorch equivalent and junk arguments are named errors', () => {
  assert.throws(() => toTorchSource(new nn.Sequential(new nn.Linear(2, 2), new nn.Sequential(new nn.LSTM(2, 2)))), /toTorchSource: layer 1\.0 \(LSTM\) has no PyTorch equivalent here; supported: Linear/);
  assert.throws(() => toTorchSource(new nn.Sequential(new nn.Conv2d(1, 1, 3, { padding: [[0, 1], [1, 0]] }))), /layer 0 \(Conv2d\) has no PyTorch equivalent/);
  assert.throws(() => toTorchSource(new nn.Linear(2, 2)), /toTorchSource: expected an nn\.Sequential, got Linear/);
  assert.throws(() => toTorchSource(null as unknown as nb.nn.Module), /expected an nn\.Sequential, got null/);
  assert.throws(() => toTorchSource(new nn.Sequential(), { nmae: 'x' } as never), /unknown option 'nmae' for toTorchSource; did you mean 'name'\?/);
  assert.throws(() => toTorchSource(new nn.Sequential(), { name: 'my model' }), /name must be a Python identifier, got "my model"/);
});

const python = '/usr/bin/python3';
const torchLack = missingPython(python, ['torch']);
const torchMissing = torchLack === null ? false : `${python} with torch is not available (${torchLack})`;
if (torchMissing) console.log(`# skipping the torch run of toTorchSource: ${torchMissing}`);

describe('in torch', { skip: torchMissing }, () => {
  test("the printed source loads Nabla's .pth strictly and computes Nabla's outputs", () => {
    nb.manualSeed(0);
    const net = model();
    const x = nb.randn([3, 1, 8, 8]);
    net.train();
    net.forward(x); // moves the batch-norm running statistics off their defaults
    net.eval();
    const expected = nb.noGrad(() => net.forward(x));
    const dir = mkdtempSync(join(tmpdir(), 'nabla-torch-source-'));
    try {
      save(net, join(dir, 'model.pth'));
      save({ x, expected }, join(dir, 'io.pth'));
      writeFileSync(join(dir, 'model.py'), toTorchSource(net));
      const script = [
        'import sys, torch',
        `exec(open(sys.argv[1] + '/model.py').read())`,
        `model.load_state_dict(torch.load(sys.argv[1] + '/model.pth'), strict=True)`,
        `data = torch.load(sys.argv[1] + '/io.pth')`,
        'model.eval()',
        'with torch.no_grad(): out = model(data["x"])',
        'print(tuple(out.shape), float((out - data["expected"]).abs().max()))',
      ].join('\n');
      const result = spawnSync(python, ['-c', script, dir], {
        encoding: 'utf8', timeout: 120_000, env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OPENBLAS_CORETYPE: 'SkylakeX', OMP_NUM_THREADS: '1' },
      });
      assert.equal(result.status, 0, `python failed: ${result.stderr}`);
      const [shape, difference] = result.stdout.trim().split(/\) /);
      assert.equal(`${shape})`, '(3, 3)');
      assert.ok(Number(difference) < 1e-5, `torch differs from Nabla by ${difference}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
