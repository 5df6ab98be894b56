import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli as run } from '../helpers/cli.js';

// The full demo (400 steps) reaches 0.69% greedy / 0.57% beam CER (bench/RESULTS.md); a test run
// that long is too slow here, so this one checks the pipeline end to end on 15 steps (50 did not
// learn to decode either: 100% CER).
test('demo ctc trains with F.ctcLoss and reports greedy and beam CER on held-out utterances', async () => {
  const { code, out, err } = await run('demo', 'ctc', '--steps', '15', '--test', '20');
  assert.equal(code, 0, err);
  assert.match(out, /step 15\/15: CTC loss [\d.]+/);
  const m = /held-out CER: greedy ([\d.]+)%, beam 8 ([\d.]+)%/.exec(out);
  assert.ok(m && Number(m[1]) <= 100 && Number(m[2]) <= 100, out);
  assert.match((await run('demo', 'ctc', '--beam', '0')).err, /--beam must be an integer in \[1, 100\]/);
  assert.match((await run('demo', 'ctc', '--epochs', '2')).err, /unknown option/i);
});
