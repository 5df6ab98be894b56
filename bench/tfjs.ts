/**
 * TensorFlow.js's side of the benchmark, written the tfjs way. Runs in its own process
 * (bench/child.ts) on the backend of its `backend` option: 'cpu' or 'wasm' (XNNPACK, SIMD;
 * single-threaded in Node).
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { Prepared, Side, Spec } from './harness.js';

/** A step run inside tf.tidy; each step reads its result back (dataSync) so the work is done. */
const tidy = (step: () => void): Prepared => () => tf.tidy(step);

function matmul(spec: Spec): Prepared {
  const n = Number(spec.size);
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  return tidy(() => {
    tf.matMul(a, b).dataSync();
  });
}

function dense(inputs: number, outputs: number): { w: tf.Variable; b: tf.Variable } {
  const bound = 1 / Math.sqrt(inputs);
  return { w: tf.variable(tf.randomUniform([inputs, outputs], -bound, bound)), b: tf.variable(tf.randomUniform([outputs], -bound, bound)) };
}

function mlp(): Prepared {
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
  return tidy(() => {
    optimizer.minimize(forward, true)?.dataSync();
  });
}

function conv(): Prepared {
  // NHWC, the layout tfjs runs natively; same work as NCHW.
  const x = tf.randomNormal([32, 16, 16, 64]);
  const w = tf.variable(tf.randomNormal([3, 3, 64, 64]));
  const b = tf.variable(tf.zeros([64]));
  const grads = tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.add(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, 1, 'same'), bb).sum());
  return tidy(() => {
    for (const g of grads([x, w, b])) g.dataSync();
  });
}

function lstm(): Prepared {
  const model = tf.sequential({ layers: [tf.layers.lstm({ units: 128, returnSequences: true, inputShape: [50, 64] })] });
  const x = tf.randomNormal([32, 50, 64]);
  return tidy(() => {
    const { grads } = tf.variableGrads(() => (model.apply(x) as tf.Tensor).sum() as tf.Scalar);
    for (const g of Object.values(grads)) g.dataSync();
  });
}

/** LeNet-5 (NHWC), Adam 1e-3: `chunkBatches` training steps of `batch` random images of Fashion-MNIST's shape. */
function lenet(spec: Spec): Prepared {
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
  const batch = Number(spec.batch);
  const x = tf.randomUniform([batch, 28, 28, 1]);
  const y = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32'), 10);
  const chunk = Number(spec.chunkBatches);
  return tidy(() => {
    for (let b = 0; b < chunk; b++) {
      optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar, true)?.dataSync();
    }
  });
}

export const side: Side = {
  async init(options) {
    const backend = String(options.backend ?? 'wasm');
    if (backend === 'wasm') {
      // The .wasm files sit next to the package's main file.
      setWasmPaths(`${dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'))}/`);
    }
    if (!(await tf.setBackend(backend))) throw new Error(`tfjs ${backend} backend failed to initialise`);
    await tf.ready();
  },
  info: () => ({ tfjs: tf.version.tfjs, backend: tf.getBackend() }),
  workloads: { matmul, mlp, conv, lstm, lenet },
};
