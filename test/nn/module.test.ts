import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { readFixture } from '../helpers/fixtures.js';

const { nn } = nb;

interface StructureFixture {
  stateDicts: Record<string, [string, number[]][]>;
  namedParameters: Record<string, string[]>;
  numParameters: Record<string, number>;
}
const structure = readFixture<StructureFixture>('nn-structure.json');

/** The PyTorch Net of scripts/gen_nn_fixtures.py, with ModuleDict / ModuleList containers. */
class Net extends nn.Module {
  encoder = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 8));
  heads = new nn.ModuleDict({ cls: new nn.Linear(8, 3), reg: new nn.Linear(8, 1, { bias: false }) });
  blocks = new nn.ModuleList([new nn.Linear(8, 8), new nn.Linear(8, 8)]);
  emb = new nn.Embedding(10, 4, { paddingIdx: 0 });
  scale = new nn.Parameter(nb.ones([3]));
  forward(x: nb.Tensor): nb.Tensor {
    let h = this.encoder.forward(x);
    for (const block of this.blocks) h = (block as nb.nn.Linear).forward(h).relu();
    return (this.heads.get('cls') as nb.nn.Linear).forward(h).mul(this.scale);
  }
}

/** The same network written with a plain object and a plain array instead of containers. */
class PlainNet extends nn.Module {
  encoder = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 8));
  heads = { cls: new nn.Linear(8, 3), reg: new nn.Linear(8, 1, { bias: false }) };
  blocks = [new nn.Linear(8, 8), new nn.Linear(8, 8)];
  emb = new nn.Embedding(10, 4, { paddingIdx: 0 });
  scale = new nn.Parameter(nb.ones([3]));
  forward(x: nb.Tensor): nb.Tensor {
    return this.heads.cls.forward(this.encoder.forward(x));
  }
}

const keysAndShapes = (m: nb.nn.Module): [string, number[]][] => Object.entries(m.stateDict()).map(([k, v]) => [k, [...v.shape]]);

describe('state-dict keys and shapes equal PyTorch', () => {
  const models: Record<string, () => nb.nn.Module> = {
    'Linear(3, 4)': () => new nn.Linear(3, 4),
    'Linear(3, 4, bias false)': () => new nn.Linear(3, 4, { bias: false }),
    'Sequential MLP': () => new nn.Sequential(new nn.Linear(2, 16), new nn.ReLU(), new nn.Linear(16, 3)),
    'Embedding(10, 4)': () => new nn.Embedding(10, 4),
    Net: () => new Net(),
    'CrossEntropyLoss(weight)': () => new nn.CrossEntropyLoss({ weight: nb.ones([3]) }),
    'BCEWithLogitsLoss(posWeight)': () => new nn.BCEWithLogitsLoss({ posWeight: nb.ones([3]) }),
  };
  for (const [name, make] of Object.entries(models)) {
    test(name, () => assert.deepEqual(keysAndShapes(make()), structure.stateDicts[name]));
  }
  test('plain arrays and objects of modules give the same names as ModuleList / ModuleDict', () => {
    assert.deepEqual(keysAndShapes(new PlainNet()), structure.stateDicts.Net);
  });
  test('namedParameters order and numParameters', () => {
    const net = new Net();
    assert.deepEqual([...net.namedParameters()].map(([n]) => n), structure.namedParameters.Net);
    assert.equal(net.numParameters(), structure.numParameters.Net);
  });
});

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
    const model = new nn.Sequential(new Block(), new nn.Identity());
    assert.deepEqual(Object.keys(model.stateDict()), [
      '0.scale', '0.running_mean', '0.self_attn.weight', '0.self_attn.bias', '0.layers.0.weight', '0.layers.0.bias',
      '0.layers.1.weight', '0.heads.first.weight', '0.heads.first.bias',
    ]);
    assert.deepEqual([...model.namedBuffers()].map(([n]) => n), ['0.running_mean', '0.scratch']);
  });

  test('fieldToStateName writes camelCase as snake_case and leaves other names alone', () => {
    const cases: [string, string][] = [
      ['outProj', 'out_proj'], ['selfAttn', 'self_attn'], ['linear1', 'linear1'], ['inProjWeight', 'in_proj_weight'],
      ['weight_ih_l0', 'weight_ih_l0'], ['W', 'W'], ['numBatchesTracked', 'num_batches_tracked'],
    ];
    for (const [field, name] of cases) assert.equal(nn.fieldToStateName(field), name);
  });

  test('shared parameters and modules are counted once, but tied weights keep every state-dict key', () => {
    const shared = new nn.Linear(3, 3);
    const model = new nn.Sequential(shared, new nn.ReLU(), shared);
    assert.equal([...model.parameters()].length, 2);
    assert.equal(model.numParameters(), 12);
    assert.deepEqual(Object.keys(model.stateDict()), ['0.weight', '0.bias', '2.weight', '2.bias']);
    assert.equal([...model.modules()].length, 3);
  });

  test('children, modules, getSubmodule and getParameter', () => {
    const net = new Net();
    assert.deepEqual([...net.namedChildren()].map(([n]) => n), ['encoder', 'heads', 'blocks', 'emb']);
    assert.equal([...net.modules()].length, 12);
    assert.equal(net.getSubmodule('heads.cls'), net.heads.get('cls'));
    assert.equal(net.getParameter('blocks.1.bias'), (net.blocks.at(1) as nb.nn.Linear).bias);
    assert.throws(() => net.getSubmodule('heads.box'), /Net.getSubmodule: no submodule named 'heads.box'/);
  });

  test('a module that contains itself is reported, not looped over', () => {
    class Loop extends nn.Module {
      inner: nb.nn.Module | null = null;
      forward(x: nb.Tensor): nb.Tensor {
        return x;
      }
    }
    const a = new Loop();
    a.inner = new nn.Sequential(a);
    assert.equal([...a.modules()].length, 2);
    assert.throws(() => a.stateDict(), /stateDict: module 'inner.0' \(Loop\) contains itself/);
  });

  test('Parameter requires grad by default, shares storage, and rejects integer tensors', () => {
    const data = nb.zeros([2]);
    const p = new nn.Parameter(data);
    assert.equal(p.requiresGrad, true);
    assert.equal(new nn.Parameter(data, false).requiresGrad, false);
    nb.noGrad(() => p.fill_(3));
    assert.deepEqual(Array.from(data.toTypedArray()), [3, 3]);
    assert.throws(() => new nn.Parameter(nb.zeros([2], { dtype: 'int32' })), /Parameter: only floating-point tensors can require gradients, got dtype int32/);
    assert.match(p.toString(), /^Parameter containing:\ntensor/);
  });

  test('registerParameter rejects plain tensors and dotted names', () => {
    const m = new nn.Identity();
    assert.throws(() => m.registerParameter('w', nb.zeros([1]) as nb.nn.Parameter), /registerParameter\('w'\): expected a Parameter/);
    assert.throws(() => m.registerBuffer('a.b', nb.zeros([1])), /registerBuffer: the name must be non-empty and contain no '.'/);
  });
});

