/// <reference types="node" />
/**
 * The CLI's training run for an image classifier: fit with a progress bar, then the test
 * accuracy, a classification report and a confusion matrix on the console, and the training
 * curves, the confusion matrix (SVG), the weights (safetensors) and the history (JSON) on disk.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as nb from '../index.js';
import { data, metrics, optim, train, type nn } from '../index.js';
import * as plot from '../plot/index.js';
import { save } from '../io/node.js';
import type { ProgressOutput } from '../train/progress.js';
import { ByteImageDataset, ByteImages } from '../data/byteimages.js';

/** Inputs and class labels; images may stay bytes (ByteImages), converted to float32 per batch. */
export interface LabelledImages {
  x: nb.Tensor | ByteImages;
  y: nb.Tensor;
}

export interface ClassificationRun {
  /** File-name stem for the weights, e.g. 'digits-cnn'. */
  name: string;
  title: string;
  model: nn.Module;
  train: LabelledImages;
  /** Held-out data scored after every epoch (val_loss, val_accuracy), if any. */
  validation?: LabelledImages;
  test: LabelledImages;
  classNames: readonly string[];
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  outDir: string;
  log: (line: string) => void;
  progress: ProgressOutput;
  /** More callbacks for fit (after the progress bar). */
  callbacks?: readonly train.Callback[];
}

export interface ClassificationResult {
  testAccuracy: number;
  history: train.History;
  files: { curves: string; confusion: string; weights: string; history: string };
  seconds: number;
}

/** The confusion matrix as aligned text, rows = true class. */
export function formatConfusionMatrix(matrix: readonly (readonly number[])[], classNames: readonly string[]): string {
  const labels = classNames.map((n) => (n.length > 10 ? `${n.slice(0, 9)}.` : n));
  const cell = Math.max(5, ...matrix.flat().map((v) => String(v).length + 1));
  const head = Math.max(...labels.map((l) => l.length)) + 2;
  const lines = [`${'true \\ predicted'.padEnd(head + 2)}${labels.map((_, j) => String(j).padStart(cell)).join('')}`];
  matrix.forEach((row, i) => {
    const label = labels[i] === String(i) ? labels[i]! : `${i} ${labels[i]}`;
    lines.push(`${label.padEnd(head + 2)}${row.map((v) => String(v).padStart(cell)).join('')}`);
  });
  return lines.join('\n');
}

export async function runClassification(run: ClassificationRun): Promise<ClassificationResult> {
  const start = performance.now();
  const { log } = run;
  const loader = (split: LabelledImages, shuffle: boolean, batchSize: number): data.DataLoader<[nb.Tensor, nb.Tensor]> =>
    new data.DataLoader(split.x instanceof ByteImages ? new ByteImageDataset(split.x, split.y) : new data.TensorDataset(split.x, split.y), {
      batchSize,
      shuffle,
      seed: run.seed,
    });
  log(run.model.summary([1, ...run.train.x.shape.slice(1)]));
  log('');
  const history = await train.fit(run.model, {
    train: loader(run.train, true, run.batchSize),
    ...(run.validation === undefined ? {} : { validation: loader(run.validation, false, 512) }),
    loss: (o, t) => nb.F.crossEntropy(o, t),
    optimizer: new optim.Adam(run.model.parameters(), { lr: run.lr }),
    epochs: run.epochs,
    metrics: { accuracy: 'accuracy' },
    callbacks: [new train.ProgressBar({ output: run.progress }), ...(run.callbacks ?? [])],
  });
  const scores = await train.predict(run.model, loader(run.test, false, 512));
  const predicted = scores.argmax(1);
  const testAccuracy = metrics.accuracy(predicted, run.test.y);
  const confusion = metrics.confusionMatrix(predicted, run.test.y, { numClasses: run.classNames.length });
  log('');
  log(`Test accuracy: ${(testAccuracy * 100).toFixed(2)}% on ${run.test.y.shape[0]} held-out images`);
  log('');
  log(metrics.classificationReport(predicted, run.test.y, { classNames: [...run.classNames], digits: 3 }));
  log('');
  log('Confusion matrix (rows: true class, columns: predicted class):');
  log(formatConfusionMatrix(confusion, run.classNames));

  const outDir = resolve(run.outDir);
  mkdirSync(outDir, { recursive: true });
  const files = {
    curves: join(outDir, 'training-curves.svg'),
    confusion: join(outDir, 'confusion-matrix.svg'),
    weights: join(outDir, `${run.name}.safetensors`),
    history: join(outDir, 'history.json'),
  };
  writeFileSync(files.curves, plot.historyChart(history, { title: `${run.title}: training curves` }));
  writeFileSync(files.confusion, plot.confusionMatrixChart(confusion, { classNames: run.classNames, title: `${run.title}: test confusion matrix` }));
  save(run.model, files.weights, { model: run.name, testAccuracy: testAccuracy.toFixed(4) });
  writeFileSync(files.history, JSON.stringify(history, null, 2));
  const seconds = (performance.now() - start) / 1000;
  log('');
  log(`Wrote to ${outDir}:`);
  log(`  training-curves.svg    loss and accuracy per epoch, train vs validation`);
  log(`  confusion-matrix.svg   the test confusion matrix as a heatmap`);
  log(`  ${`${run.name}.safetensors`.padEnd(22)} the trained weights (inspect with: nabla info ${files.weights})`);
  log(`  history.json           every logged number`);
  log(`Done in ${seconds.toFixed(1)} s.`);
  return { testAccuracy, history, files, seconds };
}
