/**
 * Learning-rate schedules (torch.optim.lr_scheduler) and the decays taught in the course.
 * A scheduler sets each parameter group's lr when it is constructed and at every step();
 * call it after optimizer.step(). The torch schedulers use torch's recursive ("chainable")
 * formulas, so their sequences match PyTorch's to the last bits.
 */
import { Tensor } from '../tensor/tensor.js';
import type { BaseOptions, Optimizer, ParamGroup, StateRecord } from './optimizer.js';
import { checkOptionKeys, noExtraArgs, splitOptionalArgs, type Args } from '../ops/args.js';

/** Any optimizer: schedulers only read and write the groups' lr (and momentum or betas). */
export type AnyOptimizer = Optimizer<BaseOptions, StateRecord>;

/** A scheduler's state: its fields, as torch's state_dict() holds the scheduler's __dict__. */
export type SchedulerStateDict = Record<string, unknown>;

export interface SchedulerOptions {
  /**
   * The index of the last epoch when resuming (the groups must then hold initialLr, as saved in
   * the optimizer's state dict). -1, the default, starts a new schedule.
   */
  lastEpoch?: number;
}

/**
 * torch's optional arguments after the required ones, given positionally in torch's order, in a final
 * options object, or a leading part positionally and the rest as options: one options object. More
 * values than `order` names are an error (not ignored); unknown keys are left to the key check.
 */
function optionArgs<O extends object>(where: string, args: readonly unknown[], order: readonly (keyof O & string)[]): O {
  const split = splitOptionalArgs(where, args, order, 'only an options object after the required arguments');
  const options: Record<string, unknown> = { ...split.options };
  const { values } = split;
  values.forEach((value, i) => {
    if (value === undefined) return;
    const key = order[i]!;
    if (options[key] !== undefined) throw new TypeError(`${where}: ${key} was given both as an argument and as an option`);
    options[key] = value;
  });
  return options as O;
}

function checkPositiveInteger(where: string, option: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new Error(`${where}: ${option} must be a positive integer, got ${String(value)}`);
  }
}

function checkFiniteNumber(where: string, option: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`${where}: ${option} must be a finite number, got ${String(value)}`);
  }
}

function perGroup<T>(where: string, option: string, value: T | readonly T[], groups: number): T[] {
  if (!Array.isArray(value)) return Array.from({ length: groups }, () => value as T);
  if (value.length !== groups) {
    throw new Error(`${where}: expected ${groups} values of ${option} (one per parameter group), got ${value.length}`);
  }
  return [...(value as readonly T[])];
}

function checkOptimizer(where: string, optimizer: unknown): void {
  const ok = typeof optimizer === 'object' && optimizer !== null && 'paramGroups' in optimizer && Array.isArray(optimizer.paramGroups);
  if (!ok) throw new Error(`${where}: expected an optimizer (such as new optim.SGD(...)), got ${String(optimizer)}`);
}

/** A copy of a state value: arrays (and arrays of arrays) are copied, other values kept. */
function copyValue(value: unknown): unknown {
  return Array.isArray(value) ? value.map(copyValue) : value;
}

/** Fields that describe the scheduler's wiring, not its state. */
const NOT_STATE = new Set(['optimizer', 'lrLambdas']);

function stateOf(scheduler: object): SchedulerStateDict {
  const out: SchedulerStateDict = {};
  for (const [key, value] of Object.entries(scheduler)) if (!NOT_STATE.has(key)) out[key] = copyValue(value);
  return out;
}

function loadStateInto(scheduler: object, name: string, dict: SchedulerStateDict): void {
  if (typeof dict !== 'object' || dict === null) throw new Error(`${name}.loadStateDict: expected an object from stateDict()`);
  const own = scheduler as Record<string, unknown>;
  for (const [key, value] of Object.entries(dict)) {
    if (NOT_STATE.has(key) || !(key in own) || typeof own[key] === 'function') {
      throw new Error(`${name}.loadStateDict: unexpected key '${key}' (not a field of ${name})`);
    }
    own[key] = copyValue(value);
  }
}

