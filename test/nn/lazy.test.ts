/** Lazy layers (torch.nn.LazyLinear, LazyConv1d/2d, LazyBatchNorm1d/2d) and summary(model, inputShape). */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';

const { nn } = nb;

type Layer = nb.nn.Module & { forward(x: nb.Tensor): nb.Tensor };
const values = (t: nb.Tensor): number[] => Array.from(t.toTypedArray() as Float32Array);

/** The state dict as plain arrays, for exact comparison. */
function plainState(module: nb.nn.Module): Record<string, { shape: number[]; values: number[] }> {
  return Object.fromEntries(Object.entries(module.stateDict()).map(([k, t]) => [k, { shape: [...t.shape], values: values(t) }]));
}

/** Builds the lazy layer, runs it on `input` after seeding, and the eager one after the same seed. */
function lazyVsEager(lazy: () => Layer, eager: () => Layer, input: nb.Tensor): [Layer, Layer] {
  const l = lazy();
  nb.manualSeed(11);
  l.forward(input);
  const afterLazy = nb.rand([3]);
  nb.manualSeed(11);
  const e = eager();
  const afterEager = nb.rand([3]);
  assert.deepEqual(values(afterLazy), values(afterEager), 'the first forward draws as many random numbers as the eager constructor');
  return [l, e];
}

describe('lazy layers materialize at the first forward as the eager layer', () => {
  test('LazyLinear equals Linear built with the same seed, and becomes a Linear in place', () => {
    const x = nb.randn([2, 7]);
    const [lazy, eager] = lazyVsEager(() => new nn.LazyLinear(4), () => new nn.Linear(7, 4), x);
    assert.ok(lazy instanceof nn.Linear && !(lazy instanceof nn.LazyLinear));
    assert.equal(lazy.constructor.name, 'Linear');
    assert.equal(lazy.toString(), 'Linear(inFeatures=7, outFeatures=4, bias=true)');
    assert.deepEqual(plainState(lazy), plainState(eager));
    assert.deepEqual(Object.keys(lazy), Object.keys(eager), 'no lazy-only fields are left');
    assert.deepEqual(values(lazy.forward(x)), values(eager.forward(x)));
  });

  test('LazyConv1d and LazyConv2d equal Conv1d / Conv2d with the same options and seed', () => {
    const options = { stride: 2, padding: 1, groups: 3, bias: false } as const;
    const x2 = nb.randn([2, 6, 9, 9]);
    const [l2, e2] = lazyVsEager(() => new nn.LazyConv2d(9, 3, options), () => new nn.Conv2d(6, 9, 3, options), x2);
    assert.ok(l2 instanceof nn.Conv2d);
    assert.equal(l2.toString(), e2.toString());
    assert.deepEqual(plainState(l2), plainState(e2));
    assert.deepEqual(values(l2.forward(x2)), values(e2.forward(x2)));
    const x1 = nb.randn([5, 12]); // unbatched [C, L]
    const [l1, e1] = lazyVsEager(() => new nn.LazyConv1d(4, 3, { padding: 'same' }), () => new nn.Conv1d(5, 4, 3, { padding: 'same' }), x1);
    assert.ok(l1 instanceof nn.Conv1d);
    assert.deepEqual(plainState(l1), plainState(e1));
  });

  test('LazyBatchNorm1d / 2d take numFeatures from dim 1, with buffers and keys as BatchNorm', () => {
    const x = nb.randn([4, 3, 5, 5]);
    const [l2, e2] = lazyVsEager(() => new nn.LazyBatchNorm2d({ momentum: 0.2 }), () => new nn.BatchNorm2d(3, { momentum: 0.2 }), x);
    e2.forward(x);
    assert.ok(l2 instanceof nn.BatchNorm2d);
    assert.deepEqual(plainState(l2), plainState(e2), 'running statistics updated the same way');
    const l1 = new nn.LazyBatchNorm1d({ affine: false });
    l1.forward(nb.randn([6, 4]));
    assert.deepEqual(Object.keys(l1.stateDict()), ['running_mean', 'running_var', 'num_batches_tracked']);
    assert.deepEqual(l1.getBuffer('running_mean')!.shape, [4]);
  });

  test('an optimizer built before the first forward trains the materialized parameters (same objects)', () => {
    for (const makeOptimizer of [
      (ps: Iterable<nb.Tensor>) => new nb.optim.SGD(ps, { lr: 0.1 }),
      (ps: Iterable<nb.Tensor>) => new nb.optim.Adam(ps, { lr: 0.01 }),
    ]) {
      nb.manualSeed(0);
      const model = new nn.Sequential(new nn.LazyConv2d(2, 3), new nn.Flatten(), new nn.LazyLinear(3));
      const params = [...model.parameters()];
      assert.equal(params.length, 4);
      const optimizer = makeOptimizer(model.parameters());
      const x = nb.randn([2, 1, 5, 5]);
      const loss = nb.F.crossEntropy(model.forward(x), nb.tensor([0, 2], { dtype: 'int32' }));
      assert.deepEqual([...model.parameters()], params, 'the parameters are the same objects after materializing');
      const before = params.map((p) => values(p));
      loss.backward();
      optimizer.step();
      params.forEach((p, i) => assert.notDeepEqual(values(p), before[i], `parameter ${i} moved`));
      assert.deepEqual(params.map((p) => p.shape), [[2, 1, 3, 3], [2], [3, 18], [3]]);
    }
  });

  test('hooks registered before the first forward run, once per call; to(float64) and freeze() before it hold after', () => {
    const lazy = new nn.LazyLinear(2).double();
    let calls = 0;
    lazy.registerForwardHook(() => {
      calls++;
    });
    lazy.forward(nb.randn([3, 4], { dtype: 'float64' }));
    lazy.forward(nb.randn([3, 4], { dtype: 'float64' }));
    assert.equal(calls, 2);
    assert.equal(lazy.weight.dtype, 'float64');
    const frozen = new nn.LazyConv2d(2, 3, { paddingMode: 'reflect', padding: 1 }).freeze();
    assert.deepEqual(frozen.forward(nb.ones([1, 3, 4, 4])).shape, [1, 2, 4, 4]);
    assert.ok(!frozen.weight.requiresGrad && !frozen.bias!.requiresGrad, 'freeze() before the first forward holds after it');
  });
});

