/**
 * Inference fusion (nn.utils.fuseConvBnWeights, fuseConvBnEval, fuseForInference): the fused
 * modules compute the unfused eval-mode function within float rounding, pairs whose convolution
 * output has another reader stay unfused, and junk arguments are rejected with clear errors.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { nn, type Tensor } from '../../src/index.js';
import { withTracer } from '../../src/autograd/trace.js';
import { registerBackend } from '../../src/backend/registry.js';
import { cpuBackend } from '../../src/backend/cpu/index.js';

const { fuseConvBnEval, fuseConvBnWeights, fuseForInference } = nn.utils;

function assertClose(got: Tensor, want: Tensor, what: string, tol = 1e-5): void {
  assert.deepEqual([...got.shape], [...want.shape], `${what}: shape`);
  const scale = Math.max(1, want.abs().max().item());
  const diff = got.sub(want).abs().max().item();
  assert.ok(diff <= tol * scale, `${what}: differs by ${diff} (scale ${scale})`);
}

/** Running statistics away from 0 and 1 and affine parameters away from 1 and 0, so a missed fold shows. */
function randomizeBatchNorms(model: nn.Module): void {
  nb.noGrad(() => {
    for (const m of model.modules()) {
      if (m instanceof nn.BatchNorm1d || m instanceof nn.BatchNorm2d || m instanceof nn.BatchNorm3d) {
        m.getBuffer('running_mean')!.copy_(nb.randn([m.numFeatures]).mul(0.5));
        m.getBuffer('running_var')!.copy_(nb.rand([m.numFeatures]).add(0.5));
        m.weight?.copy_(nb.rand([m.numFeatures]).add(0.5));
        m.bias?.copy_(nb.randn([m.numFeatures]).mul(0.3));
      }
    }
  });
}

const batchNorms = (model: nn.Module): number =>
  [...model.modules()].filter((m) => m instanceof nn.BatchNorm1d || m instanceof nn.BatchNorm2d || m instanceof nn.BatchNorm3d).length;

