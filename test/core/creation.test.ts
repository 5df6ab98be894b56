/** Creation functions (values, dtypes, torch's ranges) and seeded random numbers. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as nb from '../../src/index.js';

interface RangeCase {
  args: number[];
  dtype: nb.DType | null;
  result?: nb.DType;
  values: number[];
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/core-creation.json', import.meta.url), 'utf8')) as {
  arange: RangeCase[];
  linspace: RangeCase[];
};

const values = (t: nb.Tensor): number[] => Array.from(t.toTypedArray());

/** Equal within `ulps` units in the last place of the dtype (torch's vectorised loops round differently). */
function assertUlps(got: number[], want: number[], dtype: nb.DType, ulps: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  const eps = dtype === 'float32' ? 2 ** -23 : 2 ** -52;
  want.forEach((w, i) => assert.ok(Math.abs(got[i]! - w) <= ulps * eps * Math.max(1, Math.abs(w)), `${what}[${i}]: ${got[i]} vs torch ${w}`));
}

describe('tensor()', () => {
  test('infers the dtype from numbers, booleans and nested arrays', () => {
    const cases: [nb.Tensor, nb.DType, number[]][] = [
      [nb.tensor(2), 'int32', []],
      [nb.tensor(2.5), 'float32', []],
      [nb.tensor(true), 'bool', []],
      [nb.tensor([1, 2, 3]), 'int32', [3]],
      [nb.tensor([[1, 2.5], [3, 4]]), 'float32', [2, 2]],
      [nb.tensor([[true], [false]]), 'bool', [2, 1]],
      [nb.tensor([]), 'float32', [0]],
      [nb.tensor([[], []]), 'float32', [2, 0]],
    ];
    for (const [t, dtype, shape] of cases) {
      assert.equal(t.dtype, dtype);
      assert.deepEqual(t.shape, shape);
    }
    assert.deepEqual(nb.tensor([[1, 2.5], [3, 4]]).toArray(), [[1, 2.5], [3, 4]]);
  });

  test('takes the dtype of a typed array, and copies it', () => {
    assert.equal(nb.tensor(new Float64Array([1, 2])).dtype, 'float64');
    assert.equal(nb.tensor(new Float32Array([1, 2])).dtype, 'float32');
    assert.equal(nb.tensor(new Int32Array([1, 2])).dtype, 'int32');
    assert.equal(nb.tensor(new Uint8Array([0, 2])).dtype, 'bool');
    assert.deepEqual(nb.tensor(new Uint8Array([0, 2])).toArray(), [false, true]);
    const source = new Float32Array([1, 2]);
    const t = nb.tensor(source);
    source[0] = 9;
    assert.deepEqual(t.toArray(), [1, 2]);
  });

  test('an explicit dtype converts the values', () => {
    assert.deepEqual(nb.tensor([1.7, -1.7], { dtype: 'int32' }).toArray(), [1, -1]);
    assert.deepEqual(nb.tensor([0, 0.5, 2], { dtype: 'bool' }).toArray(), [false, true, true]);
    assert.deepEqual(nb.tensor(new Uint8Array([0, 2]), { dtype: 'int32' }).toArray(), [0, 2]);
    assert.equal(nb.tensor([1, 2], { dtype: 'float64' }).dtype, 'float64');
    assert.equal(nb.tensor([0.1], { dtype: 'float64' }).item(), 0.1);
  });

  test('whole numbers asked to require grad become float32 (JS has no 1.0 literal)', () => {
    const t = nb.tensor([1, 2], { requiresGrad: true });
    assert.equal(t.dtype, 'float32');
    assert.equal(t.requiresGrad, true);
  });
});

