import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { assertClose } from '../metrics/fixtures.js';
import type { AugmentedSample, DetectionSample } from '../../src/vision/detection/augment.js';

const { detection } = nb.vision;
const { augment } = detection;
const flat = (t: nb.Tensor) => Array.from(t.toTypedArray() as ArrayLike<number>);

describe('landmarks', () => {
  test('landmarkHead: Linear to 2K coordinates in [0, 1]', () => {
    nb.manualSeed(0);
    const head = detection.landmarkHead(6, 3);
    const y = head.forward(nb.randn([4, 6]).mul(10));
    assert.deepEqual(y.shape, [4, 6]);
    assert.ok(flat(y).every((v) => v >= 0 && v <= 1));
    assert.deepEqual(Object.keys(head.stateDict()), ['0.weight', '0.bias']);
    assert.throws(() => detection.landmarkHead(6, 0), /landmarkHead: numLandmarks must be a positive integer, got 0/);
    assert.throws(() => detection.landmarkHead(2.5, 3), /inFeatures must be a positive integer/);
  });

  test('landmarkLoss: mean squared error over visible landmarks, by hand', () => {
    const pred = nb.tensor([[0.1, 0.2, 0.5, 0.5], [0.3, 0.3, 0.9, 0.0]]);
    const target = nb.tensor([[0, 0, 1, 1], [0.3, 0.5, 0.9, 0.1]]);
    // All visible: 8 coordinates.
    assertClose(detection.landmarkLoss(pred, target).item(), (0.01 + 0.04 + 0.25 + 0.25 + 0 + 0.04 + 0 + 0.01) / 8, 1e-6);
    // Landmark 1 of image 0 and landmark 0 of image 1 unannotated: only 2 landmarks (4 coordinates) count.
    const visibility = nb.tensor([[1, 0], [0, 1]]);
    assertClose(detection.landmarkLoss(pred, target, { visibility }).item(), (0.01 + 0.04 + 0 + 0.01) / 4, 1e-6);
    // [N, K, 2] layout gives the same.
    assertClose(detection.landmarkLoss(pred.reshape([2, 2, 2]), target.reshape([2, 2, 2]), { visibility }).item(), 0.015, 1e-6);
    // Nothing visible: 0, not NaN.
    assert.equal(detection.landmarkLoss(pred, target, { visibility: nb.zeros([2, 2]) }).item(), 0);
  });

  test('landmarkLoss: gradCheck, and junk input', () => {
    const p = nb.rand([3, 4], { dtype: 'float64' }).requiresGrad_();
    const t = nb.rand([3, 4], { dtype: 'float64' });
    const visibility = nb.tensor([[1, 0], [1, 1], [0, 1]], { dtype: 'float64' });
    assert.ok(nb.gradCheck((x) => detection.landmarkLoss(x!, t, { visibility }), [p]).passed);
    assert.ok(nb.gradCheck((x) => detection.landmarkLoss(x!, t), [p]).passed);
    assert.throws(() => detection.landmarkLoss(nb.zeros([2, 3]), nb.zeros([2, 3])), /landmarkLoss: predictions must be a float Tensor \[N, 2K\] or \[N, K, 2\], got float32 \[2, 3\]/);
    assert.throws(() => detection.landmarkLoss(nb.zeros([2, 4]), nb.zeros([2, 6])), /target must be \[N, 2K\] or \[N, K, 2\] with N = 2, K = 2/);
    assert.throws(() => detection.landmarkLoss(nb.zeros([2, 4]), nb.zeros([2, 4]), { visibility: nb.zeros([2, 4]) }), /visibility must be a \[N, K\] = \[2, 2\] mask/);
    assert.throws(() => detection.landmarkLoss(nb.zeros([2, 4]), nb.zeros([2, 4]), { visibility: nb.full([2, 2], 0.5) }), /visibility must hold only 0 and 1, got 0.5/);
  });
});

const H = 20;
const W = 24;

/** A Gaussian dot whose centre is the continuous point (x, y) (pixel j's centre is j + 0.5). */
function dotImage(x: number, y: number, sigma = 1.2): nb.Tensor {
  const v = new Float32Array(H * W);
  for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) v[i * W + j] = Math.exp(-((j + 0.5 - x) ** 2 + (i + 0.5 - y) ** 2) / (2 * sigma * sigma));
  return nb.Tensor.fromData(v, [1, H, W], 'float32');
}

/** The intensity centroid in continuous coordinates. */
function centroid(image: nb.Tensor): [number, number] {
  const w = image.shape[2]!;
  const v = flat(image);
  let sum = 0;
  let sx = 0;
  let sy = 0;
  v.forEach((value, p) => {
    sum += value;
    sx += value * ((p % w) + 0.5);
    sy += value * (Math.floor(p / w) + 0.5);
  });
  return [sx / sum, sy / sum];
}

