/**
 * The wasm backend's memory addresses above 2 GiB (up to wasm32's 4 GiB) and its limit. Byte
 * addresses at or above 2^31 are negative as int32: every address the host shifts, stores in a
 * task descriptor or passes to the kernels must be read as unsigned.
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import * as nb from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { registerBackend } from '../../src/backend/registry.js';
import { wasmKernels } from '../../src/backend/wasm/index.js';
import { WasmRuntime, WasmMemoryLimitError } from '../../src/backend/wasm/runtime.js';

const GiB = 2 ** 30;
const defaultBackend = nb.getBackend().name;
after(() => nb.setBackend(defaultBackend));

/** Runs fn on `backend`, then restores the default backend. */
function on<T>(backend: string, fn: () => T): T {
  nb.setBackend(backend);
  try {
    return fn();
  } finally {
    nb.setBackend(defaultBackend);
  }
}

/** Same shape; NaN where expected is NaN, else |a - e| <= tol * (1 + |e|). */
function assertClose(actual: Tensor, expected: Tensor, what: string, tol = 1e-4): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const a = actual.toTypedArray();
  const e = expected.toTypedArray();
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [Number(a[i]), Number(e[i])];
    const ok = Number.isNaN(y) ? Number.isNaN(x) : x === y || Math.abs(x - y) <= tol * (1 + Math.abs(y));
    if (!ok) assert.fail(`${what}[${i}]: got ${x}, reference ${y}`);
  }
}

/** Outputs of fn followed by the gradients of its inputs (a fixed cotangent: sin of the index). */
function withGrads(inputs: Tensor[], fn: (...xs: Tensor[]) => Tensor): Tensor[] {
  const leaves = inputs.map((x) => x.detach().requiresGrad_());
  const out = fn(...leaves);
  out.mul(nb.sin(nb.arange(0, out.numel()).reshape(out.shape))).sum().backward();
  return [out.detach(), ...leaves.map((x) => x.grad!)];
}

