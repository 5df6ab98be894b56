import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { transforms as T } from '../../src/data/index.js';

// One 1-channel 3x4 image with distinct values 0..11, as a batch of 1.
const img = nb.arange(12).reshape([1, 1, 3, 4]).float();
const batch = nb.rand([6, 3, 8, 8], { generator: new nb.Generator(0) });

function assertClose(actual: nb.Tensor, expected: nb.Tensor, tol = 1e-6): void {
  assert.deepEqual(actual.shape, expected.shape);
  const e = expected.toTypedArray();
  actual.toTypedArray().forEach((v, i) => assert.ok(Math.abs(v - e[i]!) <= tol, `element ${i}: ${v} vs ${e[i]}`));
}

describe('deterministic transforms: known outputs', () => {
  test('flips', () => {
    assert.deepEqual(T.hflip(img).toArray(), [[[[3, 2, 1, 0], [7, 6, 5, 4], [11, 10, 9, 8]]]]);
    assert.deepEqual(T.vflip(img).toArray(), [[[[8, 9, 10, 11], [4, 5, 6, 7], [0, 1, 2, 3]]]]);
    assert.deepEqual(T.hflip(img.reshape([1, 3, 4])).shape, [1, 3, 4]);
  });

  test('crops, with zeros outside the image', () => {
    assert.deepEqual(T.crop(img, 1, 1, 2, 2).toArray(), [[[[5, 6], [9, 10]]]]);
    assert.deepEqual(T.crop(img, -1, 2, 2, 3).toArray(), [[[[0, 0, 0], [2, 3, 0]]]]);
    assert.deepEqual(T.centerCrop([1, 2])(img).toArray(), [[[[5, 6]]]]);
  });

  test('affine: 90-degree turn, integer shift and identity copy pixels exactly', () => {
    const square = nb.arange(9).reshape([1, 1, 3, 3]).float();
    // Counter-clockwise on screen: the top row becomes the left column, read bottom-up.
    assert.deepEqual(T.affine(square, { angle: 90 }).toArray(), [[[[2, 5, 8], [1, 4, 7], [0, 3, 6]]]]);
    assert.deepEqual(T.affine(img, { translate: [1, 0] }).toArray(), [[[[0, 0, 1, 2], [0, 4, 5, 6], [0, 8, 9, 10]]]]);
    assert.deepEqual(T.affine(img, {}).toArray(), img.toArray());
    assert.deepEqual(T.affine(img, { translate: [0, -1] }, { fill: -1 }).toArray(), [[[[4, 5, 6, 7], [8, 9, 10, 11], [-1, -1, -1, -1]]]]);
  });

  test('affine: a half-pixel shift interpolates bilinearly; zoom about the centre keeps the centre', () => {
    const row = nb.tensor([[[[0, 2, 4, 6]]]]).float();
    assert.deepEqual(T.affine(row, { translate: [0.5, 0] }).toArray(), [[[[0, 1, 3, 5]]]]);
    const odd = nb.arange(25).reshape([1, 1, 5, 5]).float();
    assert.equal((T.affine(odd, { scale: 2 }).toArray() as number[][][][])[0]![0]![2]![2], 12);
    assert.deepEqual(T.affine(odd, { scale: 2 }, { interpolation: 'nearest' }).shape, [1, 1, 5, 5]);
  });

  test('normalize per channel', () => {
    const x = nb.ones([2, 2, 1, 1]);
    assert.deepEqual(T.normalize([0.5, 1], [0.5, 2])(x).toArray(), [[[[1]], [[0]]], [[[1]], [[0]]]]);
  });
});