describe('state dict round trip and errors', () => {
  test('loading copies values in place and keeps the parameter objects', () => {
    const a = new Net();
    const b = new Net();
    const weight = b.emb.weight;
    b.loadStateDict(a.stateDict());
    assert.equal(b.emb.weight, weight);
    for (const [k, v] of Object.entries(a.stateDict())) assert.deepEqual(b.stateDict()[k]!.toArray(), v.toArray());
    const x = nb.randn([2, 4]);
    assert.deepEqual(a.forward(x).toArray(), b.forward(x).toArray());
  });

  test('state-dict tensors share storage with the module and carry no graph', () => {
    const layer = new nn.Linear(2, 2);
    const dict = layer.stateDict();
    assert.equal(dict.weight!.requiresGrad, false);
    nb.noGrad(() => layer.weight.fill_(5));
    assert.ok(dict.weight!.toTypedArray().every((v) => v === 5));
  });

  test('a dict from another architecture names each missing, unexpected and mismatched key', () => {
    const model = new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU(), new nn.Linear(3, 2));
    const other = new nn.Sequential(new nn.Linear(4, 5), new nn.Linear(5, 2)).stateDict();
    assert.throws(() => model.loadStateDict(other), (err: Error) => {
      assert.match(err.message, /^Error\(s\) in loading state dict for Sequential:/);
      assert.match(err.message, /size mismatch for '0.weight': the state dict has shape \[5, 4\], the module expects \[3, 4\]/);
      assert.match(err.message, /missing key '2.weight' \(shape \[2, 3\]\)/);
      assert.match(err.message, /unexpected key '1.weight'/);
      assert.match(err.message, /another architecture\? pass \{ strict: false \}/);
      return true;
    });
  });

  test('strict: false loads the matching keys and reports the rest', () => {
    const model = new nn.Sequential(new nn.Linear(2, 2), new nn.Linear(2, 2));
    const source = new nn.Sequential(new nn.Linear(2, 2));
    const dict = { ...source.stateDict(), extra: nb.zeros([1]) };
    const result = model.loadStateDict(dict, { strict: false });
    assert.deepEqual(result, { missingKeys: ['1.weight', '1.bias'], unexpectedKeys: ['extra'] });
    assert.deepEqual((model.at(0) as nb.nn.Linear).weight.toArray(), (source.at(0) as nb.nn.Linear).weight.toArray());
    // Shape mismatches are errors even when not strict (as PyTorch).
    assert.throws(() => model.loadStateDict({ '0.weight': nb.zeros([3, 2]) }, { strict: false }), /size mismatch for '0.weight'/);
  });

  test('values are cast to the parameter dtype; non-tensors are rejected', () => {
    const layer = new nn.Linear(1, 1);
    layer.loadStateDict({ weight: nb.tensor([[0.25]], { dtype: 'float64' }), bias: nb.tensor([1], { dtype: 'int32' }) });
    assert.equal(layer.weight.dtype, 'float32');
    assert.deepEqual(layer.bias!.toArray(), [1]);
    assert.throws(() => layer.loadStateDict({ weight: [[1]] as unknown as nb.Tensor, bias: nb.zeros([1]) }), /value for key 'weight' is not a Tensor/);
    assert.throws(() => layer.loadStateDict({ weight: nb.tensor([[true]]), bias: nb.zeros([1]) }), /dtype mismatch for 'weight': the state dict has dtype bool/);
  });

  test('buffers are saved and loaded; non-persistent ones are not', () => {
    const a = new Block();
    nb.noGrad(() => a.getBuffer('running_mean')!.fill_(7));
    const b = new Block();
    b.loadStateDict(a.stateDict());
    assert.deepEqual(b.getBuffer('running_mean')!.toArray(), [7, 7]);
    assert.ok(!('scratch' in a.stateDict()));
    assert.throws(() => a.getBuffer('running_var'), /Block.getBuffer: no buffer named 'running_var' \(buffers: running_mean, scratch\)/);
  });
});