describe('lazy layers before their first forward', () => {
  test('parameters are listed but stateDict, numParameters and data use throw naming the layer', () => {
    const model = new nn.Sequential(new nn.LazyConv2d(4, 3), new nn.Flatten(), new nn.LazyLinear(10));
    assert.equal([...model.parameters()].length, 4);
    assert.ok((model.at(2) as nb.nn.LazyLinear).weight instanceof nn.UninitializedParameter);
    assert.throws(() => model.stateDict(), /^Error: Sequential.stateDict: '0' \(LazyConv2d\) has uninitialized parameters \(weight, bias\).*run a forward pass/);
    assert.throws(() => model.numParameters(), /Sequential.numParameters: '0' \(LazyConv2d\) has uninitialized parameters/);
    assert.throws(() => new nn.LazyLinear(3).numParameters(), /^Error: LazyLinear.numParameters: LazyLinear has uninitialized parameters \(weight, bias\)/);
    const weight = (model.at(2) as nb.nn.LazyLinear).weight;
    assert.throws(() => weight.add(1), /LazyLinear: parameter 'weight' is uninitialized/);
    assert.throws(() => weight.shape, /LazyLinear: parameter 'weight' is uninitialized/);
    assert.throws(() => nn.init.xavierUniform_(weight), /LazyLinear: parameter 'weight' is uninitialized/);
    assert.equal(model.toString().split('\n')[1], '  (0): LazyConv2d(0, 4, kernelSize=3)');
  });

  test('loadStateDict materializes a lazy model from the dict, without random draws', () => {
    nb.manualSeed(1);
    const make = () => new nn.Sequential(new nn.LazyConv1d(4, 3), new nn.LazyBatchNorm1d(), new nn.Flatten(), new nn.LazyLinear(2));
    const trained = make();
    trained.forward(nb.randn([2, 3, 10]));
    const fresh = make();
    nb.manualSeed(5);
    fresh.loadStateDict(trained.stateDict());
    assert.deepEqual(values(nb.rand([2])), values(nb.manualSeed(5) && nb.rand([2])), 'loading drew no random numbers');
    assert.deepEqual(plainState(fresh), plainState(trained));
    assert.ok(fresh.at(3) instanceof nn.Linear);
    assert.equal((fresh.at(3) as nb.nn.Linear).inFeatures, 32);
    // A dict that leaves the input size open, or does not fit, is an error naming the layer.
    assert.throws(() => new nn.LazyLinear(2).loadStateDict({ bias: nb.zeros([2]) }, { strict: false }), /LazyLinear.loadStateDict: cannot infer the input size from bias \[2\]/);
    assert.throws(() => new nn.LazyLinear(2).loadStateDict({ weight: nb.zeros([3, 5]), bias: nb.zeros([3]) }), /size mismatch for 'weight': the state dict has shape \[3, 5\], the module expects \[2, 5\]/);
    assert.throws(() => new nn.LazyLinear(2).loadStateDict({}), /missing key 'weight' \(uninitialized\)/);
  });

  test('a first input of the wrong rank or type is a readable error, and the layer stays lazy', () => {
    const conv = new nn.LazyConv2d(4, 3);
    assert.throws(() => conv.forward(nb.ones([8, 8])), /^Error: LazyConv2d\(\? -> 4\) expects input \[N, C, H, W\] or \[C, H, W\] \(C becomes inChannels\), got \[8, 8\]: 2 dims where 3 or 4 expected$/);
    assert.ok(conv instanceof nn.LazyConv2d);
    assert.throws(() => new nn.LazyConv1d(4, 3).forward(nb.ones([1, 2, 3, 4])), /LazyConv1d\(\? -> 4\) expects input \[N, C, L\] or \[C, L\]/);
    assert.throws(() => new nn.LazyLinear(3).forward(nb.tensor(1)), /LazyLinear\(\? -> 3\): got a scalar input/);
    assert.throws(() => new nn.LazyLinear(3).forward([1, 2] as never), /LazyLinear: expected input to be a Tensor/);
    assert.throws(() => new nn.LazyBatchNorm2d().forward(nb.ones([2, 3])), /LazyBatchNorm2d expects input with 4 dims/);
    assert.throws(() => new nn.LazyConv2d(4, 3, { groups: 2 }).forward(nb.ones([1, 3, 8, 8])), /^Error: LazyConv2d: inChannels \(3\) must be divisible by groups \(2\)/);
    // After a valid first input the shapes are fixed: another width is the eager layer's error.
    const linear = new nn.LazyLinear(3);
    linear.forward(nb.ones([2, 5]));
    assert.throws(() => linear.forward(nb.ones([2, 6])), /Linear\(5 -> 3\) got input \[2, 6\]: the last dim must be 5/);
  });

  test('constructor arguments are checked at construction, in the lazy layer\'s name, drawing nothing', () => {
    nb.manualSeed(2);
    new nn.LazyLinear(5);
    new nn.LazyConv2d(8, 3);
    assert.deepEqual(values(nb.rand([2])), values(nb.manualSeed(2) && nb.rand([2])));
    assert.throws(() => new nn.LazyLinear(-1), /^Error: LazyLinear: outFeatures must be/);
    assert.throws(() => new nn.LazyConv2d(3, 3, { groups: 2 }), /^Error: LazyConv2d: outChannels \(3\) must be divisible by groups \(2\)/);
    assert.throws(() => new nn.LazyConv2d(4, 3, { padding: 'wide' as never }), /^TypeError: LazyConv2d: option 'padding' must be/);
    assert.throws(() => new nn.LazyBatchNorm1d({ momentum: 2 }), /^Error: LazyBatchNorm1d: momentum must be in \[0, 1\]/);
  });
});

