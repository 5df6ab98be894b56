/** TensorFlow.js's side of the benchmark, with its cpu and wasm backends, written the tfjs way. */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { Contender } from './harness.js';

export type TfBackend = 'cpu' | 'wasm';

let wasmReady: Promise<boolean> | undefined;

/** Loads the wasm backend once (its .wasm files sit next to its package's main file). */
async function ready(backend: TfBackend): Promise<void> {
  if (backend === 'wasm') {
    wasmReady ??= (async () => {
      const main = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
      setWasmPaths(`${dirname(main)}/`);
      return tf.setBackend('wasm');
    })();
    if (!(await wasmReady)) throw new Error('tfjs wasm backend failed to initialise');
  }
  await tf.setBackend(backend);
  await tf.ready();
}

export async function version(): Promise<string> {
  return tf.version.tfjs;
}

/** A contender whose step runs inside tf.tidy, after switching to its backend. */
function contender(backend: TfBackend, step: () => void): Contender {
  return {
    run: async (reps) => {
      await tf.setBackend(backend);
      const times: number[] = [];
      for (let r = 0; r < reps; r++) {
        const t0 = performance.now();
        tf.tidy(step);
        times.push(performance.now() - t0);
      }
      return times;
    },
  };
}

export async function matmul(backend: TfBackend, n: number): Promise<Contender> {
  await ready(backend);
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  return contender(backend, () => {
    tf.matMul(a, b).dataSync();
  });
}

function dense(inputs: number, outputs: number): { w: tf.Variable; b: tf.Variable } {
  const bound = 1 / Math.sqrt(inputs);
  return { w: tf.variable(tf.randomUniform([inputs, outputs], -bound, bound)), b: tf.variable(tf.randomUniform([outputs], -bound, bound)) };
}

export async function mlp(backend: TfBackend): Promise<Contender> {
  await ready(backend);
  const layers = [dense(784, 256), dense(256, 128), dense(128, 10)];
  const optimizer = tf.train.adam(1e-3);
  const x = tf.randomNormal([128, 784]);
  const y = tf.oneHot(tf.randomUniform([128], 0, 10, 'int32'), 10);
  const forward = (): tf.Scalar => {
    let h: tf.Tensor = x;
    layers.forEach((l, i) => {
      h = tf.add(tf.matMul(h, l.w), l.b);
      if (i < layers.length - 1) h = tf.relu(h);
    });
    return tf.losses.softmaxCrossEntropy(y, h) as tf.Scalar;
  };
  return contender(backend, () => {
    optimizer.minimize(forward, true)?.dataSync();
  });
}

export async function conv(backend: TfBackend): Promise<Contender> {
  await ready(backend);
  // NHWC, the layout tfjs runs natively; same work as NCHW.
  const x = tf.randomNormal([32, 16, 16, 64]);
  const w = tf.variable(tf.randomNormal([3, 3, 64, 64]));
  const b = tf.variable(tf.zeros([64]));
  const grads = tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.add(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, 1, 'same'), bb).sum());
  return contender(backend, () => {
    for (const g of grads([x, w, b])) g.dataSync();
  });
}

export async function lstm(backend: TfBackend): Promise<Contender> {
  await ready(backend);
  const model = tf.sequential({ layers: [tf.layers.lstm({ units: 128, returnSequences: true, inputShape: [50, 64] })] });
  const x = tf.randomNormal([32, 50, 64]);
  return contender(backend, () => {
    const { grads } = tf.variableGrads(() => (model.apply(x) as tf.Tensor).sum() as tf.Scalar);
    for (const g of Object.values(grads)) g.dataSync();
  });
}

/** LeNet-5 (NHWC) training steps on random data of Fashion-MNIST's shape: for extrapolating an epoch. */
export async function lenetStep(backend: TfBackend): Promise<Contender> {
  await ready(backend);
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 120, activation: 'relu' }),
      tf.layers.dense({ units: 84, activation: 'relu' }),
      tf.layers.dense({ units: 10 }),
    ],
  });
  const optimizer = tf.train.adam(1e-3);
  const x = tf.randomUniform([64, 28, 28, 1]);
  const y = tf.oneHot(tf.randomUniform([64], 0, 10, 'int32'), 10);
  return contender(backend, () => {
    optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar, true)?.dataSync();
  });
}