describe('fuseConvBnEval', () => {
  const cases: { name: string; conv: () => nn.Conv1d | nn.Conv2d | nn.Conv3d; bn: (c: number) => nn.BatchNorm1d | nn.BatchNorm2d | nn.BatchNorm3d; x: number[] }[] = [
    { name: 'Conv2d without bias', conv: () => new nn.Conv2d(3, 8, 3, { padding: 1, bias: false }), bn: (c) => new nn.BatchNorm2d(c), x: [2, 3, 9, 7] },
    { name: 'Conv2d with bias, stride and dilation', conv: () => new nn.Conv2d(4, 6, [3, 2], { stride: 2, dilation: [1, 2], padding: 2 }), bn: (c) => new nn.BatchNorm2d(c, { eps: 1e-3 }), x: [1, 4, 11, 10] },
    { name: 'depthwise Conv2d, reflect padding', conv: () => new nn.Conv2d(6, 6, 3, { groups: 6, padding: 1, paddingMode: 'reflect', bias: false }), bn: (c) => new nn.BatchNorm2d(c), x: [2, 6, 8, 8] },
    { name: 'Conv2d, batch norm without affine parameters', conv: () => new nn.Conv2d(2, 5, 1), bn: (c) => new nn.BatchNorm2d(c, { affine: false }), x: [3, 2, 4, 4] },
    { name: 'Conv1d, padding same', conv: () => new nn.Conv1d(3, 4, 5, { padding: 'same' }), bn: (c) => new nn.BatchNorm1d(c), x: [2, 3, 17] },
    { name: 'Conv3d, groups 2', conv: () => new nn.Conv3d(4, 6, 2, { groups: 2, bias: false }), bn: (c) => new nn.BatchNorm3d(c), x: [1, 4, 5, 4, 3] },
  ];
  for (const c of cases) {
    test(`${c.name}: the fused conv gives bn(conv(x))`, () => {
      nb.manualSeed(3);
      const conv = c.conv().eval();
      const bn = c.bn(conv.outChannels);
      randomizeBatchNorms(new nn.Sequential(bn));
      bn.eval();
      const x = nb.randn(c.x);
      const want = nb.noGrad(() => bn.forward(conv.forward(x)));
      const weightBefore = conv.weight.clone();
      const fused = fuseConvBnEval(conv, bn);
      assert.equal(fused.constructor, conv.constructor);
      assert.equal(fused.training, false);
      assert.ok(fused.bias !== null);
      assertClose(nb.noGrad(() => fused.forward(x)), want, c.name);
      // The originals are left as they were.
      assert.deepEqual(conv.weight.toTypedArray(), weightBefore.toTypedArray());
      assert.equal(conv.bias === null, c.name.includes('without bias') || c.name.includes('depthwise') || c.name.includes('Conv3d'));
    });
  }

  test('fuseConvBnWeights is torch\'s formula', () => {
    const w = nb.tensor([[[[1, 2]]], [[[3, -4]]]]);
    const b = nb.tensor([0.5, -1]);
    const [mean, variance, gamma, beta] = [nb.tensor([1, 2]), nb.tensor([3, 0.25]), nb.tensor([2, -1]), nb.tensor([0.1, 0.2])];
    const [fw, fb] = fuseConvBnWeights(w, b, mean, variance, 1, gamma, beta);
    // gamma / sqrt(var + eps): 2 / 2 = 1 and -1 / sqrt(1.25).
    const s1 = -1 / Math.sqrt(1.25);
    assertClose(fw, nb.tensor([[[[1, 2]]], [[[3 * s1, -4 * s1]]]]), 'weight');
    assertClose(fb, nb.tensor([(0.5 - 1) * 1 + 0.1, (-1 - 2) * s1 + 0.2]), 'bias');
    // Null conv bias, gamma and beta: zeros, ones, zeros.
    const [, nb0] = fuseConvBnWeights(w, null, mean, variance, 1, null, null);
    assertClose(nb0, nb.tensor([-1 / 2, -2 / Math.sqrt(1.25)]), 'bias without conv bias or affine');
  });

  test('rejects training mode, batch statistics, mismatched channels and junk', () => {
    const conv = new nn.Conv2d(3, 4, 3);
    const bn = new nn.BatchNorm2d(4);
    assert.throws(() => fuseConvBnEval(conv, bn), /fuseConvBnEval: fusion is only for eval mode/);
    conv.eval();
    assert.throws(() => fuseConvBnEval(conv, bn), /only for eval mode/);
    bn.eval();
    assert.throws(() => fuseConvBnEval(conv, new nn.BatchNorm2d(4, { trackRunningStats: false }).eval()), /keeps no running statistics/);
    assert.throws(() => fuseConvBnEval(conv, new nn.BatchNorm2d(5).eval()), /has 5 features but the convolution gives 4 channels/);
    assert.throws(() => fuseConvBnEval(new nn.Linear(3, 4).eval() as never, bn), /conv must be a Conv1d, Conv2d or Conv3d, got a Linear/);
    assert.throws(() => fuseConvBnEval(conv, new nn.LayerNorm([4]).eval() as never), /bn must be a BatchNorm1d/);
    assert.throws(() => fuseConvBnEval(null as never, bn), /got null/);
    assert.throws(() => fuseConvBnWeights(conv.weight, null, nb.zeros([3]), nb.ones([4]), 1e-5, null, null), /runningMean must have shape \[4\]/);
    assert.throws(() => fuseConvBnWeights(conv.weight, null, nb.zeros([4]), nb.ones([4]), -1, null, null), /eps must be a non-negative number/);
    assert.throws(() => fuseConvBnWeights(conv.weight, null, nb.zeros([4]), [1, 1, 1, 1] as never, 1e-5, null, null), /runningVar must be a Tensor, got array/);
    assert.throws(() => fuseConvBnWeights(nb.ones([4]), null, nb.zeros([4]), nb.ones([4]), 1e-5, null, null), /convWeight must be \[outChannels/);
  });
});

describe('fuseForInference', () => {
  for (const [name, make] of [
    ['resnet18', () => nb.vision.models.resnet18({ numClasses: 10 })],
    ['mobilenetV2', () => nb.vision.models.mobilenetV2({ numClasses: 10 })],
  ] as const) {
    test(`${name}: every conv + batch norm pair folds and the outputs agree`, () => {
      nb.manualSeed(5);
      const model = make();
      randomizeBatchNorms(model);
      model.eval();
      const x = nb.randn([2, 3, 40, 40]);
      // A second input of another size: the fused model computes the same function, not a replay of the example.
      const y = nb.randn([1, 3, 48, 36]);
      const [wantX, wantY] = nb.noGrad(() => [model.forward(x), model.forward(y)]);
      assert.ok(batchNorms(model) > 0);
      assert.equal(fuseForInference(model, x), model);
      assert.equal(batchNorms(model), 0);
      assertClose(nb.noGrad(() => model.forward(x)), wantX, name, 1e-4);
      assertClose(nb.noGrad(() => model.forward(y)), wantY, `${name}, another input`, 1e-4);
      if (name === 'mobilenetV2') {
        // Every ReLU6 reads only its convolution's output: all fold.
        assert.equal([...model.modules()].filter((m) => m instanceof nn.ReLU6).length, 0);
        assert.equal([...model.modules()].filter((m) => m instanceof nn.Conv2d && m.foldedActivation?.max === 6).length, 35);
      } else {
        // Only the stem's ReLU folds: each block's ReLU module is called twice (once on a residual sum).
        const folded = [...model.namedModules()].filter(([, m]) => m instanceof nn.Conv2d && m.foldedActivation !== null).map(([k]) => k);
        assert.deepEqual(folded, ['conv1']);
      }
    });
  }

  test('the fused model\'s parameters and buffers move into the wasm backend\'s memory, values unchanged', () => {
    nb.manualSeed(14);
    // The BatchNorm1d stays (no convolution before it), with its integer num_batches_tracked.
    const model = new nn.Sequential(new nn.Conv2d(3, 8, 3, { bias: false }), new nn.BatchNorm2d(8), new nn.Flatten(), new nn.Linear(8 * 3 * 3, 4), new nn.BatchNorm1d(4)).eval();
    randomizeBatchNorms(model);
    const x = nb.randn([2, 3, 5, 5]);
    const want = nb.noGrad(() => model.forward(x));
    const linearWeight = (model.at(3) as nn.Linear).weight.toTypedArray();
    fuseForInference(model, x);
    assert.deepEqual((model.at(3) as nn.Linear).weight.toTypedArray(), linearWeight);
    assertClose(nb.noGrad(() => model.forward(x)), want, 'outputs');
    const info = nb.wasmBackendInfo();
    if (nb.getBackend().name !== 'wasm' || info === null || !info.sharedMemory) return;
    const floats = [...model.namedParameters(), ...model.namedBuffers()].filter(([, t]) => t.dtype === 'float32');
    assert.equal(floats.length, 8);
    for (const [name, t] of floats) assert.ok(t.storage.data.buffer instanceof SharedArrayBuffer, `${name} stays outside wasm memory`);
  });

  test('a ReLU, ReLU6 or Hardtanh reading only a convolution (after a batch norm or not) folds into it', () => {
    nb.manualSeed(11);
    class Chains extends nn.Module {
      a = new nn.Sequential(new nn.Conv2d(3, 5, 3, { stride: 2, padding: 1, bias: false }), new nn.BatchNorm2d(5), new nn.ReLU6());
      b = new nn.Sequential(new nn.Conv2d(5, 5, 3, { groups: 5, padding: 1, paddingMode: 'reflect' }), new nn.ReLU());
      c = new nn.Conv2d(5, 3, 1);
      act = new nn.Hardtanh(-0.25, 0.5);
      forward(x: Tensor): Tensor {
        return this.act.forward(this.c.forward(this.b.forward(this.a.forward(x))));
      }
    }
    const model = new Chains();
    randomizeBatchNorms(model);
    model.eval();
    const x = nb.randn([2, 3, 9, 11]).mul(4);
    const want = nb.noGrad(() => model.forward(x));
    const weightB = model.b.at(0) as nn.Conv2d;
    fuseForInference(model, x);
    assert.ok(model.a.at(1) instanceof nn.Identity && model.a.at(2) instanceof nn.Identity);
    assert.ok(model.b.at(1) instanceof nn.Identity);
    assert.ok((model.act as nn.Module) instanceof nn.Identity);
    assert.deepEqual((model.a.at(0) as nn.Conv2d).foldedActivation, { min: 0, max: 6 });
    assert.deepEqual((model.b.at(0) as nn.Conv2d).foldedActivation, { min: 0, max: Infinity });
    assert.deepEqual(model.c.foldedActivation, { min: -0.25, max: 0.5 });
    // A convolution without a batch norm is replaced by one sharing its parameters.
    assert.notEqual(model.b.at(0), weightB);
    assert.equal((model.b.at(0) as nn.Conv2d).weight, weightB.weight);
    assert.equal(weightB.foldedActivation, null);
    assert.match(String(model.c), /foldedActivation=hardtanh\(-0.25, 0.5\)/);
    assert.deepEqual(Object.keys(model.stateDict()), ['a.0.weight', 'a.0.bias', 'b.0.weight', 'b.0.bias', 'c.weight', 'c.bias']);
    const got = nb.noGrad(() => model.forward(x));
    assertClose(got, want, 'outputs');
    const values = got.toTypedArray();
    assert.ok(values.every((v) => v >= -0.25 && v <= 0.5) && values.some((v) => v === 0.5) && values.some((v) => v === -0.25));
  });

  test('an activation with another reader, a shared one, or one after something else stays', () => {
    nb.manualSeed(12);
    class Others extends nn.Module {
      a = new nn.Conv2d(2, 4, 3, { padding: 1 });
      reluA = new nn.ReLU();
      b = new nn.Conv2d(4, 4, 1);
      shared = new nn.ReLU6();
      c = new nn.Conv2d(4, 4, 1);
      leaky = new nn.LeakyReLU();
      pool = new nn.MaxPool2d(2);
      reluPool = new nn.ReLU();
      forward(x: Tensor): Tensor {
        const a = this.a.forward(x);
        const h = this.reluA.forward(a).add(a); // a is read twice: no fold
        const s = this.shared.forward(this.shared.forward(this.b.forward(h))); // called twice: no fold
        const l = this.leaky.forward(this.c.forward(s)); // not a clamp: no fold
        return this.reluPool.forward(this.pool.forward(l)); // after pooling: no fold
      }
    }
    const model = new Others().eval();
    const x = nb.randn([1, 2, 6, 6]);
    const want = nb.noGrad(() => model.forward(x));
    fuseForInference(model, x);
    assert.ok(model.reluA instanceof nn.ReLU && model.shared instanceof nn.ReLU6 && model.leaky instanceof nn.LeakyReLU && model.reluPool instanceof nn.ReLU);
    assert.ok([model.a, model.b, model.c].every((c) => c.foldedActivation === null));
    assertClose(nb.noGrad(() => model.forward(x)), want, 'outputs');
  });

  test('a folded activation keeps gradients (as conv then hardtanh) and rejects junk bounds', () => {
    nb.manualSeed(13);
    const conv = new nn.Conv2d(3, 4, 3, { padding: 1 });
    const x = nb.randn([2, 3, 5, 5]).mul(3).requiresGrad_();
    const plain = nb.F.hardtanh(conv.forward(x), 0, 6);
    plain.sum().backward();
    const [gx, gw] = [x.grad!.clone(), conv.weight.grad!.clone()];
    x.grad = null;
    conv.weight.grad = null;
    conv.foldActivation(0, 6);
    const folded = conv.forward(x);
    assertClose(folded, plain, 'forward with gradients');
    folded.sum().backward();
    assertClose(x.grad!, gx, 'input gradient');
    assertClose(conv.weight.grad!, gw, 'weight gradient');
    assertClose(nb.noGrad(() => conv.forward(x)), plain, 'forward under noGrad');
    assert.throws(() => conv.foldActivation(6, 0), /Conv2d.foldActivation: min \(6\) must be <= max \(0\)/);
    assert.throws(() => conv.foldActivation(Number.NaN, 1), /min must be a number, got number NaN/);
    assert.throws(() => conv.foldActivation(0, '6' as never), /max must be a number, got string/);
  });

  test('a conv output with another reader, a shared batch norm or a hooked conv stays unfused', () => {
    nb.manualSeed(8);
    class Branchy extends nn.Module {
      a = new nn.Conv2d(3, 4, 3, { padding: 1 });
      bnA = new nn.BatchNorm2d(4);
      b = new nn.Conv2d(4, 4, 3, { padding: 1 });
      bnB = new nn.BatchNorm2d(4);
      c = new nn.Conv2d(4, 4, 1);
      shared = new nn.BatchNorm2d(4);
      d = new nn.Conv2d(4, 4, 1);
      bnD = new nn.BatchNorm2d(4);
      e = new nn.Conv2d(4, 4, 1);
      bnE = new nn.BatchNorm2d(4);
      forward(x: Tensor): Tensor[] {
        const a = this.a.forward(x);
        const h = this.bnA.forward(a).add(a); // a is read twice: no fold
        const b = this.b.forward(h);
        const h2 = this.bnB.forward(b.relu()); // relu between: no fold
        const h3 = this.shared.forward(this.shared.forward(this.c.forward(h2))); // called twice: no fold
        const d = this.d.forward(h3);
        const h4 = this.bnD.forward(d);
        const e = this.e.forward(h4);
        return [this.bnE.forward(e), d]; // d is returned: no fold; e folds
      }
    }
    const model = new Branchy();
    randomizeBatchNorms(model);
    model.eval();
    const hooked = new nn.Sequential(new nn.Conv2d(4, 4, 1), new nn.BatchNorm2d(4)).eval();
    const seen: Tensor[] = [];
    hooked.at(0).registerForwardHook((_m, _i, out) => void seen.push(out as Tensor));
    const x = nb.randn([2, 3, 6, 6]);
    const want = nb.noGrad(() => model.forward(x));
    fuseForInference(model, x);
    assert.ok(model.bnA instanceof nn.BatchNorm2d);
    assert.ok(model.bnB instanceof nn.BatchNorm2d);
    assert.ok(model.shared instanceof nn.BatchNorm2d);
    assert.ok(model.bnD instanceof nn.BatchNorm2d);
    assert.ok((model.bnE as nn.Module) instanceof nn.Identity);
    assert.ok(model.e.bias !== null);
    const got = nb.noGrad(() => model.forward(x));
    got.forEach((t, i) => assertClose(t, want[i]!, `output ${i}`));
    fuseForInference(hooked, nb.randn([1, 4, 3, 3]));
    assert.ok(hooked.at(1) instanceof nn.BatchNorm2d, 'a conv with a forward hook keeps its batch norm');
  });

  test('modules in a Sequential, a ModuleDict, an array field and a registered-only slot', () => {
    nb.manualSeed(9);
    class Holder extends nn.Module {
      dict = new nn.ModuleDict({ conv: new nn.Conv1d(2, 3, 3), bn: new nn.BatchNorm1d(3) });
      list = [new nn.Conv1d(3, 3, 1), new nn.BatchNorm1d(3)];
      seq = new nn.Sequential(new nn.Conv1d(3, 3, 1), new nn.BatchNorm1d(3));
      hidden: nn.Module[] = [];
      constructor() {
        super();
        // Only registered: its forward reads a private copy, so the pair cannot be redirected.
        this.hidden.push(this.registerModule('hiddenConv', new nn.Conv1d(3, 3, 1)), this.registerModule('hiddenBn', new nn.BatchNorm1d(3)));
        Object.defineProperty(this, 'hidden', { enumerable: false });
      }
      forward(x: Tensor): Tensor {
        let h = (this.dict.get('bn') as nn.BatchNorm1d).forward((this.dict.get('conv') as nn.Conv1d).forward(x));
        h = (this.list[1] as nn.BatchNorm1d).forward((this.list[0] as nn.Conv1d).forward(h));
        h = this.seq.forward(h);
        return (this.hidden[1] as nn.BatchNorm1d).forward((this.hidden[0] as nn.Conv1d).forward(h));
      }
    }
    const model = new Holder();
    randomizeBatchNorms(model);
    model.eval();
    const x = nb.randn([2, 2, 9]);
    const want = nb.noGrad(() => model.forward(x));
    fuseForInference(model, x);
    assert.ok(model.dict.get('bn') instanceof nn.Identity);
    assert.ok(model.list[1] instanceof nn.Identity);
    assert.ok(model.seq.at(1) instanceof nn.Identity);
    assert.ok(model.hidden[1] instanceof nn.BatchNorm1d);
    assertClose(nb.noGrad(() => model.forward(x)), want, 'outputs');
    assert.deepEqual(Object.keys(model.stateDict()).filter((k) => k.startsWith('seq.')), ['seq.0.weight', 'seq.0.bias']);
  });

  test('rejects a model in training mode and junk', () => {
    const model = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.BatchNorm2d(2));
    assert.throws(() => fuseForInference(model, nb.randn([1, 1, 5, 5])), /fuseForInference: the model must be in eval mode .* call model.eval\(\) first \(in training mode: \(the model\), 0, 1\)/);
    model.eval();
    model.at(1).train();
    assert.throws(() => fuseForInference(model, nb.randn([1, 1, 5, 5])), /in training mode: 1\)/);
    assert.throws(() => fuseForInference({ forward: () => null } as never), /fuseForInference: expected a Module, got object \{forward\}/);
    model.eval();
    assert.throws(() => fuseForInference(model, nb.randn([1, 3, 5, 5])), /Conv2d\(1 -> 2, k=3\) expects input/);
    assert.ok(model.at(1) instanceof nn.BatchNorm2d, 'a failed example run fuses nothing');
    assert.doesNotThrow(() => fuseForInference(model, nb.randn([1, 1, 5, 5])));
  });
});

