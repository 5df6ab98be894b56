/**
 * Shared by the recurrent, attention and transformer tests: reads the PyTorch cases written by
 * scripts/gen_rnn_fixtures.py, copies a case's weights into a Nabla module, and compares outputs
 * and gradients (of sum(output * cotangent)) with PyTorch's.
 */
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { decodeNumber } from '../helpers/fixtures.js';
import type { Module } from '../../src/nn/index.js';

export interface TensorJson {
  shape: number[];
  values: (number | string)[];
}

export interface GoldenCase {
  name: string;
  dtype: 'float32' | 'float64';
  layer: string;
  args: number[];
  options: Record<string, unknown>;
  params: Record<string, TensorJson>;
  inputs: Record<string, TensorJson>;
  outputs: Record<string, TensorJson>;
  cotangents: Record<string, (number | string)[]>;
  grads: Record<string, TensorJson>;
  paramGrads: Record<string, TensorJson>;
  lengths?: number[];
  [extra: string]: unknown;
}

export function fromJson(t: TensorJson, dtype: nb.DType): nb.Tensor {
  const values = t.values.map(decodeNumber);
  if (dtype === 'bool') return nb.tensor(values.map((v) => v !== 0), { dtype: 'bool' }).reshape(t.shape);
  return nb.tensor(values, { dtype, allowNonFinite: true }).reshape(t.shape);
}

export const TOLERANCE = { float64: { rtol: 1e-10, atol: 1e-12 }, float32: { rtol: 1e-5, atol: 1e-5 } };

export function assertClose(actual: nb.Tensor | null | undefined, expected: TensorJson, dtype: 'float32' | 'float64', what: string): void {
  assert.ok(actual, `${what}: missing`);
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const got = actual.toTypedArray();
  const { rtol, atol } = TOLERANCE[dtype];
  for (let i = 0; i < got.length; i++) {
    const a = got[i]!;
    const e = decodeNumber(expected.values[i]!);
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    assert.ok(a === e || Math.abs(a - e) <= atol + rtol * Math.abs(e), `${what}[${i}]: got ${a}, PyTorch gives ${e}`);
  }
}

/** Loads the case's weights (module converted to the case's dtype first). */
export function loadCase<M extends Module>(module: M, c: GoldenCase): M {
  module.to(c.dtype);
  const dict: Record<string, nb.Tensor> = {};
  for (const [k, v] of Object.entries(c.params)) dict[k] = fromJson(v, c.dtype);
  module.loadStateDict(dict);
  return module;
}

/** Leaf inputs of the case (float ones require grad). */
export function caseInputs(c: GoldenCase, kinds: Record<string, nb.DType> = {}): Record<string, nb.Tensor> {
  const out: Record<string, nb.Tensor> = {};
  for (const [k, v] of Object.entries(c.inputs)) {
    const dtype = kinds[k] ?? c.dtype;
    const t = fromJson(v, dtype);
    out[k] = dtype === 'float32' || dtype === 'float64' ? t.requiresGrad_() : t;
  }
  return out;
}

/** Compares the outputs, backpropagates the case's cotangents and compares every gradient. */
export function checkCase(module: Module, c: GoldenCase, inputs: Record<string, nb.Tensor>, outputs: Record<string, nb.Tensor | null>): void {
  for (const [k, expected] of Object.entries(c.outputs)) assertClose(outputs[k], expected, c.dtype, `${c.name}: output ${k}`);
  let loss: nb.Tensor | null = null;
  for (const [k, w] of Object.entries(c.cotangents)) {
    const out = outputs[k]!;
    const term = out.mul(nb.tensor(w.map(decodeNumber), { dtype: c.dtype }).reshape(out.shape)).sum();
    loss = loss === null ? term : loss.add(term);
  }
  module.zeroGrad();
  loss!.backward();
  for (const [k, expected] of Object.entries(c.grads)) assertClose(inputs[k]!.grad, expected, c.dtype, `${c.name}: grad of ${k}`);
  const params = new Map(module.namedParameters());
  for (const [k, expected] of Object.entries(c.paramGrads)) assertClose(params.get(k)?.grad, expected, c.dtype, `${c.name}: grad of ${k}`);
  assert.deepEqual([...params.keys()].filter((k) => !(k in c.paramGrads)), [], `${c.name}: parameters PyTorch gave no gradient`);
}

/** [key, shape] pairs of a module's state dict, in order. */
export function stateDictShapes(module: Module): [string, number[]][] {
  return Object.entries(module.stateDict()).map(([k, v]) => [k, [...v.shape]]);
}
