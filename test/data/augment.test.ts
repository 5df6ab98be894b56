import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { transforms as T } from '../../src/data/index.js';
import { readFixture } from '../helpers/fixtures.js';

interface Fixture {
  fill: number;
  images: { shape: number[]; values: number[] }[];
  affine: { image: number; params: T.AffineParams; fillMode: T.FillMode; interpolation: 'bilinear' | 'nearest'; expected: number[] }[];
  elastic: { displacement: number[]; fillMode: T.FillMode; expected: number[] }[];
  noiseImage: { shape: number[]; values: number[] };
  elasticNoise: { alpha: [number, number]; sigma: [number, number]; uniforms: number[]; fillMode: T.FillMode; expected: number[] }[];
}

/** A generator that hands out given uniform draws, so a random transform can be replayed against torchvision. */
class Replay extends nb.Generator {
  private next = 0;
  constructor(private readonly draws: readonly number[]) {
    super(0);
  }
  override nextDouble(): number {
    if (this.next >= this.draws.length) throw new Error('Replay: out of draws');
    return this.draws[this.next++]!;
  }
}
const fixture = readFixture<Fixture>('augment-fill-modes.json');
const images = fixture.images.map((im) => nb.tensor(im.values, { dtype: 'float64' }).reshape(im.shape));

function maxError(actual: nb.Tensor, expected: readonly number[]): number {
  const a = actual.toTypedArray();
  assert.equal(a.length, expected.length);
  return expected.reduce((m, e, i) => Math.max(m, Math.abs(a[i]! - e)), 0);
}

