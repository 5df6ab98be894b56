/// <reference types="node" />
/** `nabla tune RESULTS.json [--plots DIR]`: a search's results (tune.run's JSON) as a table, and its charts. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tune } from '../index.js';

/** The table of a tune results file, and the paths of the charts written when `plotsDir` is given. */
export function showTuneResults(path: string, plotsDir?: string): { table: string; written: string[] } {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`tune: cannot read ${path} as JSON: ${(e as Error).message}`);
  }
  const results = tune.TuneResults.fromJSON(json);
  const written: string[] = [];
  if (plotsDir !== undefined) {
    mkdirSync(plotsDir, { recursive: true });
    const charts: [string, string][] = [
      ['params.svg', tune.paramsChart(results)],
      ['best-so-far.svg', tune.bestSoFarChart(results)],
    ];
    for (const [name, svg] of charts) {
      const file = join(plotsDir, name);
      writeFileSync(file, svg);
      written.push(file);
    }
  }
  return { table: results.toString(), written };
}