describe('random transforms: seeded, shape-preserving', () => {
  const randomOnes: [string, (seed: number) => T.Transform][] = [
    ['randomHorizontalFlip', (seed) => T.randomHorizontalFlip({ seed })],
    ['randomVerticalFlip', (seed) => T.randomVerticalFlip({ seed })],
    ['randomCrop', (seed) => T.randomCrop(8, { padding: 2, seed })],
    ['randomRotation', (seed) => T.randomRotation(15, { seed })],
    ['randomTranslation', (seed) => T.randomTranslation([0.2, 0.1], { seed })],
    ['randomShear', (seed) => T.randomShear(10, { seed })],
    ['randomZoom', (seed) => T.randomZoom([0.9, 1.2], { seed })],
    ['randomAffine', (seed) => T.randomAffine({ degrees: 10, translate: [0.1, 0.1], scale: [0.9, 1.1], shear: 5, seed })],
    ['randomChannelShift', (seed) => T.randomChannelShift({ delta: 0.1, seed })],
    ['pcaColorAugment', (seed) => T.pcaColorAugment({ seed })],
    ['gaussianNoise', (seed) => T.gaussianNoise({ std: 0.05, seed })],
    ['randomBrightness', (seed) => T.randomBrightness({ delta: 0.2, seed })],
    ['randomContrast', (seed) => T.randomContrast({ range: [0.5, 1.5], seed })],
    ['cutout', (seed) => T.cutout({ size: 3, seed })],
  ];
  for (const [name, make] of randomOnes) {
    test(name, () => {
      const a = make(1)(batch);
      assert.deepEqual(a.shape, batch.shape);
      assert.equal(a.dtype, 'float32');
      assert.deepEqual(a.toArray(), make(1)(batch).toArray(), 'same seed, same output');
      assert.notDeepEqual(a.toArray(), make(2)(batch).toArray(), 'another seed, another output');
      assert.notDeepEqual(a.toArray(), batch.toArray(), 'the batch changed');
      const single = make(1)(batch.select(0, 0));
      assert.deepEqual(single.shape, [3, 8, 8]);
    });
  }

  test('random flips flip some images and leave the rest', () => {
    const out = T.randomHorizontalFlip({ seed: 0 })(batch);
    let flipped = 0;
    for (let i = 0; i < 6; i++) {
      const o = out.select(0, i).toArray();
      if (JSON.stringify(o) === JSON.stringify(T.hflip(batch.select(0, i)).toArray())) flipped++;
      else assert.deepEqual(o, batch.select(0, i).toArray());
    }
    assert.ok(flipped > 0 && flipped < 6, `flipped ${flipped} of 6`);
    assert.deepEqual(T.randomHorizontalFlip({ p: 0, seed: 0 })(batch).toArray(), batch.toArray());
  });

  test('random crop with padding is a shifted copy of the image', () => {
    const out = T.randomCrop(3, { padding: 1, seed: 4 })(nb.arange(9).reshape([1, 1, 3, 3]).float());
    const values = out.toTypedArray();
    const nonzero = Array.from(values).filter((v) => v !== 0);
    assert.ok(nonzero.every((v) => Number.isInteger(v) && v >= 1 && v <= 8));
  });

  test('cutout zeroes a square across all channels', () => {
    const out = T.cutout({ size: 2, seed: 3 })(nb.ones([1, 3, 6, 6]));
    const zeros = out.eq(0).sum([0, 2, 3]).toArray() as number[];
    assert.ok(zeros[0]! >= 1 && zeros[0]! <= 4);
    assert.deepEqual(zeros, [zeros[0], zeros[0], zeros[0]]);
  });

  test('compose chains and is seeded as a whole', () => {
    const make = () => T.compose([T.randomHorizontalFlip(), T.randomCrop(8, { padding: 1 }), T.gaussianNoise({ std: 0.01 })], { seed: 9 });
    const a = make();
    const b = make();
    const first = a(batch);
    assertClose(first, b(batch));
    assert.notDeepEqual(a(batch).toArray(), first.toArray(), 'the next call draws new randomness');
  });

  test('contrast 1 and brightness 0 are identities; channel means survive contrast', () => {
    assertClose(T.randomContrast({ range: [1, 1], seed: 0 })(batch), batch);
    assertClose(T.randomBrightness({ delta: 0, seed: 0 })(batch), batch);
    const c = T.randomContrast({ range: [0.2, 0.4], seed: 0 })(batch);
    assertClose(c.mean([2, 3]), batch.mean([2, 3]), 1e-5);
  });
});

describe('PCA colour augmentation', () => {
  test('fitPcaColor finds the principal RGB axis', () => {
    // Pixels vary along (1, 2, 2)/3 only, so that is the first eigenvector and the rest is ~0.
    const g = new nb.Generator(1);
    const t = nb.randn([1, 1, 16, 16], { generator: g });
    const images = nb.cat([t.mul(1 / 3), t.mul(2 / 3), t.mul(2 / 3)], 1);
    const { eigenvalues, eigenvectors } = T.fitPcaColor(images);
    assert.ok(eigenvalues[0] > 0.5 && eigenvalues[1] < 1e-9 && eigenvalues[2] < 1e-9);
    const v = eigenvectors.map((row) => row[0]);
    const sign = Math.sign(v[0]!);
    [1 / 3, 2 / 3, 2 / 3].forEach((e, k) => assert.ok(Math.abs(sign * v[k]! - e) < 1e-9));
  });

  test('shifts every pixel of an image by the same RGB offset', () => {
    const out = T.pcaColorAugment({ seed: 5, std: 0.5 })(batch);
    const diff = out.sub(batch);
    const perImage = diff.amax([2, 3]).sub(diff.amin([2, 3]));
    assert.ok(perImage.amax().item() < 1e-6);
    assert.throws(() => T.pcaColorAugment()(nb.zeros([1, 1, 2, 2])), /expected RGB images with 3 channels, got 1/);
  });
});

describe('errors', () => {
  test('wrong rank, dtype or sizes', () => {
    assert.throws(() => T.hflip(nb.zeros([4, 4])), /hflip: expected images of shape \[N, C, H, W\] or one image \[C, H, W\], got shape \[4, 4\]/);
    assert.throws(() => T.hflip(nb.zeros([1, 1, 2, 2], { dtype: 'int32' })), /float images, got dtype int32/);
    assert.throws(() => T.randomCrop(10)(batch), /crop 10x10 is larger than the padded image 8x8/);
    assert.throws(() => T.randomHorizontalFlip({ p: 2 }), /p must be a probability/);
    assert.throws(() => T.normalize([0], [1])(batch), /images have 3 channels but mean\/std have 1/);
  });
});
