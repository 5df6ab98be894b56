import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';

const circles = (svg: string): { cx: number; cy: number }[] =>
  [...svg.matchAll(/<circle cx="([-\d.]+)" cy="([-\d.]+)" r="3"\/>/g)].map((m) => ({ cx: Number(m[1]), cy: Number(m[2]) }));

test('scatterChart: larger x drawn further right, larger y drawn higher, one coloured group per class, legend and labels', () => {
  const points = [[0, 0], [1, 2], [2, 1], [-1, 3]];
  const svg = nb.plot.scatterChart(points, { classes: [0, 1, 1, 2], classNames: ['zero', 'one', 'two'], labels: ['a', 'b<', '', 'd'], title: 'T' });
  assert.ok(svg.startsWith('<svg'));
  // Groups are per class, so circles come out in class order: points 0, 1, 2, 3.
  const [p0, p1, p2, p3] = circles(svg);
  assert.ok(p1!.cx > p0!.cx && p2!.cx > p1!.cx && p3!.cx < p0!.cx, 'x grows to the right');
  assert.ok(p1!.cy < p0!.cy && p1!.cy < p2!.cy && p3!.cy < p1!.cy, 'y grows upwards (smaller SVG y)');
  assert.match(svg, /<g fill="#1f77b4" fill-opacity="0.8" class="class-0"><circle[^>]*\/><\/g>/);
  assert.match(svg, /class="class-1"><circle[^>]*\/><circle[^>]*\/><\/g>/);
  for (const name of ['zero', 'one', 'two']) assert.ok(svg.includes(`>${name}</text>`), name);
  assert.ok(svg.includes('>b&lt;</text>'), 'labels are escaped');
  assert.ok(svg.includes('>d</text>') && svg.includes('>a</text>'));
  // Tensors and no classes: one group, no legend.
  const plain = nb.plot.scatterChart(nb.tensor([[0, 0], [1, 1]]));
  assert.equal(circles(plain).length, 2);
  assert.ok(!plain.includes('class-1'));
});

test('scatterChart rejects junk input', () => {
  const { scatterChart } = nb.plot;
  assert.throws(() => scatterChart(nb.zeros([3, 3])), /expected points of shape \[N, 2\]/);
  assert.throws(() => scatterChart([[0, 1], [2]]), /point 1 must be an \[x, y\] pair/);
  assert.throws(() => scatterChart([[0, NaN]]), /point 0 is not finite/);
  assert.throws(() => scatterChart([]), /no points/);
  assert.throws(() => scatterChart([[0, 1]], { classes: [0, 1] }), /2 classes for 1 points/);
  assert.throws(() => scatterChart([[0, 1]], { classes: [1.5] }), /must be an integer >= 0/);
  assert.throws(() => scatterChart([[0, 1]], { labels: ['a', 'b'] }), /labels must be 1 strings/);
  assert.throws(() => scatterChart([[0, 1]], { colour: 'red' } as never), /unknown option 'colour'/);
});