/** The base of the epoch-driven schedulers (torch's _LRScheduler). */
export abstract class LRScheduler {
  /** The learning rate of each group at the start of the schedule. */
  baseLrs: number[];
  lastEpoch: number;
  protected stepCount = 0;
  protected lastLr: number[] = [];

  /** The scheduler's name for messages; each subclass overrides it. */
  get name(): string {
    return 'LRScheduler';
  }

  /** The option keys the scheduler takes; each subclass with options of its own overrides it. */
  protected get optionNames(): readonly string[] {
    return ['lastEpoch'];
  }

  /** `options` is what the subclass left after taking its own options: anything but lastEpoch is a mistake. */
  constructor(
    readonly optimizer: AnyOptimizer,
    options: SchedulerOptions = {},
  ) {
    // `name` and `optionNames` are prototype getters, so the subclass's are available here already.
    checkOptimizer(this.name, optimizer);
    checkOptionKeys(this.name, options, this.optionNames);
    const { lastEpoch = -1 } = options;
    if (!Number.isInteger(lastEpoch) || lastEpoch < -1) {
      throw new Error(`${this.name}: lastEpoch must be an integer >= -1, got ${lastEpoch}`);
    }
    optimizer.paramGroups.forEach((group, i) => {
      if (lastEpoch === -1) group.initialLr ??= group.lr;
      else if (group.initialLr === undefined) {
        throw new Error(`${this.name}: parameter group ${i} has no initialLr, which resuming a schedule (lastEpoch ${lastEpoch}) needs`);
      }
    });
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr!);
    this.lastEpoch = lastEpoch;
  }

  /** The learning rates for epoch lastEpoch, from the current ones (torch's get_lr). */
  protected abstract computeLr(): number[];

  /** Called at the end of each subclass constructor, once its fields are set (torch's _initial_step). */
  protected initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** Advances the schedule by one epoch (or batch, for per-batch schedules) and sets each group's lr. */
  step(): void {
    this.stepCount++;
    this.lastEpoch++;
    const values = this.computeLr();
    this.optimizer.paramGroups.forEach((group, i) => {
      group.lr = values[i]!;
    });
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The learning rates the last step() set, one per group. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** The scheduler's fields (everything but the optimizer and functions), as torch's state_dict(). */
  stateDict(): SchedulerStateDict {
    return stateOf(this);
  }

  loadStateDict(dict: SchedulerStateDict, ...extra: []): void {
    noExtraArgs(`${this.name}.loadStateDict`, extra, 'one state dict');
    loadStateInto(this, this.name, dict);
  }

  protected get groups(): ParamGroup<BaseOptions>[] {
    return this.optimizer.paramGroups;
  }
}

export type LrLambda = (epoch: number) => number;

/** lr = initialLr * lrLambda(epoch), with one function for all groups or one per group. */
export class LambdaLR extends LRScheduler {
  readonly lrLambdas: LrLambda[];

  override get name(): string {
    return 'LambdaLR';
  }

  constructor(optimizer: AnyOptimizer, lrLambda: LrLambda | readonly LrLambda[], ...args: Args<[lastEpoch: number], SchedulerOptions>) {
    const options = optionArgs<SchedulerOptions>('LambdaLR', args, ['lastEpoch']);
    super(optimizer, options);
    this.lrLambdas = perGroup('LambdaLR', 'lrLambda', lrLambda, optimizer.paramGroups.length);
    this.lrLambdas.forEach((fn, i) => {
      if (typeof fn !== 'function') throw new Error(`LambdaLR: lrLambda ${i} must be a function of the epoch, got ${typeof fn}`);
    });
    this.initialStep();
  }

  protected computeLr(): number[] {
    return this.baseLrs.map((base, i) => base * this.lrLambdas[i]!(this.lastEpoch));
  }
}

export interface GammaOptions extends SchedulerOptions {
  /** The factor applied at each decay (default 0.1). */
  gamma?: number;
}