describe('filled tensors, ranges and eye', () => {
  test('zeros, ones, full and their *Like forms', () => {
    assert.deepEqual(nb.zeros([2, 2]).toArray(), [[0, 0], [0, 0]]);
    assert.equal(nb.zeros([]).ndim, 0);
    assert.deepEqual(nb.ones([3], { dtype: 'int32' }).toArray(), [1, 1, 1]);
    assert.deepEqual(nb.ones([2], { dtype: 'bool' }).toArray(), [true, true]);
    assert.equal(nb.full([2], 2.5).dtype, 'float32');
    assert.equal(nb.full([2], 2).dtype, 'int32');
    assert.equal(nb.full([2], true).dtype, 'bool');
    assert.deepEqual(nb.full([2], -1.5, { dtype: 'float64' }).toArray(), [-1.5, -1.5]);
    const base = nb.tensor([[1, 2, 3]], { dtype: 'float64' });
    assert.deepEqual(nb.zerosLike(base).toArray(), [[0, 0, 0]]);
    assert.equal(nb.onesLike(base).dtype, 'float64');
    assert.equal(nb.onesLike(base, { dtype: 'int32' }).dtype, 'int32');
    assert.deepEqual(nb.fullLike(nb.tensor([1, 2]), 2.7).toArray(), [2, 2], 'an int tensor truncates, as torch.full_like');
    assert.equal(nb.zerosLike(base, { requiresGrad: true }).requiresGrad, true);
  });

  test('arange matches torch, including float steps and the ceil((end - start) / step) length rule', () => {
    for (const c of fixture.arange) {
      const options = c.dtype === null ? {} : { dtype: c.dtype };
      const [a, b, step] = c.args;
      const t = c.args.length === 1 ? nb.arange(a!, options) : nb.arange(a!, b!, step, options);
      const what = `arange(${c.args}) ${c.dtype ?? ''}`;
      assert.equal(t.dtype, c.result, `${what}: dtype`);
      assertUlps(values(t), c.values, t.dtype, 2, what);
    }
    assert.equal(nb.arange(1, 1.6, 0.2).numel(), 4, 'torch includes 1.6: (1.6 - 1) / 0.2 rounds up to 4');
  });

  test('linspace matches torch (exactly for small float32 ranges, where torch does not vectorise)', () => {
    for (const c of fixture.linspace) {
      const [start, end, steps] = c.args;
      const t = nb.linspace(start!, end!, steps!, { dtype: c.dtype! });
      const ulps = steps! > 16 ? 2 : 0;
      assertUlps(values(t), c.values, c.dtype!, ulps, `linspace(${c.args}) ${c.dtype}`);
    }
  });

  test('eye', () => {
    assert.deepEqual(nb.eye(2).toArray(), [[1, 0], [0, 1]]);
    assert.deepEqual(nb.eye(2, 3, { dtype: 'int32' }).toArray(), [[1, 0, 0], [0, 1, 0]]);
    assert.deepEqual(nb.eye(3, 1).toArray(), [[1], [0], [0]]);
    assert.deepEqual(nb.eye(0).shape, [0, 0]);
  });
});

