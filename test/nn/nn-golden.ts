/** Reads the fixtures of scripts/gen_nn_fixtures.py and compares tensors with PyTorch's values. */
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { decodeNumber } from '../helpers/fixtures.js';

export interface TensorJson {
  shape: number[];
  dtype: nb.DType;
  values: (number | string)[];
}

export function fromJson(t: TensorJson, dtype: nb.DType = t.dtype): nb.Tensor {
  const values = t.values.map(decodeNumber);
  if (dtype === 'bool') return nb.tensor(values.map((v) => v !== 0), { dtype: 'bool' }).reshape(t.shape);
  return nb.tensor(values, { dtype, allowNonFinite: true }).reshape(t.shape);
}

export const TOLERANCE = { float64: { rtol: 1e-10, atol: 1e-12 }, float32: { rtol: 1e-5, atol: 1e-6 } };

export function assertClose(actual: nb.Tensor | null | undefined, expected: TensorJson, what: string): void {
  assert.ok(actual, `${what}: missing`);
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const got = actual.toTypedArray();
  const { rtol, atol } = actual.dtype === 'float32' ? TOLERANCE.float32 : TOLERANCE.float64;
  for (let i = 0; i < got.length; i++) {
    const a = got[i]!;
    const e = decodeNumber(expected.values[i]!);
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    assert.ok(a === e || Math.abs(a - e) <= atol + rtol * Math.abs(e), `${what}[${i}]: got ${a}, PyTorch gives ${e}`);
  }
}

/** sum(output * cotangent), with non-finite outputs left out (as the generator does). */
export function projected(output: nb.Tensor, cotangent: (number | string)[]): nb.Tensor {
  const cot = nb.tensor(cotangent.map(decodeNumber), { dtype: output.dtype }).reshape(output.shape);
  return nb.where(output.isFinite(), output, 0).mul(cot).sum();
}

/**
 * gradCheck for a module: central differences in float64 over every element of the float inputs
 * and of every parameter, against autograd, on sum(output * v) for a fixed random v.
 */
export function moduleGradCheck(module: nb.nn.Module, inputs: nb.Tensor[], forward: (...xs: nb.Tensor[]) => nb.Tensor): { passed: boolean; worst: string } {
  const eps = 1e-6;
  const [atol, rtol] = [1e-5, 1e-3];
  const leaves = inputs.map((x) => (x.dtype === 'float64' ? x.detach().clone().requiresGrad_() : x));
  const params = [...module.namedParameters()];
  module.zeroGrad();
  const first = forward(...leaves);
  const v = nb.randn(first.shape, { dtype: 'float64', generator: new nb.Generator(7) });
  first.mul(v).sum().backward();
  const value = (): number => nb.noGrad(() => forward(...leaves).mul(v).sum().item());
  const targets: [string, nb.Tensor][] = [
    ...leaves.map((x, i): [string, nb.Tensor] => [`input ${i}`, x]).filter(([, x]) => x.dtype === 'float64'),
    ...params.map(([name, p]): [string, nb.Tensor] => [name, p]),
  ];
  let worst = { gap: 0, what: 'none' };
  let passed = true;
  for (const [name, t] of targets) {
    if (!t.isContiguous() || t.dtype !== 'float64') throw new Error(`moduleGradCheck: ${name} must be a contiguous float64 tensor`);
    const analytical = t.grad ? t.grad.toTypedArray() : new Float64Array(t.numel());
    for (let i = 0; i < t.numel(); i++) {
      const at = t.offset + i;
      const saved = t.data[at]!;
      t.data[at] = saved + eps;
      const plus = value();
      t.data[at] = saved - eps;
      const minus = value();
      t.data[at] = saved;
      const numerical = (plus - minus) / (2 * eps);
      const gap = Math.abs(numerical - analytical[i]!);
      if (gap > atol + rtol * Math.abs(numerical)) passed = false;
      if (gap > worst.gap) worst = { gap, what: `${name}[${i}]: numerical ${numerical}, analytical ${analytical[i]}` };
    }
  }
  return { passed, worst: worst.what };
}