describe('fill modes: scipy.ndimage.affine_transform goldens (what Keras ImageDataGenerator calls)', () => {
  for (const mode of ['constant', 'nearest', 'reflect', 'wrap'] as const) {
    test(`fillMode '${mode}', bilinear and nearest, rotations, shifts past the edge, zooms and shears`, () => {
      const cases = fixture.affine.filter((c) => c.fillMode === mode);
      assert.ok(cases.length >= 40);
      for (const c of cases) {
        const out = T.affine(images[c.image]!, c.params, { fillMode: mode, fill: fixture.fill, interpolation: c.interpolation });
        const err = maxError(out, c.expected);
        assert.ok(err < 1e-12, `${JSON.stringify(c.params)} ${c.interpolation} on image ${c.image}: max error ${err}`);
      }
    });
  }

  test('elastic: a given displacement field samples as scipy.ndimage.map_coordinates in every mode', () => {
    const image = images[0]!;
    const [, h, w] = image.shape as [number, number, number];
    for (const c of fixture.elastic) {
      const displacement = nb.tensor(c.displacement, { dtype: 'float64' }).reshape([1, h, w, 2]);
      const err = maxError(T.elastic(image, displacement, { fillMode: c.fillMode, fill: fixture.fill }), c.expected);
      assert.ok(err < 1e-12, `${c.fillMode}: max error ${err}`);
    }
  });

  test("elasticTransform given its uniform draws: torchvision's blur and scaling, then scipy's sampling", () => {
    const image = nb.tensor(fixture.noiseImage.values, { dtype: 'float64' }).reshape(fixture.noiseImage.shape);
    assert.equal(fixture.elasticNoise.length, 12);
    for (const c of fixture.elasticNoise) {
      const transform = T.elasticTransform({ alpha: c.alpha, sigma: c.sigma, fillMode: c.fillMode, fill: fixture.fill, generator: new Replay(c.uniforms) });
      const err = maxError(transform(image), c.expected);
      // torchvision builds its Gaussian kernel in float32 (then casts it), hence more than float64 round-off.
      assert.ok(err < 1e-6, `alpha ${c.alpha}, sigma ${c.sigma}, ${c.fillMode}: max error ${err}`);
    }
  });

  test('by hand on one row: each mode extends a b c d as documented', () => {
    const row = nb.tensor([[[[1, 2, 4, 8]]]]).float();
    const shift = (tx: number, fillMode: T.FillMode) => (T.affine(row, { translate: [tx, 0] }, { fillMode, fill: -1 }).toArray() as number[][][][])[0]![0]![0];
    assert.deepEqual(shift(2, 'constant'), [-1, -1, 1, 2]);
    assert.deepEqual(shift(2, 'nearest'), [1, 1, 1, 2]);
    assert.deepEqual(shift(2, 'reflect'), [2, 1, 1, 2]);
    // scipy's 'wrap' has period W - 1 = 3: source -2 reads index 1, -1 reads index 2.
    assert.deepEqual(shift(2, 'wrap'), [2, 4, 1, 2]);
    assert.deepEqual(shift(-1, 'reflect'), [2, 4, 8, 8]);
    assert.deepEqual(shift(-1, 'nearest'), [2, 4, 8, 8]);
    // Half a pixel outside: 'constant' fills (no blending with the fill), the others interpolate.
    assert.deepEqual(shift(0.5, 'constant'), [-1, 1.5, 3, 6]);
    assert.deepEqual(shift(0.5, 'nearest'), [1, 1.5, 3, 6]);
  });

  test('the random warps take fillMode; the default stays constant 0', () => {
    const x = nb.rand([2, 1, 6, 6], { generator: new nb.Generator(3) }).add(1);
    const shifted = T.randomTranslation([0.4, 0.4], { seed: 1 })(x);
    assert.ok(shifted.toTypedArray().some((v) => v === 0), 'constant 0 fills the uncovered border');
    for (const fillMode of ['nearest', 'reflect', 'wrap'] as const) {
      const out = T.randomTranslation([0.4, 0.4], { seed: 1, fillMode })(x);
      assert.ok(out.toTypedArray().every((v) => v >= 1), `${fillMode} fills from the image`);
    }
    for (const make of [T.randomRotation(30, { seed: 0, fillMode: 'reflect' }), T.randomShear(20, { seed: 0, fillMode: 'wrap' }), T.randomZoom([0.5, 0.7], { seed: 0, fillMode: 'nearest' })]) {
      assert.ok(make(x).toTypedArray().every((v) => v >= 1));
    }
    assert.ok(T.randomAffine({ degrees: 40, scale: [0.5, 0.6], seed: 0, fillMode: 'constant', fill: 0.5 })(x).toTypedArray().some((v) => v === 0.5));
  });

  test('junk options are rejected with the function and the option named', () => {
    const x = images[1]!;
    assert.throws(() => T.affine(x, { angle: 10 }, { fillMode: 'mirror' } as never), /affine: option 'fillMode' must be 'constant', 'nearest', 'reflect' or 'wrap', got string 'mirror'/);
    assert.throws(() => T.affine(x, { angle: 10 }, { fill_mode: 'wrap' } as never), /unknown option 'fill_mode' for affine; did you mean 'fillMode'\?/);
    assert.throws(() => T.randomRotation(10, { fillmode: 'wrap' } as never), /unknown option 'fillmode' for randomRotation; did you mean 'fillMode'\?/);
    assert.throws(() => T.randomAffine({ degrees: 5, fill: 'black' } as never), /randomAffine: option 'fill' must be a number, got string 'black'/);
    assert.throws(() => T.randomZoom([0.9, 1.1], { interpolation: 'bicubic' } as never), /randomZoom: option 'interpolation' must be 'bilinear' or 'nearest'/);
    assert.throws(() => T.randomShear(5, { seed: 'one' } as never), /randomShear: option 'seed' must be a finite number/);
  });
});

/** The largest per-pixel shift an elastic transform applied to a ramp image (value = x coordinate) reveals. */
function meanAbsShift(out: nb.Tensor, w: number): number {
  const a = out.toTypedArray();
  let sum = 0;
  a.forEach((v, p) => (sum += Math.abs(v - (p % w))));
  return sum / a.length;
}

