/**
 * One-shot recognition on the bundled digits, classes as identities: an embedding CNN trained
 * with batch-hard triplet mining on classes 0-6 only, tau chosen on pairs of held-out 0-6 images
 * (best accuracy), then one reference image per identity 7, 8, 9 (never seen in training):
 * 1:1 verification of every other 7-9 image against each identity, and 1:3 identification.
 */
import { Tensor } from '../../tensor/tensor.js';
import { Generator, manualSeed } from '../../tensor/random.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { Adam } from '../../optim/adam.js';
import { loadDigits } from '../../data/bundled.js';
import { Sequential } from '../../nn/containers.js';
import { Conv2d } from '../../nn/layers/conv.js';
import { ReLU } from '../../nn/layers/activation.js';
import { Flatten } from '../../nn/layers/flatten.js';
import { Linear } from '../../nn/layers/linear.js';
import { MaxPool2d } from '../../nn/layers/pool.js';
import { EmbeddingNet, batchHardTripletLoss, pairwiseDistances } from './embedding.js';
import { EmbeddingIndex } from './index-store.js';
import { bestAccuracyThreshold, equalErrorRate } from './threshold.js';

export interface OneShotDigitsOptions {
  steps?: number;
  seed?: number;
  /** Embedding size (default 32). */
  dim?: number;
}

export interface OneShotDigitsResult {
  threshold: number;
  /** Pair accuracy and EER on held-out 0-6 pairs (where tau is chosen). */
  validationAccuracy: number;
  validationEer: number;
  /** 7-9 queries against each of the three identities (one genuine and two impostor trials per query). */
  verificationAccuracy: number;
  /** Genuine trials accepted, impostor trials rejected. */
  verificationTpr: number;
  verificationTnr: number;
  /** Nearest of the three identities is right (closed set). */
  identificationAccuracy: number;
  /** Right identity and within tau (open set: a correct match not rejected as unknown). */
  openSetAccuracy: number;
  queries: number;
  seconds: number;
}

export function oneShotDigits(options: OneShotDigitsOptions = {}): OneShotDigitsResult {
  const start = Date.now();
  const seed = options.seed ?? 0;
  const steps = options.steps ?? 800;
  manualSeed(seed);
  const rng = new Generator(seed + 1);
  const digits = loadDigits();
  const x = digits.images.div(16);
  const y = Array.from(digits.labels.toTypedArray());
  const byClass = Array.from({ length: 10 }, (_, c) => y.map((l, i) => [l, i] as const).filter(([l]) => l === c).map(([, i]) => i));
  // Classes 0-6: 80% train, 20% validation pairs for tau. Classes 7-9: never trained on.
  const trainIdx = byClass.slice(0, 7).map((ids) => ids.slice(0, Math.floor(ids.length * 0.8)));
  const valIdx = byClass.slice(0, 7).flatMap((ids) => ids.slice(Math.floor(ids.length * 0.8)));
  const backbone = new Sequential(
    new Conv2d(1, 32, 3, { padding: 1 }), new ReLU(), new MaxPool2d(2),
    new Conv2d(32, 64, 3, { padding: 1 }), new ReLU(), new MaxPool2d(2),
    new Flatten(), new Linear(64 * 2 * 2, 128), new ReLU(), new Linear(128, options.dim ?? 32),
  );
  const net = new EmbeddingNet(backbone);
  const optimizer = new Adam(net.parameters(), { lr: 1e-3 });
  const pick = (n: number) => Math.floor(rng.nextDouble() * n);
  for (let step = 0; step < steps; step++) {
    // P x K batches (7 identities x 8 images): every anchor has positives and negatives.
    const batch: number[] = [];
    const labels: number[] = [];
    trainIdx.forEach((ids, c) => {
      for (let k = 0; k < 8; k++) {
        batch.push(ids[pick(ids.length)]!);
        labels.push(c);
      }
    });
    const e = net.forward(x.indexSelect(0, Tensor.fromData(Int32Array.from(batch), [batch.length], 'int32')));
    const { loss } = batchHardTripletLoss(e, labels, { margin: 0.2 });
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
  }
  net.eval();
  const embed = (ids: readonly number[]) => noGrad(() => net.forward(x.indexSelect(0, Tensor.fromData(Int32Array.from(ids), [ids.length], 'int32'))));
  // tau from all pairs of validation images
  const dv = pairwiseDistances(embed(valIdx)).toTypedArray();
  const distances: number[] = [];
  const same: boolean[] = [];
  for (let i = 0; i < valIdx.length; i++) {
    for (let j = i + 1; j < valIdx.length; j++) {
      distances.push(dv[i * valIdx.length + j]!);
      same.push(y[valIdx[i]!] === y[valIdx[j]!]);
    }
  }
  const { threshold, accuracy } = bestAccuracyThreshold(distances, same);
  const { eer } = equalErrorRate(distances, same);
  // one reference per new identity, every other image a query
  const index = new EmbeddingIndex({ embed: (t) => net.forward(t), threshold });
  const queries: number[] = [];
  for (const c of [7, 8, 9]) {
    const ids = byClass[c]!;
    index.add(String(c), x.select(0, ids[0]!).unsqueeze(0));
    queries.push(...ids.slice(1));
  }
  const q = embed(queries);
  let [tp, tn] = [0, 0];
  for (const c of ['7', '8', '9']) {
    index.verify(q, c).forEach((v, i) => {
      const genuine = String(y[queries[i]!]) === c;
      if (genuine && v.match) tp++;
      if (!genuine && !v.match) tn++;
    });
  }
  const found = index.identify(q);
  const identified = found.filter((f, i) => f.nearest === String(y[queries[i]!])).length;
  const openSet = found.filter((f, i) => f.identity === String(y[queries[i]!])).length;
  return {
    threshold,
    validationAccuracy: accuracy,
    validationEer: eer,
    verificationAccuracy: (tp + tn) / (3 * queries.length),
    verificationTpr: tp / queries.length,
    verificationTnr: tn / (2 * queries.length),
    identificationAccuracy: identified / queries.length,
    openSetAccuracy: openSet / queries.length,
    queries: queries.length,
    seconds: (Date.now() - start) / 1000,
  };
}
