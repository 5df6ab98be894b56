/**
 * The exponentially weighted average of the course, v_t = beta v_{t-1} + (1 - beta) x_t with v_0 = 0
 * (about the last 1 / (1 - beta) values), optionally bias-corrected: v_t / (1 - beta^t), which removes
 * the start's pull towards 0. strategy.ewma, the progress bar's smoothing and historyChart's use it.
 */
export class ExponentialAverage {
  private v = 0;
  private betaPower = 1;

  constructor(
    readonly beta: number,
    readonly biasCorrection: boolean,
  ) {}

  /** Takes the next value and returns the average so far. A non-finite value carries into every later average. */
  update(x: number): number {
    this.v = this.beta * this.v + (1 - this.beta) * x;
    this.betaPower *= this.beta;
    return this.biasCorrection ? this.v / (1 - this.betaPower) : this.v;
  }
}

/** The average after each of `values` (unchecked: callers check their arguments). */
export function ewmaSeries(values: readonly number[], beta: number, biasCorrection: boolean): number[] {
  const average = new ExponentialAverage(beta, biasCorrection);
  return values.map((x) => average.update(x));
}
