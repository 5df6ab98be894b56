import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { nn, type Tensor } from '../../src/index.js';
import { assertClose, fromJson, moduleGradCheck, projected, type TensorJson } from './nn-golden.js';
import { readFixture } from '../helpers/fixtures.js';

interface LayerCase {
  name: string;
  layer: string;
  args: unknown[];
  options: Record<string, unknown>;
  dtype: 'float32' | 'float64';
  params: Record<string, TensorJson>;
  inputs: Record<string, TensorJson>;
  output: TensorJson;
  cotangent: (number | string)[];
  grads: Record<string, TensorJson>;
  paramGrads: Record<string, TensorJson>;
}

const num = (v: unknown): number => v as number;

/** The Nabla layer for a fixture case, built from the same constructor arguments. */
function build(c: LayerCase): nn.Module {
  const a = c.args;
  const o = c.options;
  switch (c.layer) {
    case 'Linear': return new nn.Linear(num(a[0]), num(a[1]), o);
    case 'ReLU': return new nn.ReLU();
    case 'LeakyReLU': return new nn.LeakyReLU(num(a[0]));
    case 'ELU': return new nn.ELU(num(a[0]));
    case 'SELU': return new nn.SELU();
    case 'GELU': return new nn.GELU(a[0] === 'tanh' ? 'tanh' : 'none');
    case 'Sigmoid': return new nn.Sigmoid();
    case 'Tanh': return new nn.Tanh();
    case 'Softmax': return new nn.Softmax(num(a[0]));
    case 'LogSoftmax': return new nn.LogSoftmax(num(a[0]));
    case 'Softplus': return new nn.Softplus(num(a[0]), num(a[1]));
    case 'SiLU': return new nn.SiLU();
    case 'Mish': return new nn.Mish();
    case 'Hardswish': return new nn.Hardswish();
    case 'Hardsigmoid': return new nn.Hardsigmoid();
    case 'LogSigmoid': return new nn.LogSigmoid();
    case 'Softsign': return new nn.Softsign();
    case 'Tanhshrink': return new nn.Tanhshrink();
    case 'GLU': return a.length === 0 ? new nn.GLU() : new nn.GLU(num(a[0]));
    case 'Hardtanh': return a.length === 0 ? new nn.Hardtanh() : new nn.Hardtanh(num(a[0]), num(a[1]));
    case 'ReLU6': return new nn.ReLU6();
    case 'CELU': return a.length === 0 ? new nn.CELU() : new nn.CELU(num(a[0]));
    case 'Softshrink': return a.length === 0 ? new nn.Softshrink() : new nn.Softshrink(num(a[0]));
    case 'Hardshrink': return a.length === 0 ? new nn.Hardshrink() : new nn.Hardshrink(num(a[0]));
    case 'Threshold': return new nn.Threshold(num(a[0]), num(a[1]));
    case 'PReLU': return a.length === 0 ? new nn.PReLU() : a.length === 1 ? new nn.PReLU(num(a[0])) : new nn.PReLU(num(a[0]), num(a[1]));
    case 'Flatten': return a.length === 0 ? new nn.Flatten() : new nn.Flatten(num(a[0]), num(a[1]));
    case 'Unflatten': return new nn.Unflatten(num(a[0]), a[1] as number[]);
    case 'Embedding': return new nn.Embedding(num(a[0]), num(a[1]), o);
    case 'CosineSimilarity': return new nn.CosineSimilarity(o);
    case 'PairwiseDistance': return new nn.PairwiseDistance(o);
    case 'MLP':
      return new nn.Sequential(
        new nn.Linear(4, 6), new nn.Tanh(), new nn.Linear(6, 6), new nn.ReLU(), new nn.Dropout(0.3), new nn.Linear(6, 2),
      ).eval();
    default: throw new Error(`no builder for ${c.layer}`);
  }
}

type AnyForward = (...xs: nb.Tensor[]) => nb.Tensor;

