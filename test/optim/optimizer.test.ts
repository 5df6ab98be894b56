/** The Optimizer machinery: state-dict round trips, groups, zeroGrad, closures, purity, errors, and training. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import {
  OPTIMIZER_NAMES, flatValues, makeOptimizer, makeParams, setGradients, worstRelative, type OptimizerCase, type Problem,
} from './fixtures.js';
import { decodeNumber, readFixture } from '../helpers/fixtures.js';

const { optim } = nb;

/** The fixture case with the most state: parameter groups (float64). */
function groupCase(name: string): { problem: Problem; c: OptimizerCase } {
  const { problem, cases } = readFixture<{ problem: Problem; cases: OptimizerCase[] }>(`optim-${name.toLowerCase()}.json`);
  return { problem, c: cases.find((k) => k.groups !== undefined && k.dtype === 'float64')! };
}

describe('stateDict round trip: save after 10 steps, load into a fresh optimizer, continue', () => {
  for (const name of OPTIMIZER_NAMES) {
    test(name, () => {
      const { problem, c } = groupCase(name);
      const params = makeParams(problem, 'float64');
      const opt = makeOptimizer(c, params);
      for (let t = 0; t < 10; t++) {
        setGradients(problem, params, t);
        opt.step();
      }
      const saved = opt.stateDict();
      assert.deepEqual(saved.paramGroups.map((g) => g.params), [[0], [1, 2]]);
      // A fresh optimizer with other options: loading restores the saved ones.
      const copies = params.map((p) => p.detach().clone().requiresGrad_(true));
      const fresh = makeOptimizer({ ...c, options: { ...c.options, lr: 123 }, groups: c.groups!.map((g) => ({ ...g, options: {} })) }, copies);
      fresh.loadStateDict(saved);
      assert.deepEqual(fresh.paramGroups.map((g) => g.lr), opt.paramGroups.map((g) => g.lr));
      for (let t = 10; t < problem.steps; t++) {
        setGradients(problem, params, t);
        setGradients(problem, copies, t);
        opt.step();
        fresh.step();
        assert.deepEqual(flatValues(copies), flatValues(params), `step ${t + 1}`);
        const err = worstRelative(flatValues(copies), c.trajectory[t]!.map(decodeNumber), 1e-3);
        assert.ok(err <= 1e-10, `step ${t + 1} against torch: ${err}`);
      }
    });
  }

  test('a saved state dict is a snapshot that later steps do not change', () => {
    const p = nb.tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    const opt = new optim.Adam([p], { lr: 0.1 });
    p.grad = nb.tensor([1, -1], { dtype: 'float64' });
    opt.step();
    const saved = opt.stateDict();
    const before = (saved.state[0]!.exp_avg as nb.Tensor).toArray();
    opt.step();
    assert.deepEqual((saved.state[0]!.exp_avg as nb.Tensor).toArray(), before);
    assert.equal(saved.state[0]!.step, 1);
    assert.equal(opt.stateDict().state[0]!.step, 2);
  });

  test('loading casts state tensors to the parameter dtype and copies them', () => {
    const p64 = nb.tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    const opt64 = new optim.SGD([p64], { lr: 0.1, momentum: 0.9 });
    p64.grad = nb.tensor([1, -1], { dtype: 'float64' });
    opt64.step();
    const p32 = nb.tensor([1, 2], { dtype: 'float32', requiresGrad: true });
    const opt32 = new optim.SGD([p32], { lr: 0.5 });
    const saved = opt64.stateDict();
    opt32.loadStateDict(saved);
    const buffer = opt32.state.get(p32)!.momentum_buffer!;
    assert.equal(buffer.dtype, 'float32');
    assert.notEqual(buffer, saved.state[0]!.momentum_buffer);
    assert.equal(opt32.paramGroups[0]!.momentum, 0.9);
  });

  test('mismatched state dicts are rejected with the reason', () => {
    const a = nb.zeros([2], { requiresGrad: true });
    const b = nb.zeros([3], { requiresGrad: true });
    const two = new optim.Adam([{ params: [a] }, { params: [b] }]);
    const one = new optim.Adam([a, b]);
    assert.throws(() => one.loadStateDict(two.stateDict()), /Adam\.loadStateDict: the state dict has 2 parameter groups but the optimizer has 1/);
    const single = new optim.Adam([a]);
    assert.throws(() => single.loadStateDict(one.stateDict()), /parameter group 0 has 2 parameters in the state dict but 1 in the optimizer/);
    b.grad = nb.ones([3]);
    const swapped = new optim.Adam([b]);
    swapped.step();
    assert.throws(() => single.loadStateDict(swapped.stateDict()), /parameter 0: state 'exp_avg' has shape \[3\] but the parameter has shape \[2\]/);
    assert.throws(() => single.loadStateDict({} as ReturnType<typeof single.stateDict>), /expected \{ state, paramGroups \}/);
  });

  /** An optimizer that has stepped twice (so it has state), its parameter, and a deep snapshot of it. */
  function stepped<T extends nb.optim.Optimizer>(make: (p: nb.Tensor) => T): { opt: T; p: nb.Tensor; snapshot: () => string } {
    const p = nb.tensor([1, 2, 3], { requiresGrad: true });
    const opt = make(p);
    for (let i = 0; i < 2; i++) {
      p.grad = nb.tensor([0.5, -1, 2]);
      opt.step();
    }
    const snapshot = (): string =>
      JSON.stringify(opt.stateDict(), (_k, v: unknown) => (v instanceof nb.Tensor ? { shape: v.shape, dtype: v.dtype, values: v.toArray() } : v));
    return { opt, p, snapshot };
  }

  test("another optimizer's state dict is rejected, and the optimizer is left unchanged", () => {
    const sgd = stepped((p) => new optim.SGD([p], { lr: 0.1, momentum: 0.9 }));
    const adam = stepped((p) => new optim.Adam([p], { lr: 0.01 }));
    const before = adam.snapshot();
    assert.throws(() => adam.opt.loadStateDict(sgd.opt.stateDict() as never),
      /^Error: Adam\.loadStateDict: parameter group 0 of the state dict has the options dampening, lr, maximize, momentum, nesterov, weightDecay but Adam has amsgrad, betas, eps, lr, maximize, weightDecay \(unknown: dampening, momentum, nesterov\) \(missing: amsgrad, betas, eps\); was it saved from another optimizer\?/);
    assert.equal(adam.snapshot(), before);
    const sgdBefore = sgd.snapshot();
    assert.throws(() => sgd.opt.loadStateDict(adam.opt.stateDict() as never), /^Error: SGD\.loadStateDict: parameter group 0 .*was it saved from another optimizer/);
    assert.equal(sgd.snapshot(), sgdBefore);
    const adamax = stepped((p) => new optim.Adamax([p]));
    assert.throws(() => adam.opt.loadStateDict(adamax.opt.stateDict() as never), /Adam\.loadStateDict: .*\(missing: amsgrad\)/);
    // The optimizer still trains after the failed loads.
    adam.p.grad = nb.tensor([1, 1, 1]);
    adam.opt.step();
    assert.ok(Array.from(adam.p.toTypedArray()).every(Number.isFinite));
  });

  test('per-parameter state is checked by name, kind, shape and dtype before anything changes', () => {
    const adam = stepped((p) => new optim.Adam([p], { lr: 0.01 }));
    const before = adam.snapshot();
    const good = adam.opt.stateDict();
    const withState = (state: Record<string, unknown>): typeof good => ({ ...good, state: { 0: state } }) as never;
    const entry = good.state[0]!;
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...entry, exp_avg_sq: undefined, momentum_buffer: entry.exp_avg }, /parameter 0: the state has step, exp_avg, exp_avg_sq, momentum_buffer but Adam keeps step, exp_avg, exp_avg_sq/],
      [{ step: 2, exp_avg: entry.exp_avg }, /parameter 0: the state has step, exp_avg but Adam keeps step, exp_avg, exp_avg_sq/],
      [{ ...entry, exp_avg: nb.zeros([3], { dtype: 'int32' }) }, /parameter 0: state 'exp_avg' has dtype int32; optimizer state tensors are floating point/],
      [{ ...entry, exp_avg: nb.zeros([]) }, /parameter 0: state 'exp_avg' has shape \[\] but the parameter has shape \[3\]/],
      [{ ...entry, exp_avg: 0 }, /parameter 0: state 'exp_avg' must be a Tensor, got number/],
      [{ ...entry, exp_avg_sq: null }, /parameter 0: state 'exp_avg_sq' must be a Tensor, got null/],
      [{ ...entry, step: 'two' }, /parameter 0: state 'step' must be a number, got string/],
    ];
    for (const [state, message] of cases) {
      assert.throws(() => adam.opt.loadStateDict(withState(state)), message);
      assert.equal(adam.snapshot(), before);
    }
    // torch keeps `step` as a one-element tensor: it loads as the count.
    adam.opt.loadStateDict(withState({ ...entry, step: nb.tensor(2) }));
    assert.equal(adam.opt.stateDict().state[0]!.step, 2);
  });
});

