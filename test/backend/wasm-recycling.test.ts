/**
 * The wasm backend's pool of dead result arrays (array-pool.ts), filled by the autograd engine's
 * gradient recycling and drawn on by unstage: what it keeps, its bound, and that training with
 * it gives bit-identical results to training without (a reused array still holds old values,
 * so a result not overwritten in whole would show).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { ArrayPool } from '../../src/backend/wasm/array-pool.js';
import { WasmRuntime } from '../../src/backend/wasm/runtime.js';
import { wasmKernels } from '../../src/backend/wasm/index.js';
import { registerBackend } from '../../src/backend/registry.js';
import { setGradientRecycling } from '../../src/autograd/engine.js';
import { lstmSequence } from '../../src/ops/recurrent.js';

const { nn, optim, F } = nb;

describe('ArrayPool', () => {
  test('hands back a kept array of exactly the size asked for, once', () => {
    const pool = new ArrayPool(1 << 20);
    const a = new Float32Array(2048);
    pool.give(a);
    pool.give(a); // given twice: kept once
    assert.equal(pool.bytes, 2048 * 4);
    assert.equal(pool.take(2047), undefined);
    assert.equal(pool.take(2049), undefined);
    assert.equal(pool.take(2048), a);
    assert.equal(pool.take(2048), undefined);
    assert.equal(pool.bytes, 0);
  });

  test('keeps only float32 arrays that own their whole, unshared buffer and are not tiny', () => {
    const pool = new ArrayPool(1 << 24);
    const big = new Float32Array(8192);
    pool.give(big.subarray(0, 4096)); // a view into a larger buffer
    pool.give(big.subarray(4096)); // a view at an offset
    pool.give(new Float32Array(new SharedArrayBuffer(4096 * 4))); // shared memory (wasm's, say)
    pool.give(new Float64Array(4096));
    pool.give(new Int32Array(4096));
    pool.give(new Float32Array(1023));
    pool.give([1, 2, 3]);
    pool.give(null);
    assert.equal(pool.bytes, 0);
    const memory = new WebAssembly.Memory({ initial: 1 });
    const inMemory = new ArrayPool(1 << 24, memory);
    inMemory.give(new Float32Array(memory.buffer, 0, 16384)); // the whole of the (private) wasm memory
    assert.equal(inMemory.bytes, 0, 'the wasm memory is never kept');
  });

  test('holds at most its cap; clear drops everything', () => {
    const pool = new ArrayPool(3 * 4096 * 4);
    for (let i = 0; i < 5; i++) pool.give(new Float32Array(4096));
    assert.equal(pool.bytes, 3 * 4096 * 4);
    pool.clear();
    assert.equal(pool.bytes, 0);
    assert.equal(pool.take(4096), undefined);
  });
});

/** A model and its loss, with the forward results to hold across later steps. */
interface Workload {
  model: nb.nn.Module;
  loss: () => { value: Tensor; outputs: Tensor[] };
}

const logits = (value: Tensor, out: Tensor): { value: Tensor; outputs: Tensor[] } => ({ value, outputs: [out] });

