import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { runCli as run } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'nabla-dates-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));


// The full demo (10,000 pairs, 4 epochs) reaches 100% on 1,000 held-out dates (bench/RESULTS.md);
// this short run (3,000 pairs, 3 epochs, ~15 s of CPU) must already learn most of the task.
test('demo dates learns on a short run, reports greedy/beam accuracy, BLEU and error analysis, writes heatmaps', async () => {
  const out = join(dir, 'dates');
  const { code, out: printed, err } = await run('demo', 'dates', '--train', '3000', '--epochs', '3', '--test', '200', '--out', out);
  assert.equal(code, 0, err);
  const m = /held-out exact match: greedy ([\d.]+)%, beam 3 ([\d.]+)%/.exec(printed);
  assert.ok(m, printed);
  assert.ok(Number(m[1]) >= 40 && Number(m[2]) >= 40, `greedy ${m[1]}%, beam ${m[2]}%`);
  const bleu = /character BLEU: greedy ([\d.]+), beam ([\d.]+)/.exec(printed);
  assert.ok(bleu && Number(bleu[1]) > 0.8 && Number(bleu[2]) > 0.8, printed);
  assert.match(printed, /error analysis of \d+ beam errors: \d+ search, \d+ model/);
  for (const k of [1, 2, 3]) {
    const svg = readFileSync(join(out, `attention-${k}.svg`), 'utf8');
    assert.equal(XMLValidator.validate(svg), true);
    assert.match(svg, /<title>/);
  }
});

test('demo dates rejects unknown options and bad values', async () => {
  assert.match((await run('demo', 'dates', '--epoch', '3')).err, /unknown option/i);
  assert.match((await run('demo', 'dates', '--beam', '0')).err, /--beam must be an integer in \[1, 50\]/);
  assert.match((await run('demo', 'dates', '--lr', '0')).err, /--lr must be a number in/);
  assert.match((await run('demo', 'dates', '--model', 'gru')).err, /--model must be 'lstm' or 'transformer', got 'gru'/);
});

// The learning run is in bench/RESULTS.md; this checks the transformer path end to end on a tiny run.
test('demo dates --model transformer trains TransformerSeq2Seq and reports the same figures', async () => {
  const out = join(dir, 'dates-transformer');
  const { code, out: printed, err } = await run('demo', 'dates', '--model', 'transformer', '--train', '100', '--epochs', '1', '--test', '10', '--out', out);
  assert.equal(code, 0, err);
  assert.match(printed, /model: Transformer encoder-decoder, \d+ parameters/);
  assert.match(printed, /held-out exact match: greedy [\d.]+%, beam 3 [\d.]+%/);
  assert.match(printed, /character BLEU: greedy [\d.]+, beam [\d.]+/);
  assert.match(printed, /error analysis of \d+ beam errors: \d+ search, \d+ model/);
});