/** Multiplies the lr by gamma every stepSize epochs. */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;

  override get name(): string {
    return 'StepLR';
  }

  protected override get optionNames(): readonly string[] {
    return ['gamma', 'lastEpoch'];
  }

  constructor(optimizer: AnyOptimizer, stepSize: number, ...args: Args<[gamma: number, lastEpoch: number], GammaOptions>) {
    const { gamma = 0.1, ...options } = optionArgs<GammaOptions>('StepLR', args, ['gamma', 'lastEpoch']);
    super(optimizer, options);
    checkPositiveInteger('StepLR', 'stepSize', stepSize);
    checkFiniteNumber('StepLR', 'gamma', gamma);
    this.stepSize = stepSize;
    this.gamma = gamma;
    this.initialStep();
  }

  protected computeLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }
}

/** Multiplies the lr by gamma at each milestone epoch (a milestone listed twice applies gamma twice). */
export class MultiStepLR extends LRScheduler {
  milestones: number[];
  gamma: number;

  override get name(): string {
    return 'MultiStepLR';
  }

  protected override get optionNames(): readonly string[] {
    return ['gamma', 'lastEpoch'];
  }

  constructor(optimizer: AnyOptimizer, milestones: readonly number[], ...args: Args<[gamma: number, lastEpoch: number], GammaOptions>) {
    const { gamma = 0.1, ...options } = optionArgs<GammaOptions>('MultiStepLR', args, ['gamma', 'lastEpoch']);
    super(optimizer, options);
    if (!Array.isArray(milestones) || milestones.some((m) => !Number.isInteger(m))) {
      throw new Error(`MultiStepLR: milestones must be an array of integer epochs, got ${JSON.stringify(milestones)}`);
    }
    checkFiniteNumber('MultiStepLR', 'gamma', gamma);
    this.milestones = [...milestones].sort((a, b) => a - b);
    this.gamma = gamma;
    this.initialStep();
  }

  protected computeLr(): number[] {
    const hits = this.milestones.filter((m) => m === this.lastEpoch).length;
    if (hits === 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma ** hits);
  }
}

/** Multiplies the lr by gamma every epoch. */
export class ExponentialLR extends LRScheduler {
  gamma: number;

  override get name(): string {
    return 'ExponentialLR';
  }

  constructor(optimizer: AnyOptimizer, gamma: number, ...args: Args<[lastEpoch: number], SchedulerOptions>) {
    const options = optionArgs<SchedulerOptions>('ExponentialLR', args, ['lastEpoch']);
    super(optimizer, options);
    checkFiniteNumber('ExponentialLR', 'gamma', gamma);
    this.gamma = gamma;
    this.initialStep();
  }

  protected computeLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }
}

export interface CosineAnnealingOptions extends SchedulerOptions {
  /** The lowest learning rate (default 0). */
  etaMin?: number;
}

/**
 * Cosine annealing from initialLr down to etaMin over tMax epochs (and back up after, as torch):
 * lr_t = etaMin + (initialLr - etaMin)(1 + cos(pi t / tMax)) / 2, computed recursively as torch does.
 */
export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  etaMin: number;

  override get name(): string {
    return 'CosineAnnealingLR';
  }

  protected override get optionNames(): readonly string[] {
    return ['etaMin', 'lastEpoch'];
  }

  constructor(optimizer: AnyOptimizer, tMax: number, ...args: Args<[etaMin: number, lastEpoch: number], CosineAnnealingOptions>) {
    const { etaMin = 0, ...options } = optionArgs<CosineAnnealingOptions>('CosineAnnealingLR', args, ['etaMin', 'lastEpoch']);
    super(optimizer, options);
    checkPositiveInteger('CosineAnnealingLR', 'tMax', tMax);
    checkFiniteNumber('CosineAnnealingLR', 'etaMin', etaMin);
    this.tMax = tMax;
    this.etaMin = etaMin;
    this.initialStep();
  }

  protected computeLr(): number[] {
    const { lastEpoch: t, tMax, etaMin } = this;
    if (t === 0) return this.groups.map((g) => g.lr);
    if (this.stepCount === 1 && t > 0) {
      return this.baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + Math.cos((t * Math.PI) / tMax))) / 2);
    }
    if ((t - 1 - tMax) % (2 * tMax) === 0) {
      return this.groups.map((g, i) => g.lr + ((this.baseLrs[i]! - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2);
    }
    return this.groups.map(
      (g) => ((1 + Math.cos((Math.PI * t) / tMax)) / (1 + Math.cos((Math.PI * (t - 1)) / tMax))) * (g.lr - etaMin) + etaMin,
    );
  }
}

