import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { assertClose, loadFixture } from '../metrics/fixtures.js';

const { detection } = nb.vision;
const flat = (t: nb.Tensor) => Array.from(t.toTypedArray() as ArrayLike<number>);

interface AnchorFixture {
  anchors: {
    cases: { sizes: number[]; aspectRatios: number[]; imageSize: [number, number]; featureSize: [number, number]; anchors: number[] }[];
    gt: number[];
    matches: { high: number; low: number; allowLowQuality: boolean; matches: number[] }[];
  };
}
const fx = loadFixture<AnchorFixture>('vision-ops.json').anchors;

describe('classification with localisation', () => {
  test('encoding, the p_c-gated loss and decoding', () => {
    const y = detection.encodeLocalization([{ label: 1, box: [0.5, 0.4, 0.2, 0.3] }, null], 3);
    assert.deepEqual(y.toArray(), [[1, 0.5, 0.4, 0.2, 0.3, 0, 1, 0].map(Math.fround), [0, 0, 0, 0, 0, 0, 0, 0]]);
    // Background row: only (p_c - 0)^2 counts, whatever the rest predicts.
    const pred = nb.tensor([[0.9, 0.5, 0.5, 0.2, 0.3, 0.1, 0.8, 0.1], [0.2, 9, 9, 9, 9, 9, 9, 9]]);
    const expected = (0.1 ** 2 + 0.1 ** 2 + 0.01 + 0.04 + 0.01) / 2 + 0.04 / 2;
    assertClose(detection.localizationLoss(pred, y).item(), expected, 1e-6);
    const logistic = detection.localizationLoss(pred, y, { mode: 'logistic' }).item();
    const bce = (x: number, t: number) => Math.log1p(Math.exp(-x)) + (1 - t) * x;
    const ce = Math.log(Math.exp(0.1) + Math.exp(0.8) + Math.exp(0.1)) - 0.8;
    assertClose(logistic, (bce(0.9, 1) + 0.01 + ce + bce(0.2, 0)) / 2, 1e-6);
    const [a, b] = detection.decodeLocalization(pred);
    assert.equal(a!.present, true);
    assert.equal(a!.label, 1);
    assertClose(a!.box, [0.5, 0.5, 0.2, 0.3], 1e-6);
    assert.equal(b!.present, false);
    assert.throws(() => detection.encodeLocalization([{ label: 3, box: [0, 0, 1, 1] }], 3), /encodeLocalization: objects\[0\].label must be an integer in \[0, 3\)/);
    assert.throws(() => detection.localizationLoss(pred, nb.zeros([2, 7])), /localizationLoss: target must have the predictions' shape \[2, 8\]/);
  });
  test('localizationLoss gradient', () => {
    const y = detection.encodeLocalization([{ label: 0, box: [0.5, 0.4, 0.2, 0.3] }, null], 2).double();
    const p = nb.randn([2, 7], { dtype: 'float64', generator: new nb.Generator(1) });
    for (const mode of ['squared', 'logistic'] as const) assert.ok(nb.gradCheck((x) => detection.localizationLoss(x!, y, { mode }), [p]).passed, mode);
  });
});

describe('anchors', () => {
  test('generateAnchors equals torchvision AnchorGenerator (one level)', () => {
    for (const c of fx.cases) {
      const a = detection.generateAnchors(c.imageSize, c.featureSize, { sizes: c.sizes, aspectRatios: c.aspectRatios });
      assert.deepEqual(flat(a), c.anchors);
    }
    assert.throws(() => detection.generateAnchors([64, 64], [4, 0], { sizes: [32], aspectRatios: [1] }), /generateAnchors: featureSize must be \[height, width\]/);
    assert.throws(() => detection.baseAnchors([32], []), /baseAnchors: aspectRatios must be a non-empty array/);
  });
  test('assignAnchors equals torchvision Matcher (thresholds, low-quality matches)', () => {
    const c0 = fx.cases[0]!;
    const anchors = nb.tensor(c0.anchors).reshape([-1, 4]);
    const gt = nb.tensor(fx.gt).reshape([-1, 4]);
    for (const m of fx.matches) {
      const got = detection.assignAnchors(anchors, gt, { highThreshold: m.high, lowThreshold: m.low, allowLowQualityMatches: m.allowLowQuality });
      assert.deepEqual(flat(got), m.matches, JSON.stringify(m));
    }
    assert.deepEqual(flat(detection.assignAnchors([[0, 0, 1, 1]], nb.zeros([0, 4]))), [-1]);
  });
  test('kmeansAnchors (1 - IoU) recovers three box shapes', () => {
    const rng = new nb.Generator(5);
    const shapes = [[4, 4], [12, 6], [6, 16]];
    const sizes = Array.from({ length: 90 }, (_, i) => shapes[i % 3]!.map((s) => s * (0.9 + 0.2 * rng.nextDouble())));
    const { anchors, meanIou, assignment } = detection.kmeansAnchors(sizes, 3, { seed: 1 });
    assertClose(anchors.toArray() as number[][], [[4, 4], [12, 6], [6, 16]], 0.06);
    assert.ok(meanIou > 0.85, String(meanIou));
    assert.equal(assignment[1], 1);
    assert.throws(() => detection.kmeansAnchors([[1, 2]], 2), /kmeansAnchors: k must be an integer in \[1, 1\]/);
  });
});

describe('YOLO', () => {
  const anchors: [number, number][] = [[0.2, 0.2], [0.4, 0.2]];
  const grid = { gridSize: 4, anchors, numClasses: 3 };
  test('encodeYolo: cell of the centre, anchor of best shape, offsets and log sizes', () => {
    const y = detection.encodeYolo([{ boxes: [[0.3, 0.55, 0.7, 0.75]], labels: [2] }], grid);
    assert.deepEqual(y.shape, [1, 4, 4, 2, 8]);
    // centre (0.5, 0.65) -> col 2, row 2; w 0.4 h 0.2 -> anchor 1
    assertClose(Array.from(y.toTypedArray()).slice((((2 * 4 + 2) * 2 + 1) * 8), (((2 * 4 + 2) * 2 + 1) * 8) + 8), [1, 0, 0.6, 0, 0, 0, 0, 1], 1e-6);
    assertClose(y.sum().item(), 2.6, 1e-6); // the one object: 1 + y offset 0.6 + one-hot 1
    assert.throws(() => detection.encodeYolo([{ boxes: [[0, 0, 1, 1]], labels: [3] }], grid), /encodeYolo: targets\[0\] labels\[0\] = 3 is not a class in \[0, 3\)/);
  });
  test('decodeYolo inverts encodeYolo (logits from the targets), class-specific scores and NMS', () => {
    const boxes = [[0.1, 0.1, 0.3, 0.35], [0.5, 0.2, 0.9, 0.4]];
    const y = detection.encodeYolo([{ boxes, labels: [0, 1] }], grid);
    // Turn the targets into logits: t_o = +/-8, t_xy = logit(offset), sizes as is, classes one-hot * 8.
    const obj = y.slice(4, 0, 1);
    const off = y.slice(4, 1, 3).clamp(1e-4, 1 - 1e-4);
    const logits = nb.cat([obj.mul(16).sub(8), off.div(off.neg().add(1)).log(), y.slice(4, 3, 5), y.slice(4, 5).mul(8)], 4);
    const [det] = detection.decodeYolo(logits, { anchors, scoreThreshold: 0.5 });
    assert.deepEqual(flat(det!.labels), [0, 1]);
    assertClose(det!.boxes.toArray() as number[][], boxes, 1e-4);
    // Two anchors of one cell predicting the same box and class: per-class NMS keeps one.
    const raw = new Float32Array(4 * 4 * 2 * 8);
    for (let i = 0; i < raw.length; i += 8) raw[i] = -8;
    const at = (a: number) => ((1 * 4 + 1) * 2 + a) * 8;
    raw.set([8, 0, 0, Math.log(2), 0, 8, 0, 0], at(0));
    raw.set([8, 0, 0, 0, 0, 8, 0, 0], at(1));
    const [one] = detection.decodeYolo(nb.tensor(Array.from(raw)).reshape([1, 4, 4, 2, 8]), { anchors, scoreThreshold: 0.5 });
    assert.deepEqual(flat(one!.labels), [0]);
    assertClose(one!.boxes.toArray() as number[][], [[0.375 - 0.2, 0.375 - 0.1, 0.375 + 0.2, 0.375 + 0.1]], 1e-6);
    const [two] = detection.decodeYolo(nb.tensor(Array.from(raw)).reshape([1, 4, 4, 2, 8]), { anchors, scoreThreshold: 0.5, iouThreshold: 1 });
    assert.equal(two!.scores.numel(), 2);
  });
  test('yoloLoss: terms weighted by the lambdas, gradCheck', () => {
    const y = detection.encodeYolo([{ boxes: [[0.1, 0.1, 0.3, 0.35]], labels: [0] }], grid).double();
    const p = nb.randn(y.shape, { dtype: 'float64', generator: new nb.Generator(2) });
    const t1 = detection.yoloLossTerms(p, y);
    const t2 = detection.yoloLossTerms(p, y, { lambdaCoord: 10, lambdaNoobj: 1 });
    assertClose(t2.coord.item(), 2 * t1.coord.item(), 1e-12);
    assertClose(t2.noObject.item(), 2 * t1.noObject.item(), 1e-12);
    assertClose(t1.total.item(), t1.coord.item() + t1.object.item() + t1.noObject.item() + t1.class.item(), 1e-12);
    const small = detection.encodeYolo([{ boxes: [[0.1, 0.1, 0.3, 0.35]], labels: [0] }], { gridSize: 2, anchors, numClasses: 3 }).double();
    const q = nb.randn(small.shape, { dtype: 'float64', generator: new nb.Generator(3) });
    for (const objectLoss of ['squared', 'bce'] as const) assert.ok(nb.gradCheck((x) => detection.yoloLoss(x!, small, { objectLoss }), [q]).passed, objectLoss);
  });
  test('TinyYolo gives [B, S, S, k, 5 + C]', () => {
    const m = new detection.TinyYolo({ numClasses: 3, numAnchors: 2, imageSize: 32, gridSize: 4, widths: [4, 8, 8] });
    assert.deepEqual(m.forward(nb.zeros([2, 3, 32, 32])).shape, [2, 4, 4, 2, 8]);
    assert.throws(() => m.forward(nb.zeros([1, 3, 64, 64])), /TinyYolo: expected images \[B, C, 32, 32\], got \[1, 3, 64, 64\]/);
    assert.throws(() => new detection.TinyYolo({ numClasses: 3, imageSize: 48, gridSize: 8 }), /imageSize \/ gridSize must be a power of two/);
  });
});

describe('toFullyConvolutional', () => {
  test('each grid cell equals the classifier on the corresponding crop', () => {
    nb.manualSeed(4);
    const clf = new nb.nn.Sequential(
      new nb.nn.Conv2d(3, 4, 3), new nb.nn.ReLU(), new nb.nn.MaxPool2d(2),
      new nb.nn.Flatten(), new nb.nn.Linear(4 * 3 * 3, 10), new nb.nn.ReLU(), new nb.nn.Linear(10, 5),
    );
    const fcn = detection.toFullyConvolutional(clf, { inputShape: [3, 8, 8] });
    const image = nb.randn([1, 3, 14, 12]);
    const out = fcn.forward(image);
    assert.deepEqual(out.shape, [1, 5, 4, 3]); // windows every 2 pixels: (14 - 8) / 2 + 1, (12 - 8) / 2 + 1
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 3; j++) {
        const crop = image.slice(2, 2 * i, 2 * i + 8).slice(3, 2 * j, 2 * j + 8);
        assertClose(flat(clf.forward(crop)), flat(out.select(2, i).select(2, j)), 1e-5);
      }
    }
    assert.throws(() => detection.toFullyConvolutional(clf, { inputShape: [3, 10, 10] }), /layer 4 is Linear\(36 -> 10\) but receives 4 x 4 x 4 = 64 features/);
    const bad = new nb.nn.Sequential(new nb.nn.Flatten(), new nb.nn.Linear(12, 2), new nb.nn.LayerNorm(2));
    assert.throws(() => detection.toFullyConvolutional(bad, { inputShape: [3, 2, 2] }), /layer 2 \(LayerNorm\) after the Flatten is not a Linear/);
  });
});

