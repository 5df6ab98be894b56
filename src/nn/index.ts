/** The `nn` namespace: modules, parameters, containers, layers, loss modules and `nn.init`. */
export { Module, Parameter, fieldToStateName } from './module.js';
export type {
  StateDict, RegisterBufferOptions, LoadStateDictOptions, LoadStateDictResult, NumParametersOptions, ZeroGradOptions,
  SummaryOptions,
} from './module.js';
export { Sequential, ModuleList, ModuleDict, Identity } from './containers.js';
export * as init from './init.js';
export { Linear } from './layers/linear.js';
export type { LinearOptions } from './layers/linear.js';
export { ReLU, LeakyReLU, ELU, SELU, GELU, Sigmoid, Tanh, Softmax, LogSoftmax, Softplus } from './layers/activation.js';
export {
  SiLU, Mish, Hardswish, Hardsigmoid, LogSigmoid, Softsign, Tanhshrink, GLU, Hardtanh, ReLU6, CELU, Softshrink, Hardshrink, Threshold, PReLU,
} from './layers/activation.js';
export type { PReLUOptions } from './layers/activation.js';
export { Flatten, Unflatten } from './layers/flatten.js';
export { Dropout } from './layers/dropout.js';
export { RNN, LSTM, GRU, RNNCell, LSTMCell, GRUCell } from './layers/recurrent.js';
export type { RNNBaseOptions, RNNOptions, RNNCellBaseOptions, RNNCellOptions, RecurrentForwardOptions } from './layers/recurrent.js';
export type { LSTMOptions } from './layers/recurrent.js';
export { Embedding } from './layers/embedding.js';
export type { EmbeddingLayerOptions, FromPretrainedOptions } from './layers/embedding.js';
export { CosineSimilarity, PairwiseDistance } from './layers/distance.js';
export {
  MSELoss, L1Loss, HuberLoss, SmoothL1Loss, BCELoss, BCEWithLogitsLoss, MaskedBCEWithLogitsLoss, NLLLoss, CrossEntropyLoss,
  KLDivLoss, HingeEmbeddingLoss, MarginRankingLoss, CosineEmbeddingLoss, TripletMarginLoss, ContrastiveLoss, CTCLoss,
} from './losses.js';
export { MultiheadAttention } from './layers/attention.js';
export type { MultiheadAttentionOptions, MultiheadAttentionForwardOptions } from './layers/attention.js';
export { Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d } from './layers/conv.js';
export type { ConvLayerOptions, ConvTransposeLayerOptions } from './layers/conv.js';
export {
  MaxPool1d, MaxPool2d, MaxPool3d, AvgPool1d, AvgPool2d, AvgPool3d, AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d,
  AdaptiveMaxPool1d, AdaptiveMaxPool2d, AdaptiveMaxPool3d,
} from './layers/pool.js';
export type { PoolResult } from './layers/pool.js';
export { BatchNorm1d, BatchNorm2d, BatchNorm3d, LayerNorm, GroupNorm, LocalResponseNorm } from './layers/norm.js';
export type { BatchNormLayerOptions, LayerNormOptions, GroupNormOptions } from './layers/norm.js';
export { Dropout2d } from './layers/dropout2d.js';
export {
  TransformerEncoderLayer, TransformerDecoderLayer, TransformerEncoder, TransformerDecoder, Transformer,
} from './layers/transformer.js';
export type {
  TransformerActivation, TransformerLayerOptions, EncoderLayerForwardOptions, DecoderLayerForwardOptions, TransformerStackOptions,
  EncoderForwardOptions, TransformerOptions, TransformerForwardOptions,
} from './layers/transformer.js';
export { PositionalEncoding, sinusoidalTable } from './layers/positional.js';
export type { PositionalEncodingOptions } from './layers/positional.js';
export type { RemovableHandle, ForwardPreHook, ForwardHook, FullBackwardHook } from './hooks.js';
export * as utils from './utils.js';
export { AdditiveAttention, DotProductAttention } from './layers/additive-attention.js';
export type {
  AdditiveAttentionOptions, DotProductAttentionOptions, DotProductScore, AttentionForwardOptions, AttentionResult,
} from './layers/additive-attention.js';
export { RecurrentOutput, TimeDistributed } from './layers/sequence.js';
export type { RecurrentOutputOptions } from './layers/sequence.js';
export { UninitializedParameter, UninitializedBuffer, summary } from './module.js';
export { LazyLinear, LazyConv1d, LazyConv2d, LazyBatchNorm1d, LazyBatchNorm2d } from './layers/lazy.js';
