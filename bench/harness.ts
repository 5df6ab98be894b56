/**
 * The benchmark's moving parts. Every contender (one implementation in one configuration: Nabla
 * at 2 threads, tfjs-wasm, PyTorch with 1 torch thread and 2 OpenBLAS threads, ...) runs in its
 * own child process, started fresh for each workload, so that no contender's heap, threads or
 * loaded libraries perturb another's, and each process's peak RSS is that workload's alone. The
 * parent only sends commands; the children time their own steps. The contenders of a workload
 * take turns in interleaved rounds (A B C A B C ...), one at a time, so the machine's swings hit
 * them all alike; between its turns a contender's process blocks on its input (sleeping).
 *
 * The protocol (JSON lines; replies on the child's stdout prefixed with `@bench `, anything else
 * a library prints there is dropped):
 *   {"cmd": "setup", "workload": id, ...spec}  -> {"ok": true}       builds the workload
 *   {"cmd": "run", "warmup": W, "reps": R, "settleMs": S}
 *                                              -> {"times": [ms...]}  W untimed steps, R timed, then sleeps S ms
 *   {"cmd": "finish"}                          -> {"result": {...}, "maxRssMiB": m, "idleCpuMs": c}
 *   {"cmd": "info"}                            -> versions and configuration
 * `idleCpuMs` is the CPU the process used between its turns (reply of one run to the next run):
 * a contender that keeps spinning while others are timed shows up there.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

/** One step of a workload; an async step is awaited inside its timing. */
export type Step = () => unknown;

/** What a side's workload builder returns: the step, and optionally figures to report at the end. */
export type Prepared = Step | { step: Step; finish?: () => Record<string, unknown> | Promise<Record<string, unknown>> };

/** Parameters of one workload as the run sends them (workload id plus the entry's `spec`). */
export type Spec = Record<string, unknown>;

/**
 * A JavaScript side of the benchmark (bench/nabla.ts, bench/tfjs.ts, ...): a module exporting
 * `side`. `init` runs once per process with the contender's options (backend, threads);
 * `workloads` maps a workload id to its builder.
 */
export interface Side {
  init?(options: Record<string, unknown>): void | Promise<void>;
  info?(): Record<string, unknown> | Promise<Record<string, unknown>>;
  workloads: Record<string, (spec: Spec, options: Record<string, unknown>) => Prepared | Promise<Prepared>>;
}

/** Thrown by a builder for a workload its implementation cannot run; shown in the results. */
export class Unsupported extends Error {}

export const REPLY_PREFIX = '@bench ';

type Reply = Record<string, unknown> & { error?: string; unsupported?: string };

/** A contender's process, seen from the parent. */
export class ContenderProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending: { resolve: (reply: Reply) => void; reject: (error: Error) => void }[] = [];
  private stderrTail = '';
  private exited = false;

  constructor(readonly name: string, command: string, args: string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(command, args, { env });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      if (line.startsWith(REPLY_PREFIX)) this.pending.shift()?.resolve(JSON.parse(line.slice(REPLY_PREFIX.length)) as Reply);
      else if (process.env.BENCH_VERBOSE) console.error(`[${name}] ${line}`);
    });
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-2000);
      if (process.env.BENCH_VERBOSE) process.stderr.write(chunk);
    });
    this.child.on('error', (error) => this.fail(error.message));
    this.child.on('exit', (code, signal) => this.fail(`exited (${signal ?? `code ${code}`})`));
  }

  private fail(why: string): void {
    this.exited = true;
    const last = this.stderrTail.trim().split('\n').pop() ?? '';
    for (const p of this.pending.splice(0)) p.reject(new Error(`${this.name}: process ${why}${last ? `: ${last}` : ''}`));
  }

  /** Sends one command; rejects with the child's error, or throws Unsupported for its `unsupported` replies. */
  request(message: Record<string, unknown>): Promise<Reply> {
    if (this.exited) return Promise.reject(new Error(`${this.name}: process has exited`));
    return new Promise((resolve, reject) => {
      this.pending.push({
        resolve: (reply) => {
          if (reply.unsupported !== undefined) reject(new Unsupported(reply.unsupported));
          else if (reply.error !== undefined) reject(new Error(reply.error));
          else resolve(reply);
        },
        reject,
      });
      this.child.stdin.write(`${JSON.stringify(message)}\n`);
    });
  }

  stop(): void {
    if (this.exited) return;
    this.child.stdin.end();
    this.child.kill();
  }
}

/**
 * Where bundles of the JavaScript sides go (gitignored). Inside the repository, so that the
 * packages they leave out (tfjs, onnxruntime-web, ...) resolve from node_modules, and outside
 * bench/, so that linting bench/ does not lint them.
 */
const BUNDLES = fileURLToPath(new URL('../.bench-build/', import.meta.url));
const bundled = new Map<string, string | null>();