export interface LinearLROptions extends SchedulerOptions {
  /** The factor of initialLr at epoch 0 (default 1/3). */
  startFactor?: number;
  /** The factor reached at totalIters (default 1). */
  endFactor?: number;
  /** Epochs of the linear ramp (default 5). */
  totalIters?: number;
}

/** Ramps the lr linearly from startFactor * initialLr to endFactor * initialLr over totalIters epochs (warm-up). */
export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;

  override get name(): string {
    return 'LinearLR';
  }

  protected override get optionNames(): readonly string[] {
    return ['startFactor', 'endFactor', 'totalIters', 'lastEpoch'];
  }

  constructor(optimizer: AnyOptimizer, ...args: Args<[startFactor: number, endFactor: number, totalIters: number, lastEpoch: number], LinearLROptions>) {
    const { startFactor = 1 / 3, endFactor = 1, totalIters = 5, ...options } = optionArgs<LinearLROptions>('LinearLR', args, ['startFactor', 'endFactor', 'totalIters', 'lastEpoch']);
    super(optimizer, options);
    // A zero startFactor would divide by zero in torch's recursive formula.
    if (!(startFactor > 0 && startFactor <= 1)) throw new Error(`LinearLR: startFactor must be in (0, 1], got ${startFactor}`);
    if (!(endFactor >= 0 && endFactor <= 1)) throw new Error(`LinearLR: endFactor must be in [0, 1], got ${endFactor}`);
    checkPositiveInteger('LinearLR', 'totalIters', totalIters);
    this.startFactor = startFactor;
    this.endFactor = endFactor;
    this.totalIters = totalIters;
    this.initialStep();
  }

  protected computeLr(): number[] {
    const { lastEpoch: t, startFactor: s, endFactor: e, totalIters: n } = this;
    if (t === 0) return this.groups.map((g) => g.lr * s);
    if (t > n) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * (1 + (e - s) / (n * s + (t - 1) * (e - s))));
  }
}

export interface OneCycleLROptions extends SchedulerOptions {
  /** The number of steps in the cycle; or give epochs and stepsPerEpoch. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** The fraction of the cycle spent increasing the lr (default 0.3). */
  pctStart?: number;
  annealStrategy?: 'cos' | 'linear';
  /** Cycle momentum (or Adam's beta1) inversely to the lr, between baseMomentum and maxMomentum (default true). */
  cycleMomentum?: boolean;
  baseMomentum?: number | readonly number[];
  maxMomentum?: number | readonly number[];
  /** initialLr = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** minLr = initialLr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Use a third phase that anneals to minLr after returning to initialLr (default false). */
  threePhase?: boolean;
}

const ONE_CYCLE_OPTIONS = [
  'totalSteps', 'epochs', 'stepsPerEpoch', 'pctStart', 'annealStrategy', 'cycleMomentum', 'baseMomentum', 'maxMomentum',
  'divFactor', 'finalDivFactor', 'threePhase', 'lastEpoch',
];

interface Phase {
  endStep: number;
  startLr: 'initialLr' | 'maxLr';
  endLr: 'initialLr' | 'maxLr' | 'minLr';
  startMomentum: 'maxMomentum' | 'baseMomentum';
  endMomentum: 'maxMomentum' | 'baseMomentum';
}

type MomentumKind = 'betas' | 'momentum';

