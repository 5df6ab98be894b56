/**
 * Writes the op table's samples with concrete input values to test/fixtures/op-samples.json,
 * the input of scripts/gen_fixtures.py. Run with `npm run fixtures`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { opTable } from '../src/ops/index.js';
import { sampleValues } from '../test/helpers/samples.js';

const entries = opTable.map((e) => ({
  name: e.name,
  torch: e.torch,
  differentiable: e.differentiable ?? true,
  samples: e.samples.map((s, k) => ({
    attrs: s.attrs,
    inputs: s.inputs.map((spec, i) => sampleValues(spec, `${e.name}/${k}/${i}`)),
  })),
}));
const names = new Set<string>();
for (const e of entries) {
  if (names.has(e.name)) throw new Error(`duplicate op-table entry name '${e.name}'`);
  names.add(e.name);
}
// NABLA_FIXTURE_DIR redirects the output, as for the Python generators (scripts/fixture_util.py).
const dir = process.env.NABLA_FIXTURE_DIR ?? new URL('../test/fixtures/', import.meta.url).pathname;
writeFileSync(join(dir, 'op-samples.json'), JSON.stringify(entries));
console.log(`wrote ${entries.length} entries`);
