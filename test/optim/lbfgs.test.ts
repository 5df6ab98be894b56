/**
 * optim.LBFGS against torch 1.13's torch.optim.LBFGS (scripts/gen_lbfgs_fixtures.py): several
 * step(closure) calls on Rosenbrock, a quadratic and a logistic regression, with and without the
 * strong-Wolfe line search, give torch's losses, parameters, counters and final state in float64.
 * Losses, parameters and the final state are compared vector by vector relative to each vector's
 * scale, within max(1e-10, 10 x their sensitivity), which the generator measures by moving the
 * start one ulp: near a minimum the history (differences of nearly equal gradients) is
 * ill-conditioned, and Rosenbrock's valley amplifies rounding.
 * Then the options, the closure and the state dict.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { decodeNumber, readFixture } from '../helpers/fixtures.js';

type Json = number | string;

interface LbfgsFixture {
  problems: {
    rosenbrock: { params: ParamSpec[] };
    quadratic: { params: ParamSpec[]; A: number[]; b: number[] };
    logistic: { params: ParamSpec[]; X: number[]; y: number[]; lam: number };
  };
  cases: {
    problem: 'rosenbrock' | 'quadratic' | 'logistic';
    options: Partial<nb.optim.LBFGSOptions>;
    trajectory: { loss: Json; params: Json[]; funcEvals: number; nIter: number }[];
    trajectorySensitivity: number;
    stateSensitivity: number;
    state: { d: Json[]; t: Json; old_dirs: Json[][]; old_stps: Json[][]; ro: Json[]; H_diag: Json; prev_flat_grad: Json[]; prev_loss: Json };
  }[];
}
interface ParamSpec {
  shape: number[];
  init: number[];
}

const fixture = readFixture<LbfgsFixture>('optim-lbfgs.json');
const f64 = { dtype: 'float64' } as const;

/** The problem's loss as a function of its parameters, with the generator's ops. */
function lossFunction(name: LbfgsFixture['cases'][number]['problem']): (params: nb.Tensor[]) => nb.Tensor {
  if (name === 'rosenbrock') {
    return ([x]) => {
      const x0 = x!.select(0, 0);
      const x1 = x!.select(0, 1);
      return x0.neg().add(1).square().add(x1.sub(x0.square()).square().mul(100));
    };
  }
  if (name === 'quadratic') {
    const { A, b } = fixture.problems.quadratic;
    const a = nb.tensor(A, f64).reshape([6, 6]);
    const bv = nb.tensor(b, f64);
    return ([x]) => {
      const v = x!.reshape([-1]);
      return v.dot(a.matmul(v)).mul(0.5).sub(bv.dot(v));
    };
  }
  const { X, y, lam } = fixture.problems.logistic;
  const xs = nb.tensor(X, f64).reshape([-1, 3]);
  const ys = nb.tensor(y, f64);
  return ([w, b]) => {
    const z = xs.matmul(w!).add(b!);
    return z.softplus().sub(ys.mul(z)).mean().add(w!.dot(w!).mul(0.5 * lam));
  };
}

function setup(name: LbfgsFixture['cases'][number]['problem'], options: Partial<nb.optim.LBFGSOptions>) {
  const params = fixture.problems[name].params.map((p) => nb.tensor(p.init, f64).reshape(p.shape).requiresGrad_(true));
  const optimizer = new nb.optim.LBFGS(params, options);
  const loss = lossFunction(name);
  const closure = (): nb.Tensor => {
    optimizer.zeroGrad();
    const value = loss(params);
    value.backward();
    return value;
  };
  return { params, optimizer, closure };
}

/** max |a - e| / max(max |e|, 1e-3): a vector's error relative to its scale (the generator's metric). */
function vectorError(actual: ArrayLike<number>, expected: readonly Json[]): number {
  assert.equal(actual.length, expected.length);
  let diff = 0;
  let scale = 1e-3;
  for (let i = 0; i < expected.length; i++) {
    const e = decodeNumber(expected[i]!);
    diff = Math.max(diff, Math.abs(actual[i]! - e));
    scale = Math.max(scale, Math.abs(e));
  }
  return diff / scale;
}

const TOLERANCE = 1e-10;