function momentumKind(optimizer: AnyOptimizer): MomentumKind | null {
  if ('betas' in optimizer.defaults) return 'betas';
  if ('momentum' in optimizer.defaults) return 'momentum';
  return null;
}

function setMomentum(group: ParamGroup<BaseOptions>, kind: MomentumKind, value: number): void {
  const options = group as ParamGroup<BaseOptions> & { betas?: [number, number]; momentum?: number };
  if (kind === 'betas') options.betas = [value, options.betas![1]];
  else options.momentum = value;
}

/**
 * The 1cycle policy (Smith and Topin): the lr rises from maxLr/divFactor to maxLr over pctStart of
 * the cycle, then anneals to minLr, stepped once per batch; momentum cycles the opposite way.
 */
export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  annealStrategy: 'cos' | 'linear';
  cycleMomentum: boolean;
  useBeta1: boolean;
  private readonly phases: Phase[];

  override get name(): string {
    return 'OneCycleLR';
  }

  constructor(
    optimizer: AnyOptimizer,
    maxLr: number | readonly number[],
    ...args: Args<[totalSteps: number, epochs: number, stepsPerEpoch: number, pctStart: number, annealStrategy: 'cos' | 'linear', cycleMomentum: boolean,
      baseMomentum: number | readonly number[], maxMomentum: number | readonly number[], divFactor: number, finalDivFactor: number, threePhase: boolean,
      lastEpoch: number], OneCycleLROptions>
  ) {
    checkOptimizer('OneCycleLR', optimizer);
    const where = 'OneCycleLR';
    const options = optionArgs<OneCycleLROptions>(where, args, ONE_CYCLE_OPTIONS as (keyof OneCycleLROptions & string)[]);
    checkOptionKeys(where, options, ONE_CYCLE_OPTIONS);
    const {
      totalSteps, epochs, stepsPerEpoch, pctStart = 0.3, annealStrategy = 'cos', cycleMomentum = true,
      baseMomentum = 0.85, maxMomentum = 0.95, divFactor = 25, finalDivFactor = 1e4, threePhase = false, lastEpoch = -1,
    } = options;
    let steps: number;
    if (totalSteps !== undefined) {
      checkPositiveInteger(where, 'totalSteps', totalSteps);
      steps = totalSteps;
    } else if (epochs !== undefined && stepsPerEpoch !== undefined) {
      checkPositiveInteger(where, 'epochs', epochs);
      checkPositiveInteger(where, 'stepsPerEpoch', stepsPerEpoch);
      steps = epochs * stepsPerEpoch;
    } else {
      throw new Error(`${where}: give either totalSteps or both epochs and stepsPerEpoch`);
    }
    if (!(pctStart >= 0 && pctStart <= 1)) throw new Error(`${where}: pctStart must be in [0, 1], got ${pctStart}`);
    if (annealStrategy !== 'cos' && annealStrategy !== 'linear') {
      throw new Error(`${where}: annealStrategy must be 'cos' or 'linear', got ${String(annealStrategy)}`);
    }
    const groups = optimizer.paramGroups;
    const maxLrs = perGroup(where, 'maxLr', maxLr, groups.length);
    if (lastEpoch === -1) {
      groups.forEach((group, i) => {
        checkFiniteNumber(where, 'maxLr', maxLrs[i]);
        group.initialLr = maxLrs[i]! / divFactor;
        group.maxLr = maxLrs[i]!;
        group.minLr = group.initialLr / finalDivFactor;
      });
    }
    const kind = momentumKind(optimizer);
    if (cycleMomentum) {
      if (kind === null) throw new Error(`${where}: cycleMomentum needs an optimizer with a momentum or betas option; pass { cycleMomentum: false }`);
      const maxMomenta = perGroup(where, 'maxMomentum', maxMomentum, groups.length);
      const baseMomenta = perGroup(where, 'baseMomentum', baseMomentum, groups.length);
      if (lastEpoch === -1) {
        groups.forEach((group, i) => {
          setMomentum(group, kind, maxMomenta[i]!);
          group.maxMomentum = maxMomenta[i]!;
          group.baseMomentum = baseMomenta[i]!;
        });
      }
    }
    super(optimizer, { lastEpoch });
    this.totalSteps = steps;
    this.annealStrategy = annealStrategy;
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = kind === 'betas';
    const upEnd = pctStart * steps - 1;
    this.phases = threePhase
      ? [
          { endStep: upEnd, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
          { endStep: 2 * pctStart * steps - 2, startLr: 'maxLr', endLr: 'initialLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
          { endStep: steps - 1, startLr: 'initialLr', endLr: 'minLr', startMomentum: 'maxMomentum', endMomentum: 'maxMomentum' },
        ]
      : [
          { endStep: upEnd, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
          { endStep: steps - 1, startLr: 'maxLr', endLr: 'minLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
        ];
    this.initialStep();
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'linear') return (end - start) * pct + start;
    return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
  }

  protected computeLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw new Error(`OneCycleLR: step() was called ${stepNum} times, past the end of the schedule (totalSteps ${this.totalSteps})`);
    }
    return this.groups.map((group) => {
      let startStep = 0;
      for (let i = 0; i < this.phases.length; i++) {
        const phase = this.phases[i]!;
        if (stepNum <= phase.endStep || i === this.phases.length - 1) {
          const pct = (stepNum - startStep) / (phase.endStep - startStep);
          if (this.cycleMomentum) {
            const momentum = this.anneal(group[phase.startMomentum]!, group[phase.endMomentum]!, pct);
            setMomentum(group, this.useBeta1 ? 'betas' : 'momentum', momentum);
          }
          return this.anneal(group[phase.startLr]!, group[phase.endLr]!, pct);
        }
        startStep = phase.endStep;
      }
      throw new Error('OneCycleLR: no phase covers this step');
    });
  }
}

