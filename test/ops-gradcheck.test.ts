/** gradCheck in float64 for every differentiable op in the op table, on every sample. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../src/index.js';
import { opTable } from '../src/ops/index.js';
import { asList, buildInput, sampleValues } from './helpers/samples.js';

describe('gradCheck over the op table (float64)', () => {
  for (const entry of opTable) {
    if (entry.differentiable === false) continue;
    entry.samples.forEach((s, k) => {
      if (s.atKinks === true) return;
      test(`${entry.name} #${k}`, () => {
        const inputs = s.inputs.map((spec, i) => buildInput(sampleValues(spec, `${entry.name}/${k}/${i}`), 'float64', false));
        const result = nb.gradCheck((...xs) => asList(entry.run(xs, s.attrs)), inputs);
        assert.ok(
          result.passed,
          `relative error ${result.relativeError}; worst: ${JSON.stringify(result.worst)}`,
        );
      });
    });
  }
});
