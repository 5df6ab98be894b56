/**
 * Satisficing and optimizing metrics: keep the candidates that meet every constraint (latency,
 * size, ...), then pick the best on the one metric that is optimised. And a latency measurement
 * for a model and an input shape.
 */
import { noGrad, nn, randn, Tensor } from '../index.js';
import { bytesPerElement } from '../tensor/dtype.js';
import { checkOptionKeys, requireOptions } from '../ops/args.js';

/** A candidate: a name and its measured numbers (accuracy, latencyMs, sizeMb, ...). */
export interface Candidate {
  name: string;
  [metric: string]: number | string;
}

export interface SelectOptions {
  /** The metric to optimise. */
  optimize: string;
  /** 'max' (default) or 'min'. */
  mode?: 'min' | 'max';
  /** Satisficing constraints: metric -> '<= 100', '< 5', '>= 0.9', '> 0', '== 1'. */
  satisfy?: Readonly<Record<string, string>>;
}

export interface Selection<C extends Candidate> {
  /** The best candidate meeting every constraint (undefined when none does). */
  best: C | undefined;
  /** The candidates meeting every constraint, best first. */
  feasible: C[];
  /** The others, with the constraints each broke. */
  rejected: { candidate: C; violations: string[] }[];
  toString(): string;
}

const COMPARISONS: Record<string, (a: number, b: number) => boolean> = {
  '<=': (a, b) => a <= b,
  '<': (a, b) => a < b,
  '>=': (a, b) => a >= b,
  '>': (a, b) => a > b,
  '==': (a, b) => a === b,
};

function parseConstraint(metric: string, text: unknown): (v: number) => boolean {
  const m = typeof text === 'string' ? /^\s*(<=|>=|<|>|==)\s*(-?[0-9.]+(?:e[-+]?\d+)?)\s*$/i.exec(text) : null;
  const bound = m === null ? NaN : Number(m[2]);
  if (m === null || !Number.isFinite(bound)) throw new Error(`strategy.selectModel: satisfy.${metric} must be a comparison such as '<= 100' (<=, <, >=, >, ==), got ${JSON.stringify(text)}`);
  return (v) => COMPARISONS[m[1]!]!(v, bound);
}

export function selectModel<C extends Candidate>(candidates: readonly C[], options: SelectOptions): Selection<C> {
  requireOptions('strategy.selectModel', options, ['optimize', 'mode?', 'satisfy?']);
  checkOptionKeys('strategy.selectModel', options, ['optimize', 'mode', 'satisfy']);
  if (!Array.isArray(candidates) || candidates.length === 0) throw new Error('strategy.selectModel: candidates must be a non-empty array of { name, ...metrics }');
  const { optimize } = options;
  const mode = options.mode ?? 'max';
  if (mode !== 'min' && mode !== 'max') throw new Error(`strategy.selectModel: mode must be 'min' or 'max', got ${String(mode)}`);
  const constraints = Object.entries(options.satisfy ?? {}).map(([metric, text]) => ({ metric, text: String(text).trim(), test: parseConstraint(metric, text) }));
  for (const metric of [optimize, ...constraints.map((c) => c.metric)]) {
    candidates.forEach((c, i) => {
      if (typeof c?.[metric] !== 'number') throw new Error(`strategy.selectModel: candidate ${typeof c?.name === 'string' ? `'${c.name}'` : i} has no number '${metric}'`);
    });
  }
  const rejected: { candidate: C; violations: string[] }[] = [];
  const feasible: C[] = [];
  for (const c of candidates) {
    const violations = constraints.filter((k) => !k.test(c[k.metric] as number)).map((k) => `${k.metric} ${c[k.metric]} is not ${k.text}`);
    if (violations.length > 0 || Number.isNaN(c[optimize])) rejected.push({ candidate: c, violations: violations.length > 0 ? violations : [`${optimize} is NaN`] });
    else feasible.push(c);
  }
  feasible.sort((a, b) => (mode === 'max' ? (b[optimize] as number) - (a[optimize] as number) : (a[optimize] as number) - (b[optimize] as number)));
  const best = feasible[0];
  return {
    best,
    feasible,
    rejected,
    toString() {
      const metrics = [optimize, ...constraints.map((k) => k.metric).filter((m) => m !== optimize)];
      const header = ['candidate', ...metrics, 'verdict'];
      const rows = [...feasible, ...rejected.map((r) => r.candidate)].map((c) => [
        `${c === best ? '*' : ' '}${c.name}`,
        ...metrics.map((m) => String(Number((c[m] as number).toPrecision(6)))),
        feasible.includes(c) ? 'ok' : rejected.find((r) => r.candidate === c)!.violations.join('; '),
      ]);
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      return [header, ...rows].map((r) => r.map((cell, i) => (i === 0 || i === r.length - 1 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd()).join('\n');
    },
  };
}

export interface LatencyOptions {
  /** Untimed runs first (default 3). */
  warmup?: number;
  /** Timed runs (default 20). */
  runs?: number;
}

export interface Latency {
  medianMs: number;
  meanMs: number;
  minMs: number;
  maxMs: number;
  runs: number;
}

/** Times model.forward on a random input of `inputShape` (batch included) in eval mode without gradients. */
export function measureLatency(model: nn.Module, inputShape: readonly number[], options: LatencyOptions = {}): Latency {
  checkOptionKeys('strategy.measureLatency', options, ['warmup', 'runs']);
  if (!(model instanceof nn.Module)) throw new Error('strategy.measureLatency: model must be an nn.Module');
  const warmup = options.warmup ?? 3;
  const runs = options.runs ?? 20;
  if (!Number.isInteger(warmup) || warmup < 0) throw new Error(`strategy.measureLatency: warmup must be an integer >= 0, got ${String(warmup)}`);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`strategy.measureLatency: runs must be an integer >= 1, got ${String(runs)}`);
  const input = randn([...inputShape]);
  const wasTraining = model.training;
  model.eval();
  const times: number[] = [];
  try {
    noGrad(() => {
      for (let i = 0; i < warmup + runs; i++) {
        const start = performance.now();
        (model as unknown as { forward(x: Tensor): unknown }).forward(input);
        if (i >= warmup) times.push(performance.now() - start);
      }
    });
  } finally {
    model.train(wasTraining);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return {
    medianMs: sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2,
    meanMs: times.reduce((a, b) => a + b, 0) / times.length,
    minMs: sorted[0]!,
    maxMs: sorted[sorted.length - 1]!,
    runs,
  };
}

/** A model's parameter and buffer bytes in megabytes (10^6 bytes), as stored. */
export function modelSizeMb(model: nn.Module): number {
  if (!(model instanceof nn.Module)) throw new Error('strategy.modelSizeMb: model must be an nn.Module');
  let bytes = 0;
  for (const t of Object.values(model.stateDict())) bytes += t.numel() * bytesPerElement(t.dtype);
  return bytes / 1e6;
}
