/**
 * Nabla on the default backend (wasm: its fast paths) against PyTorch float32 results at the
 * sizes that take them: Winograd and the input gradient as a forward conv (16-64 channels), conv
 * at stride 2 and with groups, the fused LSTM and GRU kernels at hidden size 128 and in two
 * bidirectional layers, and the gemm at odd, blocked, batched and broadcast shapes. Written by
 * scripts/gen_fastpath_fixtures.py; inputs, weights and cotangents come from the formula both
 * sides share (`pattern`), torch's outputs and gradients from the fixture.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { readFixture } from '../helpers/fixtures.js';

interface PatternSpec {
  shape: number[];
  seed: number;
  scale: number;
}

interface Encoded {
  shape: number[];
  /** Base64 of little-endian float32 values, row-major. */
  data: string;
}

interface ConvCase {
  name: string;
  stride: number;
  padding: number;
  dilation: number;
  groups: number;
  x: PatternSpec;
  w: PatternSpec;
  b: PatternSpec;
  cotangent: number;
  y: Encoded;
  gx: Encoded;
  gw: Encoded;
  gb: Encoded;
}

interface RecurrentCase {
  name: string;
  mode: 'lstm' | 'gru';
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  params: Record<string, PatternSpec>;
  x: PatternSpec;
  h0: PatternSpec;
  c0?: PatternSpec;
  cotangents: Record<string, number>;
  outputs: Record<string, Encoded>;
  grads: Record<string, Encoded>;
  paramGrads: Record<string, Encoded>;
}

interface MatmulCase {
  name: string;
  a: PatternSpec;
  b: PatternSpec;
  transposeB: boolean;
  cotangent: number;
  out: Encoded;
  ga: Encoded;
  gb: Encoded;
}

interface Fixture<C> {
  cases: C[];
}

// The formula's constants (scripts/gen_fastpath_fixtures.py has the same).
const INDEX_MULTIPLIER = 2654435761;
const SEED_MULTIPLIER = 2246822519;
const TWO_32 = 2 ** 32;

/**
 * Element i is ((i * INDEX_MULTIPLIER + seed * SEED_MULTIPLIER) mod 2^32 / 2^32 * 2 - 1) * scale,
 * rounded to float32: every step is exact in double (below 2^53) on both sides.
 */
function pattern(shape: readonly number[], seed: number, scale: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = (((i * INDEX_MULTIPLIER + seed * SEED_MULTIPLIER) % TWO_32) / TWO_32 * 2 - 1) * scale;
  return nb.tensor(values).reshape([...shape]);
}

const fromSpec = (s: PatternSpec): Tensor => pattern(s.shape, s.seed, s.scale);

function decode(e: Encoded): Float32Array {
  const bytes = Uint8Array.from(Buffer.from(e.data, 'base64'));
  const view = new DataView(bytes.buffer);
  return Float32Array.from({ length: bytes.length / 4 }, (_, i) => view.getFloat32(4 * i, true));
}

/**
 * Float32 agreement: |got - torch| <= 1e-4 |torch| + 2e-5 max|torch| (the products run in a
 * different order, Winograd's transforms and torch's kernels each round differently).
 */
function assertMatches(actual: Tensor | null | undefined, expected: Encoded, what: string): void {
  assert.ok(actual, `${what}: missing`);
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const got = actual.toTypedArray();
  const want = decode(expected);
  const largest = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  for (let i = 0; i < want.length; i++) {
    const [a, e] = [Number(got[i]), want[i]!];
    if (!(Math.abs(a - e) <= 1e-4 * Math.abs(e) + 2e-5 * largest)) assert.fail(`${what}[${i}]: Nabla ${a}, PyTorch ${e} (largest |value| ${largest})`);
  }
}

/** sum(output * cotangent) over the outputs, the cotangents from the formula at scale 1. */
function backward(outputs: Tensor[], seeds: number[]): void {
  outputs.map((o, i) => o.mul(pattern(o.shape, seeds[i]!, 1)).sum()).reduce((a, b) => a.add(b)).backward();
}

describe('fast paths against PyTorch (float32, default backend)', () => {
  describe('conv2d', () => {
    for (const c of readFixture<Fixture<ConvCase>>('fastpath-conv.json').cases) {
      test(c.name, () => {
        const [x, w, b] = [c.x, c.w, c.b].map((s) => fromSpec(s).requiresGrad_()) as [Tensor, Tensor, Tensor];
        const y = nb.F.conv2d(x, w, b, { stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups });
        assertMatches(y, c.y, `${c.name}: output`);
        backward([y], [c.cotangent]);
        assertMatches(x.grad, c.gx, `${c.name}: input gradient`);
        assertMatches(w.grad, c.gw, `${c.name}: weight gradient`);
        assertMatches(b.grad, c.gb, `${c.name}: bias gradient`);
      });
    }
  });

  describe('LSTM and GRU', () => {
    for (const c of readFixture<Fixture<RecurrentCase>>('fastpath-recurrent.json').cases) {
      test(c.name, () => {
        const options = { numLayers: c.numLayers, bidirectional: c.bidirectional };
        const module = c.mode === 'lstm' ? new nb.nn.LSTM(c.inputSize, c.hiddenSize, options) : new nb.nn.GRU(c.inputSize, c.hiddenSize, options);
        const dict: Record<string, Tensor> = {};
        for (const [key, s] of Object.entries(c.params)) dict[key] = fromSpec(s);
        module.loadStateDict(dict);
        const x = fromSpec(c.x).requiresGrad_();
        const h0 = fromSpec(c.h0).requiresGrad_();
        const c0 = c.c0 === undefined ? null : fromSpec(c.c0).requiresGrad_();
        const outputs: Record<string, Tensor> = {};
        if (module instanceof nb.nn.LSTM) {
          const [output, [hN, cN]] = module.forward(x, [h0, c0!]);
          Object.assign(outputs, { output, hN, cN });
        } else {
          const [output, hN] = (module as nb.nn.GRU).forward(x, h0);
          Object.assign(outputs, { output, hN });
        }
        for (const [k, expected] of Object.entries(c.outputs)) assertMatches(outputs[k], expected, `${c.name}: ${k}`);
        const keys = Object.keys(c.cotangents);
        backward(keys.map((k) => outputs[k]!), keys.map((k) => c.cotangents[k]!));
        assertMatches(x.grad, c.grads.x!, `${c.name}: gradient of x`);
        assertMatches(h0.grad, c.grads.h0!, `${c.name}: gradient of h0`);
        if (c0 !== null) assertMatches(c0.grad, c.grads.c0!, `${c.name}: gradient of c0`);
        const params = new Map(module.namedParameters());
        for (const [key, expected] of Object.entries(c.paramGrads)) assertMatches(params.get(key)?.grad, expected, `${c.name}: gradient of ${key}`);
      });
    }
  });

  describe('matmul', () => {
    for (const c of readFixture<Fixture<MatmulCase>>('fastpath-matmul.json').cases) {
      test(c.name, () => {
        const a = fromSpec(c.a).requiresGrad_();
        const b = fromSpec(c.b).requiresGrad_();
        const out = nb.matmul(a, c.transposeB ? b.transpose(-1, -2) : b);
        assertMatches(out, c.out, `${c.name}: output`);
        backward([out], [c.cotangent]);
        assertMatches(a.grad, c.ga, `${c.name}: gradient of a`);
        assertMatches(b.grad, c.gb, `${c.name}: gradient of b`);
      });
    }
  });
});