function setup(c: LayerCase): { module: nn.Module; inputs: nb.Tensor[]; forward: AnyForward } {
  const module = build(c).to(c.dtype);
  const dict: Record<string, nb.Tensor> = {};
  for (const [k, v] of Object.entries(c.params)) dict[k] = fromJson(v, c.dtype);
  module.loadStateDict(dict);
  const inputs = Object.values(c.inputs).map((v) => (v.dtype === 'int32' ? fromJson(v) : fromJson(v, c.dtype).requiresGrad_()));
  const forward: AnyForward = (...xs) => (module.forward as AnyForward).apply(module, xs);
  return { module, inputs, forward };
}

const fixture = readFixture<{ cases: LayerCase[] }>('nn-layers.json');

describe('layers match PyTorch (outputs, input and parameter gradients)', () => {
  for (const c of fixture.cases) {
    test(c.name, () => {
      const { module, inputs, forward } = setup(c);
      const out = forward(...inputs);
      assertClose(out, c.output, 'output');
      projected(out, c.cotangent).backward();
      Object.keys(c.inputs).forEach((k, i) => {
        if (c.grads[k]) assertClose(inputs[i]!.grad, c.grads[k], `grad of ${k}`);
      });
      const params = new Map(module.namedParameters());
      assert.deepEqual([...params.keys()].sort(), Object.keys(c.paramGrads).sort(), 'parameter names');
      for (const [k, g] of Object.entries(c.paramGrads)) assertClose(params.get(k)!.grad, g, `grad of ${k}`);
    });
  }
});

describe('gradCheck in float64 for every layer (inputs and parameters)', () => {
  for (const c of fixture.cases) {
    if (c.dtype !== 'float64') continue;
    test(c.name, () => {
      const { module, inputs, forward } = setup(c);
      // Embedding's padding row changes the output but by design gets no gradient: check without it.
      const checked = c.layer === 'Embedding' ? new nn.Embedding(7, 3).double() : module;
      const run: AnyForward = c.layer === 'Embedding' ? (x) => (checked as nn.Embedding).forward(x!) : forward;
      const result = moduleGradCheck(checked, inputs, run);
      assert.ok(result.passed, result.worst);
    });
  }
});