describe('modes, freezing and gradients', () => {
  test('train() and eval() reach every submodule', () => {
    const net = new Net();
    net.eval();
    assert.ok([...net.modules()].every((m) => !m.training));
    net.train();
    assert.ok([...net.modules()].every((m) => m.training));
  });

  test('freeze, unfreeze, requiresGrad_ and numParameters({ trainableOnly })', () => {
    const net = new Net();
    const total = net.numParameters();
    net.encoder.freeze();
    assert.equal(net.numParameters({ trainableOnly: true }), total - net.encoder.numParameters());
    net.forward(nb.randn([2, 4])).sum().backward();
    assert.equal((net.encoder.at(0) as nb.nn.Linear).weight.grad, null);
    assert.ok((net.heads.get('cls') as nb.nn.Linear).weight.grad);
    net.unfreeze();
    assert.equal(net.numParameters({ trainableOnly: true }), total);
    net.requiresGrad_(false);
    assert.equal(net.numParameters({ trainableOnly: true }), 0);
  });

  test('zeroGrad sets gradients to null, or to zeros on request', () => {
    const layer = new nn.Linear(2, 1);
    layer.forward(nb.ones([1, 2])).sum().backward();
    layer.zeroGrad({ setToNone: false });
    assert.deepEqual(layer.weight.grad!.toArray(), [[0, 0]]);
    layer.zeroGrad();
    assert.equal(layer.weight.grad, null);
  });

  test('apply visits children before their parent', () => {
    const order: string[] = [];
    new nn.Sequential(new nn.Linear(1, 1), new nn.Sequential(new nn.ReLU())).apply((m) => order.push(m.constructor.name));
    assert.deepEqual(order, ['Linear', 'ReLU', 'Sequential', 'Sequential']);
  });

  test('double() converts parameters and buffers and keeps tied weights tied', () => {
    const shared = new nn.Linear(2, 2);
    const model = new nn.Sequential(shared, shared);
    const both = new nn.ModuleList([model, new nn.CrossEntropyLoss({ weight: nb.ones([2]) })]).double();
    assert.ok([...both.parameters()].every((p) => p.dtype === 'float64'));
    assert.equal([...both.parameters()].length, 2);
    assert.equal(both.stateDict()['1.weight']!.dtype, 'float64');
    assert.equal(model.forward(nb.ones([1, 2], { dtype: 'float64' })).dtype, 'float64');
  });
});

