/** Anomaly mode: the first NaN/Inf names the op, its input shapes and the user's line. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as nb from '../../src/index.js';

const thisFile = fileURLToPath(import.meta.url);
const source = readFileSync(thisFile, 'utf8').split('\n');

/** "anomaly.test.ts:<line>" for the line carrying the marker comment. */
function siteOf(marker: string): string {
  const line = source.findIndex((l) => l.includes(`// ${marker}`) && !l.includes('siteOf('));
  assert.ok(line >= 0, `marker ${marker} not found`);
  return `anomaly.test.ts:${line + 1}:`;
}

describe('detectAnomaly', () => {
  test('a forward NaN throws naming the op, the input shapes and the calling line', () => {
    const x = nb.tensor([[1, -1.5], [2, 3]]);
    assert.throws(
      () => nb.detectAnomaly(() => x.log()), // site: forward log
      (e: Error) => {
        assert.match(e.message, /^detectAnomaly: NaN in the output of op 'log' \(inputs \[2, 2\]\), called at /);
        assert.ok(e.message.includes(siteOf('site: forward log')), e.message);
        return true;
      },
    );
  });

  test('a forward Inf in a binary op lists both input shapes', () => {
    const a = nb.tensor([1.5, 2.5]);
    const b = nb.zeros([3, 1]);
    assert.throws(
      () => nb.detectAnomaly(() => a.div(b)), // site: forward div
      (e: Error) => {
        assert.match(e.message, /Inf in the output of op 'div' \(inputs \[2\], \[3, 1\]\)/);
        assert.ok(e.message.includes(siteOf('site: forward div')), e.message);
        return true;
      },
    );
  });

  test('the user line is found below composite ops (logsumexp of a NaN input)', () => {
    const x = nb.tensor([1, NaN], { allowNonFinite: true });
    assert.throws(
      () => nb.detectAnomaly(() => x.logsumexp(0)), // site: composite
      (e: Error) => e.message.includes(siteOf('site: composite')) && /op '(amax|sub|exp)'/.test(e.message),
    );
  });

  test('a primitive softmax of a NaN input is reported as softmax at the user line', () => {
    const x = nb.tensor([1, NaN], { allowNonFinite: true });
    assert.throws(
      () => nb.detectAnomaly(() => x.softmax(0)), // site: softmax
      (e: Error) => e.message.includes(siteOf('site: softmax')) && /op 'softmax'/.test(e.message),
    );
  });

  test('a backward Inf names the backward op and where the forward op was called', () => {
    assert.throws(
      () =>
        nb.detectAnomaly(() => {
          const x = nb.tensor([0, 4.5], { requiresGrad: true });
          const y = x.sqrt(); // site: forward sqrt
          y.sum().backward();
        }),
      (e: Error) => {
        assert.match(e.message, /^detectAnomaly: Inf in the gradient of input 0 of op 'sqrtBackward' \(inputs \[2\]\), called at /);
        assert.ok(e.message.includes(siteOf('site: forward sqrt')), e.message);
        return true;
      },
    );
  });

  test('a backward NaN from a graph built outside anomaly mode says how to find the forward call', () => {
    const x = nb.tensor([0, 2], { requiresGrad: true });
    const y = x.sqrt().mul(0);
    assert.throws(
      () => nb.detectAnomaly(() => y.sum().backward()),
      /NaN in the gradient of input 0 of op 'sqrtBackward' .*\(run the forward pass inside detectAnomaly\(\) too/,
    );
  });

  test('setDetectAnomaly is a global switch; detectAnomaly restores the previous state', () => {
    assert.equal(nb.isAnomalyEnabled(), false);
    nb.setDetectAnomaly(true);
    try {
      assert.throws(() => nb.tensor([0, 1.5]).div(nb.tensor([0, 1.5])), /NaN in the output of op 'div'/);
      nb.detectAnomaly(() => assert.equal(nb.isAnomalyEnabled(), true));
      assert.equal(nb.isAnomalyEnabled(), true);
    } finally {
      nb.setDetectAnomaly(false);
    }
    assert.throws(() => nb.detectAnomaly(() => nb.tensor([-1.5]).log()));
    assert.equal(nb.isAnomalyEnabled(), false);
  });

  test('outside anomaly mode NaN passes through silently (as torch)', () => {
    const y = nb.tensor([-1.5]).log();
    assert.ok(Number.isNaN(y.item()));
  });

  test('finite computations run unchanged in anomaly mode, forward and backward', () => {
    const x = nb.tensor([0.5, 1.5], { requiresGrad: true });
    const value = nb.detectAnomaly(() => {
      const loss = x.sigmoid().mul(x.log()).sum();
      loss.backward();
      return loss.item();
    });
    assert.ok(Number.isFinite(value));
    assert.deepEqual(x.grad!.shape, [2]);
  });
});
