/**
 * Random search on log scales vs grid search at the same budget (the course's argument): tune the
 * learning rate, batch size and weight decay of an MLP on scikit-learn's 8x8 digits (bundled),
 * minimising the dev error after a few epochs of SGD with momentum. Appends a table to
 * bench/RESULTS.md with --record.
 *
 *   nice npx tsx bench/tune-digits.ts [--budget 16] [--epochs 5] [--repeats 5] [--record]
 */
import { appendFileSync } from 'node:fs';
import * as nb from '../src/index.js';

const { data, nn, optim, tune, train, metrics } = nb;

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}
const budget = flag('budget', 16);
const epochs = flag('epochs', 5);
const repeats = flag('repeats', 5);
nb.setNumThreads(1);

const digits = data.loadDigits();
const x = digits.features.div(16);
const split = data.splitIndices(x.shape[0]!, { dev: 300, test: 300, seed: 0, stratify: digits.labels });
const part = (idx: number[]) => ({ x: x.indexSelect(0, nb.tensor(idx, { dtype: 'int32' })), y: digits.labels.indexSelect(0, nb.tensor(idx, { dtype: 'int32' })) });
const [trainSet, devSet, testSet] = [part(split.train), part(split.dev), part(split.test)];

async function errorOf(params: nb.tune.Params, seed: number): Promise<{ dev: number; test: number }> {
  const model = new nn.Sequential(new nn.Linear(64, 128), new nn.ReLU(), new nn.Linear(128, 10));
  const loader = new data.DataLoader(new data.TensorDataset(trainSet.x, trainSet.y), { batchSize: params.batchSize as number, shuffle: true, seed });
  await train.fit(model, {
    train: loader,
    loss: (o, t) => nb.F.crossEntropy(o, t),
    optimizer: new optim.SGD(model.parameters(), { lr: params.lr as number, momentum: 0.9, weightDecay: params.weightDecay as number }),
    epochs,
    verbose: 0,
  });
  const err = (s: { x: nb.Tensor; y: nb.Tensor }) => 1 - metrics.accuracy(nb.noGrad(() => model.forward(s.x)).argmax(1), s.y);
  return { dev: err(devSet), test: err(testSet) };
}

const space = {
  lr: tune.logUniform(1e-4, 1),
  batchSize: tune.intUniform(16, 256, { log: true }),
  weightDecay: tune.logUniform(1e-6, 1e-2),
};
// The grid spends the same budget: 4 learning rates x 2 batch sizes x 2 weight decays for 16.
const gridPoints = budget === 16 ? { lr: 4, batchSize: 2, weightDecay: 2 } : { lr: Math.round(budget ** (1 / 3)), batchSize: Math.round(budget ** (1 / 3)), weightDecay: Math.round(budget ** (1 / 3)) };

interface Row { strategy: string; repeat: number; bestDev: number; test: number; lrs: number; bestLr: number; seconds: number }
const rows: Row[] = [];
for (let r = 0; r < repeats; r++) {
  for (const [name, strategy] of [['random (log scales)', tune.randomSearch(budget)], ['grid', tune.gridSearch({ points: gridPoints })]] as const) {
    const start = performance.now();
    const tests = new Map<number, number>();
    const results = await tune.run({
      space, strategy, seed: 100 + r, metric: 'dev error',
      objective: async (p, trial) => {
        const e = await errorOf(p, trial.seed);
        tests.set(trial.id, e.test);
        return e.dev;
      },
    });
    const best = results.best()!;
    rows.push({ strategy: name, repeat: r, bestDev: best.value!, test: tests.get(best.id)!, lrs: new Set(results.trials.map((t) => t.params.lr)).size, bestLr: best.params.lr as number, seconds: (performance.now() - start) / 1000 });
    console.log(results.toString());
    console.log('');
  }
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
const mean = (vs: number[]) => vs.reduce((a, b) => a + b, 0) / vs.length;
const lines = [
  '',
  `## Random (log-scale) vs grid search, digits MLP (${new Date().toISOString().slice(0, 10)})`,
  '',
  `bench/tune-digits.ts: MLP 64-128-10 on scikit-learn's digits (1197 train / 300 dev / 300 test, stratified), SGD momentum 0.9,`,
  `${epochs} epochs per trial, ${budget} trials per search; tuned: lr in [1e-4, 1] (log), batch size in [16, 256] (log, integer),`,
  `weight decay in [1e-6, 1e-2] (log). Grid: ${Object.entries(gridPoints).map(([k, v]) => `${v} ${k}`).join(' x ')}, geometric. One wasm thread, run under nice on the shared 2-core machine.`,
  '',
  '| search | repeat (seed) | best dev error | its test error | distinct learning rates tried | best lr | seconds |',
  '| --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map((row) => `| ${row.strategy} | ${row.repeat} | ${pct(row.bestDev)} | ${pct(row.test)} | ${row.lrs} | ${row.bestLr.toExponential(2)} | ${row.seconds.toFixed(1)} |`),
  ...['random (log scales)', 'grid'].map((s) => {
    const rs = rows.filter((row) => row.strategy === s);
    return `| **${s}, mean** | | ${pct(mean(rs.map((row) => row.bestDev)))} | ${pct(mean(rs.map((row) => row.test)))} | | | |`;
  }),
  '',
];
console.log(lines.join('\n'));
if (process.argv.includes('--record')) appendFileSync(new URL('RESULTS.md', import.meta.url), lines.join('\n'));