describe('summary(model, inputShape)', () => {
  test('a lazy CNN: output shapes, parameter counts and totals, layers materialized', () => {
    const cnn = new nn.Sequential(
      new nn.LazyConv2d(8, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.LazyConv2d(16, 3), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Flatten(), new nn.LazyLinear(10),
    );
    const text = nn.summary(cnn, [1, 1, 28, 28]);
    const rows = text.split('\n').slice(2, 11).map((line) => line.trim().split(/\s{2,}/));
    assert.deepEqual(rows, [
      ['Sequential (input [1, 1, 28, 28])', '[1, 10]', '7,018'],
      ['0 (Conv2d)', '[1, 8, 28, 28]', '80'],
      ['1 (ReLU)', '[1, 8, 28, 28]', '0'],
      ['2 (MaxPool2d)', '[1, 8, 14, 14]', '0'],
      ['3 (Conv2d)', '[1, 16, 12, 12]', '1,168'],
      ['4 (ReLU)', '[1, 16, 12, 12]', '0'],
      ['5 (MaxPool2d)', '[1, 16, 6, 6]', '0'],
      ['6 (Flatten)', '[1, 576]', '0'],
      ['7 (Linear)', '[1, 10]', '5,770'],
    ]);
    assert.match(text, /Total params: 7,018\nTrainable params: 7,018\nNon-trainable params: 0$/);
    assert.equal(cnn.numParameters(), 7018);
    assert.equal(nn.summary(cnn, [1, 1, 28, 28]), text, 'a second call gives the same table');
  });

  test('junk arguments are errors naming summary', () => {
    const model = new nn.Linear(2, 2);
    assert.throws(() => nn.summary({} as never, [1, 2]), /^Error: summary: expected a Module/);
    assert.throws(() => nn.summary(model, 5 as never), /Linear.summary: inputShape must be a shape/);
    assert.throws(() => nn.summary(model, [1, 2], { dtyp: 'float32' } as never), /unknown option 'dtyp' for Linear.summary/);
    assert.throws(() => nn.summary(model, [1, 3]), /Linear\(2 -> 2\) got input \[1, 3\]/);
  });
});

test('a subclass of a lazy layer keeps its own fields when it materializes', () => {
  class ScaledHead extends nn.LazyLinear {
    scale = 2;
  }
  const head = new ScaledHead(3);
  head.forward(nb.ones([1, 4]));
  assert.equal(head.scale, 2);
  assert.ok(head instanceof nn.Linear);
});
