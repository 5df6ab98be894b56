/**
 * A JavaScript contender's process under tsx, when bench/<side>.ts could not be bundled
 * (bench/harness.ts's startNodeSide): `node --import tsx bench/child.ts <side> '<options JSON>'`
 * loads bench/<side>.ts (which exports `side: Side`) and answers the harness's commands.
 */
import { childMain, type Side } from './harness.js';

const name = process.argv[2];
if (name === undefined || !/^[a-z0-9_-]+$/i.test(name)) throw new Error(`bench/child.ts: expected a side name (bench/<side>.ts), got ${String(name)}`);
const module = (await import(`./${name}.js`)) as { side?: Side };
if (module.side === undefined) throw new Error(`bench/${name}.ts exports no \`side\``);
await childMain(module.side);