describe('seeded random numbers', () => {
  // Pinned values: a change to the generator or to how a distribution consumes it shows up here.
  test('manualSeed(0) gives the same numbers on every run and platform', () => {
    nb.manualSeed(0);
    assert.deepEqual(values(nb.rand([4])), [0.8868539333343506, 0.012474988587200642, 0.03252214565873146, 0.02440805919468403]);
    nb.manualSeed(0);
    assert.deepEqual(values(nb.rand([3], { dtype: 'float64' })), [0.8868539502021594, 0.012474988946590604, 0.032522145755498943]);
    nb.manualSeed(0);
    assert.deepEqual(values(nb.randn([5], { dtype: 'float64' })), [2.0812089348701357, 0.16346561362740877, 0.2541306960223768, 0.039282023357514934, 1.3221593977779302]);
    nb.manualSeed(0);
    assert.deepEqual(values(nb.randint(0, 100, [6])), [88, 1, 3, 2, 61, 95]);
    nb.manualSeed(0);
    assert.deepEqual(values(nb.randperm(8)), [1, 4, 3, 2, 5, 6, 0, 7]);
    nb.manualSeed(12345);
    assert.deepEqual(values(nb.randn([3])), [0.5052542090415955, -0.046008460223674774, 1.6610888242721558]);
    const g = new nb.Generator(0);
    assert.deepEqual([g.nextUint32(), g.nextUint32(), g.nextDouble()], [3809008728, 1133695204, 0.012474988946590604]);
  });

  test('fillDoubles (the bulk draws rand and dropout use) is the nextDouble stream, chunked or not', () => {
    for (const seed of [0, 1, 12345, 2 ** 40 + 3]) {
      const one = new nb.Generator(seed);
      const expected = Array.from({ length: 9000 }, () => one.nextDouble());
      const bulk = new nb.Generator(seed);
      const got = new Float64Array(9002);
      bulk.fillDoubles(got, 1, 5);
      bulk.fillDoubles(got, 5, 9001);
      assert.deepEqual(Array.from(got.subarray(1, 9001)), expected, `seed ${seed}`);
      assert.deepEqual([got[0], got[9001]], [0, 0], 'only the range is written');
      assert.deepEqual(bulk.getState(), one.getState(), 'the state advances as far as the single draws');
      assert.equal(bulk.nextUint32(), one.nextUint32());
    }
    assert.throws(() => new nb.Generator(0).fillDoubles(new Float64Array(4), 2, 5), /Generator.fillDoubles: expected integers 0 <= start <= end <= 4, got start 2, end 5/);
    assert.throws(() => new nb.Generator(0).fillDoubles(new Float64Array(4), 1.5), /got start 1.5/);
    assert.throws(() => new nb.Generator(0).fillDoubles(new Float32Array(4) as unknown as Float64Array), /expected a Float64Array/);
    // A float32 rand longer than one bulk chunk matches the per-draw stream rounded to float32.
    const g = new nb.Generator(3);
    const expected = Float32Array.from({ length: 10000 }, () => 2 + 3 * g.nextDouble());
    const filled = nb.nn.init.uniform_(nb.zeros([10000]), 2, 5, { generator: new nb.Generator(3) });
    assert.deepEqual(filled.toTypedArray(), expected);
  });

  test('re-seeding replays the stream; different seeds differ', () => {
    nb.manualSeed(7);
    const a = values(nb.randn([10]));
    nb.manualSeed(7);
    assert.deepEqual(values(nb.randn([10])), a);
    nb.manualSeed(8);
    assert.notDeepEqual(values(nb.randn([10])), a);
    assert.equal(nb.manualSeed(99).initialSeed(), 99);
  });

  test('Generator objects are independent of the default generator and of each other', () => {
    nb.manualSeed(0);
    const expected = values(nb.rand([3]));
    nb.manualSeed(0);
    const own = new nb.Generator(5);
    const fromOwn = values(nb.rand([3], { generator: own }));
    values(nb.randn([4], { generator: own }));
    assert.deepEqual(values(nb.rand([3])), expected, 'drawing from another generator does not advance the default');
    assert.deepEqual(values(nb.rand([3], { generator: new nb.Generator(5) })), fromOwn);
    const state = own.getState();
    const next = values(nb.rand([4], { generator: own }));
    own.setState(state);
    assert.deepEqual(values(nb.rand([4], { generator: own })), next, 'getState/setState replays');
  });

  test('randn has mean 0 and variance 1; normal_ and randn honour the dtype', () => {
    const x = nb.randn([20000], { dtype: 'float64', generator: new nb.Generator(1) });
    assert.ok(Math.abs(x.mean().item()) < 0.03, `mean ${x.mean().item()}`);
    assert.ok(Math.abs(x.var().item() - 1) < 0.04, `var ${x.var().item()}`);
    const within1 = x.abs().lt(1).float().mean().item();
    assert.ok(Math.abs(within1 - 0.6827) < 0.015, `P(|x| < 1) = ${within1}`);
    assert.equal(nb.randn([2]).dtype, 'float32');
  });

  test('rand is uniform on [0, 1): chi-square over 10 bins', () => {
    const u = values(nb.rand([20000], { generator: new nb.Generator(2) }));
    assert.ok(u.every((v) => v >= 0 && v < 1));
    const bins = new Array<number>(10).fill(0);
    for (const v of u) bins[Math.floor(v * 10)]!++;
    const chi2 = bins.reduce((s, b) => s + (b - 2000) ** 2 / 2000, 0);
    assert.ok(chi2 < 27.9, `chi-square ${chi2} (9 dof, p = 0.001 at 27.9)`);
  });

  test('randint covers [low, high) and nothing else', () => {
    const r = values(nb.randint(-3, 4, [5000], { generator: new nb.Generator(3) }));
    assert.deepEqual([...new Set(r)].sort((a, b) => a - b), [-3, -2, -1, 0, 1, 2, 3]);
  });

  test('randperm is a permutation for every n', () => {
    for (const n of [0, 1, 2, 10, 257]) {
      const p = values(nb.randperm(n, { generator: new nb.Generator(n) }));
      assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i));
    }
  });

  test('bernoulli draws 1 with the given probability', () => {
    const p = nb.full([20000], 0.3, { dtype: 'float64' });
    const draws = nb.bernoulli(p, { generator: new nb.Generator(4) });
    assert.equal(draws.dtype, 'float64');
    assert.ok(Math.abs(draws.mean().item() - 0.3) < 0.015, `rate ${draws.mean().item()}`);
    assert.deepEqual(nb.bernoulli(nb.tensor([0, 1, 0, 1], { dtype: 'float32' })).toArray(), [0, 1, 0, 1]);
  });

  test('multinomial with replacement follows the (unnormalised) weights', () => {
    const s = values(nb.multinomial(nb.tensor([1, 2, 7], { dtype: 'float32' }), 10000, true, { generator: new nb.Generator(5) }));
    const freq = [0, 1, 2].map((k) => s.filter((v) => v === k).length / s.length);
    [0.1, 0.2, 0.7].forEach((p, k) => assert.ok(Math.abs(freq[k]! - p) < 0.02, `category ${k}: ${freq[k]}`));
  });

  test('multinomial without replacement draws distinct categories and never a zero weight', () => {
    const probs = nb.tensor([[0.2, 0, 0.5, 0.3], [1, 1, 1, 1]], { dtype: 'float32' });
    const draws = nb.multinomial(probs, 3, false, { generator: new nb.Generator(6) });
    assert.deepEqual(draws.shape, [2, 3]);
    assert.equal(draws.dtype, 'int32');
    const rows = draws.toArray() as number[][];
    assert.deepEqual([...rows[0]!].sort(), [0, 2, 3]);
    assert.equal(new Set(rows[1]).size, 3);
    const all = values(nb.multinomial(nb.tensor([1, 1, 1, 1, 1], { dtype: 'float32' }), 5, false, { generator: new nb.Generator(7) }));
    assert.deepEqual([...all].sort(), [0, 1, 2, 3, 4]);
  });

  test('dropout with its own generator is reproducible and scales kept values by 1 / (1 - p)', () => {
    const x = nb.ones([1000]);
    const a = nb.dropout(x, 0.25, true, new nb.Generator(8));
    const b = nb.dropout(x, 0.25, true, new nb.Generator(8));
    assert.deepEqual(values(a), values(b));
    const kept = values(a).filter((v) => v !== 0);
    assert.ok(kept.every((v) => Math.abs(v - 1 / 0.75) < 1e-6));
    assert.ok(Math.abs(kept.length / 1000 - 0.75) < 0.05);
    assert.equal(nb.dropout(x, 0.25, false), x, 'evaluation mode is the identity');
  });
});
