/** A search's record: its trials, the best one, a text table, and JSON that a later run resumes from. */
import { decodeLogNumber, encodeLogNumber } from '../train/history.js';
import type { JsonLogNumber } from '../train/history.js';
import { checkSpace, isLogSpace } from './space.js';
import type { Params, ParamValue, SearchSpace } from './space.js';
import { rankTrials } from './strategy.js';
import type { Trial, TrialStatus } from './trial.js';

export interface TuneResultsJSON {
  format: 'nabla.tune/1';
  space: SearchSpace;
  mode: 'min' | 'max';
  metric: string;
  seed: number;
  strategy: string;
  trials: TrialJSON[];
}

interface TrialJSON extends Omit<Trial, 'value' | 'metrics' | 'intermediate'> {
  value?: JsonLogNumber;
  metrics?: Record<string, JsonLogNumber>;
  intermediate: [number, JsonLogNumber][];
}

const STATUSES: readonly TrialStatus[] = ['pending', 'running', 'completed', 'pruned', 'failed'];

export class TuneResults {
  /** Every trial in the order it started; the runner updates it in place while the search runs. */
  readonly trials: Trial[] = [];

  constructor(
    readonly space: SearchSpace,
    readonly mode: 'min' | 'max',
    readonly metric: string,
    readonly seed: number,
    readonly strategy: string,
  ) {}

  /** The best completed trial (undefined while none has completed). */
  best(): Trial | undefined {
    return rankTrials(this.trials, this.mode)[0];
  }

  /** The best completed value after each trial (NaN until one completes): the best-so-far curve. */
  bestSoFar(): number[] {
    let best = NaN;
    return this.trials.map((t) => {
      if (t.status === 'completed' && t.value !== undefined && Number.isFinite(t.value)) {
        if (Number.isNaN(best) || (this.mode === 'min' ? t.value < best : t.value > best)) best = t.value;
      }
      return best;
    });
  }

  /** A text table, one row per trial, the best marked with '*'. */
  toString(): string {
    const names = Object.keys(this.space);
    const best = this.best();
    const showRound = this.trials.some((t) => t.round > 0);
    const header = ['trial', ...(showRound ? ['round'] : []), 'status', this.metric, ...names, 'seconds'];
    const rows = this.trials.map((t) => [
      `${t === best ? '*' : ' '}${t.id}`,
      ...(showRound ? [String(t.round)] : []),
      t.status,
      t.value === undefined ? '-' : formatNumber(t.value),
      ...names.map((n) => formatParam(t.params[n], isLogSpace(this.space[n]!))),
      t.durationMs === undefined ? '-' : (t.durationMs / 1000).toFixed(2),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const statusColumn = showRound ? 2 : 1;
    const line = (cells: string[]): string => cells.map((c, i) => (i === 0 || i === statusColumn ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
    const summary = best === undefined ? 'no trial completed' : `best: trial ${best.id}, ${this.metric} ${formatNumber(best.value!)}`;
    const failed = this.trials.filter((t) => t.status === 'failed').length;
    const pruned = this.trials.filter((t) => t.status === 'pruned').length;
    return [
      `${this.strategy}, ${this.mode === 'min' ? 'minimising' : 'maximising'} ${this.metric}: ${this.trials.length} trials (${failed} failed, ${pruned} stopped early)`,
      line(header),
      ...rows.map(line),
      summary,
    ].join('\n');
  }

  toJSON(): TuneResultsJSON {
    return {
      format: 'nabla.tune/1',
      space: this.space,
      mode: this.mode,
      metric: this.metric,
      seed: this.seed,
      strategy: this.strategy,
      trials: this.trials.map((t) => ({
        ...t,
        params: { ...t.params },
        value: t.value === undefined ? undefined : encodeLogNumber(t.value),
        metrics: t.metrics === undefined ? undefined : Object.fromEntries(Object.entries(t.metrics).map(([k, v]) => [k, encodeLogNumber(v)])),
        intermediate: t.intermediate.map(([s, v]) => [s, encodeLogNumber(v)]),
      })),
    };
  }

  /** Reads results written by toJSON (JSON.parse'd), checking every field. */
  static fromJSON(json: unknown): TuneResults {
    const where = 'tune.TuneResults.fromJSON';
    const o = json as Partial<TuneResultsJSON> | null;
    if (o === null || typeof o !== 'object' || o.format !== 'nabla.tune/1') throw new Error(`${where}: not a tune results file (expected format 'nabla.tune/1')`);
    checkSpace(where, o.space);
    if (o.mode !== 'min' && o.mode !== 'max') throw new Error(`${where}: mode must be 'min' or 'max', got ${String(o.mode)}`);
    if (typeof o.metric !== 'string' || typeof o.seed !== 'number' || typeof o.strategy !== 'string' || !Array.isArray(o.trials)) {
      throw new Error(`${where}: metric, seed, strategy or trials missing or of the wrong type`);
    }
    const results = new TuneResults(o.space, o.mode, o.metric, o.seed, o.strategy);
    o.trials.forEach((t: TrialJSON, i) => {
      const at = `${where}: trials[${i}]`;
      if (t === null || typeof t !== 'object' || t.id !== i || !STATUSES.includes(t.status) || typeof t.seed !== 'number' || typeof t.round !== 'number') {
        throw new Error(`${at} is malformed (needs id ${i}, a status, a seed and a round)`);
      }
      if (t.params === null || typeof t.params !== 'object' || !Array.isArray(t.intermediate)) throw new Error(`${at}: params or intermediate missing`);
      results.trials.push({
        id: t.id,
        params: { ...(t.params as Params) },
        seed: t.seed,
        round: t.round,
        status: t.status,
        ...(t.value === undefined ? {} : { value: decodeLogNumber(t.value, `${at}.value`) }),
        ...(t.metrics === undefined ? {} : { metrics: Object.fromEntries(Object.entries(t.metrics).map(([k, v]) => [k, decodeLogNumber(v, `${at}.metrics.${k}`)])) }),
        intermediate: t.intermediate.map(([s, v], j) => [s, decodeLogNumber(v, `${at}.intermediate[${j}]`)]),
        ...(t.error === undefined ? {} : { error: String(t.error) }),
        ...(t.durationMs === undefined ? {} : { durationMs: t.durationMs }),
      });
    });
    return results;
  }
}

function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3)) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}

function formatParam(v: ParamValue | undefined, log: boolean): string {
  if (v === undefined) return '-';
  if (typeof v !== 'number') return String(v);
  if (Number.isInteger(v)) return String(v);
  return log && Math.abs(v) < 0.01 ? v.toExponential(2) : String(Number(v.toPrecision(4)));
}
