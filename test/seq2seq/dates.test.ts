import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { seq2seq } from '../../src/index.js';

describe('humanDates', () => {
  test('the issue\'s examples: 3 may 1979 in the course formats', () => {
    // 1979-05-03 is day 10714 after 1950-01-01, a thursday.
    const day = Math.round((Date.UTC(1979, 4, 3) - Date.UTC(1950, 0, 1)) / 86400000);
    const all = seq2seq.DATE_FORMATS.map((_, f) => seq2seq.formatDate(day, f));
    for (const p of all) assert.equal(p.machine, '1979-05-03');
    const human = all.map((p) => p.human);
    for (const want of ['3 may 1979', 'thursday may 3 1979', '05/03/79', '5/3/79', '03.05.79', 'may 3, 1979', '1979-05-03']) {
      assert.ok(human.includes(want), `${want} missing from ${human.join(' | ')}`);
    }
  });

  test('real calendar dates: leap days exist only in leap years, weekdays are right', () => {
    const pairs = seq2seq.humanDates(20000, { seed: 3 });
    for (const { machine } of pairs) {
      const [y, m, d] = machine.split('-').map(Number) as [number, number, number];
      const date = new Date(Date.UTC(y, m - 1, d));
      assert.equal(date.toISOString().slice(0, 10), machine);
      assert.ok(y >= 1950 && y <= 2049);
    }
    assert.ok(pairs.some((p) => p.machine.endsWith('-02-29')));
    const day = Math.round((Date.UTC(2000, 1, 29) - Date.UTC(1950, 0, 1)) / 86400000);
    assert.equal(seq2seq.formatDate(day, 9).human, 'tuesday february 29 2000');
    assert.equal(seq2seq.formatDate(day, 12).human, '2/29/00');
  });

  test('seeded: the same seed gives the same pairs; exclude keeps held-out dates unseen', () => {
    assert.deepEqual(seq2seq.humanDates(50, { seed: 7 }), seq2seq.humanDates(50, { seed: 7 }));
    assert.notDeepEqual(seq2seq.humanDates(50, { seed: 7 }), seq2seq.humanDates(50, { seed: 8 }));
    const train = seq2seq.humanDates(5000, { seed: 1 });
    const seen = new Set(train.map((p) => p.machine));
    const held = seq2seq.humanDates(500, { seed: 2, exclude: seen });
    assert.equal(held.length, 500);
    assert.ok(held.every((p) => !seen.has(p.machine)));
  });

  test('bad arguments are errors', () => {
    assert.throws(() => seq2seq.humanDates(-1), /count must be a non-negative integer/);
    assert.throws(() => seq2seq.humanDates(2, { seed: 1.5 }), /seed must be a non-negative integer/);
    assert.throws(() => seq2seq.humanDates(2, { sed: 1 } as never), /unknown option 'sed'/);
    assert.throws(() => seq2seq.formatDate(36525, 0), /day index must be an integer in \[0, 36525\)/);
    assert.throws(() => seq2seq.formatDate(0, 99), /format must be an integer in \[0, 18\)/);
  });
});
