/**
 * Checking one op-table sample against its PyTorch fixture: outputs and input gradients (for the
 * cotangent w[i] = sin(i + 1)). Free of Node APIs, so the same check runs in Node's test runner and
 * in a browser page (test/browser/).
 */
import type { OpEntry } from '../../src/ops/table.js';
import { asList, buildInput, cotangent, type SerializedInput } from './samples.js';
import { decodeNumber } from './numbers.js';

interface Expected {
  outputs: { shape: number[]; dtype: string; values: (number | string)[] }[];
  grads: ((number | string)[] | null)[];
}
export interface FixtureSample {
  attrs: object;
  inputs: SerializedInput[];
  float64: Expected;
  float32: Expected;
}
export interface OpFixture {
  name: string;
  samples: FixtureSample[];
}

export const TOLERANCE = { float64: { rtol: 1e-10, atol: 1e-12 }, float32: { rtol: 1e-5, atol: 1e-6 } };

/** The first value outside tolerance, as a message, or null when all agree. */
function closeMismatch(actual: ArrayLike<number>, expected: (number | string)[], dtype: 'float32' | 'float64', scale: number, what: string): string | null {
  if (actual.length !== expected.length) return `${what}: ${actual.length} values, expected ${expected.length}`;
  const { rtol, atol } = TOLERANCE[dtype];
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = decodeNumber(expected[i]!);
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    const ok = a === e || Math.abs(a - e) <= scale * (atol + rtol * Math.abs(e));
    if (!ok) return `${what}[${i}]: got ${a}, PyTorch gives ${e}`;
  }
  return null;
}

/** Runs sample k of an op-table entry in one dtype; returns what disagrees with PyTorch (empty when nothing). */
export function opSampleMismatches(entry: OpEntry<object>, fixture: FixtureSample, k: number, dtype: 'float32' | 'float64'): string[] {
  const problems: string[] = [];
  const differentiable = entry.differentiable ?? true;
  const inputs = fixture.inputs.map((i) => buildInput(i, dtype, differentiable));
  const outs = asList(entry.run(inputs, entry.samples[k]!.attrs));
  const expected = fixture[dtype];
  if (outs.length !== expected.outputs.length) return [`${outs.length} outputs, expected ${expected.outputs.length}`];
  const scale = entry.tolerance ?? 1;
  outs.forEach((o, j) => {
    const e = expected.outputs[j]!;
    if (JSON.stringify(o.shape) !== JSON.stringify(e.shape)) problems.push(`output ${j} shape [${o.shape}], expected [${e.shape}]`);
    else if (o.dtype !== e.dtype) problems.push(`output ${j} dtype ${o.dtype}, expected ${e.dtype}`);
    else {
      const m = closeMismatch(o.toTypedArray(), e.values, dtype, scale, `output ${j}`);
      if (m !== null) problems.push(m);
    }
  });
  if (!differentiable || problems.length > 0) return problems;
  const terms = outs.filter((o) => o.requiresGrad).map((o) => o.mul(cotangent(o)).sum());
  if (terms.length === 0) return problems;
  terms.reduce((a, b) => a.add(b)).backward();
  inputs.forEach((x, i) => {
    const g = expected.grads[i];
    if (g === null || g === undefined) return;
    const actual = x.grad === null ? new Float64Array(g.length) : x.grad.toTypedArray();
    const m = closeMismatch(actual, g, dtype, scale * 10, `gradient of input ${i}`);
    if (m !== null) problems.push(m);
  });
  return problems;
}
