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

  /**
   * A JSON-ready copy: non-finite values become the strings "Infinity", "-Infinity" and "NaN"
   * (JSON.stringify would write null), which History.fromJSON turns back into numbers.
   */
  toJSON(): HistoryJSON {
    return {
      epochs: [...this.epochs],
      metrics: encodeSeries(this.metrics),
      batches: this.batches === null ? null : encodeSeries(this.batches),
      stopReason: this.stopReason,
    };
  }

  /** A History from its toJSON() form (or a parsed history.json), with non-finite strings read back as numbers. */
  static fromJSON(json: unknown): History {
    const where = 'History.fromJSON';
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`${where}: expected an object, got ${describe(json)}`);
    const { epochs, metrics, batches, stopReason } = json as Record<string, unknown>;
    if (!Array.isArray(epochs) || !epochs.every((e) => Number.isSafeInteger(e))) throw new Error(`${where}: epochs must be an array of integers`);
    if (stopReason !== null && stopReason !== undefined && typeof stopReason !== 'string') throw new Error(`${where}: stopReason must be a string or null`);
    const history = new History(batches !== null && batches !== undefined);
    history.epochs.push(...(epochs as number[]));
    Object.assign(history.metrics, decodeSeries(`${where}: metrics`, metrics));
    if (history.batches !== null) Object.assign(history.batches, decodeSeries(`${where}: batches`, batches));
    history.stopReason = stopReason ?? null;
    return history;
  }
}

/** A logged number as JSON writes it: finite numbers as they are, the others as strings. */
export type JsonLogNumber = number | 'Infinity' | '-Infinity' | 'NaN';

export interface HistoryJSON {
  epochs: number[];
  metrics: Record<string, JsonLogNumber[]>;
  batches: Record<string, JsonLogNumber[]> | null;
  stopReason: string | null;
}

/** v, or its string spelling when it is not finite (JSON has no NaN or infinities). */
export function encodeLogNumber(v: number): JsonLogNumber {
  if (Number.isFinite(v)) return v;
  return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}

/** The inverse of encodeLogNumber; anything else is an error naming where it was found. */
export function decodeLogNumber(v: unknown, where: string): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  throw new Error(`${where}: expected a number or "Infinity", "-Infinity", "NaN", got ${describe(v)}`);
}

/** Logs with their non-finite values spelled as strings, for a JSON line (JSONLogger). */
export function encodeLogs(logs: Logs): Record<string, JsonLogNumber> {
  return Object.fromEntries(Object.entries(logs).map(([k, v]) => [k, encodeLogNumber(v)]));
}

function encodeSeries(series: Record<string, number[]>): Record<string, JsonLogNumber[]> {
  return Object.fromEntries(Object.entries(series).map(([k, values]) => [k, values.map(encodeLogNumber)]));
}

function decodeSeries(where: string, series: unknown): Record<string, number[]> {
  if (typeof series !== 'object' || series === null || Array.isArray(series)) throw new Error(`${where} must be an object of series, got ${describe(series)}`);
  const out: Record<string, number[]> = {};
  for (const [k, values] of Object.entries(series)) {
    if (!Array.isArray(values)) throw new Error(`${where}.${k} must be an array, got ${describe(values)}`);
    out[k] = values.map((v, i) => decodeLogNumber(v, `${where}.${k}[${i}]`));
  }
  return out;
}

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? JSON.stringify(v) : typeof v;
}

function append(target: Record<string, number[]>, logs: Logs): void {
  for (const [k, v] of Object.entries(logs)) (target[k] ??= []).push(v);
}
