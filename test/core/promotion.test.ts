/**
 * Type promotion against torch.result_type: every op kind on every mix of operand kinds
 * (tensor with dims, 0-dim tensor, JS scalar) and dtypes, from test/fixtures/promotion.json
 * (scripts/gen_promotion_fixtures.py). Values are compared too, so the kernels' integer and
 * bool arithmetic is checked along with the dtype.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as nb from '../../src/index.js';

interface Operand {
  kind: 'tensor' | 'zeroDim' | 'scalar';
  dtype: string;
  value: nb.Nested<number | boolean>;
}

interface Case {
  op: string;
  operands: Operand[];
  result: nb.DType | 'error';
  value?: nb.Nested<number | boolean | string>;
  message?: string;
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/promotion.json', import.meta.url), 'utf8')) as { cases: Case[] };

function build(o: Operand): nb.Tensor | number | boolean {
  if (o.kind === 'scalar') return o.value as number | boolean;
  return nb.tensor(o.value as nb.Nested<number> | nb.Nested<boolean>, { dtype: o.dtype as nb.DType });
}

const binaryOps: Record<string, (a: nb.TensorLike, b: nb.TensorLike) => nb.Tensor> = {
  add: nb.add, sub: nb.sub, mul: nb.mul, div: nb.div, maximum: nb.maximum, eq: nb.eq, lt: nb.lt,
};
const unaryOps: Record<string, (x: nb.Tensor) => nb.Tensor> = {
  neg: nb.neg, abs: nb.abs, exp: nb.exp, sqrt: nb.sqrt, sigmoid: nb.sigmoid, relu: nb.relu,
  sum: (x) => nb.sum(x), cumsum: (x) => nb.cumsum(x, 0),
};

function run(c: Case): nb.Tensor {
  const args = c.operands.map(build);
  if (c.op === 'where') return nb.where(args[0] as nb.Tensor, args[1]!, args[2]!);
  const unaryFn = unaryOps[c.op];
  if (unaryFn !== undefined) return unaryFn(args[0] as nb.Tensor);
  return binaryOps[c.op]!(args[0]!, args[1]!);
}

const describeCase = (c: Case): string =>
  `${c.op}(${c.operands.map((o) => `${o.kind} ${o.dtype}`).join(', ')})`;

function decode(v: nb.Nested<number | boolean | string>): nb.Nested<number | boolean> {
  if (Array.isArray(v)) return v.map(decode);
  if (typeof v === 'string') return v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : -Infinity;
  return v;
}

function assertClose(got: nb.Nested<number | boolean>, want: nb.Nested<number | boolean>, rtol: number, where: string): void {
  if (Array.isArray(want)) {
    assert.ok(Array.isArray(got) && got.length === want.length, `${where}: shape differs`);
    want.forEach((w, i) => assertClose((got as nb.Nested<number | boolean>[])[i]!, w, rtol, where));
    return;
  }
  if (typeof want === 'number' && typeof got === 'number' && Number.isFinite(want) && !Number.isInteger(want)) {
    assert.ok(Math.abs(got - want) <= rtol * Math.abs(want), `${where}: got ${got}, torch gives ${want}`);
  } else {
    assert.deepEqual(got, want, `${where}: got ${String(got)}, torch gives ${String(want)}`);
  }
}

describe('type promotion matches torch.result_type', () => {
  const byOp = new Map<string, Case[]>();
  for (const c of fixture.cases) byOp.set(c.op, [...(byOp.get(c.op) ?? []), c]);

  test('the fixture covers every operand kind and dtype', () => {
    assert.ok(fixture.cases.length > 800);
    const kinds = new Set(fixture.cases.flatMap((c) => c.operands.map((o) => `${o.kind}:${o.dtype}`)));
    assert.equal(kinds.size, 11);
  });

  for (const [op, cases] of byOp) {
    test(`${op}: ${cases.length} operand combinations`, () => {
      const failures: string[] = [];
      for (const c of cases) {
        const name = describeCase(c);
        try {
          if (c.result === 'error') {
            assert.throws(() => run(c), (e: Error) => e.message.startsWith(`${op}:`) && /bool/.test(e.message), `${name} should throw like torch`);
            continue;
          }
          const out = run(c);
          assert.equal(out.dtype, c.result, `${name}: dtype ${out.dtype}, torch gives ${c.result}`);
          const rtol = out.dtype === 'float32' ? 1e-6 : 1e-12;
          assertClose(out.toArray(), decode(c.value!), rtol, name);
        } catch (e) {
          failures.push((e as Error).message);
        }
      }
      assert.deepEqual(failures, []);
    });
  }
});

describe('promotion rules stated directly', () => {
  test('bool < int < float across categories, size within a category', () => {
    assert.equal(nb.promoteTypes('bool', 'int32'), 'int32');
    assert.equal(nb.promoteTypes('int32', 'float32'), 'float32');
    assert.equal(nb.promoteTypes('float32', 'float64'), 'float64');
    assert.equal(nb.promoteTypes('float64', 'bool'), 'float64');
  });

  test('a JS float scalar with an int tensor gives float32, never float64', () => {
    assert.equal(nb.tensor([1, 2]).mul(0.5).dtype, 'float32');
    assert.equal(nb.tensor([1, 2], { dtype: 'float64' }).mul(0.5).dtype, 'float64');
  });

  test('a 0-dim tensor of the same category does not widen a dimensioned tensor', () => {
    const x = nb.tensor([1.5, 2.5]);
    assert.equal(x.add(nb.tensor(1.5, { dtype: 'float64' })).dtype, 'float32');
    assert.equal(nb.tensor([1, 2]).add(nb.tensor(1.5, { dtype: 'float64' })).dtype, 'float64');
  });

  test('int32 / int32 is true division in float32', () => {
    const q = nb.tensor([7, -7]).div(nb.tensor([2, 2]));
    assert.equal(q.dtype, 'float32');
    assert.deepEqual(q.toArray(), [3.5, -3.5]);
  });

  test('comparisons give bool', () => {
    assert.equal(nb.tensor([1.5]).lt(nb.tensor([2])).dtype, 'bool');
    assert.equal(nb.tensor([1]).eq(1.0).dtype, 'bool');
  });
});
