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

/**
 * What each random transform draws, measured on its output against its parameters: a broken
 * range (twice the angle, ignored std, a wrong probability) moves these figures outside their
 * bounds or sampling error.
 */
describe('random transforms: drawn parameters match the options', () => {
  const N = 200;
  const S = 33;
  const C = (S - 1) / 2;
  /** N copies of a 1-channel SxS image with a small bright blob centred at (C + dx, C + dy). */
  function blobs(dx: number, dy: number): nb.Tensor {
    const data = new Float32Array(S * S);
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) data[y * S + x] = Math.exp(-((x - C - dx) ** 2 + (y - C - dy) ** 2) / 2);
    }
    return nb.tensor(Array.from(data)).reshape([1, 1, S, S]).expand([N, 1, S, S]).contiguous();
  }
  /** Each image's intensity centroid relative to the centre, [x, y]. */
  function centroids(x: nb.Tensor): [number, number][] {
    const v = x.toTypedArray();
    return Array.from({ length: N }, (_, i) => {
      let sum = 0;
      let sx = 0;
      let sy = 0;
      for (let p = 0; p < S * S; p++) {
        const w = v[i * S * S + p]!;
        sum += w;
        sx += w * (p % S);
        sy += w * Math.floor(p / S);
      }
      return [sx / sum - C, sy / sum - C];
    });
  }
  const spread = (values: number[]): [number, number] => [Math.min(...values), Math.max(...values)];

  test('randomRotation(d) turns each image by an angle in [-d, d], covering the range', () => {
    const turned = centroids(T.randomRotation(30, { seed: 1 })(blobs(10, 0)));
    const angles = turned.map(([x, y]) => (Math.atan2(-y, x) * 180) / Math.PI);
    const [lo, hi] = spread(angles);
    assert.ok(lo >= -30.5 && hi <= 30.5, `angles in [${lo}, ${hi}]`);
    assert.ok(lo < -25 && hi > 25, `angles should cover [-30, 30], got [${lo}, ${hi}]`);
    const radii = turned.map(([x, y]) => Math.hypot(x, y));
    assert.ok(radii.every((r) => Math.abs(r - 10) < 0.1), 'rotation keeps the distance to the centre');
    const fixed = centroids(T.randomRotation([20, 20], { seed: 1 })(blobs(10, 0)));
    fixed.forEach(([x, y]) => assert.ok(Math.abs((Math.atan2(-y, x) * 180) / Math.PI - 20) < 0.5));
  });

  test('randomTranslation([fx, fy]) shifts by at most fx * W and fy * H', () => {
    const moved = centroids(T.randomTranslation([0.2, 0.1], { seed: 2 })(blobs(0, 0)));
    const [xlo, xhi] = spread(moved.map((p) => p[0]));
    const [ylo, yhi] = spread(moved.map((p) => p[1]));
    assert.ok(xlo >= -0.2 * S - 0.05 && xhi <= 0.2 * S + 0.05 && xlo < -0.17 * S && xhi > 0.17 * S, `x shifts [${xlo}, ${xhi}]`);
    assert.ok(ylo >= -0.1 * S - 0.05 && yhi <= 0.1 * S + 0.05 && ylo < -0.07 * S && yhi > 0.07 * S, `y shifts [${ylo}, ${yhi}]`);
  });

  test('randomZoom([lo, hi]) scales distances from the centre by a factor in [lo, hi]', () => {
    const zoomed = centroids(T.randomZoom([0.8, 1.25], { seed: 3 })(blobs(8, 0)));
    const [lo, hi] = spread(zoomed.map(([x, y]) => Math.hypot(x, y) / 8));
    assert.ok(lo >= 0.79 && hi <= 1.26 && lo < 0.85 && hi > 1.2, `zoom factors [${lo}, ${hi}]`);
  });

  test('randomCrop with padding p shifts the image by -p..p in each direction, every offset drawn', () => {
    const image = nb.zeros([N, 1, 9, 9]);
    image.narrow(2, 4, 1).narrow(3, 4, 1).fill_(1);
    const out = T.randomCrop(9, { padding: 2, seed: 4 })(image).toTypedArray();
    const offsets = new Set<string>();
    for (let i = 0; i < N; i++) {
      const p = Array.from(out.subarray(i * 81, (i + 1) * 81)).indexOf(1);
      offsets.add(`${Math.floor(p / 9) - 4},${(p % 9) - 4}`);
    }
    assert.equal(offsets.size, 25, `offsets drawn: ${[...offsets].join(' ')}`);
  });

  test('random flips happen with probability p', () => {
    const n = 2000;
    const column = nb.tensor([0, 1]).float().reshape([1, 1, 1, 2]).expand([n, 1, 1, 2]).contiguous();
    for (const [flip, p] of [[T.randomHorizontalFlip, 0.3], [T.randomHorizontalFlip, 0.5]] as const) {
      const flipped = (flip({ p, seed: 5 })(column).select(3, 0).sum().item());
      const sigma = Math.sqrt(n * p * (1 - p));
      assert.ok(Math.abs(flipped - n * p) < 4 * sigma, `${flipped} of ${n} flipped at p = ${p}`);
    }
    const rows = nb.tensor([0, 1]).float().reshape([1, 1, 2, 1]).expand([n, 1, 2, 1]).contiguous();
    const flipped = T.randomVerticalFlip({ p: 0.2, seed: 6 })(rows).select(2, 0).sum().item();
    assert.ok(Math.abs(flipped - n * 0.2) < 4 * Math.sqrt(n * 0.2 * 0.8), `${flipped} of ${n} flipped vertically at p = 0.2`);
  });

  test('gaussianNoise adds zero-mean noise of the requested std', () => {
    const x = nb.zeros([8, 3, 16, 16]);
    for (const std of [0.05, 0.5]) {
      const noise = T.gaussianNoise({ std, seed: 7 })(x);
      const n = noise.numel();
      const mean = noise.mean().item();
      const measured = noise.std().item();
      assert.ok(Math.abs(mean) < 4 * std / Math.sqrt(n), `mean ${mean}`);
      assert.ok(Math.abs(measured / std - 1) < 4 / Math.sqrt(2 * n), `std ${measured} for ${std}`);
    }
  });

  test('channel shift, brightness and contrast draw within their ranges, covering them', () => {
    const x = nb.rand([N, 3, 4, 4], { generator: new nb.Generator(8) });
    const shifts = T.randomChannelShift({ delta: 0.3, seed: 9 })(x).sub(x).amax([2, 3]).flatten().toArray() as number[];
    const [slo, shi] = spread(shifts);
    assert.ok(slo >= -0.3 - 1e-6 && shi <= 0.3 + 1e-6 && slo < -0.27 && shi > 0.27, `channel shifts [${slo}, ${shi}]`);
    const bright = T.randomBrightness({ delta: 0.2, seed: 10 })(x).sub(x);
    assert.ok(bright.amax([1, 2, 3]).sub(bright.amin([1, 2, 3])).abs().max().item() < 1e-6, 'one offset per image');
    const [blo, bhi] = spread(bright.amax([1, 2, 3]).toArray() as number[]);
    assert.ok(blo >= -0.2 - 1e-6 && bhi <= 0.2 + 1e-6 && blo < -0.18 && bhi > 0.18, `brightness offsets [${blo}, ${bhi}]`);
    const centred = x.sub(x.mean([2, 3], true));
    const contrasted = T.randomContrast({ range: [0.5, 1.5], seed: 11 })(x);
    const factors = contrasted.sub(contrasted.mean([2, 3], true)).div(centred).select(3, 0).select(2, 0).select(1, 0).toArray() as number[];
    const [clo, chi] = spread(factors);
    assert.ok(clo >= 0.5 - 1e-4 && chi <= 1.5 + 1e-4 && clo < 0.55 && chi > 1.45, `contrast factors [${clo}, ${chi}]`);
  });

  test('cutout holes are size x size squares where they fit', () => {
    const out = T.cutout({ size: 4, seed: 12 })(nb.ones([N, 1, 32, 32]));
    const holes = out.eq(0).sum([1, 2, 3]).toArray() as number[];
    assert.ok(holes.every((h) => h <= 16 && h > 0));
    assert.ok(holes.filter((h) => h === 16).length > N * 0.7, 'most holes lie wholly inside a 32x32 image');
  });
});
