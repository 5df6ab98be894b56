import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';

const { strategy, nn } = nb;

test('ensemblePredict averages the models\' softmax outputs (or raw outputs) in eval mode', () => {
  nb.manualSeed(0);
  const models = [new nn.Sequential(new nn.Linear(4, 3), new nn.Dropout(0.5)), new nn.Linear(4, 3)];
  const x = nb.randn([5, 4]);
  const expected = nb.noGrad(() => models.map((m) => { m.eval(); const p = nb.F.softmax((m as nb.nn.Module & { forward(x: nb.Tensor): nb.Tensor }).forward(x), 1); m.train(); return p; }));
  const got = strategy.ensemblePredict(models, x);
  const want = expected[0]!.add(expected[1]!).div(2);
  assert.ok(got.sub(want).abs().max().item() < 1e-7);
  assert.ok(got.sum(1).sub(1).abs().max().item() < 1e-6);
  assert.ok(models.every((m) => m.training), 'modes restored');
  const raw = strategy.ensemblePredict([models[1]!, models[1]!], x, { transform: 'none' });
  assert.ok(raw.sub(nb.noGrad(() => models[1]!.forward(x))).abs().max().item() < 1e-7);
  assert.throws(() => strategy.ensemblePredict([], x), /non-empty/);
  assert.throws(() => strategy.ensemblePredict([new nn.Linear(4, 3), new nn.Linear(4, 2)], x), /model 1 gave shape \[5, 2\], model 0 \[5, 3\]/);
  assert.throws(() => strategy.ensemblePredict(models, x, { transfrom: 'none' } as never), /unknown option 'transfrom'/);
});

test('tenCrop: torchvision\'s order (corners, centre, then the mirror image\'s) and centre offsets rounded half to even', () => {
  const img = nb.arange(25).reshape([1, 1, 5, 5]).float();
  const crops = strategy.tenCrop(img, 3);
  assert.deepEqual(crops.shape, [10, 1, 1, 3, 3]);
  const firstRow = (k: number) => Array.from(crops.select(0, k).reshape([9]).toTypedArray()).slice(0, 3);
  assert.deepEqual([0, 1, 2, 3, 4].map(firstRow), [[0, 1, 2], [2, 3, 4], [10, 11, 12], [12, 13, 14], [6, 7, 8]]);
  // The mirror image's top-left crop is the original's top-right, reversed.
  assert.deepEqual(firstRow(5), [4, 3, 2]);
  assert.deepEqual(firstRow(9), [8, 7, 6]);
  // (6 - 1) / 2 = 2.5 rounds to 2, (4 - 1) / 2 = 1.5 rounds to 2: Python's round().
  const six = nb.arange(36).reshape([1, 1, 6, 6]).float();
  assert.equal(strategy.tenCrop(six, 1).select(0, 4).item(), 2 * 6 + 2);
  const four = nb.arange(16).reshape([1, 1, 4, 4]).float();
  assert.equal(strategy.tenCrop(four, 1).select(0, 4).item(), 2 * 4 + 2);
  assert.equal(strategy.tenCrop(img, 3, { verticalFlip: true }).select(0, 5).reshape([9]).toTypedArray()[0], 20);
  assert.throws(() => strategy.tenCrop(img, 6), /no larger than the images' \[5, 5\]/);
});

test('multiCropPredict averages the model over the ten crops', () => {
  nb.manualSeed(1);
  const model = new nn.Sequential(new nn.Flatten(), new nn.Linear(9, 4));
  const images = nb.randn([2, 1, 5, 5]);
  const crops = strategy.tenCrop(images, 3);
  let sum = nb.zeros([2, 4]);
  for (let k = 0; k < 10; k++) sum = sum.add(nb.F.softmax(nb.noGrad(() => model.forward(crops.select(0, k))), 1));
  assert.ok(strategy.multiCropPredict(model, images, 3).sub(sum.div(10)).abs().max().item() < 1e-6);
});
