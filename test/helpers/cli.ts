/** Runs the `nabla` command in-process, capturing what it prints. */
import { main } from '../../src/cli/main.js';

export async function runCli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { log: (l) => out.push(l), error: (l) => err.push(l), progress: { write: (t) => out.push(t), isTTY: false } });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
