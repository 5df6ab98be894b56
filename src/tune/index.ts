/** nb.tune: hyperparameter search (browser-safe; the worker-thread runner is in tune/node.ts). */
export { uniform, logUniform, oneMinusLogUniform, intUniform, choice, grid, sample, gridPoints, isLogSpace } from './space.js';
export type { Space, SearchSpace, Params, ParamValue } from './space.js';
export { randomSearch, gridSearch, coarseToFine, zoomSpace, regionOfRound, rankTrials } from './strategy.js';
export type { Strategy, Suggestion, CoarseToFineOptions } from './strategy.js';
export { SuccessiveHalving } from './trial.js';
export type { Trial, TrialStatus, HalvingOptions } from './trial.js';
export { run, trialSeed } from './run.js';
export type { Objective, ObjectiveResult, TrialContext, TuneOptions } from './run.js';
export { TuneResults } from './results.js';
export type { TuneResultsJSON } from './results.js';
export { paramsChart, bestSoFarChart } from './plot.js';