describe('training with recycled arrays (wasm)', () => {
  const runtime = WasmRuntime.create({ singleThreaded: true });
  let previous = 'cpu';
  before(() => {
    previous = nb.getBackend().name;
    if (runtime !== undefined) {
      registerBackend('wasm-recycling', wasmKernels(runtime));
      nb.setBackend('wasm-recycling');
    }
  });
  after(() => {
    nb.setBackend(previous);
    setGradientRecycling(true);
  });

  /** Trains `steps` steps from seed 0 with recycling on or off; returns the losses and the parameters. */
  function train(recycling: boolean, make: () => Workload, steps = 4): number[][] {
    setGradientRecycling(recycling);
    runtime!.arrays.clear();
    nb.manualSeed(0);
    const { model, loss } = make();
    const opt = new optim.Adam(model.parameters(), { lr: 1e-2 });
    const losses: number[] = [];
    // Every step's forward results, held to the end: none may change when later steps reuse arrays.
    const held: [Tensor, number[]][] = [];
    for (let s = 0; s < steps; s++) {
      opt.zeroGrad();
      const { value, outputs } = loss();
      for (const t of outputs) held.push([t, Array.from(t.toTypedArray() as Float32Array)]);
      value.backward();
      opt.step();
      losses.push(value.item());
    }
    held.forEach(([t, values], i) => assert.deepEqual(Array.from(t.toTypedArray() as Float32Array), values, `held output ${i}`));
    if (recycling) assert.ok(runtime!.arrays.bytes > 0 || losses.length === 0, 'nothing was recycled');
    return [losses, ...[...model.parameters()].map((p) => Array.from(p.toTypedArray() as Float32Array))];
  }

  const workloads: Record<string, () => Workload> = {
    mlp: () => {
      const model = new nn.Sequential(new nn.Linear(64, 96), new nn.ReLU(), new nn.Dropout(0.2), new nn.Linear(96, 48), new nn.ReLU(), new nn.Linear(48, 10));
      const x = nb.randn([64, 64]);
      const y = nb.randint(0, 10, [64]);
      return { model, loss: () => {
        const out = model.forward(x);
        return logits(F.crossEntropy(out, y), out);
      } };
    },
    'conv net': () => {
      const model = new nn.Sequential(
        new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
        new nn.Conv2d(6, 16, 5), new nn.ReLU(), new nn.AvgPool2d(2),
        new nn.Flatten(), new nn.Linear(400, 10),
      );
      const x = nb.rand([16, 1, 28, 28]);
      const y = nb.randint(0, 10, [16]);
      return { model, loss: () => {
        const out = model.forward(x);
        return logits(F.crossEntropy(out, y), out);
      } };
    },
    'LSTM (whole-sequence kernel, one layer, its last c held)': () => {
      const model = new nn.LSTM(16, 32);
      const x = nb.randn([12, 8, 16]);
      return { model, loss: () => {
        const [out, [h, c]] = model.forward(x);
        return { value: out.square().mean().add(c!.square().mean()), outputs: [out, h, c!] };
      } };
    },
    'LSTM (whole-sequence kernel, two layers, dropout between)': () => {
      const model = new nn.LSTM(16, 32, { numLayers: 2, dropout: 0.3, batchFirst: true });
      const x = nb.randn([8, 12, 16]);
      return { model, loss: () => {
        const [out, [h, c]] = model.forward(x);
        return { value: out.square().mean(), outputs: [out, h, c!] };
      } };
    },
  };

  test("lstmSequence: the last c (a view of the op's saved cs) survives the backward and later passes", { skip: runtime === undefined && 'WebAssembly SIMD is unavailable' }, () => {
    setGradientRecycling(true);
    nb.manualSeed(0);
    const x = nb.randn([6, 4, 8], { requiresGrad: true });
    const weightIh = nb.randn([128, 8]).mul(0.1).requiresGrad_();
    const weightHh = nb.randn([128, 32]).mul(0.1).requiresGrad_();
    const [h0, c0] = [nb.zeros([4, 32]), nb.zeros([4, 32])];
    const held: [Tensor, number[]][] = [];
    for (let s = 0; s < 3; s++) {
      const [hs, c] = lstmSequence(x, weightIh, null, weightHh, h0, c0, false)!;
      held.push([c, Array.from(c.toTypedArray() as Float32Array)], [hs, Array.from(hs.toTypedArray() as Float32Array)]);
      hs.sum().add(c.square().sum()).backward();
    }
    held.forEach(([t, values], i) => assert.deepEqual(Array.from(t.toTypedArray() as Float32Array), values, `held output ${i}`));
  });

  for (const [name, make] of Object.entries(workloads)) {
    test(`${name}: bit-identical losses and parameters with and without recycling`, { skip: runtime === undefined && 'WebAssembly SIMD is unavailable' }, () => {
      const off = train(false, make);
      const on = train(true, make);
      assert.deepEqual(on, off);
    });
  }
});