// ---- the decays of the course: closed forms of the epoch t = lastEpoch -----------------------

export interface StaircaseOptions extends SchedulerOptions {
  /** Decay in steps: use floor(t / decaySteps) instead of t / decaySteps (default false). */
  staircase?: boolean;
}

/** A schedule lr = initialLr * factor(p), where p = t / decaySteps (floored with staircase). */
abstract class DecayLR extends LRScheduler {
  decaySteps: number;
  staircase: boolean;

  constructor(optimizer: AnyOptimizer, where: string, decaySteps: number, { staircase = false, ...options }: StaircaseOptions) {
    super(optimizer, options);
    if (!(typeof decaySteps === 'number' && decaySteps > 0 && Number.isFinite(decaySteps))) {
      throw new Error(`${where}: decaySteps must be a positive number, got ${String(decaySteps)}`);
    }
    this.decaySteps = decaySteps;
    this.staircase = staircase;
  }

  protected abstract factor(progress: number): number;

  protected computeLr(): number[] {
    const ratio = this.lastEpoch / this.decaySteps;
    const progress = this.staircase ? Math.floor(ratio) : ratio;
    return this.baseLrs.map((base) => base * this.factor(progress));
  }
}

export interface InverseTimeLROptions extends StaircaseOptions {
  /** The epochs one unit of progress takes (default 1). */
  decaySteps?: number;
}

/** Inverse-time decay: lr = initialLr / (1 + decayRate * t / decaySteps). */
export class InverseTimeLR extends DecayLR {
  decayRate: number;

  override get name(): string {
    return 'InverseTimeLR';
  }

  protected override get optionNames(): readonly string[] {
    return ['decaySteps', 'staircase', 'lastEpoch'];
  }

  constructor(optimizer: AnyOptimizer, decayRate: number, ...args: [options?: InverseTimeLROptions]) {
    const { decaySteps = 1, ...options } = optionArgs<InverseTimeLROptions>('InverseTimeLR', args, []);
    super(optimizer, 'InverseTimeLR', decaySteps, options);
    if (!(decayRate >= 0)) throw new Error(`InverseTimeLR: decayRate must be >= 0, got ${decayRate}`);
    this.decayRate = decayRate;
    this.initialStep();
  }