describe('metrics.meanAveragePrecision (hand-computed)', () => {
  // Two ground-truth boxes; detections TP (IoU 1), FP (no overlap), TP (IoU 0.72).
  const targets = [{ boxes: [[0, 0, 10, 10], [20, 20, 30, 30]], labels: [0, 0] }];
  const preds = [{ boxes: [[0, 0, 10, 10], [50, 50, 60, 60], [20, 20, 30, 27.2]], scores: [0.9, 0.8, 0.7], labels: [0, 0, 0] }];
  test('VOC all-point: recall [.5, .5, 1], precision [1, .5, 2/3] -> 0.5 + 0.5 * 2/3', () => {
    assertClose(nb.metrics.meanAveragePrecision(preds, targets).map, 0.5 + 0.5 * (2 / 3), 1e-12);
  });
  test('VOC 11-point: (6 x 1 + 5 x 2/3) / 11', () => {
    assertClose(nb.metrics.meanAveragePrecision(preds, targets, { method: 'voc11' }).map, (6 + 5 * (2 / 3)) / 11, 1e-12);
  });
  test('COCO 101-point at 0.5, and over 0.50:0.95 (the IoU-0.72 match fails from 0.75 on)', () => {
    const at50 = (51 + 50 * (2 / 3)) / 101;
    assertClose(nb.metrics.meanAveragePrecision(preds, targets, { method: 'coco', iouThresholds: [0.5] }).map, at50, 1e-12);
    const r = nb.metrics.meanAveragePrecision(preds, targets, { method: 'coco' });
    assertClose(r.perThreshold, [...new Array(5).fill(at50), ...new Array(5).fill(51 / 101)], 1e-12);
    assertClose(r.map, (at50 + 51 / 101) / 2, 1e-12);
  });
  test('per-class AP, missed classes, duplicates, difficult boxes', () => {
    const t2 = [{ boxes: [[0, 0, 10, 10], [20, 20, 30, 30]], labels: [0, 1] }];
    const p2 = [{ boxes: [[0, 0, 10, 10], [0, 0, 10, 10]], scores: [0.9, 0.8], labels: [0, 0] }];
    const r = nb.metrics.meanAveragePrecision(p2, t2);
    assert.deepEqual([...r.perClass.entries()], [[0, 1], [1, 0]]); // duplicate after the TP does not lower the envelope at recall 1
    assert.equal(r.map, 0.5);
    const difficult = nb.metrics.meanAveragePrecision(
      [{ boxes: [[20, 20, 30, 30], [0, 0, 10, 10]], scores: [0.9, 0.8], labels: [0, 0] }],
      [{ boxes: [[0, 0, 10, 10], [20, 20, 30, 30]], labels: [0, 0], difficult: [false, true] }],
    );
    assert.equal(difficult.map, 1); // the detection of the difficult box is neither TP nor FP
    assert.throws(() => nb.metrics.meanAveragePrecision(p2, [...t2, ...t2]), /meanAveragePrecision: 1 predictions but 2 targets/);
    assert.throws(() => nb.metrics.meanAveragePrecision([{ boxes: [[0, 0, 1, 1]], scores: [], labels: [0] }], t2), /predictions\[0\].scores must hold 1 numbers/);
  });
});
