/** An objective for the parallel runner's test: a noisy bowl in log10(lr), with failures on request. */
import * as nb from '../../src/index.js';

export function objective(params: nb.tune.Params, trial: nb.tune.TrialContext): nb.tune.ObjectiveResult {
  if (params.fail === true) throw new Error('planned failure');
  const lr = params.lr as number;
  let value = NaN;
  for (let epoch = 1; epoch <= 9; epoch++) {
    // The noise comes from the default generator, which the runner seeds per trial.
    value = (Math.log10(lr) + 2) ** 2 + 1 / epoch + nb.rand([1]).item() * 1e-3;
    trial.report(epoch, value);
    if (trial.shouldPrune()) break;
  }
  return { value, metrics: { threads: nb.getNumThreads() } };
}
