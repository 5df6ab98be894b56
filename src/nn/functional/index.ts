/**
 * The functional API `F` (torch.nn.functional): stateless functions that layers call. Each area
 * adds its own export line here.
 */
export { linear } from '../../ops/linalg.js';
export { relu, leakyRelu, elu, selu, gelu, sigmoid, tanh, softplus } from '../../ops/elementwise.js';
export { softmax, logSoftmax, dropout } from '../../ops/nn.js';
export {
  silu, mish, hardswish, hardsigmoid, logsigmoid, softsign, glu, hardtanh, relu6, celu, softshrink, hardshrink, tanhshrink, threshold,
  prelu,
} from '../../ops/activation.js';
export {
  recurrent, lstm, gru, rnn, lstmCell, gruCell, rnnCell, lstmCellUpdate, gruCellUpdate, rnnCellUpdate, gateCount,
} from './recurrent.js';
export type {
  RecurrentMode, RecurrentWeights, RecurrentOptions, RecurrentFunctionOptions, RecurrentResult, SequenceMaskOptions,
} from './recurrent.js';
export {
  mseLoss, l1Loss, huberLoss, smoothL1Loss, binaryCrossEntropy, binaryCrossEntropyWithLogits, maskedBinaryCrossEntropyWithLogits,
  nllLoss, crossEntropy, kldiv, hingeEmbeddingLoss, marginRankingLoss, cosineEmbeddingLoss, tripletMarginLoss, contrastiveLoss, ctcLoss,
} from './loss.js';
export type {
  Reduction, ReductionOptions, HuberOptions, SmoothL1Options, BinaryCrossEntropyOptions, BinaryCrossEntropyWithLogitsOptions,
  MaskedBinaryCrossEntropyOptions, NllLossOptions, CrossEntropyOptions, KlDivOptions, MarginOptions, TripletMarginOptions,
  ContrastiveOptions, CtcLossOptions,
} from './loss.js';
export { pairwiseDistance, cosineSimilarity } from './distance.js';
export type { PairwiseDistanceOptions, CosineSimilarityOptions } from './distance.js';
export { embedding } from './embedding.js';
export type { EmbeddingOptions } from './embedding.js';
export { l1Penalty, l2Penalty, elasticNetPenalty } from './regularization.js';
export type { PenaltyParams, PenaltyOptions } from './regularization.js';
export { conv1d, conv2d, conv3d, convTranspose1d, convTranspose2d, convTranspose3d } from './conv.js';
export type { ConvOptions, ConvTransposeOptions, ConvPadding, IntOrTuple } from './conv.js';
export {
  maxPool1d, maxPool2d, maxPool3d, avgPool1d, avgPool2d, avgPool3d, adaptiveAvgPool1d, adaptiveAvgPool2d, adaptiveAvgPool3d,
  adaptiveMaxPool1d, adaptiveMaxPool2d, adaptiveMaxPool3d,
} from './pool.js';
export type { MaxPoolOptions, AvgPoolOptions, AdaptiveMaxPoolOptions, AdaptiveSize } from './pool.js';
export { batchNorm, layerNorm, groupNorm, localResponseNorm, dropout2d } from './norm.js';
export type { BatchNormOptions, NormOptions, LocalResponseNormOptions } from './norm.js';
export { scaledDotProductAttention, multiHeadAttention, generateSquareSubsequentMask } from './attention.js';
export type { ScaledDotProductAttentionOptions, MultiHeadAttentionWeights, MultiHeadAttentionOptions } from './attention.js';
export { kldiv as klDiv } from './loss.js';
export { pad } from '../../ops/join.js';
export type { PadMode, PadOptions } from '../../ops/join.js';
export { oneHot } from '../../ops/indexing.js';
