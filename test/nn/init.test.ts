import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { readFixture } from '../helpers/fixtures.js';

const { init } = nb.nn;

interface InitFixture {
  fans: [number[], [number, number]][];
  gains: [nb.nn.init.Nonlinearity, number | null, number][];
}
const fixture = readFixture<InitFixture>('nn-structure.json');

function stats(t: nb.Tensor): { mean: number; std: number; min: number; max: number } {
  const v = t.toTypedArray();
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const x of v) {
    sum += x;
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  const mean = sum / v.length;
  let sq = 0;
  for (const x of v) sq += (x - mean) ** 2;
  return { mean, std: Math.sqrt(sq / v.length), min, max };
}

const near = (actual: number, expected: number, rel: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected), `${what}: ${actual}, expected ${expected}`);

describe('fan and gain equal PyTorch', () => {
  test('calculateFanInAndFanOut', () => {
    for (const [shape, fans] of fixture.fans) assert.deepEqual(init.calculateFanInAndFanOut(nb.zeros(shape)), fans, `shape ${shape.join('x')}`);
  });
  test('calculateGain', () => {
    for (const [name, param, gain] of fixture.gains) {
      assert.ok(Math.abs(init.calculateGain(name, param ?? undefined) - gain) < 1e-15, `${name}(${param})`);
    }
  });
  test('errors', () => {
    assert.throws(() => init.calculateFanInAndFanOut(nb.zeros([5])), /fewer than 2 dims, got shape \[5\]/);
    assert.throws(() => init.xavierUniform_(nb.zeros([5])), /xavierUniform_: fan in and fan out cannot be computed/);
    assert.throws(() => init.calculateGain('softsign' as nb.nn.init.Nonlinearity), /calculateGain: unsupported nonlinearity 'softsign'/);
    assert.throws(() => init.uniform_(nb.zeros([2], { dtype: 'int32' })), /uniform_: expects a floating-point tensor, got dtype int32/);
  });
});

describe('initializers follow PyTorch formulas (statistics over many draws)', () => {
  const shape = [256, 128, 3];
  const [fanIn, fanOut] = [128 * 3, 256 * 3];
  const sqrt3 = Math.sqrt(3);

  test('kaimingUniform_: U(-b, b) with b = gain sqrt(3 / fan); defaults leakyRelu a = 0, fanIn', () => {
    nb.manualSeed(10);
    const s = stats(init.kaimingUniform_(nb.zeros(shape)));
    const bound = Math.SQRT2 * sqrt3 / Math.sqrt(fanIn);
    assert.ok(s.max <= bound && s.min >= -bound);
    near(s.max, bound, 0.01, 'max');
    near(s.std, bound / sqrt3, 0.01, 'std');
    const relu = stats(init.kaimingUniform_(nb.zeros(shape), { mode: 'fanOut', nonlinearity: 'relu' }));
    near(relu.std, Math.SQRT2 / Math.sqrt(fanOut), 0.01, 'std fanOut relu');
  });

  test('kaimingNormal_: N(0, gain^2 / fan)', () => {
    nb.manualSeed(11);
    const s = stats(init.kaimingNormal_(nb.zeros(shape), { a: 0.2, nonlinearity: 'leakyRelu', mode: 'fanOut' }));
    near(s.std, Math.sqrt(2 / (1 + 0.04)) / Math.sqrt(fanOut), 0.01, 'std');
    assert.ok(Math.abs(s.mean) < 0.01 * s.std * 10);
  });

  test('xavierUniform_ and xavierNormal_: std = gain sqrt(2 / (fanIn + fanOut))', () => {
    nb.manualSeed(12);
    const std = (5 / 3) * Math.sqrt(2 / (fanIn + fanOut));
    const u = stats(init.xavierUniform_(nb.zeros(shape), init.calculateGain('tanh')));
    assert.ok(u.max <= sqrt3 * std && u.min >= -sqrt3 * std);
    near(u.std, std, 0.01, 'uniform std');
    near(stats(init.xavierNormal_(nb.zeros(shape), 5 / 3)).std, std, 0.01, 'normal std');
  });

  test('lecunNormal_: N(0, 1 / fanIn)', () => {
    nb.manualSeed(13);
    near(stats(init.lecunNormal_(nb.zeros(shape))).std, 1 / Math.sqrt(fanIn), 0.01, 'std');
  });

  test('uniform_, normal_, constant_, zeros_, ones_, eye_', () => {
    nb.manualSeed(14);
    const u = stats(init.uniform_(nb.zeros([100000]), -2, 3));
    assert.ok(u.min >= -2 && u.max < 3);
    near(u.mean, 0.5, 0.02, 'uniform mean');
    const n = stats(init.normal_(nb.zeros([100000], { dtype: 'float64' }), 1, 0.5));
    near(n.mean, 1, 0.01, 'normal mean');
    near(n.std, 0.5, 0.01, 'normal std');
    assert.deepEqual(init.constant_(nb.zeros([2]), 0.5).toArray(), [0.5, 0.5]);
    assert.deepEqual(init.ones_(nb.zeros([2])).toArray(), [1, 1]);
    assert.deepEqual(init.zeros_(nb.ones([2])).toArray(), [0, 0]);
    assert.deepEqual(init.eye_(nb.ones([2, 3])).toArray(), [[1, 0, 0], [0, 1, 0]]);
    assert.throws(() => init.eye_(nb.zeros([2, 2, 2])), /eye_: only 2-D tensors are supported/);
  });

  test('orthogonal_: rows (or columns) orthonormal, times gain, also for conv kernels', () => {
    nb.manualSeed(15);
    const check = (rows: number, cols: number, gain: number): void => {
      const w = init.orthogonal_(nb.zeros([rows, cols], { dtype: 'float64' }), gain);
      const gram = rows <= cols ? w.matmul(w.t()) : w.t().matmul(w);
      const n = Math.min(rows, cols);
      const expected = nb.eye(n, n, { dtype: 'float64' }).mul(gain * gain);
      assert.ok(gram.sub(expected).abs().max().item() < 1e-12, `${rows}x${cols}`);
    };
    check(5, 9, 1);
    check(9, 5, 2);
    check(6, 6, 1);
    const kernel = init.orthogonal_(nb.zeros([4, 2, 3, 3], { dtype: 'float64' })).reshape(4, 18);
    assert.ok(kernel.matmul(kernel.t()).sub(nb.eye(4, 4, { dtype: 'float64' })).abs().max().item() < 1e-12);
  });

  test('random initializers use the seeded default generator or the one given', () => {
    nb.manualSeed(42);
    const a = init.kaimingUniform_(nb.zeros([3, 4])).toArray();
    nb.manualSeed(42);
    assert.deepEqual(init.kaimingUniform_(nb.zeros([3, 4])).toArray(), a);
    const g1 = init.normal_(nb.zeros([4]), 0, 1, { generator: new nb.Generator(5) }).toArray();
    assert.deepEqual(init.normal_(nb.zeros([4]), 0, 1, { generator: new nb.Generator(5) }).toArray(), g1);
  });

  test('initializers work on parameters without recording gradients, and the plain names are the same functions', () => {
    const layer = new nb.nn.Linear(3, 2);
    init.zeros(layer.weight);
    assert.equal(layer.weight.gradFn, null);
    assert.ok(layer.weight.toTypedArray().every((v) => v === 0));
    assert.equal(init.xavierUniform, init.xavierUniform_);
  });
});

