import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';

const tune = nb.tune;
type Space = nb.tune.Space;
type ParamValue = nb.tune.ParamValue;
type Params = nb.tune.Params;
type TrialContext = nb.tune.TrialContext;
type TuneResultsJSON = nb.tune.TuneResultsJSON;

/** Kolmogorov-Smirnov statistic of samples against the uniform distribution on [a, b]. */
function ksUniform(samples: number[], a: number, b: number): number {
  const sorted = [...samples].sort((x, y) => x - y);
  const n = sorted.length;
  let d = 0;
  sorted.forEach((x, i) => {
    const cdf = (x - a) / (b - a);
    d = Math.max(d, Math.abs(cdf - i / n), Math.abs(cdf - (i + 1) / n));
  });
  return d;
}

function draws(space: Space, n: number, seed = 1): ParamValue[] {
  const rng = new nb.Generator(seed);
  return Array.from({ length: n }, () => tune.sample(space, rng));
}

// The 1% critical value of the one-sample KS test is 1.63 / sqrt(n).
const N = 4000;
const KS_BOUND = 1.63 / Math.sqrt(N);

test('logUniform: log10 of the samples is uniform on [log10 low, log10 high] (KS)', () => {
  const xs = draws(tune.logUniform(1e-4, 1), N) as number[];
  assert.ok(xs.every((x) => x >= 1e-4 && x <= 1));
  assert.ok(ksUniform(xs.map(Math.log10), -4, 0) < KS_BOUND);
  // And the values themselves are far from uniform: a quarter of them fall below 1e-3.
  assert.ok(ksUniform(xs, 1e-4, 1) > 0.3);
  const below = xs.filter((x) => x < 1e-3).length / N;
  assert.ok(Math.abs(below - 0.25) < 0.03, `${below}`);
});

test('oneMinusLogUniform: log10(1 - beta) is uniform; uniform is uniform', () => {
  const betas = draws(tune.oneMinusLogUniform(0.9, 0.999), N) as number[];
  assert.ok(betas.every((b) => b >= 0.9 && b <= 0.999));
  assert.ok(ksUniform(betas.map((b) => Math.log10(1 - b)), -3, -1) < KS_BOUND);
  const us = draws(tune.uniform(-2, 3), N) as number[];
  assert.ok(ksUniform(us, -2, 3) < KS_BOUND);
});

test('intUniform and choice: every value about equally often, both ends included', () => {
  const ints = draws(tune.intUniform(2, 6), N) as number[];
  const counts = [2, 3, 4, 5, 6].map((k) => ints.filter((v) => v === k).length);
  assert.equal(counts.reduce((a, b) => a + b), N);
  // Chi-square with 4 degrees of freedom: 13.28 is the 1% critical value.
  const chi = counts.reduce((s, c) => s + (c - N / 5) ** 2 / (N / 5), 0);
  assert.ok(chi < 13.28, `chi-square ${chi}`);
  const logInts = draws(tune.intUniform(1, 1000, { log: true }), N) as number[];
  assert.ok(logInts.every((v) => Number.isInteger(v) && v >= 1 && v <= 1000));
  // Integer k owns [k - 0.5, k + 0.5] on the log scale, so 1..9 gets log(9.5 / 0.5) / log(1000.5 / 0.5) of the draws.
  const share = (a: number, b: number): number => Math.log(((b + 0.5) / (a - 0.5))) / Math.log(1000.5 / 0.5);
  for (const [a, b] of [[1, 9], [10, 99], [100, 1000]] as const) {
    const f = logInts.filter((v) => v >= a && v <= b).length / N;
    assert.ok(Math.abs(f - share(a, b)) < 0.025, `${a}..${b}: ${f} vs ${share(a, b)}`);
  }
  const picks = draws(tune.choice(['adam', 'sgd']), N);
  assert.ok(Math.abs(picks.filter((v) => v === 'adam').length / N - 0.5) < 0.03);
});

test('spaces reject bad bounds, values and options', () => {
  assert.throws(() => tune.logUniform(0, 1), /logUniform: low must be a finite number above 0, got 0/);
  assert.throws(() => tune.uniform(1, 1), /low must be below high/);
  assert.throws(() => tune.oneMinusLogUniform(0.9, 1), /high must be a finite number below 1/);
  assert.throws(() => tune.intUniform(1.5, 3), /integer/);
  assert.throws(() => tune.intUniform(1, 3, { lg: true } as never), /unknown option 'lg' for tune.intUniform; did you mean 'log'\?/);
  assert.throws(() => tune.choice([]), /non-empty/);
  assert.throws(() => tune.choice([1, 1]), /repeat/);
  assert.throws(() => tune.grid([NaN]), /values\[0\]/);
  assert.throws(() => tune.uniform('0' as never, 1), /low must be a finite number/);
});

