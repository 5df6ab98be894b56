import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import * as nb from '../../src/index.js';
import { confusionMatrixChart, historyChart, lineChart, niceTicks, rocChart } from '../../src/plot/index.js';

/** Asserts the SVG is well-formed XML with an <svg> root in the SVG namespace; returns the parsed tree. */
function parseSvg(svg: string): Record<string, unknown> {
  const valid = XMLValidator.validate(svg);
  assert.equal(valid, true, JSON.stringify(valid));
  const doc = new XMLParser({ ignoreAttributes: false }).parse(svg) as { svg?: Record<string, unknown> };
  assert.ok(doc.svg !== undefined, 'root element is <svg>');
  assert.equal(doc.svg['@_xmlns'], 'http://www.w3.org/2000/svg');
  return doc.svg;
}

const count = (svg: string, tag: string): number => svg.split(`<${tag}`).length - 1;

describe('SVG charts', () => {
  test('lineChart: one path per series, markers, labels escaped', () => {
    const svg = lineChart(
      [{ label: 'loss <train> & "more"', y: [1, 0.6, 0.4, 0.35] }, { label: 'val', y: [1.1, 0.8, NaN, 0.7], dashed: true }],
      { title: 'A & B', xLabel: 'epoch', yLabel: 'loss' },
    );
    parseSvg(svg);
    assert.equal(count(svg, 'path'), 2);
    assert.ok(svg.includes('loss &lt;train&gt; &amp; &quot;more&quot;'));
    assert.ok(svg.includes('stroke-dasharray'));
    // The NaN breaks the validation line into two pieces.
    assert.match(svg, /d="M[^"]*M[^"]*"/);
  });

  test('historyChart: a panel per quantity, train solid and validation dashed', () => {
    const history = { metrics: { loss: [0.9, 0.5, 0.3], val_loss: [1, 0.7, 0.6], accuracy: [0.6, 0.8, 0.9], val_accuracy: [0.55, 0.7, 0.8], lr: [0.1, 0.1, 0.01] } };
    const svg = historyChart(history);
    const root = parseSvg(svg);
    assert.equal(count(svg, 'path'), 5);
    assert.ok(svg.indexOf('>loss<') < svg.indexOf('>accuracy<'), 'loss comes first');
    assert.ok(svg.includes('>learning rate<'));
    assert.equal(root['@_width'], '880');
    const single = historyChart({ loss: [0.5] }, { keys: ['loss'] });
    parseSvg(single);
    assert.throws(() => historyChart(history, { keys: ['f1'] }), /no quantity "f1" in the history \(recorded: loss, val_loss/);
  });

  test('confusionMatrixChart: k x k cells with counts; normalized rows', () => {
    const m = nb.metrics.confusionMatrix([0, 1, 2, 2, 1, 0], [0, 1, 2, 1, 1, 2]);
    const svg = confusionMatrixChart(m, { classNames: ['cat', 'dog', 'a very long class name'], title: 'Confusion' });
    parseSvg(svg);
    assert.equal(count(svg, 'rect'), 1 + 9);
    assert.ok(svg.includes('rotate(-45'), 'long names are rotated');
    const normalized = confusionMatrixChart(m, { normalize: true });
    parseSvg(normalized);
    assert.ok(normalized.includes('>0.50<'));
    assert.throws(() => confusionMatrixChart([[1, 2]]), /square matrix/);
    assert.throws(() => confusionMatrixChart([[1]], { classNames: ['a', 'b'] }), /2 classNames for a 1x1 matrix/);
  });

  test('rocChart: curves from metrics.rocCurve with AUC in the legend, and the chance line', () => {
    const scores = [0.1, 0.4, 0.35, 0.8, 0.7, 0.2];
    const target = [0, 0, 1, 1, 1, 0];
    const roc = nb.metrics.rocCurve(scores, target);
    const svg = rocChart({ ...roc, label: 'model', auc: nb.metrics.rocAuc(scores, target) });
    parseSvg(svg);
    assert.ok(svg.includes('model (AUC = 0.889)'));
    assert.equal(count(svg, 'path'), 2);
    parseSvg(rocChart([roc, { fpr: [0, 1], tpr: [0, 1], label: 'other' }]));
  });

  test('nice ticks and bad sizes', () => {
    assert.deepEqual(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(niceTicks(3, 3).length > 1, true);
    assert.throws(() => lineChart([{ label: 'a', y: [1] }], { width: 10 }), /at least 100/);
    assert.throws(() => lineChart([]), /no series to draw/);
  });
});