describe('optimizer behaviour', () => {
  test('parameters are updated in place: same object, storage version bumped, no graph recorded', () => {
    const p = nb.tensor([1, 2], { requiresGrad: true });
    const opt = new optim.SGD([p], { lr: 0.5 });
    p.grad = nb.tensor([2, 2], { dtype: 'float32' });
    const version = p.storage.version;
    opt.step();
    assert.deepEqual(p.toArray(), [0, 1]);
    assert.ok(p.storage.version > version);
    assert.ok(p.isLeaf && p.requiresGrad);
  });

  test("Adam's fused kernel, where the backend has one, writes the parameter and its state in place", () => {
    const p = nb.tensor([1, 2, 3], { requiresGrad: true });
    const opt = new optim.Adam([p], { lr: 0.1 });
    p.grad = nb.tensor([1, -1, 0.5]);
    opt.step();
    const first = opt.state.get(p)!;
    const versions = [p, first.exp_avg as nb.Tensor].map((t) => t.storage.version);
    const saved = opt.stateDict();
    opt.step();
    const second = opt.state.get(p)!;
    assert.equal(second.step, 2);
    assert.deepEqual(saved.state[0]!.step, 1);
    const fused = nb.getBackend().kernels.includes('adamStep');
    assert.equal(second.exp_avg === first.exp_avg, fused, 'state tensors reused only by the fused kernel');
    if (fused) assert.ok([p, second.exp_avg as nb.Tensor].every((t, i) => t.storage.version > versions[i]!), 'versions bumped');
    // Same values as the composed update, step by step.
    const q = nb.tensor([1, 2, 3], { requiresGrad: true });
    let state = optim.rules.adam.init(q, { lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false });
    for (let t = 0; t < 2; t++) {
      const r = optim.rules.adam.update(q, nb.tensor([1, -1, 0.5]), state, { lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false });
      nb.noGrad(() => q.copy_(r.param));
      state = r.state;
    }
    assert.deepEqual(p.toArray(), q.toArray());
    assert.deepEqual((second.exp_avg_sq as nb.Tensor).toArray(), state.exp_avg_sq.toArray());
  });

  test('parameters without a gradient are skipped and get no state', () => {
    const a = nb.tensor([1, 2], { requiresGrad: true });
    const b = nb.tensor([3, 4], { requiresGrad: true });
    const opt = new optim.Adam([a, b], { lr: 0.1 });
    a.grad = nb.ones([2]);
    opt.step();
    assert.deepEqual(b.toArray(), [3, 4]);
    assert.deepEqual(Object.keys(opt.stateDict().state), ['0']);
  });

  test('the update rules are pure: inputs and state are left unchanged', () => {
    const param = nb.tensor([1, -2, 3], { dtype: 'float64' });
    const grad = nb.tensor([0.5, 0.25, -1], { dtype: 'float64' });
    const snapshot = (state: nb.optim.StateRecord): string =>
      JSON.stringify(Object.entries(state).map(([k, v]) => [k, v instanceof nb.Tensor ? v.toArray() : v]));
    function checkPure<O, S extends nb.optim.StateRecord>(name: string, rule: nb.optim.UpdateRule<O, S>, options: O): void {
      const first = rule.update(param, grad, rule.init(param, options), options);
      const before = snapshot(first.state);
      const versions = [param, grad].map((t) => t.storage.version);
      const second = rule.update(param, grad, first.state, options);
      const again = rule.update(param, grad, first.state, options);
      assert.deepEqual(second.param.toArray(), again.param.toArray(), `${name}: same inputs, same result`);
      assert.notDeepEqual(second.param.toArray(), param.toArray(), `${name}: the parameter moves`);
      assert.deepEqual([param, grad].map((t) => t.storage.version), versions, `${name}: no input written`);
      assert.equal(snapshot(first.state), before, `${name}: the state passed in is unchanged`);
      assert.deepEqual(param.toArray(), [1, -2, 3]);
    }
    const common = { lr: 0.1, weightDecay: 0.1, maximize: false };
    checkPure('sgd', optim.rules.sgd, { ...common, momentum: 0.9, dampening: 0, nesterov: true });
    checkPure('adam', optim.rules.adam, { ...common, betas: [0.9, 0.999], eps: 1e-8, amsgrad: true });
    checkPure('adamw', optim.rules.adamw, { ...common, betas: [0.9, 0.999], eps: 1e-8, amsgrad: false });
    checkPure('adagrad', optim.rules.adagrad, { ...common, lrDecay: 0.1, initialAccumulatorValue: 0.1, eps: 1e-10 });
    checkPure('rmsprop', optim.rules.rmsprop, { ...common, alpha: 0.99, eps: 1e-8, momentum: 0.9, centered: true });
    checkPure('adamax', optim.rules.adamax, { ...common, betas: [0.9, 0.999], eps: 1e-8 });
    checkPure('nadam', optim.rules.nadam, { lr: 0.1, weightDecay: 0.1, betas: [0.9, 0.999], eps: 1e-8, momentumDecay: 4e-3 });
    checkPure('adadelta', optim.rules.adadelta, { ...common, rho: 0.9, eps: 1e-6 });
  });

  test('zeroGrad sets gradients to null by default, or fills them with zeros in place', () => {
    const p = nb.tensor([1, 2], { requiresGrad: true });
    const opt = new optim.SGD([p], { lr: 0.1 });
    p.mul(p).sum().backward();
    opt.zeroGrad();
    assert.equal(p.grad, null);
    // Read through a function: the assertion above narrowed p.grad to null for the type checker.
    const gradOf = (t: nb.Tensor): nb.Tensor | null => t.grad;
    p.mul(p).sum().backward();
    const grad = gradOf(p)!;
    opt.zeroGrad({ setToNone: false });
    assert.equal(gradOf(p), grad);
    assert.deepEqual(grad.toArray(), [0, 0]);
    p.mul(p).sum().backward();
    assert.deepEqual(gradOf(p)!.toArray(), [2, 4]);
  });

  test('step(closure) evaluates the closure with gradients on and returns its loss', () => {
    const p = nb.tensor([3], { requiresGrad: true });
    const opt = new optim.SGD([p], { lr: 0.25 });
    const loss = nb.noGrad(() =>
      opt.step(() => {
        opt.zeroGrad();
        const l = p.mul(p).sum();
        l.backward();
        return l;
      }),
    );
    assert.equal(loss!.item(), 9);
    assert.deepEqual(p.toArray(), [1.5]);
  });

  test('parameter groups: defaults filled in, per-group options used, addParamGroup', () => {
    const a = nb.tensor([1], { dtype: 'float64', requiresGrad: true });
    const b = nb.tensor([1], { dtype: 'float64', requiresGrad: true });
    const opt = new optim.SGD([{ params: [a] }, { params: b, lr: 0.5, momentum: 0.5 }], { lr: 0.1 });
    assert.equal(opt.paramGroups[0]!.lr, 0.1);
    assert.equal(opt.paramGroups[0]!.momentum, 0);
    assert.equal(opt.paramGroups[1]!.lr, 0.5);
    const c = nb.tensor([1], { dtype: 'float64', requiresGrad: true });
    opt.addParamGroup({ params: [c], lr: 1 });
    for (const p of [a, b, c]) p.grad = nb.ones([1], { dtype: 'float64' });
    opt.step();
    assert.deepEqual([a, b, c].map((p) => p.item()), [0.9, 0.5, 0]);
    assert.throws(() => opt.addParamGroup({ params: [a] }), /SGD: some parameters appear in more than one parameter group/);
  });

  test('Adagrad creates its state in the constructor, as torch', () => {
    const p = nb.zeros([2], { requiresGrad: true });
    const opt = new optim.Adagrad([p], { initialAccumulatorValue: 0.5 });
    const state = opt.stateDict().state[0]!;
    assert.equal(state.step, 0);
    assert.deepEqual((state.sum as nb.Tensor).toArray(), [0.5, 0.5]);
  });

  test('Adam trains a small linear regression to a low loss', () => {
    const gen = new nb.Generator(5);
    const x = nb.randn([64, 3], { generator: gen });
    const trueW = nb.tensor([[1.5], [-2], [0.5]]);
    const y = x.matmul(trueW).add(0.7);
    const w = nb.zeros([3, 1], { requiresGrad: true });
    const b = nb.zeros([1], { requiresGrad: true });
    const opt = new optim.Adam([w, b], { lr: 0.1 });
    let loss = Infinity;
    for (let i = 0; i < 300; i++) {
      opt.zeroGrad();
      const l = x.matmul(w).add(b).sub(y).square().mean();
      l.backward();
      opt.step();
      loss = l.item();
    }
    assert.ok(loss < 1e-4, `final loss ${loss}`);
    assert.ok(Math.abs(b.item() - 0.7) < 1e-2, `bias ${b.item()}`);
  });
});

