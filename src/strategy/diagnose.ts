/**
 * The course's bias / variance / data-mismatch diagnosis: the gaps between human-level (the proxy
 * for Bayes error), training, train-dev, dev and test errors, the largest one, and what to do about it.
 */
import { checkOptionKeys } from '../ops/args.js';

export interface DiagnoseInput {
  /** Human-level error, the usual proxy for Bayes error (give this or bayesError). */
  humanError?: number;
  bayesError?: number;
  trainError: number;
  /** Error on data from the training distribution held out of training; separates variance from data mismatch. */
  trainDevError?: number;
  devError: number;
  testError?: number;
}

export type GapName = 'avoidableBias' | 'variance' | 'dataMismatch' | 'overfittingToDev';

export interface Gap {
  name: GapName;
  /** The two errors whose difference the gap is. */
  from: string;
  to: string;
  value: number;
}

export interface Diagnosis {
  gaps: Gap[];
  /** The largest gap, the one to work on first (undefined when every gap is <= 0). */
  dominant: GapName | undefined;
  /** The course's recommended actions for the dominant gap. */
  actions: string[];
  /** Cautions (a missing train-dev set, a dev error below train-dev's, ...). */
  notes: string[];
  /** The gaps as an aligned text table, the dominant one marked, then the actions. */
  toString(): string;
}

export const RECOMMENDED_ACTIONS: Readonly<Record<GapName, readonly string[]>> = {
  avoidableBias: [
    'train a bigger model (more units, more layers)',
    'train longer, or with a better optimisation algorithm (momentum, RMSprop, Adam)',
    'search for a better architecture or hyperparameters',
  ],
  variance: [
    'get more training data',
    'regularise: L2, dropout, data augmentation',
    'search for a better architecture or hyperparameters',
  ],
  dataMismatch: [
    'carry out error analysis to understand how the training data differ from dev/test',
    'make the training data more like dev/test (artificial data synthesis), or collect more data like dev/test',
  ],
  overfittingToDev: ['get a bigger dev set'],
};

const LABELS: Record<GapName, string> = {
  avoidableBias: 'avoidable bias',
  variance: 'variance',
  dataMismatch: 'data mismatch',
  overfittingToDev: 'overfitting to dev',
};

function checkError(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`strategy.diagnose: ${name} must be a finite number >= 0 (an error rate), got ${String(v)}`);
  return v;
}

export function diagnose(input: DiagnoseInput): Diagnosis {
  checkOptionKeys('strategy.diagnose', input, ['humanError', 'bayesError', 'trainError', 'trainDevError', 'devError', 'testError']);
  if (input.humanError !== undefined && input.bayesError !== undefined) throw new Error('strategy.diagnose: give humanError or bayesError, not both');
  if (input.humanError === undefined && input.bayesError === undefined) throw new Error('strategy.diagnose: give humanError (or bayesError): avoidable bias is measured from it');
  const baseName = input.bayesError !== undefined ? 'Bayes error' : 'human error';
  const base = checkError(input.bayesError !== undefined ? 'bayesError' : 'humanError', input.bayesError ?? input.humanError);
  const train = checkError('trainError', input.trainError);
  const dev = checkError('devError', input.devError);
  const trainDev = input.trainDevError === undefined ? undefined : checkError('trainDevError', input.trainDevError);
  const test = input.testError === undefined ? undefined : checkError('testError', input.testError);

  const gaps: Gap[] = [{ name: 'avoidableBias', from: baseName, to: 'train error', value: train - base }];
  const notes: string[] = [];
  if (trainDev !== undefined) {
    gaps.push({ name: 'variance', from: 'train error', to: 'train-dev error', value: trainDev - train });
    gaps.push({ name: 'dataMismatch', from: 'train-dev error', to: 'dev error', value: dev - trainDev });
    if (dev < trainDev) notes.push('dev error is below train-dev error: the dev data are easier than the training data');
  } else {
    gaps.push({ name: 'variance', from: 'train error', to: 'dev error', value: dev - train });
    notes.push('no train-dev error: if training and dev data come from different distributions, this variance includes data mismatch');
  }
  if (test !== undefined) gaps.push({ name: 'overfittingToDev', from: 'dev error', to: 'test error', value: test - dev });
  if (train < base) notes.push(`train error is below ${baseName}: the proxy for Bayes error is too high, or the model overfits the training set`);

  // Differences of decimal rates carry floating-point noise (0.08 - 0.01 = 0.07000000000000001).
  for (const g of gaps) g.value = Number(g.value.toPrecision(12));
  const largest = gaps.reduce((a, b) => (b.value > a.value ? b : a));
  const dominant = largest.value > 0 ? largest.name : undefined;
  const actions = dominant === undefined ? [] : [...RECOMMENDED_ACTIONS[dominant]];
  return {
    gaps,
    dominant,
    actions,
    notes,
    toString() {
      const rows = gaps.map((g) => [`${g.name === dominant ? '*' : ' '} ${LABELS[g.name]}`, `${g.to} - ${g.from}`, formatError(g.value)]);
      const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length), ['  gap', 'difference', 'value'][i]!.length));
      const line = (r: string[]): string => `${r[0]!.padEnd(widths[0]!)}  ${r[1]!.padEnd(widths[1]!)}  ${r[2]!.padStart(widths[2]!)}`;
      const out = [line(['  gap', 'difference', 'value']), ...rows.map(line)];
      out.push(dominant === undefined ? 'no gap to close' : `work on ${LABELS[dominant]}:`);
      out.push(...actions.map((a) => `  - ${a}`));
      out.push(...notes.map((n) => `note: ${n}`));
      return out.join('\n');
    },
  };
}

/** A gap in the errors' own unit (rates or percentages), without floating-point noise (0.07, not 0.07000000000000001). */
function formatError(v: number): string {
  return String(Number(v.toPrecision(10)));
}