describe('LBFGS matches torch.optim.LBFGS (float64)', () => {
  let worstSeen = 0;
  let worstState = 0;
  for (const c of fixture.cases) {
    test(`${c.problem} ${JSON.stringify(c.options)}`, () => {
      const { params, optimizer, closure } = setup(c.problem, c.options);
      c.trajectory.forEach((expected, call) => {
        const loss = optimizer.step(closure);
        const at = `step() call ${call + 1}`;
        const flat = params.flatMap((p) => [...p.toTypedArray()]);
        const error = vectorError([loss.item(), ...flat], [expected.loss, ...expected.params]);
        const tolerance = Math.max(TOLERANCE, 10 * c.trajectorySensitivity);
        worstSeen = Math.max(worstSeen, error / tolerance);
        assert.ok(error <= tolerance, `${at}: relative error ${error} > ${tolerance}`);
        const state = optimizer.state.get(params[0]!)!;
        assert.equal(state.func_evals, expected.funcEvals, `${at}: func_evals`);
        assert.equal(state.n_iter, expected.nIter, `${at}: n_iter`);
      });
      const dict = optimizer.stateDict().state[0]!;
      const s = c.state;
      const vector = (key: string): number[] => [...(dict[key] as nb.Tensor).toTypedArray()];
      const list = (key: string): nb.Tensor[] => dict[key] as nb.Tensor[];
      let error = Math.max(
        vectorError(vector('d'), s.d),
        vectorError(vector('prev_flat_grad'), s.prev_flat_grad),
        vectorError(dict.ro as number[], s.ro),
        ...(['t', 'H_diag', 'prev_loss'] as const).map((key) => vectorError([dict[key] as number], [s[key]])),
      );
      assert.equal(list('old_dirs').length, s.old_dirs.length, 'history length');
      list('old_dirs').forEach((y, i) => (error = Math.max(error, vectorError(y.toTypedArray(), s.old_dirs[i]!))));
      list('old_stps').forEach((v, i) => (error = Math.max(error, vectorError(v.toTypedArray(), s.old_stps[i]!))));
      const tolerance = Math.max(TOLERANCE, 10 * c.stateSensitivity);
      assert.ok(error <= tolerance, `final state: relative error ${error} > ${tolerance}`);
      worstState = Math.max(worstState, error / tolerance);
    });
  }
  test('worst relative error over all cases', () => {
    console.log(`LBFGS vs torch: trajectories at ${worstSeen.toFixed(2)} of their tolerance; final states at ${worstState.toFixed(2)} of their tolerance`);
  });
});

