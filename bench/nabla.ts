/** Nabla's side of the benchmark: the workloads written as a Nabla user would write them. */
import * as nb from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { fashionMnist } from '../src/data/node.js';
import { ByteImages } from '../src/data/byteimages.js';
import { WasmRuntime } from '../src/backend/wasm/runtime.js';
import { makeMatmul } from '../src/backend/wasm/matmul.js';
import { timeSync, type Contender } from './harness.js';

const { nn, optim, F } = nb;

export type NablaMode = { backend: 'wasm'; threads: number } | { backend: 'cpu' };

/** Puts the backend (and thread count) of `mode` in force; contenders share the global backend. */
function enter(mode: NablaMode): void {
  nb.setBackend(mode.backend);
  if (mode.backend === 'wasm') nb.setNumThreads(mode.threads);
}

function contender(mode: NablaMode, step: () => unknown): Contender {
  return {
    run: async (reps) => {
      enter(mode);
      return timeSync(step, reps);
    },
  };
}

export function matmul(mode: NablaMode, n: number): Contender {
  nb.manualSeed(0);
  const a = nb.randn([n, n]);
  const b = nb.randn([n, n]);
  return contender(mode, () => nb.matmul(a, b));
}

/** The gemm kernel built without relaxed SIMD (separate multiply and add), on the calling thread. */
export function matmulPlainSimd(n: number): Contender {
  const runtime = WasmRuntime.create({ simd: 'plain', singleThreaded: true });
  if (runtime === undefined) throw new Error('WebAssembly SIMD is not available');
  const kernel = makeMatmul(runtime);
  nb.manualSeed(0);
  const a = nb.randn([n, n]);
  const b = nb.randn([n, n]);
  return { run: async (reps) => timeSync(() => kernel(a, b, 'float32'), reps) };
}

export function mlp(mode: NablaMode): Contender {
  enter(mode);
  nb.manualSeed(0);
  const model = new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 128), new nn.ReLU(), new nn.Linear(128, 10));
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const x = nb.randn([128, 784]);
  const y = nb.randint(0, 10, [128]);
  return contender(mode, () => {
    opt.zeroGrad();
    F.crossEntropy(model.forward(x), y).backward();
    opt.step();
  });
}

export function conv(mode: NablaMode): Contender {
  enter(mode);
  nb.manualSeed(0);
  const layer = new nn.Conv2d(64, 64, 3, { padding: 1 });
  const x = nb.randn([32, 64, 16, 16]).requiresGrad_();
  return contender(mode, () => {
    x.grad = null;
    layer.zeroGrad();
    layer.forward(x).sum().backward();
  });
}

export function lstm(mode: NablaMode): Contender {
  enter(mode);
  nb.manualSeed(0);
  const layer = new nn.LSTM(64, 128, { batchFirst: true });
  const x = nb.randn([32, 50, 64]).requiresGrad_();
  return contender(mode, () => {
    x.grad = null;
    layer.zeroGrad();
    const [out] = layer.forward(x);
    out.sum().backward();
  });
}

export function lenet(): nb.nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(6, 16, 5), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(400, 120), new nn.ReLU(), new nn.Linear(120, 84), new nn.ReLU(), new nn.Linear(84, 10),
  );
}

export interface EpochResult {
  seconds: number;
  images: number;
  accuracy: number;
}

/** LeNet-5, Adam 1e-3, batch 64, over the first `limit` images of a shuffled epoch (all by default). */
export function lenetEpoch(mode: NablaMode, dir: string, limit?: number): EpochResult {
  enter(mode);
  // Images as bytes, each batch converted to float32 as torchvision's ToTensor does.
  const data = fashionMnist(dir, { images: 'uint8' });
  nb.manualSeed(0);
  const model = lenet();
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const n = data.train.images.shape[0]!;
  const order = nb.randperm(n).narrow(0, 0, Math.min(n, limit ?? n));
  const count = order.shape[0]!;
  const start = performance.now();
  for (let i = 0; i < count; i += 64) {
    const idx = order.narrow(0, i, Math.min(64, count - i));
    opt.zeroGrad();
    F.crossEntropy(model.forward(data.train.images.batch(idx)), nb.indexSelect(data.train.labels, 0, idx)).backward();
    opt.step();
  }
  const seconds = (performance.now() - start) / 1000;
  return { seconds, images: count, accuracy: accuracy(model, data.test.images, data.test.labels) };
}

function accuracy(model: nb.nn.Sequential, images: Tensor | ByteImages, labels: Tensor): number {
  return nb.noGrad(() => {
    let correct = 0;
    const n = images.shape[0]!;
    for (let i = 0; i < n; i += 1000) {
      const size = Math.min(1000, n - i);
      const part = images.narrow(0, i, size);
      const predicted = nb.argmax(model.forward(part instanceof ByteImages ? part.toTensor() : part), 1);
      correct += nb.sum(predicted.eq(labels.narrow(0, i, size))).item() as number;
    }
    return correct / n;
  });
}

/** End-to-end time (dispatch, autograd record, allocation) of one tiny elementwise op, in microseconds. */
export function tinyOpMicroseconds(withGrad: boolean): number {
  const a = nb.randn([4]).requiresGrad_(withGrad);
  const b = nb.randn([4]);
  const reps = 20000;
  for (let i = 0; i < reps; i++) a.add(b);
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) a.add(b);
  return ((performance.now() - t0) * 1000) / reps;
}

export interface MemoryProfile {
  steps: number;
  rssMiB: number;
  heapMiB: number;
  wasmMiB: number;
}

/** A small conv net trained for `steps` steps; RSS, JS heap and wasm memory at each checkpoint. */
export function memoryProfile(checkpoints: readonly number[]): MemoryProfile[] {
  nb.setBackend('wasm');
  nb.manualSeed(0);
  const model = new nn.Sequential(new nn.Conv2d(1, 4, 3), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(4 * 13 * 13, 10));
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const x = nb.randn([16, 1, 28, 28]);
  const y = nb.randint(0, 10, [16]);
  const out: MemoryProfile[] = [];
  const last = Math.max(...checkpoints);
  const mib = (bytes: number): number => bytes / 2 ** 20;
  for (let step = 1; step <= last; step++) {
    opt.zeroGrad();
    F.crossEntropy(model.forward(x), y).backward();
    opt.step();
    if (checkpoints.includes(step)) {
      const usage = process.memoryUsage();
      out.push({ steps: step, rssMiB: mib(usage.rss), heapMiB: mib(usage.heapUsed), wasmMiB: mib(nb.wasmBackendInfo()?.memoryBytes ?? 0) });
    }
  }
  return out;
}
