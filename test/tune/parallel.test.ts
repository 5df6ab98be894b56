import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { tune as tuneNode } from '../../src/node.js';
import { objective } from './objective-fixture.js';

const { tune } = nb;
const objectiveModule = new URL('./objective-fixture.ts', import.meta.url);
const space = { lr: tune.logUniform(1e-4, 1) };

test('runParallel: the same trials, seeds and values as the sequential runner; one thread per trial; failures recorded', async () => {
  const sequential = await tune.run({ space: { lr: space.lr, fail: tune.choice([false, true]) }, numTrials: 8, seed: 4, objective });
  const parallel = await tuneNode.runParallel({ space: { lr: space.lr, fail: tune.choice([false, true]) }, numTrials: 8, seed: 4, objectiveModule, numWorkers: 2, threadsPerTrial: 1 });
  assert.deepEqual(parallel.trials.map((t) => [t.id, t.params, t.seed, t.status, t.value, t.error]), sequential.trials.map((t) => [t.id, t.params, t.seed, t.status, t.value, t.error]));
  assert.ok(parallel.trials.some((t) => t.status === 'failed' && t.error === 'planned failure'));
  for (const t of parallel.trials.filter((x) => x.status === 'completed')) assert.equal(t.metrics!.threads, 1);
});

test('runParallel: successive halving across workers keeps the best; bad modules and options are errors', async () => {
  const results = await tuneNode.runParallel({
    space: { lr: space.lr }, numTrials: 12, seed: 1, objectiveModule, numWorkers: 2,
    earlyStopping: new tune.SuccessiveHalving({ reductionFactor: 3 }),
  });
  const best = results.best()!;
  assert.equal(best.intermediate.length, 9);
  assert.ok(results.trials.filter((t) => t.status === 'pruned').length >= 4);
  await assert.rejects(tuneNode.runParallel({ space: { lr: space.lr }, numTrials: 2, objectiveModule: new URL('../../src/tune/space.ts', import.meta.url), numWorkers: 1 }), /exports no objective function/);
  await assert.rejects(tuneNode.runParallel({ space: { lr: space.lr }, numTrials: 2, objectiveModule, numWorkers: 0 }), /numWorkers must be an integer >= 1/);
  await assert.rejects(tuneNode.runParallel({ space: { lr: space.lr }, objective: () => 0 } as never), /unknown option 'objective'/);
});