  protected factor(p: number): number {
    return 1 / (1 + this.decayRate * p);
  }
}

/** Power decay: lr = initialLr * (1 + t / decaySteps)^-power. */
export class PowerLR extends DecayLR {
  power: number;

  override get name(): string {
    return 'PowerLR';
  }

  protected override get optionNames(): readonly string[] {
    return ['staircase', 'lastEpoch'];
  }

  constructor(optimizer: AnyOptimizer, decaySteps: number, power: number, ...args: [options?: StaircaseOptions]) {
    const options = optionArgs<StaircaseOptions>('PowerLR', args, []);
    super(optimizer, 'PowerLR', decaySteps, options);
    checkFiniteNumber('PowerLR', 'power', power);
    this.power = power;
    this.initialStep();
  }

  protected factor(p: number): number {
    return (1 + p) ** -this.power;
  }
}

export interface ExponentialDecayLROptions extends StaircaseOptions {
  /** The factor per decaySteps epochs (default 0.1: lr = initialLr * 10^(-t / decaySteps)). */
  decayRate?: number;
}

/** Exponential decay: lr = initialLr * decayRate^(t / decaySteps), by default initialLr * 10^(-t / decaySteps). */
export class ExponentialDecayLR extends DecayLR {
  decayRate: number;

  override get name(): string {
    return 'ExponentialDecayLR';
  }

  protected override get optionNames(): readonly string[] {
    return ['decayRate', 'staircase', 'lastEpoch'];
  }

  constructor(optimizer: AnyOptimizer, decaySteps: number, ...args: [options?: ExponentialDecayLROptions]) {
    const { decayRate = 0.1, ...options } = optionArgs<ExponentialDecayLROptions>('ExponentialDecayLR', args, []);
    super(optimizer, 'ExponentialDecayLR', decaySteps, options);
    if (!(decayRate > 0)) throw new Error(`ExponentialDecayLR: decayRate must be > 0, got ${decayRate}`);
    this.decayRate = decayRate;
    this.initialStep();
  }

  protected factor(p: number): number {
    return this.decayRate ** p;
  }
}

export interface InverseSqrtLROptions extends StaircaseOptions {
  /** The constant k (default 1). */
  k?: number;
  /** The epochs one epoch number spans (default 1). */
  decaySteps?: number;
}

/**
 * lr = initialLr * k / sqrt(epoch), where the epoch number starts at 1: epoch = t / decaySteps + 1
 * (floored with staircase), so the first lr is initialLr * k.
 */
export class InverseSqrtLR extends DecayLR {
  k: number;

  override get name(): string {
    return 'InverseSqrtLR';
  }

  protected override get optionNames(): readonly string[] {
    return ['k', 'decaySteps', 'staircase', 'lastEpoch'];
  }

  constructor(optimizer: AnyOptimizer, ...args: [options?: InverseSqrtLROptions]) {
    const { k = 1, decaySteps = 1, ...options } = optionArgs<InverseSqrtLROptions>('InverseSqrtLR', args, []);
    super(optimizer, 'InverseSqrtLR', decaySteps, options);
    if (!(k > 0)) throw new Error(`InverseSqrtLR: k must be > 0, got ${k}`);
    this.k = k;
    this.initialStep();
  }

  protected factor(p: number): number {
    return this.k / Math.sqrt(p + 1);
  }
}

// ---- performance scheduling -------------------------------------------------------------------

export interface ReduceLROnPlateauOptions {
  /** 'min': the metric should fall (a loss); 'max': it should rise (an accuracy). Default 'min'. */
  mode?: 'min' | 'max';
  /** The factor the lr is multiplied by (default 0.1); must be < 1. */
  factor?: number;
  /** Epochs without improvement to wait before reducing (default 10). */
  patience?: number;
  /** How much better the metric must be to count as an improvement (default 1e-4). */
  threshold?: number;
  /** 'rel': better than best * (1 -/+ threshold); 'abs': better than best -/+ threshold. Default 'rel'. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting bad epochs again (default 0). */
  cooldown?: number;
  /** A lower bound on the lr, for all groups or one per group (default 0). */
  minLr?: number | readonly number[];
  /** Reductions smaller than eps are skipped (default 1e-8). */
  eps?: number;
}

