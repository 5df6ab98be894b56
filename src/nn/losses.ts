/**
 * Loss modules: each holds its options (class weights as buffers, as PyTorch, so they are in the
 * state dict) and calls the matching function in functional/loss.ts.
 */
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';
import * as L from './functional/loss.js';
import { parseOptions, type Spec } from '../ops/args.js';

/** A loss whose options are only a reduction. */
abstract class ReducedLoss extends Module {
  /** The options the loss takes; a subclass with more sets its own. */
  protected static readonly spec: Spec = L.REDUCTION_SPEC;
  readonly reduction: L.Reduction;
  constructor(options: L.ReductionOptions = {}, ...extra: []) {
    super();
    const loss = new.target as unknown as { name: string; spec: Spec };
    parseOptions(loss.name, options, loss.spec, extra);
    this.reduction = options.reduction ?? 'mean';
  }
}

export class MSELoss extends ReducedLoss {
  forward(input: Tensor, target: Tensor): Tensor {
    return L.mseLoss(input, target, { reduction: this.reduction });
  }
}

export class L1Loss extends ReducedLoss {
  forward(input: Tensor, target: Tensor): Tensor {
    return L.l1Loss(input, target, { reduction: this.reduction });
  }
}

export class HuberLoss extends ReducedLoss {
  protected static override readonly spec: Spec = L.HUBER_SPEC;
  readonly delta: number;
  constructor(options: L.HuberOptions = {}, ...extra: []) {
    super(options, ...extra);
    this.delta = options.delta ?? 1;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.huberLoss(input, target, { reduction: this.reduction, delta: this.delta });
  }
}