describe('wasm backend memory above 2 GiB', { skip: nb.wasmBackendInfo() === null ? 'SKIPPED: WebAssembly SIMD unavailable' : false }, () => {
  // Runtimes whose per-thread scratch and per-call area start at 2.25 GiB, and about 100 MiB
  // below 4 GiB (where an address computed past its array would pass 2^32): every operand,
  // result, packed panel and task descriptor of every kernel sits above 2^31. The pages below
  // are never written, so they cost address space only.
  const high = WasmRuntime.create({ workAreaOffset: 2.25 * GiB });
  const top = WasmRuntime.create({ workAreaOffset: 4 * GiB - 160 * 2 ** 20 });
  for (const [name, runtime] of [['wasm-high', high], ['wasm-top', top]] as const) {
    runtime?.setThreadCount(2);
    if (runtime !== undefined) registerBackend(name, wasmKernels(runtime));
  }

  const cases: { name: string; inputs: number[][]; run: (...xs: Tensor[]) => Tensor; tol?: number }[] = [
    { name: 'add, mul (wasm from 16k elements) and sum', inputs: [[200, 100], [200, 100]], run: (a, b) => a.add(b).mul(b).sum(0) },
    { name: 'exp, tanh, sigmoid, relu', inputs: [[50, 70]], run: (x) => nb.exp(x).add(nb.tanh(x)).add(nb.sigmoid(x)).add(nb.relu(x)) },
    { name: 'sum of everything', inputs: [[300, 100]], run: (x) => x.sum().reshape([1]) },
    { name: 'softmax and logSoftmax', inputs: [[40, 33]], run: (x) => nb.softmax(x, -1).add(nb.logSoftmax(x, -1)) },
    { name: 'transposed copy', inputs: [[80, 90]], run: (x) => x.t().contiguous() },
    { name: 'matmul, transposed operands, bias (linear)', inputs: [[37, 65], [23, 65], [23]], run: (x, w, b) => nb.F.linear(x, w, b) },
    { name: 'batched matmul', inputs: [[3, 17, 30], [3, 30, 9]], run: (a, b) => nb.matmul(a, b) },
    { name: 'large matmul on two threads (B packed once)', inputs: [[168, 168], [168, 168]], run: (a, b) => nb.matmul(a, b), tol: 1e-3 },
    { name: 'conv2d, implicit im2col, groups, stride 2', inputs: [[2, 6, 9, 9], [4, 3, 3, 3]], run: (x, w) => nb.F.conv2d(x, w, null, { stride: 2, padding: 1, groups: 2 }) },
    { name: 'conv2d Winograd (forward, input and weight gradients)', inputs: [[2, 16, 8, 9], [16, 16, 3, 3], [16]], run: (x, w, b) => nb.F.conv2d(x, w, b, { padding: 1 }) },
    { name: 'conv2d with 32 input channels (input gradient as a forward conv)', inputs: [[1, 32, 6, 7], [5, 32, 3, 3]], run: (x, w) => nb.F.conv2d(x, w, null, { padding: 1 }) },
    { name: 'max pooling', inputs: [[2, 3, 10, 10]], run: (x) => nb.F.maxPool2d(x, 2) },
    { name: 'average pooling', inputs: [[2, 3, 10, 10]], run: (x) => nb.F.avgPool2d(x, 3, { stride: 2, padding: 1 }) },
    {
      name: 'LSTM (fused sequence kernels) and GRU (fused cell)',
      inputs: [[5, 2, 6]],
      run: (x) => {
        nb.manualSeed(5);
        const lstm = new nb.nn.LSTM(6, 8);
        const gru = new nb.nn.GRU(8, 4);
        return gru.forward(lstm.forward(x)[0])[0];
      },
    },
  ];

  for (const c of cases) {
    test(c.name, { skip: high === undefined ? 'SKIPPED: no WebAssembly runtime' : false }, () => {
      nb.manualSeed(3);
      const inputs = c.inputs.map((shape) => nb.randn(shape));
      const want = on('cpu', () => withGrads(inputs, c.run));
      for (const backend of ['wasm-high', 'wasm-top']) {
        const got = on(backend, () => withGrads(inputs, c.run));
        got.forEach((g, i) => assertClose(g, want[i]!, `${backend}: ${c.name} [${i === 0 ? 'output' : `gradient ${i - 1}`}]`, c.tol));
      }
    });
  }

  test('Adam and SGD steps with their state above 2 GiB', { skip: high === undefined ? 'SKIPPED: no WebAssembly runtime' : false }, () => {
    const run = (): number[] => {
      nb.manualSeed(4);
      const model = new nb.nn.Linear(30, 20);
      const adam = new nb.optim.Adam(model.parameters(), { lr: 0.01 });
      const sgd = new nb.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
      for (let step = 0; step < 3; step++) {
        for (const opt of [adam, sgd]) {
          opt.zeroGrad();
          model.forward(nb.randn([8, 30])).square().mean().backward();
          opt.step();
        }
      }
      return [...model.weight.toTypedArray()].map(Number);
    };
    const want = on('cpu', run);
    for (const backend of ['wasm-high', 'wasm-top']) {
      on(backend, run).forEach((v, i) => assert.ok(Math.abs(v - want[i]!) <= 1e-5, `${backend}: weight[${i}]: ${v} vs ${want[i]}`));
    }
  });

  // The issue's case: two staged operands of 1.08 GB each put the result past 2 GiB in wasm
  // memory. Needs about 5.4 GB (arrays in JS and in wasm memory); its time is mostly the first
  // touch of fresh pages (~5-10 s here). The add now runs in blocks (wasm-blocks.test.ts), so
  // only the sum stages x + x whole: wasm memory stays below 2 GiB, whose addresses the runtimes
  // above cover.
  const free = os.freemem();
  const enough = free >= 8 * GiB;
  test(
    'x + x summed for x = ones([2.7e8]) (the issue case) on the default wasm backend',
    { skip: enough ? false : `SKIPPED: needs 8 GiB of free memory, the machine has ${(free / GiB).toFixed(1)} GiB free` },
    () => {
      const n = 2.7e8;
      const x = nb.ones([n]);
      const total = on('wasm', () => x.add(x).sum().item());
      assert.equal(total, 2 * n);
      assert.ok(nb.wasmBackendInfo()!.memoryBytes < 2 * GiB, 'the add went through wasm memory in blocks');
    },
  );
});

