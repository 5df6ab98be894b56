/** Built-in callbacks that need no file system: early stopping, NaN guard, learning-rate control. */
import type { Tensor } from '../tensor/tensor.js';
import { noGrad } from '../autograd/grad-mode.js';
import { PLATEAU_OPTIONS, ReduceLROnPlateau as PlateauScheduler, type ReduceLROnPlateauOptions } from '../optim/lr-scheduler.js';
import { bool, checkOptionKeys, int, num, oneOf, parseOptions, str } from '../ops/args.js';
import { Callback, monitored, resolveMode, type Logs, type Mode } from './callback.js';

export interface EarlyStoppingOptions {
  monitor?: string;
  mode?: Mode;
  /** Epochs without improvement to wait before stopping. */
  patience?: number;
  /** The least change that counts as an improvement. */
  minDelta?: number;
  /** Put back the weights of the best epoch when training stops (or ends). */
  restoreBestWeights?: boolean;
  /** Stop if the quantity does not beat this value (within patience). */
  baseline?: number;
}

/** Stops training when a monitored quantity has stopped improving (keras.callbacks.EarlyStopping). */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  private readonly better: (a: number, b: number) => boolean;
  private readonly patience: number;
  private readonly restoreBestWeights: boolean;
  private readonly baseline: number | undefined;
  private best = NaN;
  private wait = 0;
  private bestWeights: Record<string, Tensor> | null = null;
  /** The epoch (0-based) training stopped at, or null. */
  stoppedEpoch: number | null = null;
  /** The epoch with the best value seen. */
  bestEpoch: number | null = null;

  constructor(options: EarlyStoppingOptions = {}, ...extra: []) {
    super();
    parseOptions('EarlyStopping', options, { monitor: str, mode: oneOf('auto', 'min', 'max'), patience: int, minDelta: num, restoreBestWeights: bool, baseline: num }, extra);
    this.monitor = options.monitor ?? 'val_loss';
    const mode = resolveMode(options.mode ?? 'auto', this.monitor);
    const minDelta = Math.abs(options.minDelta ?? 0);
    if (!Number.isInteger(options.patience ?? 0) || (options.patience ?? 0) < 0) {
      throw new Error(`EarlyStopping: patience must be a non-negative integer, got ${options.patience}`);
    }
    this.patience = options.patience ?? 0;
    this.restoreBestWeights = options.restoreBestWeights ?? false;
    this.baseline = options.baseline;
    this.better = mode === 'min' ? (a, b) => a < b - minDelta : (a, b) => a > b + minDelta;
  }

  override onTrainBegin(): void {
    this.best = this.baseline ?? NaN;
    this.wait = 0;
    this.bestWeights = null;
    this.stoppedEpoch = null;
    this.bestEpoch = null;
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    const value = monitored('EarlyStopping', this.monitor, logs);
    if (Number.isNaN(this.best) ? Number.isFinite(value) : this.better(value, this.best)) {
      this.best = value;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.restoreBestWeights) this.bestWeights = snapshot(this.training.model.stateDict());
      return;
    }
    this.wait++;
    if (this.wait >= this.patience) {
      this.stoppedEpoch = epoch;
      this.training.stop(`EarlyStopping: ${this.monitor} did not improve for ${this.wait} epochs`);
    }
  }

  override onTrainEnd(): void {
    if (this.restoreBestWeights && this.bestWeights !== null && this.bestEpoch !== null) {
      this.training.model.loadStateDict(this.bestWeights);
    }
  }
}

function snapshot(dict: Record<string, Tensor>): Record<string, Tensor> {
  return noGrad(() => Object.fromEntries(Object.entries(dict).map(([k, t]) => [k, t.detach().clone()])));
}

/**
 * Stops training as soon as a batch's loss is NaN or infinite, saying where and what: the epoch,
 * the batch and the value go to History.stopReason, to `stoppedAt`, and to the log (console.warn).
 */
export class TerminateOnNaN extends Callback {
  private epoch = 0;
  private readonly log: ((message: string) => void) | null;
  /** Where training stopped and the value that stopped it (also in History.stopReason), or null. */
  stoppedAt: { epoch: number; batch: number; loss: number } | null = null;

  /** @param options.log where the reason is written when training stops (default console.warn; null: silent) */
  constructor(options: { log?: ((message: string) => void) | null } = {}, ...extra: []) {
    super();
    checkOptionKeys('TerminateOnNaN', options, ['log'], extra);
    if (options.log !== undefined && options.log !== null && typeof options.log !== 'function') {
      throw new Error(`TerminateOnNaN: log must be a function or null, got ${typeof options.log}`);
    }
    this.log = options.log === undefined ? (message) => console.warn(message) : options.log;
  }

  override onTrainBegin(): void {
    this.stoppedAt = null;
  }

  override onEpochBegin(epoch: number): void {
    this.epoch = epoch;
  }

  override onBatchEnd(batch: number, logs: Logs): void {
    const loss = logs.batchLoss ?? logs.loss;
    if (loss === undefined || Number.isFinite(loss) || this.stoppedAt !== null) return;
    this.stoppedAt = { epoch: this.epoch, batch, loss };
    const { epochs, steps } = this.training;
    const message =
      `TerminateOnNaN: the loss is ${loss} at epoch ${this.epoch + 1}/${epochs}, batch ${batch + 1}` +
      `${steps === null ? '' : `/${steps}`} (0-based: epoch ${this.epoch}, batch ${batch}); training stopped`;
    this.training.stop(message);
    this.log?.(message);
  }
}

/** Sets the learning rate of every parameter group at the start of each epoch from schedule(epoch, lr). */
export class LearningRateScheduler extends Callback {
  constructor(private readonly schedule: (epoch: number, lr: number) => number) {
    super();
  }

  override onEpochBegin(epoch: number): void {
    const optimizer = this.training.optimizer;
    if (optimizer === null) throw new Error('LearningRateScheduler: fit() was given no optimizer');
    const lr = this.schedule(epoch, optimizer.paramGroups[0]?.lr ?? NaN);
    if (!(typeof lr === 'number' && lr >= 0)) {
      throw new Error(`LearningRateScheduler: the schedule returned ${String(lr)} for epoch ${epoch}; expected a number >= 0`);
    }
    for (const group of optimizer.paramGroups) group.lr = lr;
  }
}

/** Lowers the learning rate when a monitored quantity plateaus (optim's ReduceLROnPlateau, stepped at epoch end). */
export class ReduceLROnPlateau extends Callback {
  private scheduler: PlateauScheduler | null = null;
  readonly monitor: string;

  constructor(private readonly options: ReduceLROnPlateauOptions & { monitor?: string } = {}, ...extra: []) {
    super();
    // Checked now, not when training begins (the scheduler's own values are checked then).
    checkOptionKeys('ReduceLROnPlateau', options, ['monitor', ...PLATEAU_OPTIONS], extra);
    this.monitor = options.monitor ?? 'val_loss';
  }

  override onTrainBegin(): void {
    const optimizer = this.training.optimizer;
    if (optimizer === null) throw new Error('ReduceLROnPlateau: fit() was given no optimizer');
    const { monitor: _monitor, ...schedulerOptions } = this.options;
    const mode = schedulerOptions.mode ?? resolveMode('auto', this.monitor);
    this.scheduler = new PlateauScheduler(optimizer, { ...schedulerOptions, mode });
  }

  override onEpochEnd(_epoch: number, logs: Logs): void {
    this.scheduler!.step(monitored('ReduceLROnPlateau', this.monitor, logs));
  }
}