describe('optimizer errors name the optimizer and the option', () => {
  const p = (): nb.Tensor => nb.zeros([2], { requiresGrad: true });

  test('empty or malformed parameter lists', () => {
    assert.throws(() => new optim.Adam([]), /^Error: Adam: optimizer got an empty parameter list$/);
    assert.throws(() => new optim.SGD(p() as unknown as nb.Tensor[], { lr: 1 }), /SGD: params must be an iterable .* got a single Tensor \(wrap it in an array\)/);
    assert.throws(() => new optim.Adam([p(), 3 as unknown as nb.Tensor]), /Adam: parameter 1 of group 0 is not a Tensor but number/);
    assert.throws(() => new optim.Adam([p().mul(2)]), /Adam: parameter 0 of group 0 is not a leaf tensor \(it was computed by 'mul'\)/);
    assert.throws(() => new optim.Adam([nb.zeros([2], { dtype: 'int32' })]), /Adam: parameter 0 of group 0 has dtype int32; only floating-point tensors can be optimized/);
    const shared = p();
    assert.throws(() => new optim.Adam([shared, shared]), /Adam: group 0 contains the same parameter more than once/);
    assert.throws(() => new optim.Adam([{ params: [shared] }, { params: [shared] }]), /some parameters appear in more than one parameter group/);
    assert.throws(() => new optim.Adam([{ params: new Set([shared]) as unknown as nb.Tensor[] }]), /a Set, whose order is not stable; use an array/);
  });

  test('negative learning rates, eps, momentum and decays', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => new optim.SGD([p()], { lr: -0.1 }), /^Error: SGD: invalid lr -0\.1: must be >= 0$/],
      [() => new optim.SGD([p()], {}), /SGD: lr is required/],
      [() => new optim.SGD([p()], { lr: 0.1, momentum: -1 }), /SGD: invalid momentum -1/],
      [() => new optim.SGD([p()], { lr: 0.1, weightDecay: -1 }), /SGD: invalid weightDecay -1/],
      [() => new optim.Adam([p()], { lr: -1 }), /Adam: invalid lr -1/],
      [() => new optim.Adam([p()], { lr: Number.NaN }), /Adam: invalid lr NaN/],
      [() => new optim.Adam([p()], { eps: -1e-8 }), /Adam: invalid eps -1e-8/],
      [() => new optim.AdamW([p()], { weightDecay: -1 }), /AdamW: invalid weightDecay -1/],
      [() => new optim.Adagrad([p()], { lrDecay: -1 }), /Adagrad: invalid lrDecay -1/],
      [() => new optim.Adagrad([p()], { initialAccumulatorValue: -1 }), /Adagrad: invalid initialAccumulatorValue -1/],
      [() => new optim.RMSprop([p()], { momentum: -0.5 }), /RMSprop: invalid momentum -0\.5/],
      [() => new optim.RMSprop([p()], { alpha: -0.5 }), /RMSprop: invalid alpha -0\.5/],
      [() => new optim.Adamax([p()], { eps: -1 }), /Adamax: invalid eps -1/],
      [() => new optim.NAdam([p()], { momentumDecay: -1 }), /NAdam: invalid momentumDecay -1/],
      [() => new optim.Adadelta([p()], { rho: 1.5 }), /Adadelta: invalid rho 1\.5: must be in \[0, 1\]/],
      [() => new optim.Adadelta([p()], { lr: -1 }), /Adadelta: invalid lr -1/],
      [() => new optim.Adam([{ params: [p()], lr: -2 }]), /Adam: invalid lr -2/],
    ];
    for (const [make, pattern] of cases) assert.throws(make, pattern);
  });

  test('betas outside [0, 1) and nesterov without momentum', () => {
    assert.throws(() => new optim.Adam([p()], { betas: [1, 0.999] }), /Adam: invalid betas\[0\] 1: must be in \[0, 1\)/);
    assert.throws(() => new optim.AdamW([p()], { betas: [0.9, -0.1] }), /AdamW: invalid betas\[1\] -0\.1/);
    assert.throws(() => new optim.Adamax([p()], { betas: [0.9] as unknown as [number, number] }), /Adamax: betas must be a pair/);
    assert.throws(() => new optim.NAdam([p()], { betas: [0.9, 1] }), /NAdam: invalid betas\[1\] 1/);
    assert.throws(() => new optim.SGD([p()], { lr: 0.1, nesterov: true }), /SGD: nesterov momentum requires momentum > 0 and dampening 0, got momentum 0 and dampening 0/);
    assert.throws(() => new optim.SGD([p()], { lr: 0.1, nesterov: true, momentum: 0.9, dampening: 0.1 }), /requires momentum > 0 and dampening 0/);
  });

  test('a gradient of the wrong shape', () => {
    const q = p();
    const opt = new optim.SGD([q], { lr: 0.1 });
    q.grad = nb.zeros([3]);
    assert.throws(() => opt.step(), /SGD\.step: a parameter of shape \[2\] has a gradient of shape \[3\]/);
  });
});

test('optimizer constructors reject unknown options with a did-you-mean (they were ignored)', () => {
  const p = [nb.tensor([1, 2], { requiresGrad: true })];
  assert.throws(() => new nb.optim.SGD(p, { lr: 0.1, momentun: 0.9 } as never), { message: "unknown option 'momentun' for SGD; did you mean 'momentum'?" });
  assert.throws(() => new nb.optim.Adam(p, { weight_decay: 0.1 } as never), /unknown option 'weight_decay' for Adam; did you mean 'weightDecay'\?/);
  assert.throws(() => new (nb.optim.RMSprop as unknown as new (...a: unknown[]) => unknown)(p, {}, 3), /RMSprop: too many arguments/);
  assert.equal(new nb.optim.SGD(p, { lr: 0.1, momentum: 0.9 }).defaults.momentum, 0.9);
});
