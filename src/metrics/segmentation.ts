/**
 * Semantic segmentation scores from a pixel confusion matrix: per-class IoU (Jaccard), mean IoU
 * over the classes that occur (in the prediction or the target), and pixel accuracy.
 */
import { Tensor } from '../tensor/tensor.js';
import { shapeStr } from '../tensor/shape.js';
import { int, parseOptions } from '../ops/args.js';

export interface SegmentationScores {
  /** IoU of each class; NaN for a class absent from both prediction and target. */
  perClassIou: number[];
  /** Mean of perClassIou over the classes that occur. */
  meanIou: number;
  /** Fraction of pixels labelled correctly (ignored pixels excluded). */
  pixelAccuracy: number;
  /** [numClasses][numClasses] pixel counts, rows the true class. */
  confusion: number[][];
}

export interface SegmentationOptions {
  numClasses: number;
  /** Target value to leave out (e.g. 255 for "void"), default none. */
  ignoreIndex?: number;
}

const SEGMENTATION_SPEC = { numClasses: int, ignoreIndex: int };

/**
 * Scores of predicted labels [N, H, W] (or class scores [N, C, H, W], read by argmax over C)
 * against target labels [N, H, W].
 */
export function segmentationScores(pred: Tensor, target: Tensor, options: SegmentationOptions, ...extra: []): SegmentationScores {
  const op = 'segmentationScores';
  parseOptions(`metrics.${op}`, options, SEGMENTATION_SPEC, extra);
  const k = options?.numClasses;
  if (!Number.isInteger(k) || k < 1) throw new Error(`${op}: numClasses must be a positive integer, got ${String(k)}`);
  if (!(pred instanceof Tensor) || !(target instanceof Tensor)) throw new Error(`${op}: pred and target must be Tensors`);
  let labels = pred;
  if (pred.ndim === target.ndim + 1) {
    if (pred.shape[1] !== k) throw new Error(`${op}: class scores ${shapeStr(pred.shape)} must have numClasses (${k}) channels in dim 1`);
    labels = pred.argmax(1);
  }
  if (shapeStr(labels.shape) !== shapeStr(target.shape)) throw new Error(`${op}: predictions ${shapeStr(pred.shape)} do not match target ${shapeStr(target.shape)}`);
  const p = labels.toTypedArray();
  const t = target.toTypedArray();
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let correct = 0;
  let counted = 0;
  for (let i = 0; i < t.length; i++) {
    const truth = Number(t[i]);
    if (truth === options.ignoreIndex) continue;
    const guess = Number(p[i]);
    if (!Number.isInteger(truth) || truth < 0 || truth >= k) throw new Error(`${op}: target holds ${truth}, not a class in [0, ${k})`);
    if (!Number.isInteger(guess) || guess < 0 || guess >= k) throw new Error(`${op}: prediction holds ${guess}, not a class in [0, ${k})`);
    confusion[truth]![guess]!++;
    counted++;
    if (truth === guess) correct++;
  }
  const perClassIou = confusion.map((row, c) => {
    const tp = row[c]!;
    const union = row.reduce((s, x) => s + x, 0) + confusion.reduce((s, r) => s + r[c]!, 0) - tp;
    return union === 0 ? NaN : tp / union;
  });
  const present = perClassIou.filter((x) => !Number.isNaN(x));
  return {
    perClassIou,
    meanIou: present.length === 0 ? NaN : present.reduce((s, x) => s + x, 0) / present.length,
    pixelAccuracy: counted === 0 ? NaN : correct / counted,
    confusion,
  };
}

/** Mean IoU over the classes that occur (see segmentationScores). */
export function meanIou(pred: Tensor, target: Tensor, options: SegmentationOptions, ...extra: []): number {
  parseOptions('metrics.meanIou', options, SEGMENTATION_SPEC, extra);
  return segmentationScores(pred, target, options).meanIou;
}

/** Fraction of correctly labelled pixels (see segmentationScores). */
export function pixelAccuracy(pred: Tensor, target: Tensor, options: SegmentationOptions, ...extra: []): number {
  parseOptions('metrics.pixelAccuracy', options, SEGMENTATION_SPEC, extra);
  return segmentationScores(pred, target, options).pixelAccuracy;
}
