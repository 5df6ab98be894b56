/** Every learning-rate scheduler reproduces torch's lr sequence (and OneCycleLR's momentum) over 50 steps. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { readFixture } from './fixtures.js';

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