export class SmoothL1Loss extends ReducedLoss {
  protected static override readonly spec: Spec = L.SMOOTH_L1_SPEC;
  readonly beta: number;
  constructor(options: L.SmoothL1Options = {}, ...extra: []) {
    super(options, ...extra);
    this.beta = options.beta ?? 1;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

/** Binary cross entropy on probabilities; `weight` is a buffer. */
export class BCELoss extends ReducedLoss {
  protected static override readonly spec: Spec = L.BCE_SPEC;
  constructor(options: L.BinaryCrossEntropyOptions = {}, ...extra: []) {
    super(options, ...extra);
    this.registerBuffer('weight', options.weight ?? null);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.binaryCrossEntropy(input, target, { reduction: this.reduction, weight: this.getBuffer('weight') });
  }
}

/** Binary cross entropy on logits; `weight` and `pos_weight` are buffers. */
export class BCEWithLogitsLoss extends ReducedLoss {
  protected static override readonly spec: Spec = L.BCE_WITH_LOGITS_SPEC;
  constructor(options: L.BinaryCrossEntropyWithLogitsOptions = {}, ...extra: []) {
    super(options, ...extra);
    this.registerBuffer('weight', options.weight ?? null);
    this.registerBuffer('pos_weight', options.posWeight ?? null);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.binaryCrossEntropyWithLogits(input, target, {
      reduction: this.reduction, weight: this.getBuffer('weight'), posWeight: this.getBuffer('pos_weight'),
    });
  }
}

/** Multi-label BCE on logits that skips unknown labels (NaN targets or a false mask). */
export class MaskedBCEWithLogitsLoss extends ReducedLoss {
  protected static override readonly spec: Spec = L.BCE_WITH_LOGITS_SPEC;
  constructor(options: Omit<L.MaskedBinaryCrossEntropyOptions, 'mask'> = {}, ...extra: []) {
    super(options, ...extra);
    this.registerBuffer('weight', options.weight ?? null);
    this.registerBuffer('pos_weight', options.posWeight ?? null);
  }
  forward(input: Tensor, target: Tensor, mask?: Tensor): Tensor {
    return L.maskedBinaryCrossEntropyWithLogits(input, target, {
      reduction: this.reduction, weight: this.getBuffer('weight'), posWeight: this.getBuffer('pos_weight'), mask: mask ?? null,
    });
  }
}

export class NLLLoss extends ReducedLoss {
  protected static override readonly spec: Spec = L.NLL_SPEC;
  readonly ignoreIndex: number;
  constructor(options: L.NllLossOptions = {}, ...extra: []) {
    super(options, ...extra);
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.registerBuffer('weight', options.weight ?? null);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.nllLoss(input, target, { reduction: this.reduction, weight: this.getBuffer('weight'), ignoreIndex: this.ignoreIndex });
  }
}

/** Cross entropy on logits against class indices or probabilities. */
export class CrossEntropyLoss extends ReducedLoss {
  protected static override readonly spec: Spec = L.CROSS_ENTROPY_SPEC;
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;
  constructor(options: L.CrossEntropyOptions = {}, ...extra: []) {
    super(options, ...extra);
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.labelSmoothing = options.labelSmoothing ?? 0;
    this.registerBuffer('weight', options.weight ?? null);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.crossEntropy(input, target, {
      reduction: this.reduction, weight: this.getBuffer('weight'), ignoreIndex: this.ignoreIndex, labelSmoothing: this.labelSmoothing,
    });
  }
}

export class KLDivLoss extends Module {
  readonly reduction: L.Reduction | 'batchmean';
  readonly logTarget: boolean;
  constructor(options: L.KlDivOptions = {}, ...extra: []) {
    super();
    parseOptions('KLDivLoss', options, L.KL_DIV_SPEC, extra);
    this.reduction = options.reduction ?? 'mean';
    this.logTarget = options.logTarget ?? false;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.kldiv(input, target, { reduction: this.reduction, logTarget: this.logTarget });
  }
}

export class HingeEmbeddingLoss extends ReducedLoss {
  protected static override readonly spec: Spec = L.MARGIN_SPEC;
  readonly margin: number;
  constructor(options: L.MarginOptions = {}, ...extra: []) {
    super(options, ...extra);
    this.margin = options.margin ?? 1;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.hingeEmbeddingLoss(input, target, { reduction: this.reduction, margin: this.margin });
  }
}

export class MarginRankingLoss extends ReducedLoss {
  protected static override readonly spec: Spec = L.MARGIN_SPEC;
  readonly margin: number;
  constructor(options: L.MarginOptions = {}, ...extra: []) {
    super(options, ...extra);
    this.margin = options.margin ?? 0;
  }
  forward(input1: Tensor, input2: Tensor, target: Tensor): Tensor {
    return L.marginRankingLoss(input1, input2, target, { reduction: this.reduction, margin: this.margin });
  }
}

export class CosineEmbeddingLoss extends ReducedLoss {
  protected static override readonly spec: Spec = L.MARGIN_SPEC;
  readonly margin: number;
  constructor(options: L.MarginOptions = {}, ...extra: []) {
    super(options, ...extra);
    this.margin = options.margin ?? 0;
  }
  forward(input1: Tensor, input2: Tensor, target: Tensor): Tensor {
    return L.cosineEmbeddingLoss(input1, input2, target, { reduction: this.reduction, margin: this.margin });
  }
}

export class TripletMarginLoss extends ReducedLoss {
  protected static override readonly spec: Spec = L.TRIPLET_MARGIN_SPEC;
  readonly margin: number;
  readonly p: number;
  readonly eps: number;
  readonly swap: boolean;
  constructor(options: L.TripletMarginOptions = {}, ...extra: []) {
    super(options, ...extra);
    this.margin = options.margin ?? 1;
    this.p = options.p ?? 2;
    this.eps = options.eps ?? 1e-6;
    this.swap = options.swap ?? false;
  }
  forward(anchor: Tensor, positive: Tensor, negative: Tensor): Tensor {
    return L.tripletMarginLoss(anchor, positive, negative, {
      reduction: this.reduction, margin: this.margin, p: this.p, eps: this.eps, swap: this.swap,
    });
  }
}

/** Contrastive loss on embedding pairs (target 1 = dissimilar pair). */
export class ContrastiveLoss extends ReducedLoss {
  protected static override readonly spec: Spec = L.CONTRASTIVE_SPEC;
  readonly margin: number;
  readonly eps: number;
  constructor(options: L.ContrastiveOptions = {}, ...extra: []) {
    super(options, ...extra);
    this.margin = options.margin ?? 1;
    this.eps = options.eps ?? 1e-6;
  }
  forward(input1: Tensor, input2: Tensor, target: Tensor): Tensor {
    return L.contrastiveLoss(input1, input2, target, { reduction: this.reduction, margin: this.margin, eps: this.eps });
  }
}

export class CTCLoss extends ReducedLoss {
  protected static override readonly spec: Spec = L.CTC_SPEC;
  readonly blank: number;
  readonly zeroInfinity: boolean;
  constructor(options: L.CtcLossOptions = {}, ...extra: []) {
    super(options, ...extra);
    this.blank = options.blank ?? 0;
    this.zeroInfinity = options.zeroInfinity ?? false;
  }
  forward(logProbs: Tensor, targets: Tensor, inputLengths: Tensor | readonly number[], targetLengths: Tensor | readonly number[]): Tensor {
    return L.ctcLoss(logProbs, targets, inputLengths, targetLengths, {
      reduction: this.reduction, blank: this.blank, zeroInfinity: this.zeroInfinity,
    });
  }
}
