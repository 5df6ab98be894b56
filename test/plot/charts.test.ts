import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import * as nb from '../../src/index.js';
import { confusionMatrixChart, historyChart, lineChart, niceTicks, rocChart } from '../../src/plot/index.js';
import { ewma } from '../../src/strategy/curves.js';

const strategyEwma = (values: number[]): number[] => ewma(values, 0.8, { biasCorrection: true });

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

/** The points of each path's `d` attribute, in drawing order. */
function pathPoints(svg: string): [number, number][][] {
  return [...svg.matchAll(/<path d="([^"]*)"/g)].map((m) => [...m[1]!.matchAll(/[ML]([-\d.]+) ([-\d.]+)/g)].map((p) => [Number(p[1]), Number(p[2])]));
}

/** Tick labels with their anchor positions: the text, x and y of each <text> whose content is a number. */
function numericLabels(svg: string): { value: number; x: number; y: number; anchor: string }[] {
  return [...svg.matchAll(/<text x="([-\d.]+)" y="([-\d.]+)"([^>]*)>([^<]*)<\/text>/g)]
    .filter((m) => /^-?[\d.]+(e-?\d+)?$/.test(m[4]!))
    .map((m) => ({ value: Number(m[4]), x: Number(m[1]), y: Number(m[2]), anchor: /text-anchor="(\w+)"/.exec(m[3]!)?.[1] ?? '' }));
}

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

  test('historyChart smoothing draws the bias-corrected EWMA of each curve and names the beta', () => {
    const history = { loss: [4, 1, 3, 1, 3, 1], val_loss: [5, 2, 4, 2, 4, 2] };
    const raw = historyChart(history);
    const smoothed = historyChart(history, { smoothing: 0.8 });
    assert.notEqual(smoothed, raw);
    assert.match(smoothed, /train \(EWMA 0\.8\)/);
    assert.match(smoothed, /validation \(EWMA 0\.8\)/);
    assert.equal(historyChart(history, { smoothing: 0 }), raw);
    // The smoothed curve is what the chart would draw for the averaged values.
    const averaged = { loss: strategyEwma(history.loss), val_loss: strategyEwma(history.val_loss) };
    const paths = (svg: string): string[] => [...svg.matchAll(/<path d="[^"]*"/g)].map((m) => m[0]);
    assert.deepEqual(paths(smoothed), paths(historyChart(averaged)));
    assert.throws(() => historyChart(history, { smoothing: -0.1 }), /historyChart: option 'smoothing' must be a number in \[0, 1\)/);
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

  test('lineChart coordinates: larger values are drawn higher, ticks sit at their values', () => {
    const y = [0.2, 0.9, 0.5, 0.1];
    const svg = lineChart([{ label: 'loss', y }], { yRange: [0, 1] });
    const [points] = pathPoints(svg);
    assert.equal(points!.length, 4);
    // SVG y grows downwards: a larger value has a smaller y coordinate.
    const order = [...y.keys()].sort((a, b) => y[a]! - y[b]!);
    for (let k = 1; k < order.length; k++) assert.ok(points![order[k]!]![1] < points![order[k - 1]!]![1], `y=${y[order[k]!]} drawn below y=${y[order[k - 1]!]}`);
    // x grows to the right with the epoch.
    for (let k = 1; k < points!.length; k++) assert.ok(points![k]![0] > points![k - 1]![0]);
    // The y tick labels (anchored at the end, left of the plot) sit at the height of their value:
    // the mapping value -> height is linear, and each point lies where the ticks say.
    const yTicks = numericLabels(svg).filter((t) => t.anchor === 'end');
    assert.deepEqual(yTicks.map((t) => t.value), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    const lo = yTicks[0]!;
    const hi = yTicks[yTicks.length - 1]!;
    const height = (v: number): number => lo.y + ((v - lo.value) / (hi.value - lo.value)) * (hi.y - lo.y) - 4; // labels sit 4 px below the line
    yTicks.forEach((t) => assert.ok(Math.abs(t.y - 4 - height(t.value)) < 0.02, `tick ${t.value}`));
    y.forEach((v, i) => assert.ok(Math.abs(points![i]![1] - height(v)) < 0.02, `point ${i} at ${points![i]![1]}, its value ${v} is at ${height(v)}`));
    // The x tick labels are the epochs 1..4, left to right, each under its point.
    const xTicks = numericLabels(svg).filter((t) => t.anchor === 'middle');
    assert.deepEqual(xTicks.map((t) => t.value), [1, 1.5, 2, 2.5, 3, 3.5, 4].filter((v) => xTicks.some((t) => t.value === v)));
    for (const t of xTicks) if (Number.isInteger(t.value)) assert.ok(Math.abs(t.x - points![t.value - 1]![0]) < 0.02, `x tick ${t.value}`);
  });

  test('confusionMatrixChart puts each count in its row (true) and column (predicted), darker for more', () => {
    const m = [[5, 1, 0], [2, 7, 3], [0, 0, 9]];
    const svg = confusionMatrixChart(m);
    const cells = [...svg.matchAll(/<rect x="([-\d.]+)" y="([-\d.]+)" width="[-\d.]+" height="[-\d.]+" fill="([^"]+)" stroke="white"/g)].map((r) => ({ x: Number(r[1]), y: Number(r[2]), fill: r[3]! }));
    assert.equal(cells.length, 9);
    const xs = [...new Set(cells.map((c) => c.x))].sort((a, b) => a - b);
    const ys = [...new Set(cells.map((c) => c.y))].sort((a, b) => a - b);
    const labels = numericLabels(svg);
    const lightness = (fill: string): number => {
      const [r, g, b] = fill.startsWith('#') ? [1, 3, 5].map((k) => parseInt(fill.slice(k, k + 2), 16)) : fill.match(/\d+/g)!.map(Number);
      return r! + g! + b!;
    };
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const cell = cells.find((c) => c.x === xs[j] && c.y === ys[i])!;
        const label = labels.find((t) => t.x > cell.x && t.x < cell.x + (xs[1]! - xs[0]!) && t.y > cell.y && t.y < cell.y + (ys[1]! - ys[0]!));
        assert.equal(label?.value, m[i]![j], `cell row ${i} column ${j}`);
      }
    }
    const fillOf = (i: number, j: number): string => cells.find((c) => c.x === xs[j] && c.y === ys[i])!.fill;
    assert.ok(lightness(fillOf(2, 2)) < lightness(fillOf(0, 0)), '9 is darker than 5');
    assert.ok(lightness(fillOf(0, 0)) < lightness(fillOf(0, 1)), '5 is darker than 1');
  });

  test('nice ticks and bad sizes', () => {
    assert.deepEqual(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(niceTicks(3, 3).length > 1, true);
    assert.throws(() => lineChart([{ label: 'a', y: [1] }], { width: 10 }), /at least 100/);
    assert.throws(() => lineChart([]), /no series to draw/);
  });
});