describe('elastic distortion (torchvision ElasticTransform semantics)', () => {
  const w = 32;
  // A horizontal ramp: the value of pixel (x, y) is x, so away from the border the output minus x is the x displacement.
  const ramp = nb.arange(w).float().reshape([1, 1, 1, w]).expand([4, 1, w, w]).contiguous();

  test('alpha = 0 is the identity; a seed gives the same field, another seed another', () => {
    assert.deepEqual(T.elasticTransform({ alpha: 0, seed: 1 })(ramp).toArray(), ramp.toArray());
    const a = T.elasticTransform({ alpha: 20, sigma: 3, seed: 1, fillMode: 'nearest' })(ramp);
    assert.deepEqual(a.toArray(), T.elasticTransform({ alpha: 20, sigma: 3, seed: 1, fillMode: 'nearest' })(ramp).toArray());
    assert.notDeepEqual(a.toArray(), T.elasticTransform({ alpha: 20, sigma: 3, seed: 2, fillMode: 'nearest' })(ramp).toArray());
    assert.notDeepEqual(a.toArray(), ramp.toArray());
    assert.deepEqual(a.shape, ramp.shape);
  });

  test('the displacement grows linearly with alpha (same seed, same smoothed field)', () => {
    const shift = (alpha: number) => meanAbsShift(T.elasticTransform({ alpha, sigma: 4, seed: 7, fillMode: 'nearest', interpolation: 'bilinear' })(ramp), w);
    const [s1, s2, s4] = [shift(4), shift(8), shift(16)];
    assert.ok(s1 > 0.01, `some displacement: ${s1}`);
    // Bilinear sampling of a ramp is exact away from the clamped border, so doubling alpha doubles the shift.
    assert.ok(Math.abs(s2 / s1 - 2) < 0.1 && Math.abs(s4 / s2 - 2) < 0.1, `ratios ${s2 / s1}, ${s4 / s2}`);
  });

  test('the smoothed field has the standard deviation the Gaussian implies, and sigma smooths it', () => {
    // Uniform[-1, 1) noise has variance 1/3; a normalised 2-D Gaussian kernel of std s keeps about 1 / (4 pi s^2) of it.
    // For a square image the pixel shift is alpha / 2 times the smoothed noise.
    const alpha = 40;
    for (const sigma of [2, 3]) {
      const out = T.elasticTransform({ alpha, sigma, seed: 11, fillMode: 'nearest' })(nb.arange(64).float().reshape([1, 1, 1, 64]).expand([8, 1, 64, 64]).contiguous());
      const a = out.toTypedArray();
      const d: number[] = [];
      for (let p = 0; p < a.length; p++) {
        const x = p % 64;
        const y = Math.floor(p / 64) % 64;
        if (x > 16 && x < 48 && y > 16 && y < 48) d.push(a[p]! - x);
      }
      const std = Math.sqrt(d.reduce((s, v) => s + v * v, 0) / d.length);
      const expected = (alpha / 2) * Math.sqrt(1 / 3 / (4 * Math.PI * sigma * sigma));
      assert.ok(Math.abs(std / expected - 1) < 0.3, `sigma ${sigma}: std ${std}, expected about ${expected}`);
      // Neighbouring displacements are strongly correlated (smooth), unlike raw noise.
      let num = 0;
      let den = 0;
      for (let i = 0; i + 1 < d.length; i++) {
        num += d[i]! * d[i + 1]!;
        den += d[i]! * d[i]!;
      }
      assert.ok(num / den > 0.8, `lag-1 correlation ${num / den}`);
    }
  });

  test('fill modes: constant fills pixels pushed in from outside, nearest/reflect/wrap only read the image', () => {
    const x = nb.rand([4, 2, 16, 16], { generator: new nb.Generator(5) }).add(1);
    const strong = (fillMode: T.FillMode) => T.elasticTransform({ alpha: 200, sigma: 2, seed: 3, fillMode, fill: -5 })(x).toTypedArray();
    const constant = strong('constant');
    assert.ok(constant.some((v) => v === -5), 'some pixels come from outside');
    assert.ok(constant.every((v) => v === -5 || (v >= 1 && v <= 2)));
    for (const mode of ['nearest', 'reflect', 'wrap'] as const) assert.ok(strong(mode).every((v) => v >= 1 && v <= 2), mode);
  });

  test('junk arguments are rejected', () => {
    assert.throws(() => T.elasticTransform({ alpha: -1 }), /elasticTransform: alpha must be a non-negative number/);
    assert.throws(() => T.elasticTransform({ sigma: [1, NaN] }), /elasticTransform: sigma must be a non-negative number/);
    assert.throws(() => T.elasticTransform({ alpha: '50' } as never), /elasticTransform: option 'alpha' must be a number or an array/);
    assert.throws(() => T.elasticTransform({ sigmas: 3 } as never), /unknown option 'sigmas' for elasticTransform; did you mean 'sigma'\?/);
    assert.throws(() => T.elastic(images[1]!, nb.zeros([1, 3, 4, 2])), /elastic: displacement must have shape \[1, 4, 4, 2\] or \[1, 4, 4, 2\]/);
    assert.throws(() => T.elastic(images[1]!, nb.zeros([1, 4, 4, 2], { dtype: 'int32' })), /displacement must be a float tensor/);
  });
});
