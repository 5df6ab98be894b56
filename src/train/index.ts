/** Training: fit/evaluate/predict, History, and the callbacks that need no file system. */
export { fit, evaluate, predict } from './fit.js';
export type { Batch, Batches, FitOptions, EvaluateOptions, LossFn, MetricFn, MetricSpec, StreamingMetric, Scheduler, TensorOrList } from './fit.js';
export { History } from './history.js';
export { Callback, resolveMode } from './callback.js';
export type { Logs, Mode, TrainingContext } from './callback.js';
export { ProgressBar, formatLogs } from './progress.js';
export type { ProgressOutput } from './progress.js';
export { EarlyStopping, TerminateOnNaN, LearningRateScheduler, ReduceLROnPlateau } from './callbacks.js';
export type { EarlyStoppingOptions } from './callbacks.js';
export { tfRecord, readTfRecords, readEvents, histogram, decodeHparams, fileVersionEvent, scalarEvent, histogramEvent, imageEvent, textEvent, hparamsEvent, confusionMatrixEvent, CONFUSION_PLUGIN } from './tensorboard.js';
export type { TensorBoardEvent, SummaryValue, HistogramValue, HParams } from './tensorboard.js';
