/** On-the-fly augmentation in the DataLoader: the `transform` option. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { data, optim, train } from '../../src/index.js';

const T = data.transforms;
const images = nb.rand([10, 1, 6, 6], { generator: new nb.Generator(1) });
const labels = nb.arange(10);
const dataset = new data.TensorDataset(images, labels);
const augment = T.compose([T.randomRotation(30, { fillMode: 'nearest' }), T.randomHorizontalFlip()]);

/** Every batch of `epochs` epochs, as plain arrays. */
function epochsOf(loader: Iterable<[nb.Tensor, nb.Tensor]>, epochs: number): { x: unknown; y: unknown }[][] {
  return Array.from({ length: epochs }, () => [...loader].map(([x, y]) => ({ x: x.toArray(), y: y.toArray() })));
}

describe('DataLoader transform', () => {
  test('augments the input of every batch and leaves the labels alone', () => {
    // One epoch: the loader's generator draws each epoch's augmentation seed after its shuffle, so later shuffles differ.
    const plain = epochsOf(new data.DataLoader(dataset, { batchSize: 4, shuffle: true, seed: 5 }), 1);
    const augmented = epochsOf(new data.DataLoader(dataset, { batchSize: 4, shuffle: true, seed: 5, transform: augment }), 1);
    assert.deepEqual(augmented.map((e) => e.map((b) => b.y)), plain.map((e) => e.map((b) => b.y)), 'same labels in the same order');
    augmented.flat().forEach((b, i) => assert.notDeepEqual(b.x, plain.flat()[i]!.x, `batch ${i} is augmented`));
    for (const [x] of new data.DataLoader(dataset, { batchSize: 4, transform: augment })) assert.deepEqual(x.shape.slice(1), [1, 6, 6]);
  });

  test('fresh draws every epoch, the same ones again for the same seed', () => {
    const make = (seed: number) => new data.DataLoader(dataset, { batchSize: 5, seed, transform: augment });
    const [first, second] = epochsOf(make(0), 2);
    assert.deepEqual(first!.map((b) => b.y), second!.map((b) => b.y), 'no shuffle: the same samples');
    assert.notDeepEqual(first!.map((b) => b.x), second!.map((b) => b.x), 'but other augmentations');
    assert.deepEqual(epochsOf(make(0), 2), [first, second], 'a seed repeats every epoch');
    assert.notDeepEqual(epochsOf(make(1), 1)[0], first, 'another seed, other draws');
  });

  test('sync and async iteration give the same batches; each batch has its own stream', async () => {
    const make = () => new data.DataLoader(dataset, { batchSize: 3, shuffle: true, seed: 9, transform: augment });
    const sync = epochsOf(make(), 1)[0]!;
    const asyncBatches: unknown[] = [];
    for await (const [x] of make()) asyncBatches.push(x.toArray());
    assert.deepEqual(asyncBatches, sync.map((b) => b.x));
    // Batch b draws from augmentGenerator(epochSeed, b): the same result whatever was drawn before it.
    const loader = make();
    const plan = loader.epochPlan();
    const third = data.augmentGenerator(plan.augmentSeed, 2);
    const expected = augment(dataset.getBatch(plan.batches[2]!)[0], third);
    assert.deepEqual(sync[2]!.x, expected.toArray());
  });

  test('plain tensor batches are transformed whole; other batches are an error that says what is expected', () => {
    const single = new data.DataLoader({ length: 4, get: (i: number) => images.select(0, i) }, { batchSize: 2, seed: 0, transform: T.hflip });
    for (const x of single) assert.deepEqual(x.shape, [2, 1, 6, 6]);
    const objects = new data.DataLoader({ length: 4, get: (i: number) => ({ image: images.select(0, i) }) }, { batchSize: 2, transform: augment });
    assert.throws(() => [...objects], /DataLoader: transform applies to a batch that is a Tensor or an array whose first entry is the input Tensor \(\[x, y\]\), got object \{image\}/);
    const bad = new data.DataLoader(dataset, { batchSize: 2, transform: (() => 3) as never });
    assert.throws(() => [...bad], /DataLoader: the transform must return a Tensor, got number 3/);
  });

  test('junk options are rejected by name', () => {
    assert.throws(() => new data.DataLoader(dataset, { transform: 'flip' } as never), /DataLoader: option 'transform' must be a function, got string 'flip'/);
    assert.throws(() => new data.DataLoader(dataset, { num_workers: 2 } as never), /unknown option 'num_workers' for DataLoader; did you mean 'numWorkers'\?/);
    assert.throws(() => new data.DataLoader(dataset, { numWorkers: 2 }), /DataLoader: option 'numWorkers' must be 0 \(worker threads need data.DataLoader from 'nabla\/node'\), got number 2/);
    assert.throws(() => new data.DataLoader(dataset, { batchsize: 2 } as never), /did you mean 'batchSize'\?/);
    assert.doesNotThrow(() => new data.DataLoader(dataset, { numWorkers: 0 }));
  });

  test('fit trains on the augmented batches, with stepsPerEpoch drawing new passes', async () => {
    const seen: number[][] = [];
    const model = new nb.nn.Sequential(new nb.nn.Flatten(), new nb.nn.Linear(36, 10));
    const loader = new data.DataLoader(dataset, { batchSize: 4, shuffle: true, seed: 2, transform: (x, g) => {
      seen.push([...x.toTypedArray().slice(0, 2)]);
      return augment(x, g);
    } });
    const history = await train.fit(model, { train: loader, loss: (o, t) => nb.F.crossEntropy(o, t), optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }), epochs: 2, stepsPerEpoch: 5, verbose: 0 });
    assert.equal(seen.length, 10, 'one transform call per batch');
    assert.equal(history.get('loss').length, 2);
  });
});
