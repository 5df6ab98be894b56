/** precomputeFeatures and fineTuneGroups: the transfer-learning recipe's tools. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';

const { vision, nn, optim } = nb;

describe('precomputeFeatures', () => {
  test('equals the backbone in eval mode, batch by batch, without gradients, and restores train mode', () => {
    nb.manualSeed(4);
    const backbone = new nn.Sequential(new nn.Conv2d(1, 4, 3), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.Dropout(0.5), new nn.Flatten());
    backbone.train();
    const images = nb.rand([10, 1, 5, 5]);
    const features = vision.precomputeFeatures(backbone, images, { batchSize: 3 });
    assert.ok(backbone.training && backbone.at(1).training, 'modes restored');
    backbone.eval();
    const expected = nb.noGrad(() => backbone.forward(images));
    assert.deepEqual(features.shape, [10, 4 * 3 * 3]);
    assert.deepEqual([...features.toTypedArray()], [...expected.toTypedArray()]);
    assert.equal(features.requiresGrad, false);
  });

  test('errors', () => {
    const backbone = new nn.Flatten();
    assert.throws(() => vision.precomputeFeatures(backbone, nb.zeros([0, 2])), /images must be a non-empty batch/);
    assert.throws(() => vision.precomputeFeatures(backbone, nb.zeros([2, 2]), { batchSize: 0 }), /batchSize must be an integer >= 1/);
    assert.throws(() => vision.precomputeFeatures(backbone, nb.zeros([2, 2]), { batch: 2 } as never), /unknown option 'batch'/);
  });
});

describe('fineTuneGroups', () => {
  const model = () => new nn.Sequential(new nn.Linear(4, 4), new nn.ReLU(), new nn.Linear(4, 4), new nn.Linear(4, 2));

  test('freezes everything but the head and the blocks, which get their own learning rates', () => {
    const m = model();
    const groups = vision.fineTuneGroups(m, { head: ['3'], lr: 0.01, blocks: ['2'] });
    assert.equal(groups.length, 2);
    assert.equal(groups[0]!.lr, 0.01);
    assert.equal(groups[1]!.lr, 0.001);
    const trainable = [...m.namedParameters()].filter(([, p]) => p.requiresGrad).map(([name]) => name);
    assert.deepEqual(trainable, ['2.weight', '2.bias', '3.weight', '3.bias']);
    // One Adam step moves only the unfrozen parameters.
    const optimizer = new optim.Adam(groups);
    const values = (key: string): number[] => [...m.stateDict()[key]!.toTypedArray()];
    const frozenBefore = values('0.weight');
    const blockBefore = values('2.weight');
    m.forward(nb.rand([3, 4])).sum().backward();
    optimizer.step();
    assert.deepEqual(values('0.weight'), frozenBefore);
    assert.notDeepEqual(values('2.weight'), blockBefore);
  });

  test('head only: one group; errors name the modules', () => {
    const m = model();
    assert.equal(vision.fineTuneGroups(m, { head: ['3'], lr: 0.1 }).length, 1);
    assert.throws(() => vision.fineTuneGroups(m, { head: ['fc'], lr: 0.1 }), /no module named 'fc' in Sequential; modules: 0, 1, 2, 3/);
    assert.throws(() => vision.fineTuneGroups(m, { head: ['1'], lr: 0.1 }), /the head \(1\) has no parameters/);
    assert.throws(() => vision.fineTuneGroups(m, { head: ['3'], lr: 0.1, blocks: ['3'] }), /a module is both in head and in blocks/);
    assert.throws(() => vision.fineTuneGroups(m, { head: ['3'], lr: -1 }), /lr must be a number >= 0/);
    assert.throws(() => vision.fineTuneGroups(m, { head: '3', lr: 0.1 } as never), /head must be an array of module names/);
    assert.throws(() => vision.fineTuneGroups(m, { head: ['3'], lr: 0.1, epochs: 2 } as never), /unknown option 'epochs'/);
  });
});
