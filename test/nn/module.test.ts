import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';

const { nn } = nb;

class Block extends nn.Module {
  selfAttn = new nn.Linear(4, 4);
  layers = [new nn.Linear(4, 3), new nn.Linear(3, 2, { bias: false })];
  heads = { first: new nn.Linear(2, 1) };
  scale: nb.nn.Parameter;
  constructor() {
    super();
    this.scale = new nn.Parameter(nb.ones([2]));
    this.registerBuffer('running_mean', nb.zeros([2]));
    this.registerBuffer('scratch', nb.zeros([3]), { persistent: false });
  }
  forward(x: nb.Tensor): nb.Tensor {
    let h = this.selfAttn.call(x);
    for (const layer of this.layers) h = layer.call(h);
    return this.heads.first.call(h.mul(this.scale));
  }
}

describe('Module reflection', () => {
  test('parameters are named by snake_case field paths, own parameters first', () => {
    const names = [...new Block().namedParameters()].map(([n]) => n);
    assert.deepEqual(names, [
      'scale', 'self_attn.weight', 'self_attn.bias', 'layers.0.weight', 'layers.0.bias', 'layers.1.weight',
      'heads.first.weight', 'heads.first.bias',
    ]);
  });

  test('state dict holds parameters and persistent buffers in PyTorch order', () => {
    const keys = Object.keys(new nn.Sequential(new Block(), new nn.Identity()).stateDict());
    assert.deepEqual(keys, [
      '0.scale', '0.running_mean', '0.self_attn.weight', '0.self_attn.bias', '0.layers.0.weight', '0.layers.0.bias',
      '0.layers.1.weight', '0.heads.first.weight', '0.heads.first.bias',
    ]);
  });

  test('fieldToStateName writes camelCase as snake_case and leaves other names alone', () => {
    const cases: [string, string][] = [
      ['outProj', 'out_proj'], ['selfAttn', 'self_attn'], ['linear1', 'linear1'], ['inProjWeight', 'in_proj_weight'],
      ['weight_ih_l0', 'weight_ih_l0'], ['W', 'W'], ['numBatchesTracked', 'num_batches_tracked'],
    ];
    for (const [field, name] of cases) assert.equal(nn.fieldToStateName(field), name);
  });

  test('shared parameters and modules are counted once', () => {
    const shared = new nn.Linear(3, 3);
    const model = new nn.Sequential(shared, new nn.ReLU(), shared);
    assert.equal([...model.parameters()].length, 2);
    assert.equal(model.numParameters(), 12);
    assert.deepEqual(Object.keys(model.stateDict()), ['0.weight', '0.bias', '2.weight', '2.bias']);
    assert.equal([...model.modules()].length, 3);
  });
});