/**
 * bench/<side>.ts and the harness bundled into one plain JavaScript file (esbuild; packages left
 * as imports), built once per run; null when esbuild fails. A contender then runs in plain `node`:
 * under `--import tsx` every process (and each of its worker threads) also carries tsx's loader,
 * ~85 MiB of RSS for an MLP step's process (169 MiB under tsx, 84 bundled, measured here).
 */
function bundle(side: string): string | null {
  let file = bundled.get(side);
  if (file !== undefined) return file;
  file = `${BUNDLES}${side}.mjs`;
  try {
    buildSync({
      stdin: {
        contents: `import { side } from './${side}.js';\nimport { childMain } from './harness.js';\nawait childMain(side);\n`,
        resolveDir: fileURLToPath(new URL('.', import.meta.url)), sourcefile: `${side}-child.ts`, loader: 'ts',
      },
      bundle: true, packages: 'external', platform: 'node', format: 'esm', target: 'node20', outfile: file, logLevel: 'silent',
    });
  } catch (error) {
    console.error(`bench: bundling bench/${side}.ts failed (${message(error)}); running it under tsx`);
    file = null;
  }
  bundled.set(side, file);
  return file;
}

/** Starts a JavaScript side (bench/<side>.ts) in its own Node process: bundled, else through bench/child.ts under tsx. */
export function startNodeSide(name: string, side: string, options: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): ContenderProcess {
  const file = bundle(side);
  const args = file !== null ? [file] : ['--import', 'tsx', fileURLToPath(new URL('./child.ts', import.meta.url)), side];
  return new ContenderProcess(name, process.execPath, [...args, JSON.stringify(options)], { ...process.env, ...env });
}

/** A contender process's main: serves `side` with the options JSON of its last argument, then exits. */
export async function childMain(side: Side): Promise<void> {
  await serve(side, JSON.parse(process.argv.at(-1) ?? '{}') as Record<string, unknown>);
  // Worker threads (idle) and libraries' timers must not keep the process alive once stdin closes.
  process.exit(0);
}

/** One contender of a workload: a name for the tables, how to start its process, and its quirks. */
export interface ContenderSpec {
  name: string;
  /** Contenders compared with each other in a target share a group ('nabla', 'torch', ...); the best median of a group stands for it. */
  group: string;
  start: () => ContenderProcess;
  /** The reason this contender is not run (shown in its row), instead of starting it. */
  skip?: string;
  /** Stop timing this contender after this much time (ms) in total; it is slow. */
  budgetMs?: number;
  /**
   * Sleep (ms) inside the contender's process after each turn, before the next contender starts.
   * OpenBLAS's worker threads spin for ~130 ms after a multi-threaded product (measured here),
   * taking a core from whatever runs next.
   */
  settleMs?: number;
}

export interface Workload {
  id: string;
  title: string;
  /** Floating-point operations per step, to report GFLOP/s. */
  flops?: number;
  /** Workload parameters sent to every contender's builder. */
  spec?: Spec;
  rounds: number;
  /** Timed steps per turn (default 1): a few for steps of a millisecond. */
  stepsPerTurn?: number;
  /**
   * Untimed steps at the start of each turn (default 1), for every contender alike: the first step
   * after the other contenders ran finds cold caches and sleeping threads, which a training loop's
   * back-to-back steps do not. 0 for steps long enough not to care (chunks of an epoch).
   */
  warmupPerTurn?: number;
  /** Each row shows step time x scale (LeNet: chunks of batches scaled to an epoch), per `unit`. */
  scale?: number;
  unit?: string;
  /** Show the scaled times in microseconds (per-op overheads) instead of ms / s. */
  microseconds?: boolean;
  /** Peak RSS of each contender's process is shown beside training rows. */
  training?: boolean;
  contenders: ContenderSpec[];
}

export interface Timing {
  name: string;
  group: string;
  times: number[];
  median: number;
  q1: number;
  q3: number;
  min: number;
  max: number;
  maxRssMiB?: number;
  idleCpuMs?: number;
  result?: Record<string, unknown>;
  note?: string;
  error?: string;
}

