import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Args, bool, closestName, describe as describeValue, intOrInts, nullable, num, oneOf, parseArgs, parseOptions,
} from '../../src/ops/args.js';
import { zeros } from '../../src/tensor/creation.js';

const spec = { dim: nullable(intOrInts), keepdim: bool };

test('parseArgs reads positional values, a final options object, or both', () => {
  assert.deepEqual(parseArgs('sum', [1, true], spec), { dim: 1, keepdim: true });
  assert.deepEqual(parseArgs('sum', [{ dim: [0, 1], keepdim: true }], spec), { dim: [0, 1], keepdim: true });
  assert.deepEqual(parseArgs('sum', [1, { keepdim: true }], spec), { dim: 1, keepdim: true });
  assert.deepEqual(parseArgs('sum', [undefined, { keepdim: undefined }], spec), {});
  assert.deepEqual(parseArgs('sum', [], spec), {});
});

test('parseArgs names the function and the argument for every kind of junk', () => {
  assert.throws(() => parseArgs('F.leakyRelu', [{ negativeSlop: 0.2 }], { negativeSlope: num }), {
    message: "unknown option 'negativeSlop' for F.leakyRelu; did you mean 'negativeSlope'?",
  });
  assert.throws(() => parseArgs('F.leakyRelu', [{ negative_slope: 0.2 }], { negativeSlope: num }), /did you mean 'negativeSlope'/);
  assert.throws(() => parseArgs('sum', [{ zzz: 1 }], spec), { message: "unknown option 'zzz' for sum; valid options: dim, keepdim" });
  assert.throws(() => parseArgs('sum', ['1'], spec), { message: "sum: dim must be an integer or an array of integers or null, got string '1'" });
  assert.throws(() => parseArgs('sum', [{ dim: 1 }, true], spec), /sum: dim must be .*got object \{dim\}/);
  assert.throws(() => parseArgs('sum', [NaN], spec), /sum: dim must be .*got number NaN/);
  assert.throws(() => parseArgs('sum', [1, { keepdim: 'yes' }], spec), /sum: option 'keepdim' must be true or false, got string 'yes'/);
  assert.throws(() => parseArgs('sum', [1, true, 3], spec), /sum: too many arguments: .*dim, keepdim.*got 1 more \(number 3\)/);
  assert.throws(() => parseArgs('sum', [1, { dim: 1 }], spec), /sum: dim was given both as an argument and as an option/);
  assert.throws(() => parseArgs('sum', [zeros([2])], spec), /sum: dim must be .*got a Tensor of shape \[2\]/);
});

test('parseOptions takes only an options object', () => {
  const s = { reduction: oneOf('mean', 'sum', 'none') };
  assert.deepEqual(parseOptions('F.mseLoss', { reduction: 'sum' }, s), { reduction: 'sum' });
  assert.deepEqual(parseOptions('F.mseLoss', undefined, s), {});
  assert.throws(() => parseOptions('F.mseLoss', 'sum', s), /F.mseLoss: expected an options object, got string 'sum'/);
  assert.throws(() => parseOptions('F.mseLoss', { reduction: 'avg' }, s), /option 'reduction' must be 'mean', 'sum' or 'none', got string 'avg'/);
  assert.throws(() => parseOptions('nn.ReLU', { a: 1 }, {}), { message: "unknown option 'a' for nn.ReLU; it takes no options" });
});

test('closestName only suggests near names', () => {
  assert.equal(closestName('keepDim', ['dim', 'keepdim']), 'keepdim');
  assert.equal(closestName('qwertyuiop', ['dim', 'keepdim']), null);
  assert.equal(describeValue([1, 'a']), "array [1, 'a']");
});

test('Args allows positional, options and mixed calls at compile time', () => {
  const f = (...args: Args<[dim: number, keepdim: boolean], { dim?: number; keepdim?: boolean }>): number => args.length;
  assert.equal(f(), 0);
  assert.equal(f(1, true), 2);
  assert.equal(f({ keepdim: true }), 1);
  assert.equal(f(1, { keepdim: true }), 2);
});
