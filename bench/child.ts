/**
 * A JavaScript contender's process: `node --import tsx bench/child.ts <side> '<options JSON>'`
 * loads bench/<side>.ts (which exports `side: Side`) and answers the harness's commands
 * (bench/harness.ts) on stdin/stdout. Started by bench/run.ts, one process per contender and
 * workload.
 */
import { serve, type Side } from './harness.js';

const [name, optionsJson] = process.argv.slice(2);
if (name === undefined || !/^[a-z0-9_-]+$/i.test(name)) throw new Error(`bench/child.ts: expected a side name (bench/<side>.ts), got ${String(name)}`);
const options = JSON.parse(optionsJson ?? '{}') as Record<string, unknown>;
const module = (await import(`./${name}.js`)) as { side?: Side };
if (module.side === undefined) throw new Error(`bench/${name}.ts exports no \`side\``);
await serve(module.side, options);
// Worker threads (idle) and libraries' timers must not keep the process alive once stdin closes.
process.exit(0);