describe('layer behaviour', () => {
  test('Linear initializes like PyTorch: weights and bias within 1/sqrt(inFeatures), uniform variance', () => {
    nb.manualSeed(1);
    const layer = new nn.Linear(400, 300);
    const bound = 1 / Math.sqrt(400);
    for (const p of [layer.weight, layer.bias!]) {
      const values = p.toTypedArray();
      assert.ok(values.every((v) => Math.abs(v) <= bound));
    }
    // kaiming_uniform(a = sqrt(5)): U(-b, b), variance b^2 / 3.
    const variance = layer.weight.square().mean().item();
    assert.ok(Math.abs(variance / (bound * bound / 3) - 1) < 0.02, `variance ${variance}`);
  });

  test('Linear errors name the layer, the input shape and a fix', () => {
    const layer = new nn.Linear(784, 10);
    assert.throws(() => layer.forward(nb.zeros([32, 28, 28])),
      { message: 'Linear(784 -> 10) got input [32, 28, 28]: the last dim must be 784; flatten the image first (nn.Flatten)' });
    assert.throws(() => layer.forward(nb.zeros([32, 100])), { message: 'Linear(784 -> 10) got input [32, 100]: the last dim must be 784' });
    assert.throws(() => layer.forward(nb.zeros([2, 784], { dtype: 'float64' })), /Linear\(784 -> 10\) got input of dtype float64 but its weights are float32/);
    assert.throws(() => new nn.Linear(3.5, 2), /Linear: inFeatures must be a non-negative integer, got 3.5/);
  });

  test('layer sizes are non-negative safe integers, checked with the layer, the argument and the value in the error', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => new nn.Linear(2 ** 60, 3), /^Linear: inFeatures must be a non-negative integer, got 1152921504606847000, beyond 2\^53/],
      [() => new nn.Linear(4, NaN), /^Linear: outFeatures must be a non-negative integer, got NaN/],
      [() => new nn.Linear(4, -1), /^Linear: outFeatures must be a non-negative integer, got -1/],
      [() => new nn.Conv2d(3, 8, 2.5), /^Conv2d: kernelSize must be an integer or a list of 2 integers, each >= 1, got 2.5/],
      [() => new nn.Conv2d(3, 8, 3, { stride: 0 }), /^Conv2d: stride must be an integer or a list of 2 integers, each >= 1, got 0/],
      [() => new nn.Conv2d(3, 8, 3, { dilation: [1, Infinity] }), /^Conv2d: option 'dilation' must be an integer or an array of integers, got array \[1, Infinity\]/],
      [() => new nn.Conv2d(3, 8, 3, { padding: -1 }), /^Conv2d: padding must be .* each >= 0, got -1/],
      [() => new nn.Conv2d(3.5, 8, 3), /^Conv2d: inChannels must be a positive integer, got 3.5/],
      [() => new nn.Conv1d(3, 8, 3, { groups: 1.5 }), /^Conv1d: option 'groups' must be an integer, got number 1.5/],
      [() => new nn.ConvTranspose2d(3, 8, 3, { outputPadding: 0.5 }), /^ConvTranspose2d: option 'outputPadding' must be .* got number 0.5/],
      [() => new nn.MaxPool2d(0), /^MaxPool2d: kernelSize must be .* each >= 1, got 0/],
      [() => new nn.Embedding(10, 2 ** 53 + 2), /^Embedding: embeddingDim must be a non-negative integer, got 9007199254740994, beyond 2\^53/],
      [() => new nn.LSTM(4, Infinity), /^LSTM: hiddenSize must be a positive integer, got Infinity/],
      [() => new nn.GRU(4.5, 3), /^GRU: inputSize must be a positive integer, got 4.5/],
      [() => new nn.BatchNorm2d(2 ** 54), /^BatchNorm2d: numFeatures must be a positive integer, got 18014398509481984, beyond 2\^53/],
      [() => new nn.LayerNorm([4, 2.5]), /^LayerNorm: normalizedShape must be a positive integer or a non-empty list of them, got \[4,2.5\]/],
      [() => nb.F.conv2d(nb.zeros([1, 1, 4, 4]), nb.zeros([1, 1, 2, 2]), null, { stride: 1.5 }), /^F.conv2d: option 'stride' must be .* got number 1.5/],
    ];
    for (const [make, message] of cases) assert.throws(make, { message });
  });

  test('Dropout zeroes about p of the elements in training, scales the rest, and is the identity in eval', () => {
    nb.manualSeed(2);
    const drop = new nn.Dropout(0.25);
    const out = drop.forward(nb.ones([4000]));
    const values = out.toTypedArray();
    const zeros = values.filter((v) => v === 0).length / values.length;
    assert.ok(Math.abs(zeros - 0.25) < 0.03, `zeroed fraction ${zeros}`);
    assert.ok(values.every((v) => v === 0 || Math.abs(v - 1 / 0.75) < 1e-6));
    drop.eval();
    assert.deepEqual(Array.from(drop.forward(nb.ones([5])).toTypedArray()), [1, 1, 1, 1, 1]);
    assert.throws(() => new nn.Dropout(1.5), /Dropout: p must be a number in \[0, 1\], got number 1.5/);
  });

  test('dropout and dropout2d draw the masks bernoulli(1 - p) / (1 - p) would (same draws, same values), in float32 and float64', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const p of [0.1, 0.3, 0.5]) {
        const x = nb.randn([6, 5, 4, 3], { dtype });
        const composed = (drop2d: boolean): Tensor => {
          const g = new nb.Generator(7);
          const shape = drop2d ? [6, 5, 1, 1] : [6, 5, 4, 3];
          return x.mul(nb.bernoulli(nb.full(shape, 1 - p, { dtype }), { generator: g }).div(1 - p));
        };
        const got = nb.F.dropout(x, { p, generator: new nb.Generator(7) });
        assert.deepEqual(got.toTypedArray(), composed(false).toTypedArray(), `dropout, ${dtype}, p ${p}`);
        const got2d = nb.F.dropout2d(x, { p, generator: new nb.Generator(7) });
        assert.deepEqual(got2d.toTypedArray(), composed(true).toTypedArray(), `dropout2d, ${dtype}, p ${p}`);
      }
    }
    // The gradient is the same mask.
    const x = nb.randn([50]).requiresGrad_();
    nb.F.dropout(x, { p: 0.4, generator: new nb.Generator(3) }).sum().backward();
    assert.deepEqual(x.grad!.toTypedArray(), nb.F.dropout(nb.ones([50]), { p: 0.4, generator: new nb.Generator(3) }).toTypedArray());
  });

  test('dropout (one op drawing and applying the mask) matches mul(x, mask) on views, past one draw chunk, with non-finite values, and in backward', () => {
    const maskOf = (shape: number[], dtype: 'float32' | 'float64', p: number): Tensor =>
      nb.bernoulli(nb.full(shape, 1 - p, { dtype }), { generator: new nb.Generator(11) }).div(1 - p);
    for (const dtype of ['float32', 'float64'] as const) {
      const base = nb.randn([40, 300], { dtype });
      base.view([-1]).narrow(0, 0, 4).copy_(nb.tensor([NaN, Infinity, -0, -Infinity], { dtype, allowNonFinite: true }));
      const views: [string, Tensor][] = [
        ['contiguous', base],
        ['transposed', base.t()],
        ['offset slice', base.narrow(0, 3, 30)],
        ['strided', base.narrow(1, 1, 150).view([40, 75, 2]).select(2, 1)],
      ];
      for (const [what, x] of views) {
        const got = nb.F.dropout(x, { p: 0.2, generator: new nb.Generator(11) });
        const expected = x.mul(maskOf([...x.shape], dtype, 0.2));
        assert.deepEqual(got.toTypedArray(), expected.toTypedArray(), `${what}, ${dtype}`);
        assert.deepEqual(got.shape, x.shape);
      }
      const leaf = base.clone().requiresGrad_();
      const weights = nb.randn([300, 40], { dtype });
      nb.F.dropout(leaf.t(), { p: 0.2, generator: new nb.Generator(11) }).mul(weights).sum().backward();
      assert.deepEqual(leaf.grad!.toTypedArray(), weights.mul(maskOf([300, 40], dtype, 0.2)).t().contiguous().toTypedArray(), `grad, ${dtype}`);
    }
  });

  test('Embedding: N(0, 1) init, zero padding row, fromPretrained frozen or not, index errors', () => {
    nb.manualSeed(3);
    const emb = new nn.Embedding(2000, 8, { paddingIdx: -1 });
    assert.equal(emb.paddingIdx, 1999);
    assert.ok(emb.weight.select(0, 1999).toTypedArray().every((v) => v === 0));
    const std = emb.weight.std().item();
    assert.ok(Math.abs(std - 1) < 0.03, `std ${std}`);
    const vectors = nb.tensor([[1, 2], [3, 4], [5, 6]]).float();
    const frozen = nn.Embedding.fromPretrained(vectors);
    assert.equal(frozen.weight.requiresGrad, false);
    assert.equal(frozen.numParameters({ trainableOnly: true }), 0);
    assert.deepEqual(frozen.forward(nb.tensor([2, 0], { dtype: 'int32' })).toArray(), [[5, 6], [1, 2]]);
    assert.equal(nn.Embedding.fromPretrained(vectors, { freeze: false }).weight.requiresGrad, true);
    assert.throws(() => frozen.forward(nb.tensor([3], { dtype: 'int32' })), { message: 'Embedding(3, 2) got index 3 at flat position 0: indices must be in [0, 3)' });
    assert.throws(() => frozen.forward(nb.tensor([1.5])), /Embedding\(3, 2\) got input of dtype float32 .*int32/);
  });

  test('Flatten keeps the batch dim; a bad range names the input', () => {
    assert.deepEqual(new nn.Flatten().forward(nb.zeros([2, 3, 4, 5])).shape, [2, 60]);
    assert.throws(() => new nn.Flatten().forward(nb.zeros([7])), /Flatten\(startDim=1, endDim=-1\) got input \[7\]: dims out of range for a 1-D input/);
  });

  test('activation modules print like PyTorch with camelCase options', () => {
    assert.equal(new nn.LeakyReLU(0.2).toString(), 'LeakyReLU(negativeSlope=0.2)');
    assert.equal(new nn.Softmax(1).toString(), 'Softmax(dim=1)');
    assert.equal(new nn.ReLU().toString(), 'ReLU()');
  });
});
