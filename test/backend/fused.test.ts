/**
 * The fused-kernel extension of the backend interface: probed with fused(name), absent on the
 * reference, declining (false, nothing written) what it cannot do in place, and owning where the
 * tensors it updates live (residency), which the optimizers no longer decide.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as nb from '../../src/index.js';
import { fused } from '../../src/backend/registry.js';
import { WasmRuntime } from '../../src/backend/wasm/runtime.js';
import type { AdamStepOptions } from '../../src/backend/types.js';
import { ADAM_PARALLEL_MIN } from '../../src/backend/wasm/optim.js';
import { lstmSequence } from '../../src/ops/recurrent.js';

function onBackend<T>(name: string, fn: () => T): T {
  const previous = nb.getBackend().name;
  nb.setBackend(name);
  try {
    return fn();
  } finally {
    nb.setBackend(previous);
  }
}

const options: AdamStepOptions = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, amsgrad: false, maximize: false, step: 1 };
const hasWasm = nb.listBackends().includes('wasm');
const sharedMemory = WasmRuntime.create()?.shared === true;

describe('fused kernels', () => {
  test('the reference has none; fused() returns undefined there', () => {
    onBackend('cpu', () => {
      for (const name of ['adamStep', 'sgdStep', 'lstmSequence', 'lstmSequenceBackward', 'word2vecTrain'] as const) assert.equal(fused(name), undefined, name);
    });
  });

  test('the wasm backend has them all', { skip: !hasWasm && 'no wasm backend here' }, () => {
    onBackend('wasm', () => {
      for (const name of ['adamStep', 'sgdStep', 'lstmSequence', 'lstmSequenceBackward', 'word2vecTrain'] as const) assert.equal(typeof fused(name), 'function', name);
    });
  });

  test('adamStep and sgdStep decline what they cannot update in place, writing nothing', { skip: !hasWasm && 'no wasm backend here' }, () => {
    onBackend('wasm', () => {
      const adamStep = fused('adamStep')!;
      const sgdStep = fused('sgdStep')!;
      const state = (p: nb.Tensor) => ({ expAvg: nb.zerosLike(p), expAvgSq: nb.zerosLike(p), maxExpAvgSq: null });
      const sgd = { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, first: false };
      const cases: { name: string; param: nb.Tensor; grad: () => nb.Tensor }[] = [
        { name: 'float64 (the composed update is its one definition)', param: nb.ones([4], { dtype: 'float64' }), grad: () => nb.ones([4], { dtype: 'float64' }) },
        { name: 'a non-contiguous parameter', param: nb.ones([3, 4]).t(), grad: () => nb.ones([4, 3]) },
        { name: 'mixed dtypes', param: nb.ones([4]), grad: () => nb.ones([4], { dtype: 'float64' }) },
      ];
      const aliased = nb.ones([4]);
      cases.push({ name: 'the gradient sharing the parameter memory', param: aliased, grad: () => aliased });
      for (const c of cases) {
        const before = [...c.param.toTypedArray()];
        const data = c.param.data;
        assert.equal(adamStep(c.param, c.grad(), state(c.param), options), false, `adamStep: ${c.name}`);
        assert.equal(sgdStep(c.param, c.grad(), null, sgd), false, `sgdStep: ${c.name}`);
        assert.deepEqual([...c.param.toTypedArray()], before, `nothing written: ${c.name}`);
        assert.equal(c.param.data, data, `not moved: ${c.name}`);
      }
      const p = nb.ones([4]);
      assert.equal(adamStep(p, nb.ones([4]), state(p), { ...options, amsgrad: true }), false, 'amsgrad without its state');
      assert.equal(sgdStep(p, nb.ones([4]), null, { ...sgd, momentum: 0.9 }), false, 'momentum without a buffer');
    });
  });

  test('lstmSequence runs the kernel before recording: where it declines (null) the caller loops over cells', () => {
    const run = (hidden: number, dtype: 'float32' | 'float64') => {
      const x = nb.randn([3, 2, 5], { dtype }).requiresGrad_();
      const state = () => nb.zeros([2, hidden], { dtype });
      const bias = nb.randn([4 * hidden], { dtype });
      return lstmSequence(x, nb.randn([4 * hidden, 5], { dtype }), bias, nb.randn([4 * hidden, hidden], { dtype }), state(), state(), false);
    };
    onBackend('cpu', () => assert.equal(run(8, 'float32'), null, 'no fused kernel on the reference'));
    if (!hasWasm) return;
    onBackend('wasm', () => {
      assert.equal(run(6, 'float32'), null, 'hidden size not a multiple of 4');
      assert.equal(run(8, 'float64'), null, 'float64');
      const out = run(8, 'float32');
      assert.ok(out !== null && out[0].requiresGrad, 'taken and recorded');
    });
  });

  test('the backend moves what its fused step updates into its memory (once), not the optimizer', { skip: (!hasWasm || !sharedMemory) && 'needs the wasm backend with shared memory' }, () => {
    onBackend('wasm', () => {
      const p = nb.randn([50]);
      const view = p.narrow(0, 10, 20);
      const values = [...p.toTypedArray()];
      const s = { expAvg: nb.zerosLike(p), expAvgSq: nb.zerosLike(p), maxExpAvgSq: null };
      assert.ok(!(p.data.buffer instanceof SharedArrayBuffer), 'an ordinary array before the step');
      assert.equal(fused('adamStep')!(p, nb.ones([50]), s, options), true);
      for (const t of [p, s.expAvg, s.expAvgSq]) assert.ok(t.data.buffer instanceof SharedArrayBuffer, 'resident after the step');
      assert.equal(view.data, p.data, 'a view follows its storage');
      const q = nb.randn([60]);
      const part = q.narrow(0, 0, 30);
      const partState = { expAvg: nb.zerosLike(part), expAvgSq: nb.zerosLike(part), maxExpAvgSq: null };
      assert.equal(fused('adamStep')!(part, nb.ones([30]), partState, options), true);
      assert.ok(!(q.data.buffer instanceof SharedArrayBuffer), 'a tensor covering part of its storage stays where it is');
      // The step's values: Adam's first step moves each element by lr (the gradient is all ones).
      p.toTypedArray().forEach((v, i) => assert.ok(Math.abs(v - (values[i]! - 0.1)) < 1e-6, `element ${i}`));
    });
  });

  test('a large Adam step split among the threads equals the one-thread step bit for bit', { skip: (!hasWasm || !sharedMemory) && 'needs the wasm backend with shared memory' }, () => {
    onBackend('wasm', () => {
      const threads = nb.getNumThreads();
      // Over the split threshold, not a whole number of chunks or vectors; values with NaN, +-Inf and -0.
      const n = ADAM_PARALLEL_MIN + 16384 + 4099;
      const special = [Number.NaN, Infinity, -Infinity, -0, 0, 1e-30];
      const values = (seed: number) => nb.tensor(Float32Array.from({ length: n }, (_, i) => (i % 997 === 0 ? special[(i / 997) % special.length]! : Math.sin(i * seed))), { allowNonFinite: true });
      const variants: Partial<AdamStepOptions>[] = [{}, { amsgrad: true }, { weightDecay: 0.1 }, { weightDecay: 0.1, decoupled: true }, { maximize: true }];
      const stepped = (count: number, variant: Partial<AdamStepOptions>) => {
        nb.setNumThreads(count);
        const param = values(1);
        const state = { expAvg: nb.zerosLike(param), expAvgSq: nb.zerosLike(param), maxExpAvgSq: variant.amsgrad === true ? nb.zerosLike(param) : null };
        for (let step = 1; step <= 3; step++) assert.equal(fused('adamStep')!(param, values(step + 1), state, { ...options, ...variant, step }), true);
        return [param, state.expAvg, state.expAvgSq, ...(state.maxExpAvgSq === null ? [] : [state.maxExpAvgSq])].map((t) => new Uint32Array(t.toTypedArray().buffer));
      };
      try {
        const info = nb.wasmBackendInfo()!;
        const before = info.workerChunks;
        for (const variant of variants) {
          assert.deepEqual(stepped(2, variant), stepped(1, variant), JSON.stringify(variant));
        }
        if (nb.wasmBackendInfo()!.workersRunning > 0) assert.ok(nb.wasmBackendInfo()!.workerChunks > before, 'no chunk ran on a worker');
      } finally {
        nb.setNumThreads(threads);
      }
    });
  });
});

describe('layering', () => {
  test('optimizers and tensor/ do not reach into backend internals', () => {
    const root = join(import.meta.dirname, '../../src');
    const sources = (dir: string) => readdirSync(join(root, dir)).filter((f) => f.endsWith('.ts')).map((f) => [`${dir}/${f}`, readFileSync(join(root, dir, f), 'utf8')] as const);
    for (const [file, text] of [...sources('tensor'), ...sources('autograd')]) assert.ok(!/from '\.\.\/backend\/(cpu|wasm)\//.test(text), `${file} imports a backend's internals`);
    for (const [file, text] of sources('optim')) {
      assert.ok(!/residentZeros|relocate\(/.test(text), `${file} decides memory placement (the backend's job)`);
      assert.ok(!/from '\.\.\/backend\/(cpu|wasm)\//.test(text), `${file} imports a backend's internals`);
    }
  });
});
