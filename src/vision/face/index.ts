/** vision.face: siamese / triplet training, one-shot recognition with an embedding index, threshold selection. */
export {
  l2Normalize, EmbeddingNet, pairwiseDistances, batchAllTripletLoss, batchHardTripletLoss, semiHardTripletLoss, contrastivePairs,
} from './embedding.js';
export type { TripletMiningOptions, TripletLossResult } from './embedding.js';
export { EmbeddingIndex } from './index-store.js';
export type { EmbedFn, EmbeddingIndexOptions, Verification, Identification } from './index-store.js';
export { distanceRoc, equalErrorRate, bestAccuracyThreshold } from './threshold.js';
export type { DistanceRoc } from './threshold.js';
export { oneShotDigits } from './digits-demo.js';
export type { OneShotDigitsOptions, OneShotDigitsResult } from './digits-demo.js';
