import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { audio } from '../../src/index.js';

const f = (x: number[] | number[][]): nb.Tensor => nb.tensor(x, { dtype: 'float32' });

function close(actual: nb.Tensor, want: unknown, tol = 1e-6): void {
  const a = (actual.toArray() as unknown[]).flat(2) as number[];
  const w = (want as unknown[]).flat(2) as number[];
  assert.equal(a.length, w.length, `${JSON.stringify(actual.toArray())} vs ${JSON.stringify(want)}`);
  a.forEach((v, i) => assert.ok(Math.abs(v - w[i]!) <= tol, `${JSON.stringify(actual.toArray())} vs ${JSON.stringify(want)}`));
}

describe('audio.gain', () => {
  test('multiplies by 10^(dB / 20)', () => {
    const x = f([1, -2, 0.5]);
    close(audio.gain(x, 20 * Math.log10(2)), [2, -4, 1]);
    close(audio.gain(x, -20), [0.1, -0.2, 0.05]);
    close(audio.gain(x, 0), [1, -2, 0.5]);
  });

  test('bad arguments are errors', () => {
    assert.throws(() => audio.gain(nb.tensor([1], { dtype: 'int32' }), 3), /gain: expected a floating-point tensor/);
    assert.throws(() => audio.gain(f([1]), Number.NaN), /gainDb must be a finite number/);
  });
});

describe('audio.mix', () => {
  test('overlays at offsets with per-signal gain, summing where they overlap', () => {
    // [1, 2, 3] at 0, plus [10, 20] at sample 2 with -20 dB (x 0.1 = [1, 2]): [1, 2, 3 + 1, 2].
    const a = f([1, 2, 3]);
    const b = f([10, 20]);
    close(audio.mix([a, b], { offsets: [0, 2], gainsDb: [0, -20] }), [1, 2, 4, 2]);
    // length cuts the mix off, or pads it with silence.
    close(audio.mix([a, b], { offsets: [0, 2], gainsDb: [0, -20], length: 3 }), [1, 2, 4]);
    close(audio.mix([a, b], { offsets: [0, 2], gainsDb: [0, -20], length: 6 }), [1, 2, 4, 2, 0, 0]);
    // A negative offset cuts the signal's start; a signal placed past the end adds nothing.
    close(audio.mix([a], { offsets: [-1] }), [2, 3]);
    close(audio.mix([a, b], { offsets: [0, 5], length: 4 }), [1, 2, 3, 0]);
  });

  test('multichannel signals [C, T] mix channel by channel', () => {
    const stereo = f([[1, 2], [3, 4]]);
    const click = f([[1], [-1]]);
    close(audio.mix([stereo, click], { offsets: [0, 1] }), [[1, 3], [3, 3]]);
  });

  test("clipping guards: 'peak' rescales only when the peak exceeds 1, 'clip' clamps", () => {
    const a = f([0.8, 0.8]);
    const b = f([-0.7]);
    // Sum [0.8, 0.1] has peak 0.8: 'peak' leaves it.
    close(audio.mix([a, b], { offsets: [0, 1], normalize: 'peak' }), [0.8, 0.1]);
    // Sum [0.8, 1.5, ...]: peak 1.5, divided by it.
    close(audio.mix([a, f([0.7])], { offsets: [0, 1], normalize: 'peak' }), [0.8 / 1.5, 1]);
    close(audio.mix([a, f([0.7, -2])], { offsets: [0, 1], normalize: 'clip' }), [0.8, 1, -1]);
  });

  test('differentiable in the signals: the gradient is each sample\'s gain where it is kept', () => {
    const a = nb.tensor([1, 2, 3], { dtype: 'float32', requiresGrad: true });
    const b = nb.tensor([10, 20], { dtype: 'float32', requiresGrad: true });
    audio.mix([a, b], { offsets: [0, 2], gainsDb: [0, -20], length: 3 }).sum().backward();
    close(a.grad!, [1, 1, 1]);
    close(b.grad!, [0.1, 0]);
  });

  test('bad arguments are errors', () => {
    const a = f([1, 2]);
    assert.throws(() => audio.mix([]), /signals must be a non-empty array/);
    assert.throws(() => audio.mix([a, nb.tensor([1], { dtype: 'float64' })]), /signals\[1\] is float64 \[1\]; every signal must be float32 \[T\]/);
    assert.throws(() => audio.mix([a, f([[1, 2]])]), /every signal must be float32 \[T\]/);
    assert.throws(() => audio.mix([a, a], { gainsDb: [0] }), /gainsDb must hold 2 finite numbers/);
    assert.throws(() => audio.mix([a], { offsets: [0.5] }), /offsets must hold 1 finite integers/);
    assert.throws(() => audio.mix([a], { length: -1 }), /length must be a non-negative integer/);
    assert.throws(() => audio.mix([a], { normalize: 'rms' as never }), /normalize must be 'none', 'peak' or 'clip'/);
    assert.throws(() => audio.mix([a], { gain: [1] } as never), /unknown option 'gain'/);
    assert.throws(() => audio.mix([nb.tensor([1, 2], { dtype: 'int32' })]), /expected a floating-point tensor/);
  });
});
