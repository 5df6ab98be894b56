/**
 * Every optimizer under every option combination against PyTorch 1.13: 20 steps on the same
 * parameters and gradients give the same trajectory (float64 to 1e-10, float32 to 1e-5 relative)
 * and, in float64, the same final per-parameter state.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import {
  OPTIMIZER_NAMES, flatValues, makeOptimizer, makeParams, setGradients, worstRelative, type OptimizerCase, type Problem,
} from './fixtures.js';
import { decodeNumber, readFixture } from '../helpers/fixtures.js';

/**
 * Float64 agrees to 1e-10 relative to max(|torch value|, 1e-3); float32 to 1e-5 relative to
 * max(|torch value|, 1): float32 rounding differs from torch's by a few ulps of the values' scale
 * (torch fuses a + alpha * b into one rounding), which is large relative to a value passing near 0.
 */
const TOLERANCE = { float64: 1e-10, float32: 1e-5 } as const;
const FLOOR = { float64: 1e-3, float32: 1 } as const;

function label(c: OptimizerCase): string {
  const groups = c.groups === undefined ? '' : ` groups ${JSON.stringify(c.groups.map((g) => g.options))}`;
  return `${c.dtype} ${JSON.stringify(c.options)}${groups}`;
}

const worst: Record<string, number> = {};

for (const name of OPTIMIZER_NAMES) {
  const { problem, cases } = readFixture<{ problem: Problem; cases: OptimizerCase[] }>(`optim-${name.toLowerCase()}.json`);
  describe(`${name} matches torch`, () => {
    for (const c of cases) {
      test(label(c), () => {
        const params = makeParams(problem, c.dtype);
        const opt = makeOptimizer(c, params);
        for (let t = 0; t < problem.steps; t++) {
          setGradients(problem, params, t);
          opt.step();
          const err = worstRelative(flatValues(params), c.trajectory[t]!.map(decodeNumber), FLOOR[c.dtype]);
          const key = `${name} ${c.dtype}`;
          worst[key] = Math.max(worst[key] ?? 0, err);
          assert.ok(err <= TOLERANCE[c.dtype], `step ${t + 1}: relative error ${err.toExponential(2)} > ${TOLERANCE[c.dtype]}`);
        }
        if (c.state === undefined) return;
        const dict = opt.stateDict();
        assert.deepEqual(Object.keys(dict.state).sort(), Object.keys(c.state).sort());
        for (const [index, expected] of Object.entries(c.state)) {
          const mine = dict.state[Number(index)]!;
          assert.deepEqual(Object.keys(mine).sort(), Object.keys(expected).sort(), `state keys of parameter ${index}`);
          for (const [key, value] of Object.entries(expected)) {
            const got = mine[key];
            if (value === null) assert.equal(got, null, key);
            else if (typeof value === 'number') assert.ok(typeof got === 'number' && Math.abs(got - value) <= 1e-12 * Math.max(1, Math.abs(value)), `${key}: ${String(got)} vs ${value}`);
            else {
              assert.ok(got instanceof nb.Tensor, `${key} should be a tensor`);
              const err = worstRelative(got.toTypedArray(), value.map(decodeNumber), FLOOR.float64);
              assert.ok(err <= TOLERANCE.float64, `state ${key} of parameter ${index}: relative error ${err.toExponential(2)}`);
            }
          }
        }
      });
    }
  });
}

test('report the worst trajectory errors', () => {
  const lines = Object.entries(worst).map(([k, v]) => `${k}: ${v.toExponential(2)}`);
  assert.ok(lines.length > 0);
  if (process.env.OPTIM_REPORT) console.log(lines.join('\n'));
});