describe('containers', () => {
  test('Sequential chains modules and indexes them', () => {
    const seq = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU());
    seq.append(new nn.Linear(3, 1));
    assert.equal(seq.length, 3);
    assert.ok(seq.at(-1) instanceof nn.Linear);
    assert.deepEqual(seq.forward(nb.ones([5, 2])).shape, [5, 1]);
    assert.deepEqual([...seq].map((m) => m.constructor.name), ['Linear', 'ReLU', 'Linear']);
    assert.throws(() => seq.at(3), /Sequential.at: index 3 is out of range for 3 modules/);
    assert.throws(() => new nn.Sequential(nb.zeros([2]) as unknown as nb.nn.Module), /Sequential: argument 0: expected a Module, got a tensor of shape \[2\]/);
  });

  test('ModuleList and ModuleDict register their modules and have no forward', () => {
    const list = new nn.ModuleList([new nn.Linear(1, 1)]).extend([new nn.Linear(1, 2)]);
    assert.deepEqual(Object.keys(list.stateDict()), ['0.weight', '0.bias', '1.weight', '1.bias']);
    assert.throws(() => list.forward(), /ModuleList has no forward/);
    const dict = new nn.ModuleDict([['a', new nn.ReLU()]]).set('b', new nn.Linear(1, 1));
    assert.deepEqual(dict.keys(), ['a', 'b']);
    assert.ok(dict.has('b'));
    assert.throws(() => dict.get('c'), /ModuleDict.get: no module named 'c' \(keys: a, b\)/);
  });

  test('Identity returns its input', () => {
    const x = nb.ones([2]);
    assert.equal(new nn.Identity().forward(x), x);
  });
});

describe('display', () => {
  test('toString follows PyTorch layout with extraRepr', () => {
    const model = new nn.Sequential(new nn.Linear(2, 16), new nn.ReLU(), new nn.Linear(16, 3));
    assert.equal(model.toString(), [
      'Sequential(',
      '  (0): Linear(inFeatures=2, outFeatures=16, bias=true)',
      '  (1): ReLU()',
      '  (2): Linear(inFeatures=16, outFeatures=3, bias=true)',
      ')',
    ].join('\n'));
  });

  test('summary lists every layer with output shape and parameter count', () => {
    const model = new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 128), new nn.ReLU(), new nn.Dropout(0.2), new nn.Linear(128, 10));
    (model.at(4) as nb.nn.Linear).freeze();
    const text = model.summary([1, 28, 28]);
    const lines = text.split('\n');
    assert.match(lines[0]!, /^Layer \(type\) +Output Shape +Param #$/);
    assert.match(text, /Sequential \(input \[1, 28, 28\]\) +\[1, 10\] +101,770/);
    assert.match(text, /\n  0 \(Flatten\) +\[1, 784\] +0\n/);
    assert.match(text, /\n  1 \(Linear\) +\[1, 128\] +100,480\n/);
    assert.match(text, /\n  4 \(Linear\) +\[1, 10\] +1,290\n/);
    assert.match(text, /Total params: 101,770\nTrainable params: 100,480\nNon-trainable params: 1,290$/);
    assert.ok(model.training, 'summary restores training mode');
    assert.throws(() => model.summary([1, -3]), /Sequential.summary: input shapes must be lists of non-negative integers/);
  });

  test('summary nests submodules and supports several inputs', () => {
    class Pair extends nn.Module {
      left = new nn.Sequential(new nn.Linear(3, 2));
      right = new nn.Linear(4, 2);
      forward(a: nb.Tensor, b: nb.Tensor): nb.Tensor {
        return this.left.forward(a).add(this.right.forward(b));
      }
    }
    const text = new Pair().summary([[5, 3], [5, 4]]);
    assert.match(text, /Pair \(input \[5, 3\], \[5, 4\]\) +\[5, 2\] +18/);
    assert.match(text, /\n  left \(Sequential\) +\[5, 2\] +8\n    0 \(Linear\) +\[5, 2\] +8\n  right \(Linear\) +\[5, 2\] +10\n/);
  });
});

describe('Sequential.set', () => {
  test('replaces a module in place (negative index from the end), keeping the key; bad index or value is an error', () => {
    const model = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU(), new nn.Linear(3, 4));
    const head = new nn.Linear(3, 1);
    model.set(-1, head);
    assert.equal(model.at(2), head);
    assert.deepEqual(Object.keys(model.stateDict()), ['0.weight', '0.bias', '2.weight', '2.bias']);
    assert.deepEqual(model.forward(nb.zeros([5, 2])).shape, [5, 1]);
    assert.throws(() => model.set(3, head), /Sequential.set: index 3 is out of range for 3 modules/);
    assert.throws(() => model.set(0, nb.zeros([1]) as never), /Sequential.set\(0\): expected a Module, got a tensor of shape \[1\]/);
  });
});
