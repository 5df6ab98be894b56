/**
 * LeNet-5 on the real Fashion-MNIST, the recipe PyTorch reaches ~89% with: 5 epochs, Adam 1e-3,
 * batch 64, all 60,000 training images (no validation split). Prints test accuracy, time per
 * epoch and peak memory, and appends them to bench/RESULTS.md. Too slow for the test suite: run it as `npx tsx bench/fashion-mnist-lenet.ts [DATA_DIR]`.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { getBackend, train } from '../src/index.js';
import { parseArgs } from '../src/cli/args.js';
import { trainFashionMnist } from '../src/cli/main.js';

const dir = process.argv[2] ?? '../shared/datasets/fashion-mnist';
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);

class EpochTimer extends train.Callback {
  readonly seconds: number[] = [];
  private start = 0;
  override onEpochBegin(): void {
    this.start = performance.now();
  }
  override onEpochEnd(): void {
    this.seconds.push((performance.now() - this.start) / 1000);
  }
}

const timer = new EpochTimer();
const result = await trainFashionMnist(
  parseArgs(['--data', dir, '--epochs', '5', '--val', '0', '--out', 'nabla-out/bench-fashion-mnist']),
  {
    log: (line) => console.log(line),
    error: (line) => console.error(line),
    progress: { write: (t) => void process.stdout.write(t), isTTY: false },
  },
  [timer],
);
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);

const median = [...timer.seconds].sort((a, b) => a - b)[Math.floor(timer.seconds.length / 2)]!;
const line =
  `| ${new Date().toISOString().slice(0, 10)} | ${getBackend().name} | ${(result.testAccuracy * 100).toFixed(2)}% | ` +
  `${median.toFixed(1)} s (${timer.seconds.map((s) => s.toFixed(0)).join(', ')}) | ${(peakRss / 2 ** 20).toFixed(0)} MiB | ` +
  `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.versions.node} |`;
console.log(`\nLeNet-5 / Fashion-MNIST, 5 epochs: test accuracy ${(result.testAccuracy * 100).toFixed(2)}%, median epoch ${median.toFixed(1)} s, peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
const results = new URL('./RESULTS.md', import.meta.url);
const heading = '## LeNet-5 on Fashion-MNIST, 5 epochs (bench/fashion-mnist-lenet.ts)';
const text = existsSync(results) ? readFileSync(results, 'utf8') : '';
if (!text.includes(heading)) {
  appendFileSync(
    results,
    `\n${heading}\n\nAdam 1e-3, batch 64, all 60,000 training images, test on the 10,000 test images ` +
      `(PyTorch: ~89% with this recipe).\n\n| date | backend | test accuracy | median epoch (each) | peak RSS | machine |\n| --- | --- | --- | --- | --- | --- |\n${line}\n`,
  );
} else {
  // Add the row at the end of this section's table, wherever the section sits in the file.
  const lines = text.split('\n');
  let at = lines.indexOf(heading) + 1;
  while (at < lines.length && !lines[at]!.startsWith('|')) at++;
  while (at < lines.length && lines[at]!.startsWith('|')) at++;
  lines.splice(at, 0, line);
  writeFileSync(results, lines.join('\n'));
}
