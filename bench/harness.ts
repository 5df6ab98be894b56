/**
 * The benchmark's moving parts: a contender times one step of a workload; contenders of a
 * workload run in interleaved rounds (A B C A B C ...) so that the machine's swings hit them all
 * alike, and each gets medians with min and max.
 */

/** One implementation of one workload: runs `reps` steps, returning each step's time in ms. */
export interface Contender {
  run(reps: number): Promise<number[]>;
}

/** A contender that cannot run here, with the reason shown in the results. */
export interface Unsupported {
  unsupported: string;
}

export interface Entry {
  name: string;
  setup: () => Promise<Contender | Unsupported>;
  /** Stop timing this contender after this much time (ms) in total; it is slow. */
  budgetMs?: number;
  /**
   * Pause (ms) after each of this contender's runs before the next contender starts. OpenBLAS's
   * worker threads spin for about 130 ms after a multi-threaded product (measured here), taking
   * a core from whatever runs next; without the pause, the next contender's threads are timed
   * on a machine with one core busy.
   */
  settleMs?: number;
}

export interface Workload {
  id: string;
  title: string;
  /** Floating-point operations per step, to report GFLOP/s. */
  flops?: number;
  rounds: number;
  entries: Entry[];
}

export interface Timing {
  name: string;
  times: number[];
  median: number;
  min: number;
  max: number;
  note?: string;
  error?: string;
}

export function summarize(name: string, times: number[]): Timing {
  const sorted = [...times].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { name, times, median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}

async function settle(entry: Entry): Promise<void> {
  if (entry.settleMs !== undefined) await new Promise((resolve) => setTimeout(resolve, entry.settleMs));
}

/** Sets up every entry, warms each up once, then times them in interleaved rounds. */
export async function runWorkload(w: Workload, log: (line: string) => void): Promise<Timing[]> {
  const live: { entry: Entry; contender: Contender; times: number[]; spent: number }[] = [];
  const results = new Map<string, Timing>();
  for (const entry of w.entries) {
    try {
      const made = await entry.setup();
      if ('unsupported' in made) {
        results.set(entry.name, { name: entry.name, times: [], median: NaN, min: NaN, max: NaN, error: made.unsupported });
        continue;
      }
      const warm = await made.run(1);
      await settle(entry);
      live.push({ entry, contender: made, times: [], spent: warm[0]! });
    } catch (error) {
      results.set(entry.name, { name: entry.name, times: [], median: NaN, min: NaN, max: NaN, error: message(error) });
    }
  }
  for (let round = 0; round < w.rounds; round++) {
    for (const c of live) {
      if (c.entry.budgetMs !== undefined && c.spent > c.entry.budgetMs && c.times.length > 0) continue;
      try {
        const [t] = await c.contender.run(1);
        c.times.push(t!);
        c.spent += t!;
        await settle(c.entry);
      } catch (error) {
        results.set(c.entry.name, { name: c.entry.name, times: [], median: NaN, min: NaN, max: NaN, error: message(error) });
        c.spent = Infinity;
        c.times.length = 0;
      }
    }
  }
  for (const c of live) {
    if (results.has(c.entry.name)) continue;
    const timing = summarize(c.entry.name, c.times);
    if (c.times.length < w.rounds) timing.note = `${c.times.length} of ${w.rounds} rounds (slow)`;
    results.set(c.entry.name, timing);
    log(`  ${c.entry.name}: median ${timing.median.toFixed(2)} ms`);
  }
  return w.entries.map((e) => results.get(e.name)!);
}

/** Times fn over reps calls, one time per call. */
export function timeSync(fn: () => unknown, reps: number): number[] {
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return times;
}
