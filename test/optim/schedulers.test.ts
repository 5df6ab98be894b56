/** Every learning-rate scheduler reproduces torch's lr sequence (and OneCycleLR's momentum) over 50 steps. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { readFixture } from '../helpers/fixtures.js';

const { optim } = nb;
const S = optim.lrScheduler;

interface OptimizerSpec {
  optimizer: 'SGD' | 'Adam';
  lrs: [number, number];
  options: Record<string, unknown>;
}

interface SchedulerCase {
  scheduler: string;
  args: Record<string, unknown>;
  options: Record<string, unknown>;
  optimizer: OptimizerSpec;
  lrs: number[][];
  momenta?: number[][];
  metrics?: number[];
}

const LAMBDAS: Record<string, (t: number) => number> = {
  poly: (t) => (1 - t / 60) ** 2,
  invsqrt: (t) => 1 / Math.sqrt(t + 1),
  exp95: (t) => 0.95 ** t,
};

function makeOptimizer(spec: OptimizerSpec): nb.optim.Optimizer {
  const groups = [
    { params: [nb.zeros([2], { requiresGrad: true })], lr: spec.lrs[0] },
    { params: [nb.zeros([3], { requiresGrad: true })], lr: spec.lrs[1] },
  ];
  return spec.optimizer === 'SGD' ? new optim.SGD(groups, spec.options) : new optim.Adam(groups, spec.options);
}

type Scheduler = nb.optim.lrScheduler.LRScheduler | nb.optim.lrScheduler.ReduceLROnPlateau;

function makeScheduler(c: SchedulerCase, opt: nb.optim.Optimizer): Scheduler {
  const num = (key: string): number => c.args[key] as number;
  const o = c.options;
  switch (c.scheduler) {
    case 'StepLR': return new S.StepLR(opt, num('stepSize'), o);
    case 'MultiStepLR': return new S.MultiStepLR(opt, c.args.milestones as number[], o);
    case 'ExponentialLR': return new S.ExponentialLR(opt, num('gamma'), o);
    case 'LambdaLR': {
      const fns = (c.args.lambdas as string[]).map((k) => LAMBDAS[k]!);
      return new S.LambdaLR(opt, fns.length === 1 ? fns[0]! : fns, o);
    }
    case 'CosineAnnealingLR': return new S.CosineAnnealingLR(opt, num('tMax'), o);
    case 'LinearLR': return new S.LinearLR(opt, o);
    case 'OneCycleLR': return new S.OneCycleLR(opt, c.args.maxLr as number | number[], o);
    case 'ReduceLROnPlateau': return new S.ReduceLROnPlateau(opt, o);
    case 'InverseTimeLR': return new S.InverseTimeLR(opt, num('decayRate'), o);
    case 'PowerLR': return new S.PowerLR(opt, num('decaySteps'), num('power'), o);
    case 'ExponentialDecayLR': return new S.ExponentialDecayLR(opt, num('decaySteps'), o);
    case 'InverseSqrtLR': return new S.InverseSqrtLR(opt, o);
    default: throw new Error(`unknown scheduler ${c.scheduler}`);
  }
}

function momenta(opt: nb.optim.Optimizer): number[] {
  return opt.paramGroups.map((g) => {
    const group = g as typeof g & { betas?: [number, number]; momentum?: number };
    return group.betas?.[0] ?? group.momentum ?? 0;
  });
}

function assertClose(got: number[], expected: number[], what: string): void {
  got.forEach((v, i) => {
    const e = expected[i]!;
    assert.ok(Math.abs(v - e) <= 1e-12 * Math.max(Math.abs(e), 1e-3), `${what} group ${i}: ${v} vs torch ${e}`);
  });
}

const { cases } = readFixture<{ cases: SchedulerCase[] }>('optim-schedulers.json');

describe('schedulers match torch over 50 steps', () => {
  for (const c of cases) {
    test(`${c.scheduler} ${JSON.stringify(c.args)} ${JSON.stringify(c.options)}`, () => {
      const opt = makeOptimizer(c.optimizer);
      const scheduler = makeScheduler(c, opt);
      const lrs = (): number[] => opt.paramGroups.map((g) => g.lr);
      assertClose(lrs(), c.lrs[0]!, 'initial lr');
      if (c.momenta) assertClose(momenta(opt), c.momenta[0]!, 'initial momentum');
      for (let t = 0; t < c.lrs.length - 1; t++) {
        opt.step();
        if (scheduler instanceof S.ReduceLROnPlateau) scheduler.step(c.metrics![t]!);
        else scheduler.step();
        assertClose(lrs(), c.lrs[t + 1]!, `step ${t + 1} lr`);
        assertClose(scheduler.getLastLr(), c.lrs[t + 1]!, `step ${t + 1} getLastLr`);
        if (c.momenta) assertClose(momenta(opt), c.momenta[t + 1]!, `step ${t + 1} momentum`);
      }
    });
  }
});

describe('scheduler state and errors', () => {
  const sgd = (lr = 0.1): nb.optim.SGD => new optim.SGD([nb.zeros([2], { requiresGrad: true })], { lr, momentum: 0.9 });

  test('stateDict round trip: a scheduler restored at epoch 10 continues the same sequence', () => {
    const makers: [string, (o: nb.optim.Optimizer) => nb.optim.lrScheduler.LRScheduler][] = [
      ['StepLR', (o) => new S.StepLR(o, 4, { gamma: 0.5 })],
      ['CosineAnnealingLR', (o) => new S.CosineAnnealingLR(o, 7, { etaMin: 0.01 })],
      ['OneCycleLR', (o) => new S.OneCycleLR(o, 1, { totalSteps: 30 })],
      ['PowerLR', (o) => new S.PowerLR(o, 5, 1.5, { staircase: true })],
    ];
    for (const [name, make] of makers) {
      const opt = sgd();
      const scheduler = make(opt);
      for (let i = 0; i < 10; i++) scheduler.step();
      const saved = { optimizer: opt.stateDict(), scheduler: scheduler.stateDict() };
      const opt2 = sgd(0.7);
      opt2.loadStateDict(saved.optimizer);
      const scheduler2 = make(opt2);
      scheduler2.loadStateDict(saved.scheduler);
      assert.deepEqual(scheduler2.getLastLr(), scheduler.getLastLr(), name);
      for (let i = 0; i < 15; i++) {
        scheduler.step();
        scheduler2.step();
        assert.deepEqual(scheduler2.getLastLr(), scheduler.getLastLr(), `${name} step ${i + 11}`);
        assert.deepEqual(opt2.paramGroups.map((g) => g.momentum), opt.paramGroups.map((g) => g.momentum), `${name} momentum`);
      }
    }
  });

  test('ReduceLROnPlateau state round trip', () => {
    const opt = sgd();
    const plateau = new S.ReduceLROnPlateau(opt, { patience: 1 });
    for (const m of [1, 0.9, 0.95, 0.97]) plateau.step(m);
    const opt2 = sgd();
    opt2.loadStateDict(opt.stateDict());
    const plateau2 = new S.ReduceLROnPlateau(opt2, { patience: 1 });
    plateau2.loadStateDict(plateau.stateDict());
    assert.equal(plateau2.best, 0.9);
    for (const m of [0.96, 0.99, 0.5, 0.6, 0.7]) {
      plateau.step(m);
      plateau2.step(nb.tensor(m, { dtype: 'float64' }));
      assert.deepEqual(plateau2.getLastLr(), plateau.getLastLr());
    }
    assert.throws(() => plateau2.loadStateDict({ bogus: 1 }), /ReduceLROnPlateau\.loadStateDict: unexpected key 'bogus'/);
  });

  test('LambdaLR keeps its functions out of the state dict', () => {
    const scheduler = new S.LambdaLR(sgd(), (t) => 1 / (t + 1));
    assert.equal('lrLambdas' in scheduler.stateDict(), false);
    assert.throws(() => scheduler.loadStateDict({ lrLambdas: [] }), /unexpected key 'lrLambdas'/);
  });

  test('errors name the scheduler and the option', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => new S.StepLR(sgd(), 0), /StepLR: stepSize must be a positive integer, got 0/],
      [() => new S.MultiStepLR(sgd(), [1.5]), /MultiStepLR: milestones must be an array of integer epochs/],
      [() => new S.CosineAnnealingLR(sgd(), -1), /CosineAnnealingLR: tMax must be a positive integer/],
      [() => new S.LinearLR(sgd(), { startFactor: 0 }), /LinearLR: startFactor must be in \(0, 1\], got 0/],
      [() => new S.LinearLR(sgd(), { endFactor: 2 }), /LinearLR: endFactor must be in \[0, 1\], got 2/],
      [() => new S.LambdaLR(sgd(), [(t: number) => t, (t: number) => t]), /LambdaLR: expected 1 values of lrLambda \(one per parameter group\), got 2/],
      [() => new S.OneCycleLR(sgd(), 1), /OneCycleLR: give either totalSteps or both epochs and stepsPerEpoch/],
      [() => new S.OneCycleLR(sgd(), 1, { totalSteps: 10, pctStart: 1.5 }), /OneCycleLR: pctStart must be in \[0, 1\], got 1\.5/],
      [() => new S.OneCycleLR(sgd(), 1, { totalSteps: 10, annealStrategy: 'cubic' as 'cos' }), /annealStrategy must be 'cos' or 'linear'/],
      [() => new S.OneCycleLR(new optim.Adagrad([nb.zeros([1], { requiresGrad: true })]), 1, { totalSteps: 10 }), /OneCycleLR: cycleMomentum needs an optimizer with a momentum or betas option/],
      [() => new S.ReduceLROnPlateau(sgd(), { factor: 1 }), /ReduceLROnPlateau: factor must be < 1, got 1/],
      [() => new S.ReduceLROnPlateau(sgd(), { mode: 'up' as 'min' }), /ReduceLROnPlateau: mode must be 'min' or 'max', got up/],
      [() => new S.ReduceLROnPlateau(sgd(), { minLr: [0, 0] }), /ReduceLROnPlateau: expected 1 values of minLr/],
      [() => new S.StepLR(sgd(), 3, { lastEpoch: 5 }), /StepLR: parameter group 0 has no initialLr, which resuming a schedule \(lastEpoch 5\) needs/],
      [() => new S.InverseTimeLR(sgd(), -1), /InverseTimeLR: decayRate must be >= 0, got -1/],
      [() => new S.PowerLR(sgd(), 0, 1), /PowerLR: decaySteps must be a positive number, got 0/],
      [() => new S.ExponentialDecayLR(sgd(), 10, { decayRate: 0 }), /ExponentialDecayLR: decayRate must be > 0/],
      [() => new S.InverseSqrtLR(sgd(), { k: -1 }), /InverseSqrtLR: k must be > 0/],
      [() => new S.StepLR({} as nb.optim.Optimizer, 1), /StepLR: expected an optimizer/],
    ];
    for (const [make, pattern] of cases) assert.throws(make, pattern);
    const cycle = new S.OneCycleLR(sgd(), 1, { totalSteps: 3 });
    for (let i = 0; i < 3; i++) cycle.step();
    assert.throws(() => cycle.step(), /OneCycleLR: step\(\) was called 4 times, past the end of the schedule \(totalSteps 3\)/);
  });

  test("torch's optional arguments positionally equal the options form; extra or doubled ones are errors", () => {
    const lrs = (make: (opt: nb.optim.SGD) => { step(): void }): number[] => {
      const opt = sgd();
      const scheduler = make(opt);
      return Array.from({ length: 6 }, () => {
        scheduler.step();
        return opt.paramGroups[0]!.lr;
      });
    };
    // StepLR(opt, 2, 0.5) once silently ignored the 0.5 (gamma stayed 0.1).
    assert.deepEqual(lrs((o) => new S.StepLR(o, 2, 0.5)), lrs((o) => new S.StepLR(o, 2, { gamma: 0.5 })));
    assert.notDeepEqual(lrs((o) => new S.StepLR(o, 2, 0.5)), lrs((o) => new S.StepLR(o, 2)));
    assert.deepEqual(lrs((o) => new S.MultiStepLR(o, [1, 3], 0.3)), lrs((o) => new S.MultiStepLR(o, [1, 3], { gamma: 0.3 })));
    assert.deepEqual(lrs((o) => new S.CosineAnnealingLR(o, 5, 0.01)), lrs((o) => new S.CosineAnnealingLR(o, 5, { etaMin: 0.01 })));
    assert.deepEqual(lrs((o) => new S.LinearLR(o, 0.5, 1, 4)), lrs((o) => new S.LinearLR(o, { startFactor: 0.5, totalIters: 4 })));
    assert.deepEqual(lrs((o) => new S.LinearLR(o, 0.5, { totalIters: 4 })), lrs((o) => new S.LinearLR(o, { startFactor: 0.5, totalIters: 4 })));
    assert.deepEqual(lrs((o) => new S.OneCycleLR(o, 1, 10)), lrs((o) => new S.OneCycleLR(o, 1, { totalSteps: 10 })));
    const plateau = new S.ReduceLROnPlateau(sgd(), 'max', 0.5, 0);
    assert.deepEqual([plateau.mode, plateau.factor, plateau.patience], ['max', 0.5, 0]);
    const cases: [() => unknown, RegExp][] = [
      [() => new S.StepLR(sgd(), 2, 0.5, -1, 7 as never), /StepLR: too many arguments: it takes at most 2 optional arguments \(gamma, lastEpoch\) and an options object, got 1 more \(number 7\)/],
      [() => new S.StepLR(sgd(), 2, 0.5, { gamma: 0.3 }), /StepLR: gamma was given both as an argument and as an option/],
      [() => new S.StepLR(sgd(), 2, 'half' as never), /StepLR: gamma must be a finite number, got half/],
      [() => new S.ExponentialLR(sgd(), 0.9, -1, 3 as never), /ExponentialLR: too many arguments/],
      [() => new S.InverseTimeLR(sgd(), 0.5, 10 as never), /InverseTimeLR: too many arguments: it takes only an options object after the required arguments, got 1 more \(number 10\)/],
      [() => new S.ReduceLROnPlateau(sgd(), 'min', { mode: 'max' }), /ReduceLROnPlateau: mode was given both/],
      [() => new S.StepLR(sgd(), 2, { gama: 0.5 } as never), /unknown option 'gama' for StepLR; did you mean 'gamma'/],
    ];
    for (const [make, pattern] of cases) assert.throws(make, pattern);
    // loadStateDict takes one state dict, as the optimizers' and the scalers' do.
    const step = new S.StepLR(sgd(), 2);
    assert.throws(() => (step.loadStateDict as (...args: unknown[]) => unknown)(step.stateDict(), true), /StepLR\.loadStateDict: too many arguments: it takes one state dict, got 1 more \(boolean true\)/);
    const opt = sgd();
    assert.throws(() => (opt.loadStateDict as (...args: unknown[]) => unknown)(opt.stateDict(), false), /SGD\.loadStateDict: too many arguments/);
    const scaler = new nb.data.StandardScaler().fit(nb.rand([4, 2]));
    assert.throws(() => (scaler.loadStateDict as (...args: unknown[]) => unknown)(scaler.stateDict(), {}, 1), /StandardScaler\.loadStateDict: too many arguments: it takes a state dict and an options object/);
    assert.throws(() => scaler.loadStateDict(scaler.stateDict(), { strikt: true } as never), /unknown option 'strikt' for StandardScaler\.loadStateDict; did you mean 'strict'/);
    assert.throws(() => scaler.loadStateDict({ ...scaler.stateDict(), extra: nb.zeros([1]) }), /StandardScaler\.loadStateDict: unexpected keys "extra"/);
    scaler.loadStateDict({ ...scaler.stateDict(), extra: nb.zeros([1]) }, { strict: false });
  });

  test('resuming with lastEpoch continues from the groups initialLr', () => {
    const opt = sgd();
    const first = new S.ExponentialLR(opt, 0.5);
    for (let i = 0; i < 3; i++) first.step();
    const resumed = new S.ExponentialLR(opt, 0.5, { lastEpoch: 3 });
    assert.equal(resumed.lastEpoch, 4);
    assert.ok(Math.abs(resumed.getLastLr()[0]! - 0.1 * 0.5 ** 4) < 1e-15);
    assert.deepEqual(resumed.baseLrs, [0.1]);
  });
});
