/** Optimizers, learning-rate schedules and gradient clipping (torch.optim, torch.nn.utils.clip_grad). */
export { Optimizer } from './optimizer.js';
export type {
  BaseOptions, ParamGroup, ParamGroupInput, Params, ParamState, StateValue, OptimizerStateDict, UpdateRule, UpdateResult,
  ZeroGradOptions, ScheduleKeys, StateRecord,
} from './optimizer.js';
export { SGD } from './sgd.js';
export type { SGDOptions, SGDState } from './sgd.js';
export { Adam, AdamW } from './adam.js';
export type { AdamOptions, AdamState } from './adam.js';
export { Adagrad } from './adagrad.js';
export type { AdagradOptions, AdagradState } from './adagrad.js';
export { RMSprop } from './rmsprop.js';
export type { RMSpropOptions, RMSpropState } from './rmsprop.js';
export { Adamax } from './adamax.js';
export type { AdamaxOptions, AdamaxState } from './adamax.js';
export { NAdam } from './nadam.js';
export type { NAdamOptions, NAdamState } from './nadam.js';
export { Adadelta } from './adadelta.js';
export type { AdadeltaOptions, AdadeltaState } from './adadelta.js';
/** Each optimizer's update math as a pure { init, update } rule: optim.rules.adam.update(param, grad, state, options). */
export * as rules from './rules.js';
export * as lrScheduler from './lr-scheduler.js';
export { clipGradNorm, clipGradValue } from './clip.js';
export type { ClipGradNormOptions } from './clip.js';
export { LBFGS } from './lbfgs.js';
export type { LBFGSOptions, LBFGSState } from './lbfgs.js';
