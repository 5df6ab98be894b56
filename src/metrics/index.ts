/**
 * Metrics, functional and streaming. Functions take (preds, target) as Tensors or number arrays
 * and return numbers; the classes accumulate over batches (update / compute / reset).
 */
export {
  accuracy, errorRate, topKAccuracy, confusionMatrix, classCounts, precision, recall, specificity, falsePositiveRate,
  falseNegativeRate, f1Score, fbetaScore, classificationReport, formatFixed,
} from './classification.js';
export type {
  Average, ClassCountOptions, ClassCounts, ClassMetricOptions, ClassMetricFn, ConfusionMatrixOptions, FBetaOptions, ReportOptions,
} from './classification.js';
export { rocCurve, rocAuc, auc, precisionRecallCurve, averagePrecision } from './ranking.js';
export type { RocCurve, PrecisionRecallCurve, BinaryCurveOptions, MultiClassOptions } from './ranking.js';
export { meanSquaredError, rootMeanSquaredError, meanAbsoluteError, r2Score } from './regression.js';
export type { R2Multioutput, R2ScoreOptions } from './regression.js';
export { perplexity, perplexityFromLoss, perplexityFromProbabilities, bleuScore, corpusBleu } from './text.js';
export type { PerplexityOptions, BleuOptions, Sentence } from './text.js';
export { boxIou } from './detection.js';
export {
  Accuracy, TopKAccuracy, ConfusionMatrix, Precision, Recall, Specificity, FalsePositiveRate, FalseNegativeRate, F1Score, FBetaScore,
  AUROC, AveragePrecision, MeanSquaredError, MeanAbsoluteError, R2Score, Perplexity,
} from './streaming.js';
export type { Metric } from './streaming.js';
export type { Values, PredictionOptions } from './inputs.js';
export { meanAveragePrecision } from './map.js';
export type { DetectionPrediction, DetectionGroundTruth, MeanAveragePrecisionOptions, MeanAveragePrecision } from './map.js';
export { segmentationScores, meanIou, pixelAccuracy } from './segmentation.js';
export type { SegmentationScores, SegmentationOptions } from './segmentation.js';
export { editDistance, cer, wer } from './edit.js';
export type { EditSequence } from './edit.js';
export { trustworthiness } from './embedding.js';
