import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { assertClose } from '../metrics/fixtures.js';

const { segmentation } = nb.vision;

describe('UNet', () => {
  test('shapes, skips and errors', () => {
    const m = new segmentation.UNet({ inChannels: 1, numClasses: 3, widths: [4, 8, 16] });
    assert.deepEqual(m.forward(nb.zeros([2, 1, 16, 12])).shape, [2, 3, 16, 12]);
    const keys = Object.keys(m.stateDict());
    assert.ok(keys.includes('ups.0.weight') && keys.includes('decoders.1.0.weight') && keys.includes('head.weight'));
    assert.deepEqual(m.stateDict()['ups.1.weight']!.shape, [16, 8, 2, 2]); // ConvTranspose2d(16 -> 8)
    assert.deepEqual(m.stateDict()['decoders.0.0.weight']!.shape, [4, 8, 3, 3]); // skip (4) + upsampled (4) channels
    assert.throws(() => m.forward(nb.zeros([1, 1, 10, 12])), /UNet: expected images \[N, C, H, W\] with H and W divisible by 4 \(3 levels\), got \[1, 1, 10, 12\]/);
    assert.throws(() => new segmentation.UNet({ widths: [8] }), /UNet: widths must list at least 2/);
  });
});

describe('diceLoss', () => {
  test('hand-computed values, multi-class and binary', () => {
    // Two classes, 1 image of 2 pixels; logits give probabilities p = softmax.
    const logits = nb.tensor([[[[0, 2]], [[0, 0]]]], { dtype: 'float64' }); // [1, 2, 1, 2]
    const target = nb.tensor([[[0, 1]]]).int();
    const e = Math.exp(2) / (1 + Math.exp(2));
    const p0 = [0.5, e];
    const p1 = [0.5, 1 - e];
    const dice0 = (2 * p0[0]! + 1) / (p0[0]! + p0[1]! + 1 + 1);
    const dice1 = (2 * p1[1]! + 1) / (p1[0]! + p1[1]! + 1 + 1);
    assertClose(segmentation.diceLoss(logits, target).item(), 1 - (dice0 + dice1) / 2, 1e-12);
    assertClose(segmentation.diceLoss(logits, target, { ignoreBackground: true }).item(), 1 - dice1, 1e-12);
    const bin = nb.tensor([[[[3, -3]]]], { dtype: 'float64' });
    const s = 1 / (1 + Math.exp(-3));
    assertClose(segmentation.diceLoss(bin, nb.tensor([[[1, 0]]]), { smooth: 0 }).item(), 1 - (2 * s) / (s + (1 - s) + 1), 1e-12);
    assert.throws(() => segmentation.diceLoss(logits, nb.tensor([[[0, 2]]]).int()), /diceLoss: target holds class 2, outside \[0, 2\)/);
    assert.throws(() => segmentation.diceLoss(logits, nb.zeros([1, 1, 2])), /target must hold class indices \(int32\)/);
  });
  test('gradCheck', () => {
    const x = nb.randn([2, 3, 2, 2], { dtype: 'float64', generator: new nb.Generator(1) });
    const t = nb.tensor([[[0, 1], [2, 2]], [[1, 1], [0, 2]]]).int();
    assert.ok(nb.gradCheck((a) => segmentation.diceLoss(a!, t), [x]).passed);
  });
});

describe('metrics.segmentationScores', () => {
  test('per-class IoU, mean IoU over occurring classes, pixel accuracy, ignoreIndex', () => {
    const target = nb.tensor([[[0, 0, 1], [1, 2, 2]]]).int();
    const pred = nb.tensor([[[0, 1, 1], [1, 2, 0]]]).int();
    const s = nb.metrics.segmentationScores(pred, target, { numClasses: 4 });
    // class 0: TP 1, union 3; class 1: TP 2, union 3; class 2: TP 1, union 2; class 3 absent
    assertClose(s.perClassIou.slice(0, 3), [1 / 3, 2 / 3, 1 / 2], 1e-12);
    assert.ok(Number.isNaN(s.perClassIou[3]!));
    assertClose(s.meanIou, (1 / 3 + 2 / 3 + 1 / 2) / 3, 1e-12);
    assertClose(s.pixelAccuracy, 4 / 6, 1e-12);
    assert.deepEqual(s.confusion[2], [1, 0, 1, 0]);
    const scores = nb.oneHot(pred, 4).permute([0, 3, 1, 2]).float();
    assert.equal(nb.metrics.meanIou(scores, target, { numClasses: 4 }), s.meanIou);
    assertClose(nb.metrics.pixelAccuracy(pred, nb.tensor([[[0, 9, 1], [1, 2, 9]]]).int(), { numClasses: 4, ignoreIndex: 9 }), 1, 0);
    assert.throws(() => nb.metrics.segmentationScores(pred, nb.zeros([1, 2, 2]).int(), { numClasses: 4 }), /do not match target/);
  });
});

describe('UNet learns the synthetic shapes masks', () => {
  test('mean IoU on held-out images after a short training', () => {
    nb.manualSeed(0);
    // 24-pixel images and 6 epochs (was 32 and 9: 0.82 mean IoU for 2.3 times the CPU time); an
    // untrained model scores 0.19, this one 0.93.
    const train = nb.vision.syntheticShapes({ count: 160, imageSize: 24, size: [8, 14], seed: 1 });
    const held = nb.vision.syntheticShapes({ count: 48, imageSize: 24, size: [8, 14], seed: 2 });
    const model = new segmentation.UNet({ numClasses: 4, widths: [8, 16, 32] });
    const optimizer = new nb.optim.Adam(model.parameters(), { lr: 5e-3 });
    for (let epoch = 0; epoch < 6; epoch++) {
      if (epoch === 4) optimizer.paramGroups.forEach((g) => (g.lr = 1e-3));
      model.train();
      for (let b = 0; b < 160; b += 16) {
        const logits = model.forward(train.images.slice(0, b, b + 16));
        const target = train.segmentation.slice(0, b, b + 16);
        const loss = nb.F.crossEntropy(logits, target).add(segmentation.diceLoss(logits, target));
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
      }
    }
    model.eval();
    const s = nb.noGrad(() => nb.metrics.segmentationScores(model.forward(held.images), held.segmentation, { numClasses: 4 }));
    console.log(`UNet on synthetic shapes: mean IoU ${s.meanIou.toFixed(3)}, pixel accuracy ${s.pixelAccuracy.toFixed(3)}, per class ${s.perClassIou.map((x) => x.toFixed(3)).join(' ')}`);
    assert.ok(s.meanIou > 0.6, `mean IoU ${s.meanIou}`);
  });
});
