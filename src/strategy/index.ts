/** nb.strategy: the course's ML strategy as tools (diagnosis, model selection, error analysis, curves). */
export { diagnose, RECOMMENDED_ACTIONS } from './diagnose.js';
export type { DiagnoseInput, Diagnosis, Gap, GapName } from './diagnose.js';
export { selectModel, measureLatency, modelSizeMb } from './select.js';
export type { Candidate, SelectOptions, Selection, Latency, LatencyOptions } from './select.js';
export { errorAnalysis, misclassifiedSheet } from './error-analysis.js';
export type { ErrorAnalysis, ErrorAnalysisOptions, Misclassified, TagTally } from './error-analysis.js';
export { ewma, learningCurve, learningCurveChart } from './curves.js';
export type { LearningCurvePoint } from './curves.js';
export { ensemblePredict, tenCrop, multiCropPredict } from './ensemble.js';
export type { AverageOptions } from './ensemble.js';
