/**
 * Runs the layer cases written by scripts/gen_conv_fixtures.py: builds the Nabla layer from the
 * case's arguments, checks its state-dict keys and shapes against torch's, loads torch's values,
 * and compares every step's output and the gradients of the input and every parameter, then
 * the state after all steps (batch norm's running statistics). Also the gradCheck helpers the
 * conv, pool and norm tests share.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { cotangent } from '../helpers/samples.js';
import { decodeNumber, readFixture } from '../helpers/fixtures.js';

interface Encoded {
  shape: number[];
  values: (number | string)[];
}

interface LayerStep {
  mode: 'train' | 'eval';
  input: Encoded;
  output: Encoded;
  indices?: Encoded;
  grads: Record<string, (number | string)[]>;
}

export interface LayerCase {
  name: string;
  layer: string;
  args: unknown[];
  options: Record<string, unknown>;
  dtype: 'float32' | 'float64';
  forwardArgs: unknown[];
  stateKeys: string[];
  state: Record<string, Encoded & { integer: boolean }>;
  steps: LayerStep[];
  finalState: Record<string, (number | string)[]>;
}

export function loadCases(file: string): LayerCase[] {
  return readFixture<LayerCase[]>(file);
}

const TOLERANCE = { float64: { rtol: 1e-9, atol: 1e-11 }, float32: { rtol: 2e-5, atol: 2e-6 } };

export function assertClose(actual: ArrayLike<number>, expected: readonly (number | string)[], dtype: 'float32' | 'float64', what: string): void {
  assert.equal(actual.length, expected.length, `${what}: ${actual.length} values, expected ${expected.length}`);
  const { rtol, atol } = TOLERANCE[dtype];
  let scale = 0;
  for (const e of expected) scale = Math.max(scale, Math.abs(decodeNumber(e)));
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = decodeNumber(expected[i]!);
    const ok = a === e || Math.abs(a - e) <= atol * Math.max(1, scale) + rtol * Math.abs(e);
    assert.ok(ok, `${what}[${i}]: got ${a}, PyTorch gives ${e}`);
  }
}

type LayerCtor = new (...args: unknown[]) => nb.nn.Module & { forward(...inputs: unknown[]): unknown };

function build(c: LayerCase): nb.nn.Module & { forward(...inputs: unknown[]): unknown } {
  const ctor = (nb.nn as unknown as Record<string, LayerCtor>)[c.layer];
  assert.ok(ctor, `nn.${c.layer} exists`);
  // Layers without parameters (pooling, LocalResponseNorm) take no dtype option, as in torch.
  const hasParameters = !/Pool|LocalResponseNorm/.test(c.layer);
  return new ctor(...c.args, hasParameters ? { ...c.options, dtype: c.dtype } : c.options);
}

function decoded(values: readonly (number | string)[]): number[] {
  return values.map(decodeNumber);
}

/** One test per case. */
export function layerTests(cases: readonly LayerCase[]): void {
  for (const c of cases) {
    test(`${c.name} (${c.dtype}) matches PyTorch`, () => {
      const layer = build(c);
      const own = layer.stateDict();
      assert.deepEqual(Object.keys(own), c.stateKeys, 'state-dict keys (and their order) equal torch\'s');
      for (const key of c.stateKeys) assert.deepEqual(own[key]!.shape, c.state[key]!.shape, `shape of ${key}`);
      const dict: Record<string, nb.Tensor> = {};
      for (const [key, s] of Object.entries(c.state)) {
        dict[key] = nb.tensor(decoded(s.values), { dtype: s.integer ? 'int32' : c.dtype }).reshape(s.shape);
      }
      layer.loadStateDict(dict);
      const params = new Map(layer.namedParameters());
      c.steps.forEach((step, k) => {
        layer.train(step.mode === 'train');
        layer.zeroGrad();
        const x = nb.tensor(decoded(step.input.values), { dtype: c.dtype }).reshape(step.input.shape).requiresGrad_(true);
        const out = layer.forward(x, ...c.forwardArgs) as nb.Tensor | { values: nb.Tensor; indices: nb.Tensor };
        const values = out instanceof nb.Tensor ? out : out.values;
        assert.deepEqual(values.shape, step.output.shape, `step ${k}: output shape`);
        assertClose(values.toTypedArray(), step.output.values, c.dtype, `step ${k}: output`);
        if (step.indices !== undefined) {
          assert.ok(!(out instanceof nb.Tensor), `step ${k}: indices returned`);
          assert.equal(out.indices.dtype, 'int32');
          assert.deepEqual(Array.from(out.indices.toTypedArray()), decoded(step.indices.values), `step ${k}: indices`);
        }
        values.mul(cotangent(values)).sum().backward();
        assertClose(x.grad!.toTypedArray(), step.grads.input!, c.dtype, `step ${k}: input gradient`);
        for (const [name, p] of params) {
          const expected = step.grads[name];
          assert.ok(expected, `step ${k}: torch has parameter ${name}`);
          assertClose(p.grad === null ? new Float64Array(expected.length) : p.grad.toTypedArray(), expected, c.dtype, `step ${k}: gradient of ${name}`);
        }
      });
      const final = layer.stateDict();
      for (const [key, expected] of Object.entries(c.finalState)) {
        assertClose(final[key]!.toTypedArray(), expected, c.dtype, `final ${key}`);
      }
    });
  }
}

/** Standard-normal float64 values from a seeded generator, for the gradCheck tests. */
export function rand(shape: number[], seed: number): nb.Tensor {
  return nb.randn(shape, { dtype: 'float64', generator: new nb.Generator(seed) });
}

export function assertGradCheck(fn: (...xs: nb.Tensor[]) => nb.Tensor | nb.Tensor[], inputs: nb.Tensor[]): void {
  const result = nb.gradCheck(fn, inputs);
  assert.ok(result.passed, `relative error ${result.relativeError}; worst: ${JSON.stringify(result.worst)}`);
}
