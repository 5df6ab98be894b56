/** The second half of the examples in short mode (test/helpers/examples.ts; the rest: examples-1.test.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { exampleFiles, testExamples } from '../helpers/examples.js';

testExamples(1, 2);

test('the two example test files together run every example once', () => {
  const all = readdirSync(new URL('../../examples/', import.meta.url)).filter((f) => f.endsWith('.ts')).sort();
  assert.deepEqual([...exampleFiles(0, 2), ...exampleFiles(1, 2)].sort(), all);
});
