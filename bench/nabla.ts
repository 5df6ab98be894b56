/**
 * Nabla's side of the benchmark: the workloads written as a Nabla user would write them. Runs in
 * its own process (bench/child.ts); options: `backend` ('wasm' or 'cpu'), `threads`, and
 * `plainSimd` (matmul through the gemm built without relaxed SIMD, on the calling thread).
 */
import * as nb from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { fashionMnist } from '../src/data/node.js';
import { ByteImages } from '../src/data/byteimages.js';
import { WasmRuntime } from '../src/backend/wasm/runtime.js';
import { makeMatmul } from '../src/backend/wasm/matmul.js';
import type { Prepared, Side, Spec } from './harness.js';

const { nn, optim, F } = nb;

let plainSimd = false;

function matmul(spec: Spec): Prepared {
  const n = Number(spec.size);
  nb.manualSeed(0);
  const a = nb.randn([n, n]);
  const b = nb.randn([n, n]);
  if (!plainSimd) return () => nb.matmul(a, b);
  const runtime = WasmRuntime.create({ simd: 'plain', singleThreaded: true });
  if (runtime === undefined) throw new Error('WebAssembly SIMD is not available');
  const kernel = makeMatmul(runtime);
  return () => kernel(a, b, 'float32');
}

/** The MLP row's network, 784-256-128-10 with ReLUs. */
export function mlpModel(): nb.nn.Sequential {
  return new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 128), new nn.ReLU(), new nn.Linear(128, 10));
}

function mlp(): Prepared {
  nb.manualSeed(0);
  const model = mlpModel();
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const x = nb.randn([128, 784]);
  const y = nb.randint(0, 10, [128]);
  return () => {
    opt.zeroGrad();
    F.crossEntropy(model.forward(x), y).backward();
    opt.step();
  };
}

function conv(): Prepared {
  nb.manualSeed(0);
  const layer = new nn.Conv2d(64, 64, 3, { padding: 1 });
  const x = nb.randn([32, 64, 16, 16]).requiresGrad_();
  return () => {
    x.grad = null;
    layer.zeroGrad();
    layer.forward(x).sum().backward();
  };
}

function lstm(): Prepared {
  nb.manualSeed(0);
  const layer = new nn.LSTM(64, 128, { batchFirst: true });
  const x = nb.randn([32, 50, 64]).requiresGrad_();
  return () => {
    x.grad = null;
    layer.zeroGrad();
    const [out] = layer.forward(x);
    out.sum().backward();
  };
}

export function lenet(): nb.nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(6, 16, 5), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(400, 120), new nn.ReLU(), new nn.Linear(120, 84), new nn.ReLU(), new nn.Linear(84, 10),
  );
}

/**
 * LeNet-5 on Fashion-MNIST, Adam 1e-3, batch 64: each step trains the next `chunkBatches` batches
 * of a shuffled epoch (a new shuffle when one ends); finish reports the test accuracy.
 */
function lenetChunks(spec: Spec): Prepared {
  // Images as bytes, each batch converted to float32 as torchvision's ToTensor does.
  const data = fashionMnist(String(spec.dir), { images: 'uint8' });
  const batch = Number(spec.batch);
  const chunk = Number(spec.chunkBatches);
  nb.manualSeed(0);
  const model = lenet();
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const n = data.train.images.shape[0]!;
  let order = nb.randperm(n);
  let at = 0;
  let images = 0;
  return {
    step: () => {
      for (let b = 0; b < chunk; b++) {
        if (at >= n) [order, at] = [nb.randperm(n), 0];
        const idx = order.narrow(0, at, Math.min(batch, n - at));
        at += idx.shape[0]!;
        images += idx.shape[0]!;
        opt.zeroGrad();
        F.crossEntropy(model.forward(data.train.images.batch(idx)), nb.indexSelect(data.train.labels, 0, idx)).backward();
        opt.step();
      }
    },
    finish: () => ({ 'images trained': images, 'test accuracy': accuracy(model, data.test.images, data.test.labels) }),
  };
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

/** `reps` tiny elementwise ops per step: dispatch, autograd record and allocation, end to end. */
function overhead(spec: Spec, options: Record<string, unknown>): Prepared {
  const a = nb.randn([4]).requiresGrad_(options.grad === true);
  const b = nb.randn([4]);
  const reps = Number(spec.opsPerStep);
  return () => {
    for (let i = 0; i < reps; i++) a.add(b);
  };
}

/** A small conv net trained `stepsPerStep` steps per step; finish reports the process's memory. */
function memory(spec: Spec): Prepared {
  nb.manualSeed(0);
  const model = new nn.Sequential(new nn.Conv2d(1, 4, 3), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(4 * 13 * 13, 10));
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const x = nb.randn([16, 1, 28, 28]);
  const y = nb.randint(0, 10, [16]);
  const per = Number(spec.stepsPerStep);
  let steps = 0;
  const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
  return {
    step: () => {
      for (let s = 0; s < per; s++) {
        opt.zeroGrad();
        F.crossEntropy(model.forward(x), y).backward();
        opt.step();
      }
      steps += per;
    },
    finish: () => {
      const usage = process.memoryUsage();
      return {
        'training steps': steps, 'RSS at the end': mib(usage.rss), 'JS heap used': mib(usage.heapUsed),
        'wasm memory': mib(nb.wasmBackendInfo()?.memoryBytes ?? 0),
      };
    },
  };
}

export const side: Side = {
  init(options) {
    const backend = options.backend === 'cpu' ? 'cpu' : 'wasm';
    nb.setBackend(backend);
    if (backend === 'wasm' && options.threads !== undefined) nb.setNumThreads(Number(options.threads));
    plainSimd = options.plainSimd === true;
  },
  info() {
    const info = nb.wasmBackendInfo();
    return {
      node: process.versions.node, v8: process.versions.v8, backend: nb.getBackend().name,
      simd: info?.simd ?? null, sharedMemory: info?.sharedMemory ?? null, threads: nb.getNumThreads(),
    };
  },
  workloads: { matmul, mlp, conv, lstm, lenet: lenetChunks, overhead, memory },
};