describe('Sequential runs consecutive convolutions as one chain in inference', () => {
  /** The ops a forward runs, by name. */
  function opsOf(fn: () => unknown): string[] {
    const ops: string[] = [];
    withTracer({ record: (op) => void ops.push(op) }, fn);
    return ops;
  }

  /** x through the modules one at a time (no Sequential, so no chain). */
  function oneByOne(modules: Iterable<nn.Module>, x: Tensor): Tensor {
    let h = x;
    for (const m of modules) h = m instanceof nn.Sequential ? oneByOne(m, h) : ((m.forward as (input: Tensor) => Tensor).call(m, h));
    return h;
  }

  test('an inverted residual stack (odd sizes, stride 2, channels not a multiple of 4, folded activations) gives the same values', () => {
    nb.manualSeed(21);
    const block = (cin: number, hidden: number, cout: number, stride: number): nn.Sequential => new nn.Sequential(
      new nn.Sequential(new nn.Conv2d(cin, hidden, 1, { bias: false }), new nn.BatchNorm2d(hidden), new nn.ReLU6()),
      new nn.Sequential(new nn.Conv2d(hidden, hidden, 3, { stride, padding: 1, groups: hidden, bias: false }), new nn.BatchNorm2d(hidden), new nn.ReLU6()),
      new nn.Conv2d(hidden, cout, 1, { bias: false }),
      new nn.BatchNorm2d(cout),
    );
    for (const [cin, hidden, cout, stride, size] of [[3, 18, 5, 2, [13, 9]], [7, 42, 7, 1, [11, 12]], [4, 6, 9, 2, [6, 5]]] as const) {
      const model = block(cin, hidden, cout, stride);
      randomizeBatchNorms(model);
      model.eval();
      const x = nb.randn([2, cin, ...size]).mul(3);
      const want = nb.noGrad(() => oneByOne(model, x));
      fuseForInference(model, x);
      for (const threads of [1, 2]) {
        const before = nb.getNumThreads();
        nb.setNumThreads(threads);
        try {
          const got = nb.noGrad(() => model.forward(x));
          assertClose(got, want, `block ${cin}-${hidden}-${cout} stride ${stride}, ${threads} threads`, 1e-5);
          // Bit for bit the convolutions one by one (the same kernels).
          assert.deepEqual(got.toTypedArray(), nb.noGrad(() => oneByOne(model, x)).toTypedArray());
        } finally {
          nb.setNumThreads(before);
        }
      }
    }
  });

  test('chains only where nothing needs a gradient, no tracer watches, and every module is a plain convolution', () => {
    nb.manualSeed(22);
    const model = new nn.Sequential(new nn.Conv2d(3, 6, 3, { padding: 1 }), new nn.Identity(), new nn.Conv2d(6, 6, 3, { groups: 6, padding: [1, 2] }), new nn.Conv2d(6, 4, 1)).eval();
    const x = nb.randn([1, 3, 7, 9]);
    const want = oneByOne(model, x);
    let kernelsRun: string[] = [];
    // Under a tracer each convolution is its own op (ONNX export sees them).
    assert.deepEqual(opsOf(() => nb.noGrad(() => model.forward(x))).filter((op) => op.startsWith('conv')), ['conv', 'conv', 'conv']);
    // With gradients: recorded one by one, and the gradients flow.
    const xg = x.clone().requiresGrad_();
    const out = model.forward(xg);
    assertClose(out, want, 'with gradients');
    out.sum().backward();
    assert.ok(xg.grad !== null && (model.at(0) as nn.Conv2d).weight.grad !== null);
    // Under noGrad: one chain (seen by a backend that counts its calls), same values.
    const previous = nb.getBackend().name;
    const chains: number[] = [];
    registerBackend('chain-spy', { convChain: (input, steps) => (chains.push(steps.length), cpuBackend.convChain(input, steps)) }, true);
    try {
      assertClose(nb.noGrad(() => model.forward(x)), want, 'chained');
      assert.deepEqual(chains, [3]);
      assertClose(model.forward(x), want, 'with gradients, not chained');
      assert.deepEqual(chains, [3]);
    } finally {
      nb.setBackend(previous);
    }
    // A hooked convolution, a reflect-padded one or 'same' padding breaks the chain where it is (and still computes).
    const hooked = new nn.Sequential(new nn.Conv2d(3, 4, 1), new nn.Conv2d(4, 4, 3, { padding: 'same' }), new nn.Conv2d(4, 4, 3, { padding: 1, paddingMode: 'reflect' }), new nn.Conv2d(4, 2, 1)).eval();
    hooked.at(3).registerForwardHook(() => void kernelsRun.push('hook'));
    assertClose(nb.noGrad(() => hooked.forward(x)), oneByOne(hooked, x), 'unchainable modules');
    assert.deepEqual(kernelsRun, ['hook', 'hook']);
    kernelsRun = [];
    // Wrong channels: the layer's own error, as without chains.
    assert.throws(() => nb.noGrad(() => model.forward(nb.randn([1, 4, 7, 9]))), /Conv2d\(3 -> 6, k=3\) expects input \[N, 3, H, W\]/);
    // A kernel larger than the padded input: convNd's message.
    const small = new nn.Sequential(new nn.Conv2d(3, 3, 1), new nn.Conv2d(3, 3, 5)).eval();
    assert.throws(() => nb.noGrad(() => small.forward(nb.randn([1, 3, 3, 3]))), /conv2d: the kernel \(size 5\) is larger than the padded input/);
  });
});