function quantile(sorted: number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

export function summarize(name: string, group: string, times: number[]): Timing {
  const sorted = [...times].sort((a, b) => a - b);
  return {
    name, group, times, median: quantile(sorted, 0.5), q1: quantile(sorted, 0.25), q3: quantile(sorted, 0.75),
    min: sorted[0]!, max: sorted[sorted.length - 1]!,
  };
}

function failed(c: ContenderSpec, error: string): Timing {
  return { name: c.name, group: c.group, times: [], median: NaN, q1: NaN, q3: NaN, min: NaN, max: NaN, error };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}

/**
 * Starts every contender's process and builds the workload in each, warms each up with one turn,
 * times them in interleaved rounds, collects their results and peak RSS, and stops the processes.
 */
export async function runWorkload(w: Workload, log: (line: string) => void): Promise<Timing[]> {
  const results = new Map<string, Timing>();
  const live: { spec: ContenderSpec; proc: ContenderProcess; times: number[]; spent: number }[] = [];
  const started = w.contenders.filter((c) => {
    if (c.skip !== undefined) results.set(c.name, failed(c, c.skip));
    return c.skip === undefined;
  }).map((spec) => ({ spec, proc: spec.start() }));
  // Setups run at once (untimed); each process then waits for its turns.
  await Promise.all(started.map(async ({ spec, proc }) => {
    try {
      await proc.request({ cmd: 'setup', workload: w.id, flops: w.flops, ...w.spec });
      live.push({ spec, proc, times: [], spent: 0 });
    } catch (error) {
      results.set(spec.name, failed(spec, message(error)));
      proc.stop();
    }
  }));
  live.sort((a, b) => w.contenders.indexOf(a.spec) - w.contenders.indexOf(b.spec));
  const steps = w.stepsPerTurn ?? 1;
  const turn = async (c: (typeof live)[number], record: boolean): Promise<void> => {
    if (results.has(c.spec.name)) return;
    if (record && c.spec.budgetMs !== undefined && c.spent > c.spec.budgetMs && c.times.length > 0) return;
    try {
      const reply = await c.proc.request({ cmd: 'run', warmup: w.warmupPerTurn ?? 1, reps: steps, settleMs: c.spec.settleMs ?? 0 });
      const times = reply.times as number[];
      c.spent += times.reduce((a, b) => a + b, 0);
      if (record) c.times.push(...times);
    } catch (error) {
      results.set(c.spec.name, failed(c.spec, message(error)));
      c.proc.stop();
    }
  };
  for (const c of live) await turn(c, false);
  for (let round = 0; round < w.rounds; round++) {
    for (const c of live) await turn(c, true);
  }
  for (const c of live) {
    if (results.has(c.spec.name)) continue;
    try {
      const end = await c.proc.request({ cmd: 'finish' });
      const timing = summarize(c.spec.name, c.spec.group, c.times);
      timing.maxRssMiB = end.maxRssMiB as number;
      timing.idleCpuMs = end.idleCpuMs as number;
      timing.result = end.result as Record<string, unknown> | undefined;
      if (c.times.length < w.rounds * steps) timing.note = `${c.times.length / steps} of ${w.rounds} rounds (slow)`;
      results.set(c.spec.name, timing);
      log(`  ${c.spec.name}: median ${timing.median.toFixed(2)} ms`);
    } catch (error) {
      results.set(c.spec.name, failed(c.spec, message(error)));
    }
    c.proc.stop();
  }
  return w.contenders.map((c) => results.get(c.name)!);
}

/**
 * The child's side of the protocol for JavaScript contenders (bench/child.ts): times steps, sleeps
 * `settleMs` after them (so the CPU its threads burn then counts as its own, not as idle time),
 * and reports peak RSS and idle CPU at the end.
 */
export async function serve(side: Side, options: Record<string, unknown>): Promise<void> {
  const reply = (value: Record<string, unknown>): void => void process.stdout.write(`${REPLY_PREFIX}${JSON.stringify(value)}\n`);
  const cpuMs = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  await side.init?.(options);
  let prepared: Exclude<Prepared, Step> | undefined;
  let idleCpuMs = 0;
  let lastReplyCpu: number | undefined;
  for await (const line of createInterface({ input: process.stdin })) {
    const msg = JSON.parse(line) as Record<string, unknown>;
    try {
      switch (msg.cmd) {
        case 'info':
          reply({ ...(await side.info?.()) });
          break;
        case 'setup': {
          const build = side.workloads[String(msg.workload)];
          if (build === undefined) {
            reply({ unsupported: `no ${String(msg.workload)} workload here` });
            break;
          }
          const made = await build(msg, options);
          prepared = typeof made === 'function' ? { step: made } : made;
          reply({ ok: true });
          break;
        }
        case 'run': {
          if (prepared === undefined) throw new Error('run before setup');
          if (lastReplyCpu !== undefined) idleCpuMs += cpuMs() - lastReplyCpu;
          await timeSteps(prepared.step, Number(msg.warmup ?? 0));
          const times = await timeSteps(prepared.step, Number(msg.reps));
          await sleep(Number(msg.settleMs ?? 0));
          lastReplyCpu = cpuMs();
          reply({ times });
          break;
        }
        case 'finish': {
          if (lastReplyCpu !== undefined) idleCpuMs += cpuMs() - lastReplyCpu;
          const result = await prepared?.finish?.();
          reply({ result, maxRssMiB: process.resourceUsage().maxRSS / 1024, idleCpuMs });
          break;
        }
        default:
          reply({ error: `unknown command ${String(msg.cmd)}` });
      }
    } catch (error) {
      reply(error instanceof Unsupported ? { unsupported: error.message } : { error: message(error) });
    }
  }
}

/** Times `reps` calls of step, one time (ms) per call; a step returning a promise is awaited. */
export async function timeSteps(step: Step, reps: number): Promise<number[]> {
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const out = step();
    if (out instanceof Promise) await out;
    times.push(performance.now() - t0);
  }
  return times;
}
