/** The rule test/docs.test.ts applies to `// value` comments (helpers/printed.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectedValue, matchesComment } from './helpers/printed.js';

test('comments that start like a value are compared; descriptions are not', () => {
  for (const c of ['0.6', '-1 1', '[16, 1, 8, 8]', "{ epochs: '10' }", 'true', 'NaN', '.5']) assert.equal(expectedValue(c), c);
  for (const c of ['close to 3 and -1', 'one-vs-rest, macro average', 'wasm true, where WebAssembly SIMD exists']) assert.equal(expectedValue(c), null);
});

test('numbers match at the precision the comment states', () => {
  assert.ok(matchesComment('0.58157', '0.5816'));
  assert.ok(!matchesComment('0.5826', '0.5816'));
  assert.ok(matchesComment('0.6', '0.6'));
  assert.ok(!matchesComment('0.66', '0.6'));
  assert.ok(matchesComment('1347 180 180 90', '1347 180 180 90'));
  assert.ok(!matchesComment('1347 180 181 90', '1347 180 180 90'));
  assert.ok(matchesComment('1.2345e-7', '1.23e-7'));
  assert.ok(!matchesComment('1.3e-7', '1.23e-7'));
});

test('whitespace next to brackets is ignored and ... stands for anything', () => {
  assert.ok(matchesComment('[ 16, 1, 8, 8 ]', '[16, 1, 8, 8]'));
  assert.ok(matchesComment("{ epochs: '10' }", "{ epochs: '10' }"));
  assert.ok(matchesComment("{ simd: 'relaxed', threads: 2, memoryBytes: 3 }", "{ simd: 'relaxed', ... }"));
  assert.ok(!matchesComment('[ 16, 1, 8 ]', '[16, 1, 8, 8]'));
  assert.ok(!matchesComment('true', 'false'));
});