test('gridSearch: every combination once, geometric on log spaces', async () => {
  const seen: Params[] = [];
  const results = await tune.run({
    space: { lr: tune.logUniform(1e-3, 1e-1), batch: tune.grid([16, 32, 64]), opt: tune.choice(['adam', 'sgd']) },
    strategy: tune.gridSearch({ points: 3 }),
    objective: (p) => {
      seen.push(p);
      return 0;
    },
  });
  assert.equal(results.trials.length, 18);
  const keys = new Set(seen.map((p) => JSON.stringify(p)));
  assert.equal(keys.size, 18);
  const lrs = [...new Set(seen.map((p) => p.lr as number))].sort((a, b) => a - b);
  assert.equal(lrs.length, 3);
  assert.ok(Math.abs(lrs[0]! - 1e-3) < 1e-15 && Math.abs(lrs[1]! - 1e-2) < 1e-15 && lrs[2] === 1e-1, `${lrs}`);
  for (const lr of lrs) for (const b of [16, 32, 64]) for (const o of ['adam', 'sgd']) assert.ok(keys.has(JSON.stringify({ lr, batch: b, opt: o })));
  assert.throws(() => tune.gridSearch({ points: 0 }), /points must be an integer >= 1/);
  await assert.rejects(tune.run({ space: { a: tune.uniform(0, 1) }, strategy: tune.gridSearch({ points: { b: 2 } }), objective: () => 0 }), /points names 'b'/);
});

test('random search is seeded: same seed, same trials; another seed, other trials', async () => {
  const space = { lr: tune.logUniform(1e-5, 1), momentum: tune.oneMinusLogUniform(0.9, 0.999) };
  const once = async (seed: number) => (await tune.run({ space, numTrials: 5, seed, objective: (p) => p.lr as number })).trials.map((t) => t.params);
  assert.deepEqual(await once(3), await once(3));
  assert.notDeepEqual(await once(3), await once(4));
});

test('coarseToFine: later rounds sample a narrower region around the best trials', async () => {
  const target = -2.5; // the best learning rate is 10^-2.5
  const results = await tune.run({
    space: { lr: tune.logUniform(1e-6, 1), width: tune.intUniform(8, 256) },
    strategy: tune.coarseToFine({ rounds: 3, trialsPerRound: 12, topK: 3 }),
    seed: 5,
    objective: (p) => (Math.log10(p.lr as number) - target) ** 2 + ((p.width as number) - 64) ** 2 / 1e4,
  });
  const spread = (round: number): number => {
    const us = results.trials.filter((t) => t.round === round).map((t) => Math.log10(t.params.lr as number));
    return Math.max(...us) - Math.min(...us);
  };
  assert.equal(results.trials.length, 36);
  assert.ok(spread(1) < spread(0) && spread(2) < spread(1), `spreads ${spread(0)} ${spread(1)} ${spread(2)}`);
  const width = (s: Space): number => (s.kind === 'logUniform' ? Math.log10(s.high / s.low) : NaN);
  const widths = [0, 1, 2].map((r) => width(tune.regionOfRound(results.space, results.trials, 'min', r, 3, 0.1).lr!));
  assert.ok(widths[0] === 6 && widths[1]! < widths[0] && widths[2]! < widths[1]!, `${widths}`);
  // Each round stays inside the region of the previous rounds' top 3, padded by 10% of the range.
  for (const round of [1, 2]) {
    const region = tune.regionOfRound(results.space, results.trials, 'min', round, 3, 0.1);
    const lr = region.lr!;
    assert.equal(lr.kind, 'logUniform');
    for (const t of results.trials.filter((x) => x.round === round)) {
      if (lr.kind === 'logUniform') assert.ok((t.params.lr as number) >= lr.low && (t.params.lr as number) <= lr.high);
    }
  }
  const bestByRound = [0, 1, 2].map((r) => Math.min(...results.trials.filter((t) => t.round <= r).map((t) => t.value!)));
  assert.ok(bestByRound[2]! < bestByRound[0]!);
  assert.ok(Math.abs(Math.log10(results.best()!.params.lr as number) - target) < 0.3);
});

test('SuccessiveHalving keeps the best trial running and stops most of the others early', async () => {
  const epochs = 27;
  let stepsRun = 0;
  const results = await tune.run({
    space: { quality: tune.uniform(0, 1) },
    numTrials: 20,
    seed: 2,
    earlyStopping: new tune.SuccessiveHalving({ minResource: 1, reductionFactor: 3 }),
    objective: (p, trial) => {
      let loss = NaN;
      for (let epoch = 1; epoch <= epochs; epoch++) {
        stepsRun++;
        // Lower quality, lower loss at every epoch: the ranking never changes.
        loss = (p.quality as number) + 1 / epoch;
        trial.report(epoch, loss);
        if (trial.shouldPrune()) break;
      }
      return loss;
    },
  });
  const bestQuality = Math.min(...results.trials.map((t) => t.params.quality as number));
  const best = results.best()!;
  assert.equal(best.params.quality, bestQuality);
  assert.equal(best.status, 'completed');
  assert.equal(best.intermediate.length, epochs);
  const pruned = results.trials.filter((t) => t.status === 'pruned');
  assert.ok(pruned.length >= 10, `${pruned.length} pruned`);
  assert.ok(stepsRun < 0.5 * 20 * epochs, `${stepsRun} steps`);
  assert.throws(() => new tune.SuccessiveHalving({ reductionFactor: 1 }), /reductionFactor must be an integer >= 2/);
});

