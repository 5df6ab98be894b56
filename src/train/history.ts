/** What fit() returns: the logged numbers per epoch (and per batch on request). */
import type { Logs } from './callback.js';

export class History {
  /** Epoch indices that completed (0-based). */
  readonly epochs: number[] = [];
  /** Per-epoch values by name: loss, metrics, val_loss, val_<metric>, lr. */
  readonly metrics: Record<string, number[]> = {};
  /** Per-batch values by name, when fit() was asked to record them. */
  readonly batches: Record<string, number[]> | null;
  /** Why training ended before its last epoch, or null. */
  stopReason: string | null = null;

  constructor(recordBatches: boolean) {
    this.batches = recordBatches ? {} : null;
  }

  addEpoch(epoch: number, logs: Logs): void {
    this.epochs.push(epoch);
    append(this.metrics, logs);
  }

  addBatch(logs: Logs): void {
    if (this.batches !== null) append(this.batches, logs);
  }

  /** The per-epoch series of one quantity, with an error naming the ones that exist. */
  get(name: string): number[] {
    const series = this.metrics[name];
    if (series === undefined) {
      throw new Error(`History.get: no quantity '${name}' (recorded: ${Object.keys(this.metrics).join(', ') || 'none'})`);
    }
    return series;
  }

  toJSON(): { epochs: number[]; metrics: Record<string, number[]>; batches: Record<string, number[]> | null; stopReason: string | null } {
    return { epochs: this.epochs, metrics: this.metrics, batches: this.batches, stopReason: this.stopReason };
  }
}

function append(target: Record<string, number[]>, logs: Logs): void {
  for (const [k, v] of Object.entries(logs)) (target[k] ??= []).push(v);
}
