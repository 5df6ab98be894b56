/** data.DataLoader from 'nabla/node' with numWorkers: the transform on worker threads, identical to numWorkers 0. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { data as nodeData } from '../../src/node.js';
import { augment } from './augment-module-fixture.js';

const module = new URL('./augment-module-fixture.ts', import.meta.url);
const images = nb.rand([20, 1, 8, 8], { generator: new nb.Generator(2) });
const dataset = new nb.data.TensorDataset(images, nb.arange(20));

async function epochs(loader: AsyncIterable<[nb.Tensor, nb.Tensor]>, count: number): Promise<unknown[]> {
  const out: unknown[] = [];
  for (let e = 0; e < count; e++) for await (const [x, y] of loader) out.push([x.toArray(), y.toArray()]);
  return out;
}

describe('DataLoader with worker threads', () => {
  test('numWorkers 2 gives exactly the batches of numWorkers 0 and of the browser DataLoader, in order, epoch after epoch', async () => {
    const options = { batchSize: 3, shuffle: true, seed: 4 };
    const reference = await epochs(new nb.data.DataLoader(dataset, { ...options, transform: augment }), 3);
    const main = await epochs(new nodeData.DataLoader(dataset, { ...options, transform: { module, exportName: 'augment' } }), 3);
    const workers = new nodeData.DataLoader(dataset, { ...options, transform: { module }, numWorkers: 2, prefetchFactor: 1 });
    try {
      assert.deepEqual(main, reference);
      assert.deepEqual(await epochs(workers, 3), reference);
      assert.equal(reference.length, 21);
    } finally {
      await workers.close();
    }
  });

  test('fit trains from a worker loader with stepsPerEpoch, and stopping mid-epoch is clean', async () => {
    const loader = new nodeData.DataLoader(dataset, { batchSize: 4, shuffle: true, seed: 1, transform: { module }, numWorkers: 2 });
    const model = new nb.nn.Sequential(new nb.nn.Flatten(), new nb.nn.Linear(64, 20));
    try {
      const history = await nb.train.fit(model, { train: loader, loss: (o, t) => nb.F.crossEntropy(o, t), optimizer: new nb.optim.SGD(model.parameters(), { lr: 0.1 }), epochs: 3, stepsPerEpoch: 7, verbose: 0 });
      assert.equal(history.get('loss').length, 3);
      assert.ok(history.get('loss').every(Number.isFinite));
    } finally {
      await loader.close();
    }
  });

  test('errors say what is wrong', async () => {
    const make = (options: nodeData.WorkerDataLoaderOptions<unknown, unknown>) => new nodeData.DataLoader(dataset, options);
    assert.throws(() => make({ transform: augment, numWorkers: 2 }), /with numWorkers > 0 the transform must come from a module the workers can import/);
    assert.throws(() => make({ numWorkers: 2 }), /numWorkers > 0 runs the transform on worker threads, but there is no transform/);
    assert.throws(() => make({ numWorkers: -1 }), /DataLoader: option 'numWorkers' must be a non-negative integer, got number -1/);
    assert.throws(() => make({ numWorkers: 1.5 }), /must be a non-negative integer, got number 1.5/);
    assert.throws(() => make({ numWorkers: '2' as never }), /must be a non-negative integer, got string '2'/);
    assert.throws(() => make({ prefetchFactor: 0 }), /option 'prefetchFactor' must be a positive integer/);
    assert.throws(() => make({ transform: { module, export: 'augment' } as never }), /option 'transform' must be a function or \{ module: path or URL, exportName\?: string \}/);
    assert.throws(() => [...make({ transform: { module } })], /iterate with `for await/);

    const missing = make({ batchSize: 4, transform: { module, exportName: 'notATransform' }, numWorkers: 1 });
    await assert.rejects(epochs(missing as AsyncIterable<[nb.Tensor, nb.Tensor]>, 1), /DataLoader: a worker could not load the transform: .*augment-module-fixture.ts has no export notATransform that is a transform function/);
    await missing.close();
    const broken = make({ batchSize: 4, transform: { module, exportName: 'broken' }, numWorkers: 2 });
    await assert.rejects(epochs(broken as AsyncIterable<[nb.Tensor, nb.Tensor]>, 1), /DataLoader: the transform failed in a worker: broken on purpose/);
    await broken.close();
    await assert.rejects(epochs(make({ transform: { module, exportName: 'nope' } }) as AsyncIterable<[nb.Tensor, nb.Tensor]>, 1), /DataLoader: .*has no export nope that is a transform function/);
  });
});
