/**
 * Every optimizer under every option combination against PyTorch 1.13: 20 steps on the same
 * parameters and gradients give the same trajectory (float64 to 1e-10, float32 to 1e-5 relative)
 * and, in float64, the same final per-parameter state. On a backend with fused optimizer kernels
 * (the wasm backend's adamStep and sgdStep) every case runs twice: through the fused kernels
 * (counted, so a step that silently leaves them is caught) and through the plain tensor ops.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import {
  OPTIMIZER_NAMES, flatValues, makeOptimizer, makeParams, setGradients, worstRelative, type OptimizerCase, type Problem,
} from './fixtures.js';
import { decodeNumber, readFixture } from '../helpers/fixtures.js';
import { kernels } from '../../src/backend/registry.js';
import type { Backend } from '../../src/backend/types.js';

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

const FUSED_KERNELS = ['adamStep', 'sgdStep'] as const;
/** The fused kernel each optimizer steps through, where the backend has it (SGD's for float32 only). */
const FUSED_FOR: Record<string, { kernel: (typeof FUSED_KERNELS)[number]; dtypes: readonly string[] }> = {
  Adam: { kernel: 'adamStep', dtypes: ['float32'] },
  AdamW: { kernel: 'adamStep', dtypes: ['float32'] },
  SGD: { kernel: 'sgdStep', dtypes: ['float32'] },
};
const base = nb.getBackend().name;
const fusedCalls = { adamStep: 0, sgdStep: 0 };
const paths: { label: string; backend: string; fused: boolean }[] = [{ label: base, backend: base, fused: false }];
if (FUSED_KERNELS.some((k) => nb.getBackend().kernels.includes(k))) {
  const counted: Partial<Backend> = { ...kernels() };
  const plain: Partial<Backend> = { ...kernels() };
  for (const k of FUSED_KERNELS) {
    const kernel = counted[k] as ((...args: unknown[]) => unknown) | undefined;
    if (kernel !== undefined) {
      (counted as Record<string, unknown>)[k] = (...args: unknown[]) => {
        fusedCalls[k]++;
        return kernel(...args);
      };
    }
    delete plain[k];
  }
  nb.registerBackend(`${base}-fused-counted`, counted);
  nb.registerBackend(`${base}-plain`, plain);
  paths.splice(0, 1, { label: `${base}, fused kernels`, backend: `${base}-fused-counted`, fused: true }, { label: `${base}, plain tensor ops`, backend: `${base}-plain`, fused: false });
}

/** Replays the fixture's steps with the case's optimizer and compares with torch. */
function replay(name: string, c: OptimizerCase, problem: Problem, fused: boolean): void {
  const fusedKernel = FUSED_FOR[name];
  const callsBefore = fusedKernel === undefined ? 0 : fusedCalls[fusedKernel.kernel];
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
  if (fused && fusedKernel !== undefined && fusedKernel.dtypes.includes(c.dtype)) {
    assert.ok(fusedCalls[fusedKernel.kernel] > callsBefore, `${name} did not step through the fused ${fusedKernel.kernel} kernel`);
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
}

for (const name of OPTIMIZER_NAMES) {
  const { problem, cases } = readFixture<{ problem: Problem; cases: OptimizerCase[] }>(`optim-${name.toLowerCase()}.json`);
  for (const path of paths) describe(`${name} matches torch (${path.label})`, () => {
    for (const c of cases) {
      test(label(c), () => {
        nb.setBackend(path.backend);
        try {
          replay(name, c, problem, path.fused);
        } finally {
          nb.setBackend(base);
        }
      });
    }
  });
}

// OPTIM_REPORT=1 prints the worst trajectory error per optimizer and dtype.
after(() => {
  if (process.env.OPTIM_REPORT) console.log(Object.entries(worst).map(([k, v]) => `${k}: ${v.toExponential(2)}`).join('\n'));
});
