/** A trial's record, and ASHA-style early stopping (successive halving decided as results arrive). */
import { checkOptionKeys } from '../ops/args.js';
import type { Params } from './space.js';

export type TrialStatus = 'pending' | 'running' | 'completed' | 'pruned' | 'failed';

export interface Trial {
  id: number;
  params: Params;
  /** The seed the runner gave the default generator before the trial (nb.manualSeed). */
  seed: number;
  /** Coarse-to-fine round (0 for the other strategies). */
  round: number;
  status: TrialStatus;
  /** The objective's value (for a pruned trial, its last reported value). */
  value?: number;
  /** Extra numbers the objective returned alongside the value. */
  metrics?: Record<string, number>;
  /** Values reported while the trial ran, as [step, value] pairs. */
  intermediate: [number, number][];
  /** Why the trial failed: the error it threw, or the non-finite value it returned. */
  error?: string;
  durationMs?: number;
}

export interface HalvingOptions {
  /** The first rung's step (epochs, say): every trial runs at least this far (default 1). */
  minResource?: number;
  /** Only the best 1/reductionFactor of the trials at a rung go on to the next (default 3). */
  reductionFactor?: number;
}

/**
 * Successive halving as Optuna's SuccessiveHalvingPruner and ASHA do it: rungs at steps
 * minResource * reductionFactor^k; when a trial reaches a rung, its value there is compared with
 * every value recorded at that rung so far (its own included), and it continues only if it is among
 * the best floor(n / reductionFactor) of them (the first trial at a rung always continues). The
 * best trial at every rung therefore always runs to the end.
 */
export class SuccessiveHalving {
  readonly minResource: number;
  readonly reductionFactor: number;
  /** Values recorded at each rung, across trials. */
  private readonly rungs = new Map<number, number[]>();

  constructor(options: HalvingOptions = {}) {
    checkOptionKeys('tune.SuccessiveHalving', options, ['minResource', 'reductionFactor']);
    this.minResource = options.minResource ?? 1;
    this.reductionFactor = options.reductionFactor ?? 3;
    if (typeof this.minResource !== 'number' || !(this.minResource > 0) || !Number.isFinite(this.minResource)) {
      throw new Error(`tune.SuccessiveHalving: minResource must be a positive number, got ${String(this.minResource)}`);
    }
    if (typeof this.reductionFactor !== 'number' || !Number.isInteger(this.reductionFactor) || this.reductionFactor < 2) {
      throw new Error(`tune.SuccessiveHalving: reductionFactor must be an integer >= 2, got ${String(this.reductionFactor)}`);
    }
  }

  private rungStep(k: number): number {
    return this.minResource * this.reductionFactor ** k;
  }

  /**
   * Records a trial's report and says whether it should stop. `rungsDone` is how many rungs the
   * trial has passed; the caller keeps it per trial.
   */
  decide(step: number, value: number, mode: 'min' | 'max', rungsDone: number): { stop: boolean; rungsDone: number } {
    let k = rungsDone;
    let stop = false;
    // A report can skip rungs (a trial reporting every 5 epochs); it is judged at each rung it reached.
    while (step >= this.rungStep(k) && !stop) {
      // NaN or infinite values rank last.
      const score = Number.isFinite(value) ? (mode === 'min' ? value : -value) : Infinity;
      const values = this.rungs.get(k) ?? [];
      values.push(score);
      this.rungs.set(k, values);
      const keep = Math.max(1, Math.floor(values.length / this.reductionFactor));
      const sorted = [...values].sort((a, b) => a - b);
      stop = !(score <= sorted[keep - 1]!) ;
      k++;
    }
    return { stop, rungsDone: k };
  }

  /** Replays a finished trial's reports (when resuming) so later trials are judged against them. */
  replay(trial: Trial, mode: 'min' | 'max'): void {
    let rungsDone = 0;
    for (const [step, value] of trial.intermediate) rungsDone = this.decide(step, value, mode, rungsDone).rungsDone;
  }
}