/** An image whose pixels inside the box [x1, y1, x2, y2] (integer corners) are 1. */
function boxImage([x1, y1, x2, y2]: number[]): nb.Tensor {
  const v = new Float32Array(H * W);
  for (let i = y1!; i < y2!; i++) for (let j = x1!; j < x2!; j++) v[i * W + j] = 1;
  return nb.Tensor.fromData(v, [1, H, W], 'float32');
}

/** Lit pixels' spans as boxes. */
function litPixels(image: nb.Tensor, threshold = 1e-3): number[][] {
  const w = image.shape[2]!;
  const out: number[][] = [];
  flat(image).forEach((v, p) => {
    if (v > threshold) out.push([p % w, Math.floor(p / w), (p % w) + 1, Math.floor(p / w) + 1]);
  });
  return out;
}

const BOX = [5, 4, 13, 10];
const POINT: [number, number] = [8.5, 6.5];

type Case = [string, (s: DetectionSample) => AugmentedSample, boolean];
const cases: Case[] = [
  ['hflip', (s) => augment.hflip(s), true],
  ['vflip', (s) => augment.vflip(s), true],
  ['crop', (s) => augment.crop(s, 2, 3, 12, 15), true],
  ['resize (up)', (s) => augment.resize(s, [30, 40]), false],
  ['resize (down)', (s) => augment.resize(s, [15, 18]), false],
  ['affine: rotation', (s) => augment.affine(s, { angle: 30 }), false],
  ['affine: rotation, shift, zoom, shear', (s) => augment.affine(s, { angle: -20, translate: [2, 2.5], scale: 1.2, shear: [10, 5] }), false],
  ['randomAffine (seeded)', (s) => augment.randomAffine({ degrees: 40, translate: [0.1, 0.1], scale: [0.8, 1.2], shear: 10, seed: 3 })(s), false],
  ['compose (seeded)', (s) => augment.compose([augment.randomHorizontalFlip({ p: 1 }), augment.randomCrop([16, 20]), augment.randomAffine({ degrees: 15 })], { seed: 5 })(s), false],
];

describe('landmarks learn', () => {
  test('landmarkHead on a small MLP finds a dot in 12 x 12 images', () => {
    nb.manualSeed(0);
    const S = 12;
    const n = 320;
    const train = 256;
    const images = new Float32Array(n * S * S);
    const targets = new Float32Array(n * 2);
    const g = new nb.Generator(1);
    for (let i = 0; i < n; i++) {
      const x = 1.5 + g.nextDouble() * (S - 3);
      const y = 1.5 + g.nextDouble() * (S - 3);
      targets.set([x / S, y / S], i * 2);
      for (let r = 0; r < S; r++) for (let c = 0; c < S; c++) images[i * S * S + r * S + c] = Math.exp(-((c + 0.5 - x) ** 2 + (r + 0.5 - y) ** 2) / 2);
    }
    const allInputs = nb.Tensor.fromData(images, [n, S * S], 'float32');
    const allTargets = nb.Tensor.fromData(targets, [n, 2], 'float32');
    const [inputs, target] = [allInputs.slice(0, 0, train), allTargets.slice(0, 0, train)];
    const model = new nb.nn.Sequential(new nb.nn.Linear(S * S, 32), new nb.nn.ReLU(), detection.landmarkHead(32, 1));
    const optimizer = new nb.optim.Adam(model.parameters(), { lr: 0.01 });
    const first = detection.landmarkLoss(model.forward(inputs), target).item();
    let loss = first;
    for (let step = 0; step < 300; step++) {
      optimizer.zeroGrad();
      const l = detection.landmarkLoss(model.forward(inputs), target);
      l.backward();
      optimizer.step();
      loss = l.item();
    }
    // Held-out images: RMS error per coordinate below a third of a pixel (the loss is in squared image fractions).
    const heldOut = nb.noGrad(() => detection.landmarkLoss(model.forward(allInputs.slice(0, train)), allTargets.slice(0, train)).item());
    assert.ok(loss < first / 100, `training loss ${loss} from ${first}`);
    assert.ok(Math.sqrt(heldOut) * S < 0.35, `held-out RMS error ${Math.sqrt(heldOut) * S} pixels (untrained ${Math.sqrt(first) * S})`);
  });
});

