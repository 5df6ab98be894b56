/**
 * PyTorch's side of the benchmark: a persistent Python process (bench/torch_worker.py) that times
 * the steps itself, so the pipe's latency is not counted. Runs with OPENBLAS_CORETYPE=SkylakeX:
 * Debian's OpenBLAS 0.3.21 misdetects Sapphire Rapids and falls back to slow SSE3 kernels.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Contender } from './harness.js';

export const PYTHON = '/usr/bin/python3';
export const OPENBLAS_CORETYPE = 'SkylakeX';

type Reply = Record<string, unknown> & { error?: string };

export class TorchWorker {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending: { resolve: (reply: Reply) => void; reject: (error: Error) => void }[] = [];

  private constructor() {
    const script = fileURLToPath(new URL('./torch_worker.py', import.meta.url));
    this.child = spawn(PYTHON, [script], { env: { ...process.env, OPENBLAS_CORETYPE } });
    createInterface({ input: this.child.stdout }).on('line', (line) => this.pending.shift()?.resolve(JSON.parse(line) as Reply));
    this.child.stderr.on('data', () => {}); // torch's warnings are not results
    this.child.on('exit', () => {
      for (const p of this.pending.splice(0)) p.reject(new Error('PyTorch worker exited (is python3-torch installed?)'));
    });
  }

  /** A worker when Python with torch is installed, else undefined. */
  static async start(): Promise<TorchWorker | undefined> {
    if (!existsSync(PYTHON)) return undefined;
    const worker = new TorchWorker();
    try {
      await worker.request({ cmd: 'info' });
      return worker;
    } catch {
      worker.stop();
      return undefined;
    }
  }

  request(message: Record<string, unknown>): Promise<Reply> {
    return new Promise((resolve, reject) => {
      this.pending.push({
        resolve: (reply) => (reply.error === undefined ? resolve(reply) : reject(new Error(`PyTorch: ${reply.error}`))),
        reject,
      });
      this.child.stdin.write(`${JSON.stringify(message)}\n`);
    });
  }

  /** A contender for one workload; the worker holds one workload at a time, so setup precedes each run. */
  contender(workload: Record<string, unknown>): Contender {
    return {
      run: async (reps) => {
        await this.request({ cmd: 'setup', ...workload });
        const reply = await this.request({ cmd: 'run', reps: reps + 1 });
        return (reply.times as number[]).slice(1); // the first step after setup warms caches
      },
    };
  }

  stop(): void {
    this.child.stdin.end();
    this.child.kill();
  }
}