test('failures and NaN values are recorded, not fatal', async () => {
  const results = await tune.run({
    space: { x: tune.choice([1, 2, 3, 4]) },
    strategy: tune.gridSearch(),
    objective: (p) => {
      if (p.x === 2) throw new Error('out of memory');
      if (p.x === 3) return NaN;
      if (p.x === 4) return 'oops' as never;
      return 0.5;
    },
  });
  assert.deepEqual(results.trials.map((t) => t.status), ['completed', 'failed', 'failed', 'failed']);
  assert.equal(results.trials[1]!.error, 'out of memory');
  assert.equal(results.trials[2]!.error, 'the objective returned NaN');
  assert.match(results.trials[3]!.error!, /not a number or \{ value \}/);
  assert.equal(results.best()!.id, 0);
  const table = results.toString();
  assert.match(table, /4 trials \(3 failed, 0 stopped early\)/);
  assert.match(table, /best: trial 0, value 0.5/);
});

test('resume: an interrupted search picks up where it stopped and ends as an uninterrupted one', async () => {
  const space = { lr: tune.logUniform(1e-4, 1), decay: tune.uniform(0, 0.1) };
  const strategy = () => tune.coarseToFine({ rounds: 2, trialsPerRound: 4, topK: 2 });
  const objective = (p: Params, trial: TrialContext) => Math.abs(Math.log10(p.lr as number) + 2) + (p.decay as number) + nb.rand([1]).item() * 1e-3 + trial.id * 0;
  const full = await tune.run({ space, strategy: strategy(), seed: 9, objective });
  const controller = new AbortController();
  let saved = '';
  await tune.run({
    space, strategy: strategy(), seed: 9, objective, signal: controller.signal,
    onTrialEnd: (trial, results) => {
      saved = JSON.stringify(results);
      if (trial.id === 4) controller.abort();
    },
  });
  const ran: number[] = [];
  const resumed = await tune.run({
    space, strategy: strategy(), seed: 9, resume: JSON.parse(saved) as TuneResultsJSON,
    objective: (p, trial) => {
      ran.push(trial.id);
      return objective(p, trial);
    },
  });
  assert.deepEqual(ran, [5, 6, 7]);
  assert.deepEqual(resumed.trials.map((t) => [t.params, t.value, t.seed]), full.trials.map((t) => [t.params, t.value, t.seed]));
  await assert.rejects(tune.run({ space, strategy: strategy(), seed: 10, objective, resume: JSON.parse(saved) as TuneResultsJSON }), /cannot resume: the results were from seed 9/);
  await assert.rejects(tune.run({ space: { lr: space.lr }, strategy: strategy(), seed: 9, objective, resume: JSON.parse(saved) as TuneResultsJSON }), /different search space/);
  assert.throws(() => tune.TuneResults.fromJSON({ format: 'other' }), /not a tune results file/);
});

test('JSON keeps NaN; run rejects unknown options and non-strategies', async () => {
  const results = await tune.run({ space: { x: tune.uniform(0, 1) }, numTrials: 2, objective: (p, t) => (t.id === 0 ? NaN : (p.x as number)) });
  const back = tune.TuneResults.fromJSON(JSON.parse(JSON.stringify(results)));
  assert.ok(Number.isNaN(back.trials[0]!.value!));
  assert.equal(back.toString(), results.toString());
  await assert.rejects(tune.run({ space: { x: tune.uniform(0, 1) }, objective: () => 0, numTrails: 3 } as never), /unknown option 'numTrails'/);
  await assert.rejects(tune.run({ space: { x: { kind: 'normal' } } as never, objective: () => 0 }), /space 'x' is not a search space/);
  await assert.rejects(tune.run({ space: { x: tune.uniform(0, 1) }, objective: () => 0, mode: 'maximize' as never }), /mode must be 'min' or 'max'/);
});

test('paramsChart draws a log axis for log spaces; bestSoFarChart a curve', async () => {
  const results = await tune.run({
    space: { lr: tune.logUniform(1e-4, 1e-1), beta: tune.oneMinusLogUniform(0.9, 0.999), act: tune.choice(['relu', 'tanh']) },
    numTrials: 12, mode: 'max', metric: 'accuracy',
    objective: (p) => 1 - Math.abs(Math.log10(p.lr as number) + 2.5) / 3,
  });
  const svg = tune.paramsChart(results);
  assert.match(svg, /^<svg/);
  for (const label of ['1e-4', '1e-3', '1e-2', '1e-1', '0.9', '0.99', '0.999', 'relu', 'tanh', 'lr (log)', 'beta (log 1 - x)']) assert.ok(svg.includes(`>${label}<`), label);
  assert.equal((svg.match(/<circle/g) ?? []).length, 36);
  const curve = tune.bestSoFarChart(results);
  assert.match(curve, /best accuracy/);
  const bsf = results.bestSoFar();
  for (let i = 1; i < bsf.length; i++) assert.ok(bsf[i]! >= bsf[i - 1]!);
});