/** Reduces the lr by factor when a metric has stopped improving for patience epochs (torch's ReduceLROnPlateau). */
export const PLATEAU_OPTIONS = ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps'];

export class ReduceLROnPlateau {
  mode: 'min' | 'max';
  factor: number;
  patience: number;
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  cooldown: number;
  minLrs: number[];
  eps: number;
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = 0;
  private lastLr: number[];

  get name(): string {
    return 'ReduceLROnPlateau';
  }

  constructor(
    readonly optimizer: AnyOptimizer,
    ...args: Args<[mode: 'min' | 'max', factor: number, patience: number, threshold: number, thresholdMode: 'rel' | 'abs', cooldown: number,
      minLr: number | readonly number[], eps: number], ReduceLROnPlateauOptions>
  ) {
    const where = 'ReduceLROnPlateau';
    const options = optionArgs<ReduceLROnPlateauOptions>(where, args, PLATEAU_OPTIONS as (keyof ReduceLROnPlateauOptions & string)[]);
    checkOptimizer(where, optimizer);
    checkOptionKeys(where, options, PLATEAU_OPTIONS);
    const {
      mode = 'min', factor = 0.1, patience = 10, threshold = 1e-4, thresholdMode = 'rel', cooldown = 0, minLr = 0, eps = 1e-8,
    } = options;
    if (!(factor < 1)) throw new Error(`${where}: factor must be < 1, got ${factor}`);
    if (mode !== 'min' && mode !== 'max') throw new Error(`${where}: mode must be 'min' or 'max', got ${String(mode)}`);
    if (thresholdMode !== 'rel' && thresholdMode !== 'abs') {
      throw new Error(`${where}: thresholdMode must be 'rel' or 'abs', got ${String(thresholdMode)}`);
    }
    if (!(Number.isInteger(patience) && patience >= 0)) throw new Error(`${where}: patience must be an integer >= 0, got ${patience}`);
    if (!(Number.isInteger(cooldown) && cooldown >= 0)) throw new Error(`${where}: cooldown must be an integer >= 0, got ${cooldown}`);
    this.mode = mode;
    this.factor = factor;
    this.patience = patience;
    this.threshold = threshold;
    this.thresholdMode = thresholdMode;
    this.cooldown = cooldown;
    this.minLrs = perGroup(where, 'minLr', minLr, optimizer.paramGroups.length);
    this.eps = eps;
    this.best = mode === 'min' ? Infinity : -Infinity;
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  /** Records the metric of the epoch that just ended and reduces the lr if it has plateaued. */
  step(metric: number | Tensor): void {
    const current = metric instanceof Tensor ? metric.item() : metric;
    if (typeof current !== 'number') throw new Error(`ReduceLROnPlateau.step: metric must be a number or a one-element tensor, got ${typeof metric}`);
    this.lastEpoch++;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs++;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): SchedulerStateDict {
    return stateOf(this);
  }

  loadStateDict(dict: SchedulerStateDict, ...extra: []): void {
    noExtraArgs(`${this.name}.loadStateDict`, extra, 'one state dict');
    loadStateInto(this, this.name, dict);
  }

  private isBetter(a: number, best: number): boolean {
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - this.threshold) : a < best - this.threshold;
    return this.thresholdMode === 'rel' ? a > best * (this.threshold + 1) : a > best + this.threshold;
  }

  private reduceLr(): void {
    this.optimizer.paramGroups.forEach((group, i) => {
      const newLr = Math.max(group.lr * this.factor, this.minLrs[i]!);
      if (group.lr - newLr > this.eps) group.lr = newLr;
    });
  }
}