describe('LBFGS options and closure', () => {
  const param = () => nb.tensor([1, 2], f64).requiresGrad_(true);

  test('defaults follow torch (maxEval = floor(maxIter * 5 / 4))', () => {
    const o = new nb.optim.LBFGS([param()]).paramGroups[0]!;
    assert.deepEqual(
      { lr: o.lr, maxIter: o.maxIter, maxEval: o.maxEval, toleranceGrad: o.toleranceGrad, toleranceChange: o.toleranceChange, historySize: o.historySize, lineSearchFn: o.lineSearchFn },
      { lr: 1, maxIter: 20, maxEval: 25, toleranceGrad: 1e-7, toleranceChange: 1e-9, historySize: 100, lineSearchFn: null },
    );
    assert.equal(new nb.optim.LBFGS([param()], { maxIter: 7 }).paramGroups[0]!.maxEval, 8);
  });

  test('bad options are refused with the option named', () => {
    assert.throws(() => new nb.optim.LBFGS([param()], { lineSearchFn: 'wolfe' as 'strong_wolfe' }), /LBFGS: invalid lineSearchFn "wolfe": must be null or 'strong_wolfe'/);
    assert.throws(() => new nb.optim.LBFGS([param()], { maxIter: 0 }), /LBFGS: invalid maxIter 0: must be an integer >= 1/);
    assert.throws(() => new nb.optim.LBFGS([param()], { historySize: 2.5 }), /LBFGS: invalid historySize 2.5/);
    assert.throws(() => new nb.optim.LBFGS([param()], { lr: -1 }), /LBFGS: invalid lr -1/);
    assert.throws(() => new nb.optim.LBFGS([param()], { tolerance_grad: 1 } as never), /unknown option 'tolerance_grad' for LBFGS; did you mean 'toleranceGrad'\?/);
  });

  test('one parameter group only, as in torch', () => {
    assert.throws(() => new nb.optim.LBFGS([{ params: [param()] }, { params: [param()] }]), /LBFGS doesn't support per-parameter options \(parameter groups\): it optimizes one list of parameters/);
    const optimizer = new nb.optim.LBFGS([param()]);
    assert.throws(() => optimizer.addParamGroup({ params: [param()] }), /LBFGS doesn't support per-parameter options/);
  });

  test('step needs a closure that returns the loss and calls backward', () => {
    const x = param();
    const optimizer = new nb.optim.LBFGS([x]);
    assert.throws(() => optimizer.step(), /LBFGS.step: a closure is required/);
    assert.throws(() => optimizer.step(() => x.square()), /the closure must return the loss \(a one-element Tensor or a number\), got a Tensor of shape \[2\]/);
    assert.throws(() => optimizer.step(() => x.square().sum()), /no parameter has a gradient after the closure ran; the closure must call loss.backward\(\)/);
  });

  test('a closure returning a number works; the first loss is returned; the minimum is found', () => {
    const x = param();
    const optimizer = new nb.optim.LBFGS([x], { lineSearchFn: 'strong_wolfe' });
    const first = optimizer.step(() => {
      optimizer.zeroGrad();
      const loss = x.sub(nb.tensor([3, -1], f64)).square().sum();
      loss.backward();
      return loss.item();
    });
    assert.equal(first, 4 + 9);
    assert.deepEqual([...x.toTypedArray()].map((v) => Math.round(v * 1e6) / 1e6), [3, -1]);
  });

  test('at an optimum the step returns after one evaluation, as torch does', () => {
    const x = nb.tensor([3, -1], f64).requiresGrad_(true);
    const optimizer = new nb.optim.LBFGS([x]);
    let evaluations = 0;
    optimizer.step(() => {
      evaluations++;
      optimizer.zeroGrad();
      const loss = x.sub(nb.tensor([3, -1], f64)).square().sum();
      loss.backward();
      return loss;
    });
    assert.equal(evaluations, 1);
    assert.deepEqual(optimizer.stateDict().state[0], { func_evals: 1, n_iter: 0 });
  });

  test('the state dict round-trips: a restored optimizer continues exactly', () => {
    const a = setup('quadratic', { maxIter: 3, historySize: 2 });
    a.optimizer.step(a.closure);
    const saved = a.optimizer.stateDict();
    const b = setup('quadratic', { maxIter: 3, historySize: 2 });
    b.params[0]!.requiresGrad_(false).copy_(a.params[0]!.detach()).requiresGrad_(true);
    b.optimizer.loadStateDict(saved);
    a.optimizer.step(a.closure);
    b.optimizer.step(b.closure);
    assert.deepEqual([...b.params[0]!.toTypedArray()], [...a.params[0]!.toTypedArray()]);
    assert.equal((saved.state[0]!.old_dirs as nb.Tensor[]).length, 1, "a snapshot: later steps do not grow the saved history");
  });

  test('loading a state with a wrongly sized, mistyped or partial history is refused', () => {
    const a = setup('quadratic', {});
    a.optimizer.step(a.closure);
    const saved = a.optimizer.stateDict();
    saved.state[0]!.old_dirs = [nb.zeros([5], f64)];
    assert.throws(() => a.optimizer.loadStateDict(saved), /LBFGS.loadStateDict: parameter 0: state 'old_dirs\[0\]' has shape \[5\] but LBFGS's vectors have shape \[6\] \(all parameters, flattened\)/);
    saved.state[0]!.old_dirs = ['x'] as never;
    assert.throws(() => a.optimizer.loadStateDict(saved), /state 'old_dirs\[0\]' must be a Tensor, got string/);
    const partial = a.optimizer.stateDict();
    delete partial.state[0]!.ro;
    assert.throws(() => a.optimizer.loadStateDict(partial), /the state has func_evals, .* but LBFGS keeps func_evals, n_iter and, after its first iteration, d, t, old_dirs/);
    const adam = new nb.optim.Adam([nb.zeros([6], f64).requiresGrad_(true)]);
    assert.throws(() => adam.loadStateDict(a.optimizer.stateDict() as never), /Adam.loadStateDict/);
  });
});