describe('init functions take torch\'s positional arguments or an options object, and reject junk', () => {
  const same = (f: (t: nb.Tensor) => unknown, g: (t: nb.Tensor) => unknown): void => {
    const a = nb.zeros([4, 3]);
    const b = nb.zeros([4, 3]);
    nb.manualSeed(7);
    f(a);
    nb.manualSeed(7);
    g(b);
    assert.deepEqual(a.toArray(), b.toArray());
  };
  test('kaiming_uniform_(tensor, a, mode, nonlinearity) agrees with the options form', () => {
    same((t) => init.kaimingUniform_(t, 0.2, 'fanOut', 'leakyRelu'), (t) => init.kaimingUniform_(t, { a: 0.2, mode: 'fanOut', nonlinearity: 'leakyRelu' }));
    same((t) => init.kaimingNormal_(t, 0, 'fanIn', 'relu'), (t) => init.kaimingNormal_(t, { nonlinearity: 'relu' }));
    same((t) => init.uniform_(t, -2, 3), (t) => init.uniform_(t, { a: -2, b: 3 }));
    same((t) => init.normal_(t, 1, 2), (t) => init.normal_(t, { mean: 1, std: 2 }));
    same((t) => init.orthogonal_(t, 2), (t) => init.orthogonal_(t, { gain: 2 }));
    same((t) => init.xavierUniform_(t, 2), (t) => init.xavierUniform_(t, { gain: 2 }));
  });
  test('an options object where a number belongs, or a misspelt key, is an error naming the function', () => {
    // uniform_ read {a, b} as its lower bound, orthogonal_ gave NaN, kaimingUniform_ ignored a misspelt key.
    assert.throws(() => init.uniform_(nb.zeros([2]), { low: -1, high: 1 } as never), /unknown option 'low' for uniform_/);
    assert.throws(() => init.orthogonal_(nb.zeros([2, 2]), { gian: 2 } as never), /unknown option 'gian' for orthogonal_; did you mean 'gain'\?/);
    assert.throws(() => init.kaimingUniform_(nb.zeros([2, 2]), { mode: 'fan_in' } as never), /kaimingUniform_: option 'mode' must be 'fanIn' or 'fanOut'/);
    assert.throws(() => init.normal_(nb.zeros([2]), 0, '1' as never), /normal_: std must be a number, got string '1'/);
    assert.throws(() => (init.xavierNormal_ as (...a: unknown[]) => unknown)(nb.zeros([2, 2]), 1, undefined, 3), /xavierNormal_: too many arguments/);
  });
});