describe('wasm32 memory limit', () => {
  test('a call past 4 GiB is a clear error naming the op, the bytes and the fix', { skip: nb.wasmBackendInfo() === null ? 'SKIPPED: WebAssembly SIMD unavailable' : false }, () => {
    const runtime = WasmRuntime.create({ singleThreaded: true })!;
    runtime.beginCall('matmul');
    assert.throws(
      () => runtime.alloc(4 * GiB),
      (error: unknown) => {
        assert.ok(error instanceof WasmMemoryLimitError);
        assert.match(error.message, /matmul needs \d{10} bytes of WebAssembly memory/);
        assert.match(error.message, /wasm32 memory is limited to 4 GiB/);
        assert.match(error.message, /nb\.setBackend\('cpu'\)/);
        return true;
      },
    );
    assert.ok(runtime.memory.buffer.byteLength < GiB, 'the memory did not grow for the failed call');
  });
});

describe('calls too large for wasm memory run on the reference kernels', () => {
  const probe = WasmRuntime.create();
  // A runtime whose memory may grow only 256 KiB past its fixed layout, so "too large" is cheap.
  const small = probe === undefined ? undefined : WasmRuntime.create({ maxBytes: probe.memory.buffer.byteLength + 2 ** 18 });
  if (small !== undefined) registerBackend('wasm-small', wasmKernels(small));
  const skip = small === undefined ? 'SKIPPED: no WebAssembly runtime' : false;

  test('matmul (the product, 600 x 600 floats, needs 1.4 MB)', { skip }, () => {
    nb.manualSeed(6);
    const [a, b] = [nb.randn([600, 3]), nb.randn([3, 600])];
    assertClose(on('wasm-small', () => nb.matmul(a, b)), on('cpu', () => nb.matmul(a, b)), 'matmul', 1e-5);
    // A product that fits still runs in wasm memory.
    const before = small!.memory.buffer.byteLength;
    const [c, d] = [nb.randn([100, 40]), nb.randn([40, 100])];
    assertClose(on('wasm-small', () => nb.matmul(c, d)), on('cpu', () => nb.matmul(c, d)), 'small matmul', 1e-5);
    assert.ok(small!.memory.buffer.byteLength > before, 'the small product used wasm memory');
  });

  test('convolution with its gradients, elementwise ops and sums', { skip }, () => {
    nb.manualSeed(7);
    // x and the output take 160 KiB each.
    const inputs = [nb.randn([1, 4, 80, 128]), nb.randn([4, 4, 3, 3])];
    const run = (x: Tensor, w: Tensor): Tensor => nb.F.conv2d(x, w, null, { padding: 1 }).tanh().mul(x).sum([0, 2]);
    const want = on('cpu', () => withGrads(inputs, run));
    on('wasm-small', () => withGrads(inputs, run)).forEach((g, i) => assertClose(g, want[i]!, `conv [${i}]`, 1e-4));
  });

  test('an LSTM sequence (its kernels have no reference: the steps run on the reference cell), both directions, every gradient', { skip }, () => {
    nb.manualSeed(8);
    // Gate pre-activations of 20 steps x 16 x 256 floats: 320 KiB.
    const x0 = nb.randn([20, 16, 8]);
    const lstm = new nb.nn.LSTM(8, 64, { bidirectional: true });
    const run = (backend: string): Tensor[] =>
      on(backend, () => {
        lstm.zeroGrad();
        const x = x0.detach().requiresGrad_();
        const [out, [h, c]] = lstm.forward(x);
        out.mul(nb.sin(nb.arange(0, out.numel()).reshape(out.shape))).sum().add(h.sum()).add(c.mul(2).sum()).backward();
        return [out, x.grad!, ...[...lstm.parameters()].map((p) => p.grad!)];
      });
    const want = run('cpu');
    run('wasm-small').forEach((g, i) => assertClose(g, want[i]!, `LSTM [${i}]`, 1e-4));
  });

  test('memory the engine refuses to grow (a browser\'s own limit) also falls back', { skip }, () => {
    const refusing = WasmRuntime.create({ singleThreaded: true })!;
    const grow = (): number => {
      throw new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded');
    };
    Object.defineProperty(refusing.memory, 'grow', { value: grow });
    registerBackend('wasm-refusing', wasmKernels(refusing));
    nb.manualSeed(10);
    const [a, b] = [nb.randn([600, 3]), nb.randn([3, 600])];
    assertClose(on('wasm-refusing', () => nb.matmul(a, b)), on('cpu', () => nb.matmul(a, b)), 'matmul', 1e-5);
    refusing.beginCall('conv');
    assert.throws(() => refusing.alloc(2 ** 28), /conv needs \d+ bytes of WebAssembly memory, but the engine refused to grow WebAssembly memory past \d+ bytes; .*nb\.setBackend\('cpu'\)/);
  });
});
