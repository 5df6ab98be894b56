/**
 * Classification with localisation, as the deep-learning course teaches it: one object (or none)
 * per image, target y = [p_c, b_x, b_y, b_h, b_w, c_1..c_C] with the box as centre, height and
 * width relative to the image (0..1), and a loss gated by p_c: when there is no object only the
 * p_c term counts ("don't care" for the rest).
 */
import { Tensor } from '../../tensor/tensor.js';
import { isFloat } from '../../tensor/dtype.js';
import { shapeStr } from '../../tensor/shape.js';
import { add, mul, sigmoid, square, sub } from '../../ops/elementwise.js';
import { softmax } from '../../ops/nn.js';
import { argmax } from '../../ops/reduce.js';
import { binaryCrossEntropyWithLogits, crossEntropy } from '../../nn/functional/loss.js';
import { checkOptionKeys, oneOf, parseOptions, unchecked } from '../../ops/args.js';

/** One image's object: its class and box [b_x, b_y, b_h, b_w] (centre x, centre y, height, width; relative to the image). */
export interface LocalizedObject {
  label: number;
  box: readonly [number, number, number, number];
}

function checkClasses(op: string, numClasses: unknown): asserts numClasses is number {
  if (!Number.isInteger(numClasses) || (numClasses as number) < 1) throw new Error(`${op}: numClasses must be a positive integer, got ${String(numClasses)}`);
}

/**
 * Targets [N, 5 + C]: for an object, [1, b_x, b_y, b_h, b_w, one-hot class]; for `null` (background),
 * p_c = 0 and zeros elsewhere (ignored by the loss).
 */
export function encodeLocalization(objects: readonly (LocalizedObject | null)[], numClasses: number): Tensor {
  const op = 'encodeLocalization';
  checkClasses(op, numClasses);
  if (!Array.isArray(objects)) throw new Error(`${op}: objects must be an array (one object or null per image)`);
  const width = 5 + numClasses;
  const out = new Float32Array(objects.length * width);
  objects.forEach((o, i) => {
    if (o === null) return;
    if (!Number.isInteger(o.label) || o.label < 0 || o.label >= numClasses) throw new Error(`${op}: objects[${i}].label must be an integer in [0, ${numClasses}), got ${String(o.label)}`);
    if (!Array.isArray(o.box) || o.box.length !== 4 || !o.box.every((v: number) => Number.isFinite(v))) {
      throw new Error(`${op}: objects[${i}].box must be [b_x, b_y, b_h, b_w], got ${JSON.stringify(o.box)}`);
    }
    if (o.box[2] < 0 || o.box[3] < 0) throw new Error(`${op}: objects[${i}].box has a negative height or width: ${JSON.stringify(o.box)}`);
    out.set([1, ...o.box], i * width);
    out[i * width + 5 + o.label] = 1;
  });
  return Tensor.fromData(out, [objects.length, width], 'float32');
}

export interface LocalizationLossOptions {
  /**
   * 'squared' (default): squared error on every component (the course's first formulation; the
   * network's p_c and classes are read as probabilities). 'logistic': binary cross entropy on the
   * p_c logit, squared error on the box, softmax cross entropy on the class logits.
   */
  mode?: 'squared' | 'logistic';
}

function checkPair(op: string, pred: unknown, target: unknown): number {
  if (!(pred instanceof Tensor) || !isFloat(pred.dtype) || pred.ndim !== 2 || pred.shape[1]! < 6) {
    throw new Error(`${op}: predictions must be a float Tensor [N, 5 + C] (p_c, b_x, b_y, b_h, b_w, classes), got ${pred instanceof Tensor ? `${pred.dtype} ${shapeStr(pred.shape)}` : typeof pred}`);
  }
  if (!(target instanceof Tensor) || target.ndim !== 2 || target.shape[0] !== pred.shape[0] || target.shape[1] !== pred.shape[1]) {
    throw new Error(`${op}: target must have the predictions' shape ${shapeStr(pred.shape)}, got ${target instanceof Tensor ? shapeStr(target.shape) : typeof target}`);
  }
  return pred.shape[1]! - 5;
}

/**
 * The p_c-gated loss, averaged over the batch: for an image with an object every term counts,
 * for one without only the p_c term does.
 */
export function localizationLoss(pred: Tensor, target: Tensor, options: LocalizationLossOptions = {}): Tensor {
  const op = 'localizationLoss';
  const numClasses = checkPair(op, pred, target);
  checkOptionKeys(op, options, ['mode']);
  const mode = options.mode ?? 'squared';
  if (mode !== 'squared' && mode !== 'logistic') throw new Error(`${op}: mode must be 'squared' or 'logistic', got ${JSON.stringify(mode)}`);
  const t = target.to(pred.dtype);
  const present = t.slice(1, 0, 1).squeeze(1);
  const n = pred.shape[0]!;
  const boxTerm = square(sub(pred.slice(1, 1, 5), t.slice(1, 1, 5))).sum(1);
  if (mode === 'squared') {
    const pcTerm = square(sub(pred.slice(1, 0, 1), t.slice(1, 0, 1))).squeeze(1);
    const classTerm = square(sub(pred.slice(1, 5), t.slice(1, 5))).sum(1);
    return add(pcTerm, mul(present, add(boxTerm, classTerm))).sum().div(n);
  }
  const pcTerm = binaryCrossEntropyWithLogits(pred.slice(1, 0, 1).squeeze(1), present, { reduction: 'none' });
  const labels = argmax(t.slice(1, 5, 5 + numClasses), 1);
  const classTerm = crossEntropy(pred.slice(1, 5), labels, { reduction: 'none' });
  return add(pcTerm, mul(present, add(boxTerm, classTerm))).sum().div(n);
}

export interface LocalizationResult {
  /** Probability that the image holds an object. */
  objectness: number;
  /** Whether objectness >= threshold. */
  present: boolean;
  label: number;
  /** Class probability given an object. */
  classProbability: number;
  /** [b_x, b_y, b_h, b_w]. */
  box: [number, number, number, number];
}

/** Reads predictions [N, 5 + C] back (sigmoid / softmax applied first in 'logistic' mode). */
export function decodeLocalization(pred: Tensor, options: LocalizationLossOptions & { threshold?: number } = {}): LocalizationResult[] {
  const op = 'decodeLocalization';
  checkPair(op, pred, pred);
  // A misspelt mode ('logisitc') would silently decode as 'squared'.
  const { mode = 'squared' } = parseOptions(op, options, { mode: oneOf('squared', 'logistic'), threshold: unchecked });
  const threshold = options.threshold ?? 0.5;
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) throw new Error(`${op}: threshold must be a number, got ${String(threshold)}`);
  const logistic = mode === 'logistic';
  const pc = logistic ? sigmoid(pred.slice(1, 0, 1)) : pred.slice(1, 0, 1);
  const classes = logistic ? softmax(pred.slice(1, 5), 1) : pred.slice(1, 5);
  const p = Array.from(pc.contiguous().toTypedArray());
  const box = pred.slice(1, 1, 5).contiguous().toTypedArray();
  const c = classes.contiguous().toTypedArray();
  const k = pred.shape[1]! - 5;
  return p.map((objectness, i) => {
    let label = 0;
    for (let j = 1; j < k; j++) if (c[i * k + j]! > c[i * k + label]!) label = j;
    return {
      objectness,
      present: objectness >= threshold,
      label,
      classProbability: c[i * k + label]!,
      box: [box[i * 4]!, box[i * 4 + 1]!, box[i * 4 + 2]!, box[i * 4 + 3]!],
    };
  });
}
