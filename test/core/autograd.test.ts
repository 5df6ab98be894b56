/** Autograd semantics: accumulation, leaves and intermediates, grad modes, functional grad, higher order. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { kernels } from '../../src/backend/registry.js';

const f64 = (values: nb.Nested<number>, requiresGrad = false): nb.Tensor => nb.tensor(values, { dtype: 'float64', requiresGrad });

function assertClose(got: nb.Tensor, want: number[], tol = 1e-10): void {
  const g = Array.from(got.toTypedArray());
  assert.equal(g.length, want.length, `got ${g.length} values, expected ${want.length}`);
  want.forEach((w, i) => assert.ok(Math.abs(g[i]! - w) <= tol * (1 + Math.abs(w)), `element ${i}: got ${g[i]}, expected ${w}`));
}

describe('backward()', () => {
  test('gradients accumulate across backward() calls until zeroed', () => {
    const x = f64([1, 2, 3], true);
    x.mul(2).sum().backward();
    x.mul(x).sum().backward();
    assertClose(x.grad!, [4, 6, 8]);
    nb.noGrad(() => x.grad!.zero_());
    x.sum().backward();
    assertClose(x.grad!, [1, 1, 1]);
  });

  test('the same tensor used twice gets both contributions', () => {
    const x = f64([3], true);
    x.mul(x).add(x).sum().backward();
    assertClose(x.grad!, [7]);
  });

  test('a graph can be walked backward twice when the first backward retains it', () => {
    const x = f64([0.5], true);
    const y = x.exp().sum();
    y.backward({ retainGraph: true });
    y.backward();
    assertClose(x.grad!, [2 * Math.exp(0.5)]);
  });

  test('backward(gradient) weights a non-scalar output', () => {
    const x = f64([1, 2], true);
    x.square().backward(f64([1, 10]));
    assertClose(x.grad!, [2, 40]);
  });

  test('backward takes an options object first, as PyTorch users write backward(retain_graph=True)', () => {
    const x = f64([1, 2], true);
    const loss = x.square().sum();
    loss.backward({ retainGraph: true });
    loss.backward({ retainGraph: true, createGraph: false });
    assertClose(x.grad!, [4, 8]);
    x.grad = null;
    const y = x.pow(3).sum();
    y.backward({ createGraph: true });
    assert.ok(x.grad!.requiresGrad, 'createGraph in a first-argument options object records the backward pass');
    x.grad = null;
    x.square().backward(f64([1, 10]), { retainGraph: true });
    assertClose(x.grad!, [2, 40]);
    x.grad = null;
    x.square().sum().backward(undefined, { retainGraph: true });
    x.square().sum().backward(null, { retainGraph: true });
    assertClose(x.grad!, [4, 8]);
  });

  test('backward rejects junk arguments, naming what it got', () => {
    const x = f64([1, 2], true);
    const loss = (): nb.Tensor => x.square().sum();
    const junk: [() => void, RegExp][] = [
      [() => loss().backward({ retain_graph: true } as nb.BackwardArgs), /^backward: unknown option 'retain_graph' \(the options are retainGraph, createGraph\)/],
      [() => loss().backward({ retainGraph: 1 } as unknown as nb.BackwardArgs), /^backward: option retainGraph must be a boolean, got number/],
      [() => loss().backward(1 as unknown as nb.Tensor), /^backward: the gradient must be a tensor and the options a plain object \{ retainGraph, createGraph \}, got number/],
      [() => loss().backward('x' as unknown as nb.Tensor), /got string/],
      [() => loss().backward([1] as unknown as nb.Tensor), /got an array/],
      [() => loss().backward(nb.tensor(1), x as unknown as nb.BackwardArgs), /got a tensor/],
      [() => (loss().backward as (...a: unknown[]) => void)({ retainGraph: true }, {}), /^backward: expected backward\(\), backward\(options\), backward\(gradient\) or backward\(gradient, options\), got extra arguments/],
      [() => (loss().backward as (...a: unknown[]) => void)(nb.tensor(1), {}, {}), /got extra arguments/],
    ];
    for (const [call, message] of junk) assert.throws(call, { message });
    assert.equal(x.grad, null, 'no rejected call ran a backward pass');
  });

  test('leaf .grad tensors are never aliased with each other or with the incoming gradient', () => {
    const a = f64([3], true);
    const b = f64([4], true);
    a.add(b).sum().backward();
    assert.notEqual(a.grad!.storage, b.grad!.storage);
    nb.noGrad(() => a.grad!.zero_());
    assertClose(a.grad!, [0]);
    assertClose(b.grad!, [1]);
    const c = f64([1, 2], true);
    const y = c.mul(1);
    y.retainGrad();
    y.sum().backward();
    nb.noGrad(() => c.grad!.fill_(7));
    assertClose(y.grad!, [1, 1]);
  });

  test('a leaf keeps a gradient the pass made for it alone without copying it; a gradient it got from outside is copied', () => {
    const table = kernels();
    const copy = table.copy;
    let copies = 0;
    table.copy = (...args) => {
      copies++;
      return copy(...args);
    };
    try {
      const x = f64([1, 2, 3], true);
      x.mul(3).backward(f64([1, 1, 1]));
      assert.equal(copies, 0, 'mul backward made x.grad: kept as is');
      assertClose(x.grad!, [3, 3, 3]);
      const leaf = f64([1, 2], true);
      const incoming = f64([5, 6]);
      leaf.backward(incoming);
      assert.notEqual(leaf.grad!.storage, incoming.storage, 'the caller\'s gradient is copied');
      nb.noGrad(() => leaf.grad!.zero_());
      assertClose(incoming, [5, 6]);
    } finally {
      table.copy = copy;
    }
  });

  test('a chain of 10,000 ops goes backward without overflowing the stack', () => {
    const x = f64([1], true);
    let y = x;
    for (let i = 0; i < 10_000; i++) y = y.mul(1.0001);
    y.sum().backward();
    assertClose(x.grad!, [1.0001 ** 10_000], 1e-9);
  });

  test('a wide fan-out (one tensor used by many ops) sums every path', () => {
    const x = f64([2], true);
    let total = x.mul(0);
    for (let i = 1; i <= 200; i++) total = total.add(x.mul(i));
    total.sum().backward();
    assertClose(x.grad!, [200 * 201 / 2]);
  });
});

describe('leaves and intermediates', () => {
  test('isLeaf, requiresGrad and gradFn names', () => {
    const x = f64([1, 2], true);
    const c = f64([1, 2]);
    const y = x.mul(c);
    const z = y.sum();
    assert.equal(x.isLeaf, true);
    assert.equal(x.gradFn, null);
    assert.equal(c.isLeaf, true);
    assert.equal(c.requiresGrad, false);
    assert.equal(y.isLeaf, false);
    assert.equal(y.requiresGrad, true);
    assert.equal(y.gradFn!.name, 'mul');
    assert.equal(z.gradFn!.name, 'sum');
    assert.equal(c.mul(2).gradFn, null, 'ops on tensors that need no grad record nothing');
  });

  test('intermediates get no .grad unless retainGrad() is called, which also accumulates', () => {
    const x = f64([1, 2], true);
    const y = x.mul(3);
    const w = x.mul(4);
    y.retainGrad();
    // y's own node is walked again below: as in PyTorch, the first backward must retain it.
    y.square().sum().backward({ retainGraph: true });
    w.sum().backward();
    assertClose(y.grad!, [6, 12]);
    assert.equal(w.grad, null);
    y.square().sum().backward();
    assertClose(y.grad!, [12, 24]);
  });

  test('retainGrad on a tensor that will never have a gradient is an error', () => {
    assert.throws(() => f64([1]).retainGrad(), /retainGrad: the tensor does not require grad/);
  });

  test('detach() shares data, has no history and stops gradients', () => {
    const x = f64([1, 2], true);
    const y = x.mul(2);
    const d = y.detach();
    assert.equal(d.requiresGrad, false);
    assert.equal(d.isLeaf, true);
    assert.equal(d.storage, y.storage);
    x.mul(d).sum().backward();
    assertClose(x.grad!, [2, 4]);
  });

  test('requiresGrad_ turns a leaf on and off, and only on for non-leaves', () => {
    const x = f64([1, 2]);
    assert.equal(x.requiresGrad_(), x);
    assert.equal(x.requiresGrad, true);
    x.requiresGrad_(false);
    assert.equal(x.requiresGrad, false);
    x.requiresGrad = true;
    const y = x.mul(2);
    assert.equal(y.requiresGrad_(true), y);
    assert.throws(() => y.requiresGrad_(false), /requiresGrad_: cannot turn off requiresGrad on a non-leaf tensor \(made by 'mul'\); use detach\(\)/);
  });
});

describe('grad modes', () => {
  test('noGrad and enableGrad nest, and restore the mode even when fn throws', () => {
    const x = f64([1], true);
    nb.noGrad(() => {
      assert.equal(nb.isGradEnabled(), false);
      assert.equal(x.mul(2).requiresGrad, false);
      nb.enableGrad(() => {
        assert.equal(x.mul(2).requiresGrad, true);
        nb.noGrad(() => assert.equal(x.mul(2).requiresGrad, false));
        assert.equal(nb.isGradEnabled(), true);
      });
      assert.equal(nb.isGradEnabled(), false);
      assert.throws(() => nb.enableGrad(() => {
        throw new Error('boom');
      }), /boom/);
      assert.equal(nb.isGradEnabled(), false);
    });
    assert.equal(nb.isGradEnabled(), true);
  });

  test('noGrad returns the value of fn', () => {
    assert.equal(nb.noGrad(() => 42), 42);
  });
});

describe('functional gradients', () => {
  test('grad and valueAndGrad of a function of several inputs', () => {
    const f = (a: nb.Tensor, b: nb.Tensor): nb.Tensor => a.mul(b).sum().add(a.square().sum());
    const a = f64([1, 2]);
    const b = f64([3, 4]);
    const [ga, gb] = nb.grad(f)(a, b);
    assertClose(ga!, [3 + 2, 4 + 4]);
    assertClose(gb!, [1, 2]);
    const [value, grads] = nb.valueAndGrad(f)(a, b);
    assertClose(value, [11 + 5]);
    assert.equal(grads.length, 2);
    assert.equal(a.requiresGrad, false, 'the inputs are left untouched');
    assert.equal(a.grad, null);
  });

  test('grad gives zeros for an input the function ignores', () => {
    const [, gb] = nb.grad((a: nb.Tensor, _b: nb.Tensor) => a.sum())(f64([1]), f64([5, 6]));
    assertClose(gb!, [0, 0]);
  });

  test('grad works inside noGrad (like torch.func.grad)', () => {
    const [g] = nb.noGrad(() => nb.grad((x: nb.Tensor) => x.square().sum())(f64([3])));
    assertClose(g!, [6]);
  });

  test('grad names a non-scalar function result and integer inputs', () => {
    assert.throws(() => nb.grad((x: nb.Tensor) => x.mul(2))(f64([1, 2])), /grad: the function must return a scalar, got shape \[2\]/);
    assert.throws(() => nb.grad((x: nb.Tensor) => x.sum())(nb.tensor([1, 2])), /grad: input 0 has dtype int32, but only floating-point inputs can be differentiated/);
  });

  test('autogradGrad returns gradients without touching .grad, for leaves and intermediates', () => {
    const x = f64([1, 2], true);
    const h = x.mul(3);
    const y = h.square().sum();
    const [gx, gh] = nb.autogradGrad(y, [x, h]);
    assertClose(gh!, [6, 12]);
    assertClose(gx!, [18, 36]);
    assert.equal(x.grad, null);
  });

  test('autogradGrad: allowUnused, gradOutputs, and the errors for each', () => {
    const x = f64([1, 2], true);
    const unused = f64([1], true);
    const y = x.mul(2);
    // Every call below runs through y's node: keep it, as torch.autograd.grad(..., retain_graph=True) would.
    const retainGraph = true;
    assert.throws(() => nb.autogradGrad(y.sum(), [x, unused], { retainGraph }), /grad: input 1 was not used to compute the outputs \(pass allowUnused: true to get null\)/);
    const [gx, gu] = nb.autogradGrad(y.sum(), [x, unused], { allowUnused: true, retainGraph });
    assertClose(gx!, [2, 2]);
    assert.equal(gu, null);
    assert.throws(() => nb.autogradGrad(y, x), /grad: output 0 has shape \[2\]; pass gradOutputs for non-scalar outputs/);
    const [weighted] = nb.autogradGrad(y, x, { gradOutputs: [f64([1, 10])], retainGraph });
    assertClose(weighted!, [2, 20]);
    assert.throws(() => nb.autogradGrad(y, x, { gradOutputs: [f64([1])] }), /grad: gradOutputs\[0\] has shape \[1\] but output 0 has shape \[2\]/);
    assert.throws(() => nb.autogradGrad(f64([1]).sum(), x), /grad: output 0 does not require grad/);
    assert.throws(() => nb.autogradGrad(y.sum(), f64([1])), /grad: input 0 does not require grad/);
  });

  test('autogradGrad with several outputs sums their contributions', () => {
    const x = f64([2], true);
    const [g] = nb.autogradGrad([x.square().sum(), x.mul(5).sum()], x);
    assertClose(g!, [4 + 5]);
  });

  test('createGraph makes the returned gradient differentiable; without it the gradient is constant', () => {
    const x = f64([0.5, -1.5], true);
    const [g] = nb.autogradGrad(x.pow(3).sum(), x, { createGraph: true });
    assert.equal(g!.requiresGrad, true);
    const [gg] = nb.autogradGrad(g!.sum(), x);
    assertClose(gg!, [6 * 0.5, 6 * -1.5]);
    const [plain] = nb.autogradGrad(x.pow(3).sum(), x);
    assert.equal(plain!.requiresGrad, false);
  });

  test('backward with createGraph leaves a differentiable .grad', () => {
    const x = f64([2], true);
    x.pow(3).sum().backward(undefined, { createGraph: true });
    const g = x.grad!;
    assert.equal(g.requiresGrad, true);
    const [gg] = nb.autogradGrad(g.sum(), x);
    assertClose(gg!, [12]);
  });
});

describe('gradients of gradients', () => {
  const x0 = [0.3, -0.7, 1.1];

  test('tanh: second derivative -2 tanh(x) (1 - tanh(x)^2)', () => {
    const d2 = nb.grad((x: nb.Tensor) => nb.grad((y: nb.Tensor) => y.tanh().sum())(x)[0]!.sum());
    const t = x0.map(Math.tanh);
    assertClose(d2(f64(x0))[0]!, t.map((v) => -2 * v * (1 - v * v)));
    // and third: d/dx of -2t(1-t^2) = -2(1-t^2)(1-3t^2)
    const d3 = nb.grad((x: nb.Tensor) => d2(x)[0]!.sum());
    assertClose(d3(f64(x0))[0]!, t.map((v) => -2 * (1 - v * v) * (1 - 3 * v * v)));
  });

  test('mul: the Hessian of sum(a * b * a) is exact', () => {
    // f = sum(a^2 b): df/da = 2ab, df/db = a^2; d/da sum(2ab) = 2b, d/db sum(2ab) = 2a.
    const a = f64([1.5, -2], true);
    const b = f64([0.5, 3], true);
    const [ga] = nb.autogradGrad(a.mul(b).mul(a).sum(), a, { createGraph: true });
    assertClose(ga!, [2 * 1.5 * 0.5, 2 * -2 * 3]);
    const [gaa, gab] = nb.autogradGrad(ga!.sum(), [a, b]);
    assertClose(gaa!, [1, 6]);
    assertClose(gab!, [3, -4]);
  });

  test('matmul: the mixed second derivative of sum(A @ B) w.r.t. A then B is all ones', () => {
    const A = nb.randn([2, 3], { dtype: 'float64', generator: new nb.Generator(1) }).requiresGrad_();
    const B = nb.randn([3, 4], { dtype: 'float64', generator: new nb.Generator(2) }).requiresGrad_();
    const [gA] = nb.autogradGrad(A.matmul(B).sum(), A, { createGraph: true });
    // dL/dA = 1 @ B^T: row sums of B repeated; d(sum(gA))/dB[k, j] = 2 (one per row of A).
    assertClose(gA!, Array.from({ length: 2 }, () => [0, 1, 2].map((k) => B.select(0, k).sum().item())).flat());
    const [gAB] = nb.autogradGrad(gA!.sum(), B);
    assertClose(gAB!, new Array(12).fill(2));
  });

  test('sum: the gradient of sum is constant, so its second derivative is unused or zero', () => {
    const x = f64([1, 2, 3], true);
    const [g] = nb.autogradGrad(x.sum().mul(x.sum()), x, { createGraph: true });
    assertClose(g!, [12, 12, 12]);
    const [gg] = nb.autogradGrad(g!.sum(), x);
    assertClose(gg!, [6, 6, 6]);
  });

  for (const [name, fn] of [
    ['tanh', (x: nb.Tensor) => x.tanh().sum()],
    ['mul', (x: nb.Tensor) => x.mul(x).mul(x.sin()).sum()],
    ['sum', (x: nb.Tensor) => x.sum(0).square().sum()],
    ['matmul', (x: nb.Tensor) => x.matmul(x.t()).tanh().sum()],
  ] as const) {
    test(`gradCheck passes on the gradient function of ${name} (double backward)`, () => {
      const x = nb.randn([3, 2], { dtype: 'float64', generator: new nb.Generator(11) });
      const result = nb.gradCheck((t) => nb.grad(fn)(t)[0]!, [x]);
      assert.ok(result.passed, `relative error ${result.relativeError}, worst ${JSON.stringify(result.worst)}`);
      assert.ok(result.relativeError < 1e-6);
    });
  }
});

describe('gradCheck', () => {
  test('reports a wrong gradient with the worst component', () => {
    // floor has zero gradient by definition, but central differences across a step see a jump.
    const x = f64([0.9999999999, 2.5]);
    const result = nb.gradCheck((t) => t.floor(), [x]);
    assert.equal(result.passed, false);
    assert.equal(result.worst!.input, 0);
    assert.equal(result.worst!.index, 0);
    assert.equal(result.worst!.analytical, 0);
    assert.throws(() => nb.gradCheck((t) => t.floor(), [x], { raiseException: true }), /gradCheck: gradients differ .* worst at input 0, flat index 0/);
  });
});
