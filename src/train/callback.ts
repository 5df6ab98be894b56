/**
 * Keras-style callbacks: hooks fit() calls at the start and end of training, of each epoch and
 * of each batch, with a `logs` object of the numbers known at that point (loss, metrics, and
 * the validation ones as val_<name> at epoch end).
 */
import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';

export type Logs = Record<string, number>;

/** What a callback sees of the training run it is attached to. */
export interface TrainingContext {
  readonly model: Module;
  readonly optimizer: Optimizer | null;
  readonly epochs: number;
  /** Batches per epoch, when the training data says how many. */
  readonly steps: number | null;
  /** Ask fit() to stop after the current batch. */
  stop(reason: string): void;
}

export abstract class Callback {
  protected context: TrainingContext | null = null;

  /** Called by fit() before training starts. */
  setContext(context: TrainingContext): void {
    this.context = context;
  }

  protected get training(): TrainingContext {
    if (this.context === null) throw new Error(`${this.constructor.name}: used outside fit()`);
    return this.context;
  }

  onTrainBegin(_logs: Logs): void | Promise<void> {}
  onTrainEnd(_logs: Logs): void | Promise<void> {}
  onEpochBegin(_epoch: number, _logs: Logs): void | Promise<void> {}
  onEpochEnd(_epoch: number, _logs: Logs): void | Promise<void> {}
  onBatchBegin(_batch: number, _logs: Logs): void | Promise<void> {}
  onBatchEnd(_batch: number, _logs: Logs): void | Promise<void> {}
}

export type Mode = 'min' | 'max' | 'auto';

/** 'auto' watches accuracy-like quantities for increase and everything else for decrease. */
export function resolveMode(mode: Mode, monitor: string): 'min' | 'max' {
  if (mode !== 'auto') return mode;
  return /acc|auc|f1|precision|recall|iou|bleu|r2/i.test(monitor) ? 'max' : 'min';
}

/** Looks up the monitored value, with an error listing what is there when it is missing. */
export function monitored(owner: string, monitor: string, logs: Logs): number {
  const value = logs[monitor];
  if (value === undefined) {
    throw new Error(
      `${owner}: the monitored quantity '${monitor}' is not in the logs (available: ${Object.keys(logs).join(', ') || 'none'}); ` +
        `pass validation data to fit() for val_* quantities`,
    );
  }
  return value;
}