describe('augment: pixels and coordinates move together', () => {
  for (const [name, t, exact] of cases) {
    test(`${name}: a dot ends at the moved keypoint; a box's pixels lie in the moved box`, () => {
      const moved = t({ image: dotImage(...POINT), keypoints: nb.tensor([POINT]) });
      const [kx, ky] = flat(moved.keypoints!);
      const [cx, cy] = centroid(moved.image);
      assert.ok(Math.hypot(cx - kx!, cy - ky!) < 0.15, `dot centroid (${cx}, ${cy}) vs keypoint (${kx}, ${ky})`);

      const out = t({ image: boxImage(BOX), boxes: nb.tensor([BOX]) });
      assert.deepEqual(out.keep, [0]);
      const [x1, y1, x2, y2] = flat(out.boxes!);
      const lit = litPixels(out.image);
      assert.ok(lit.length > 0);
      // Interpolation may light pixels touching the box's edge; nothing lies beyond them.
      const slack = exact ? 0 : 1;
      for (const [a, b, c, d] of lit) assert.ok(a! >= x1! - slack && b! >= y1! - slack && c! <= x2! + slack && d! <= y2! + slack, `pixel [${a}, ${b}] outside box [${x1}, ${y1}, ${x2}, ${y2}]`);
      if (exact) {
        // Axis-aligned moves: the lit pixels fill the box exactly.
        assert.deepEqual([Math.min(...lit.map((p) => p[0]!)), Math.min(...lit.map((p) => p[1]!)), Math.max(...lit.map((p) => p[2]!)), Math.max(...lit.map((p) => p[3]!))], [x1, y1, x2, y2]);
        assert.equal(lit.length, (x2! - x1!) * (y2! - y1!));
      }
    });
  }

  test('hflip and vflip by hand; flip pairs swap', () => {
    const sample = { image: nb.zeros([3, H, W]), boxes: nb.tensor([[1, 2, 5, 8]]), keypoints: nb.tensor([[3, 4, 1], [10, 5, 1], [7, 7, 0]]) };
    const h = augment.hflip(sample, { flipPairs: [[0, 1]] });
    assert.deepEqual(flat(h.boxes!), [W - 5, 2, W - 1, 8]);
    // Left and right points swap places after mirroring: index 0 is now the mirrored old point 1.
    assert.deepEqual(h.keypoints!.toArray(), [[W - 10, 5, 1], [W - 3, 4, 1], [W - 7, 7, 0]]);
    const v = augment.vflip(sample);
    assert.deepEqual(flat(v.boxes!), [1, H - 8, 5, H - 2]);
    assert.deepEqual(v.keypoints!.toArray(), [[3, H - 4, 1], [10, H - 5, 1], [7, H - 7, 0]]);
    assert.throws(() => augment.hflip(sample, { flipPairs: [[0, 3]] }), /augment.hflip: flipPairs entries must be pairs of distinct keypoint indices in \[0, 3\), got \[0,3\]/);
    assert.throws(() => augment.hflip(sample, { flipPairs: [[0, 1], [1, 2]] }), /keypoint 1 appears in more than one flip pair/);
    const flipped = augment.randomHorizontalFlip({ p: 1, flipPairs: [[0, 1]] })(sample);
    assert.deepEqual(flipped.keypoints!.toArray(), h.keypoints!.toArray());
  });

  test('crop clips boxes, drops those below minVisibility / minSize, and hides keypoints that leave', () => {
    const sample = {
      image: nb.zeros([1, H, W]),
      boxes: nb.tensor([[0, 0, 4, 4], [2, 2, 12, 12], [8, 8, 10, 10], [9, 3, 11, 20]]),
      keypoints: nb.tensor([[1, 1, 1], [9, 9, 1]]),
    };
    const all = augment.crop(sample, 5, 6, 10, 10);
    // Box 0 is entirely outside; box 1 keeps [6, 5]..[12, 12] (36 of 100); box 3 keeps 2 x 10 of 2 x 17.
    assert.deepEqual(all.keep, [1, 2, 3]);
    assert.deepEqual(all.boxes!.toArray(), [[0, 0, 6, 7], [2, 3, 4, 5], [3, 0, 5, 10]]);
    assert.deepEqual(all.keypoints!.toArray(), [[-5, -4, 0], [3, 4, 1]]);
    assert.deepEqual(augment.crop(sample, 5, 6, 10, 10, { minVisibility: 0.5 }).keep, [2, 3]);
    assert.deepEqual(augment.crop(sample, 5, 6, 10, 10, { minSize: 3 }).keep, [1]);
    assert.throws(() => augment.crop(sample, 5, 6, 10, 10, { minVisibility: 2 }), /augment.crop: minVisibility must be in \[0, 1\], got 2/);
    assert.throws(() => augment.crop(sample, 5, 6, 10, 10, { minVisiblity: 0.5 } as never), /unknown option 'minVisiblity' for augment.crop; did you mean 'minVisibility'\?/);
  });

  test('compose: keep maps surviving boxes back to the input boxes', () => {
    const boxes = nb.tensor([[18, 0, 24, 6], [2, 0, 6, 3], [2, 8, 6, 12]]);
    const chain = augment.compose([(s) => augment.crop(s, 0, 0, 16, 16), (s) => augment.crop(s, 5, 0, 11, 16)]);
    const out = chain({ image: nb.zeros([1, H, W]), boxes });
    assert.deepEqual(out.keep, [2]);
    assert.deepEqual(out.boxes!.toArray(), [[2, 3, 6, 7]]);
  });

  test('affine: a box becomes the bounding box of its turned corners', () => {
    const out = augment.affine({ image: nb.zeros([1, H, W]), boxes: nb.tensor([[10, 8, 14, 12]]) }, { angle: 45 });
    // A 4x4 square centred on the image centre (12, 10) turns into a diamond of half-diagonal 2 sqrt 2.
    const r = 2 * Math.SQRT2;
    flat(out.boxes!).forEach((v, i) => assertClose(v, [12 - r, 10 - r, 12 + r, 10 + r][i]!, 1e-5));
    const shifted = augment.affine({ image: nb.zeros([1, H, W]), boxes: nb.tensor([[20, 8, 23, 12]]) }, { translate: [3, 0] });
    // Pushed half off the right edge: clipped to the image.
    assert.deepEqual(flat(shifted.boxes!), [23, 8, 24, 12]);
    assert.deepEqual(augment.affine({ image: nb.zeros([1, H, W]), boxes: nb.tensor([[20, 8, 23, 12]]) }, { translate: [3, 0] }, { minVisibility: 0.5 }).keep, []);
  });

  test('resize: bilinear as torch interpolate(align_corners=False); coordinates scale', () => {
    const image = nb.Tensor.fromData(new Float32Array([0, 4]), [1, 1, 2], 'float32');
    assert.deepEqual(flat(nb.data.transforms.resize(image, [1, 4])), [0, 1, 3, 4]);
    // Halving samples at (0.5, 2.5): each output is the mean of a 2 x 2 block.
    assert.deepEqual(flat(nb.data.transforms.resize(nb.arange(16).float().reshape([1, 4, 4]), 2)), [2.5, 4.5, 10.5, 12.5]);
    assert.throws(() => nb.data.transforms.resize(image, [0, 4]), /resize: size must be a positive integer or \[height, width\], got \[0,4\]/);
    const out = augment.resize({ image: nb.zeros([1, H, W]), boxes: nb.tensor([[2, 4, 6, 10]]), keypoints: nb.tensor([[12, 10]]) }, [10, 48]);
    assert.deepEqual(flat(out.boxes!), [4, 2, 12, 5]);
    assert.deepEqual(flat(out.keypoints!), [24, 5]);
  });

  test('seeded, and junk input named', () => {
    const sample = { image: dotImage(...POINT), boxes: nb.tensor([BOX]), keypoints: nb.tensor([POINT]) };
    const a = augment.randomAffine({ degrees: 30, seed: 9 })(sample);
    const b = augment.randomAffine({ degrees: 30, seed: 9 })(sample);
    assert.deepEqual(flat(a.boxes!), flat(b.boxes!));
    assert.deepEqual(flat(a.image), flat(b.image));
    assert.throws(() => augment.hflip({ image: nb.zeros([1, 1, H, W]) }), /augment.hflip: image must be one float image \[C, H, W\], got float32 \[1, 1, 20, 24\]/);
    assert.throws(() => augment.hflip({ image: nb.zeros([1, H, W]), boxes: nb.tensor([[4, 0, 2, 3]]) }), /boxes\[0\] must have x1 <= x2 and y1 <= y2/);
    assert.throws(() => augment.hflip({ image: nb.zeros([1, H, W]), boxes: nb.tensor([1, 2, 3, 4]) }), /augment.hflip: boxes must be a numeric Tensor \[N, 4\]/);
    assert.throws(() => augment.hflip({ image: nb.zeros([1, H, W]), keypoints: nb.tensor([[1, 2, 3, 4]]) }), /keypoints must be a numeric Tensor \[N, 2 or 3\]/);
    assert.throws(() => augment.randomCrop(8)({ image: nb.zeros([H, W]) }), /augment.randomCrop: image must be one float image \[C, H, W\], got float32 \[20, 24\]/);
    assert.throws(() => augment.randomCrop(30)(sample), /augment.randomCrop: crop 30x30 is larger than the image 20x24/);
    assert.throws(() => augment.randomAffine({ degrees: 10, sed: 1 } as never), /unknown option 'sed'/);
    assert.throws(() => augment.randomHorizontalFlip({ p: 2 }), /p must be a probability in \[0, 1\], got 2/);
  });
});
