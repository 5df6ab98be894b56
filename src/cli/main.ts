/// <reference types="node" />
/**
 * The `nabla` command:
 *   nabla demo digits [--epochs N] [--out DIR] [--seed S]
 *   nabla demo detect [--epochs N] [--train N] [--test N] [--out DIR] [--seed S]
 *   nabla demo dates [--train N] [--test N] [--epochs N] [--beam B] [--out DIR] [--seed S] [--model lstm|transformer] [--lr LR]
 *   nabla demo ctc [--steps N] [--test N] [--beam B] [--seed S]
 *   nabla demo trigger [--steps N] [--test N] [--seed S]
 *   nabla train fashion-mnist --data DIR [--epochs N] [--batch-size B] [--lr LR] [--val N] [--out DIR] [--seed S] [--limit N]
 *   nabla info FILE.safetensors|FILE.pth
 *   nabla convert IN OUT [--key K]
 *   nabla word2vec CORPUS --out vectors.txt [options]
 *   nabla demo lm [--corpus words|kjv] [--seconds 60]
 *   nabla style CONTENT STYLE --weights FILE|--random-weights [--out out.png] [--steps N] [--size PX] ...
 *   nabla dashboard [LOGDIR] [--port 6007]
 *   nabla serve DIR [--port 8080]
 *   nabla tune RESULTS.json [--plots DIR]
 */
import { readFileSync } from 'node:fs';
import * as nb from '../index.js';
import { data, type train } from '../index.js';
import { fashionMnist } from '../data/node.js';
import { checkKnownOptions, numberOption, parseArgs, stringOption, type ParsedArgs } from './args.js';
import { runClassification, type ClassificationResult } from './classify.js';
import type { ProgressOutput } from '../train/progress.js';
import { describeCheckpoint } from './info.js';
import { convertCheckpoint } from './convert.js';
import { startDashboard } from './dashboard.js';
import { startStaticServer } from './serve.js';
import { digitsCnn, lenet5 } from './models.js';
import { runWord2Vec } from './word2vec.js';
import { demoLm } from './demo-lm.js';
import { demoDetect } from './detect.js';
import { runStyle } from './style.js';
import { demoDates } from './dates.js';
import { demoCtc } from './ctc.js';
import { demoTrigger } from './trigger.js';
import { showTuneResults } from './tune.js';

const USAGE = `Nabla: deep learning for TypeScript.

Usage:
  nabla demo digits [--epochs 15] [--out nabla-out/digits] [--seed 0]
      Trains a small CNN on the bundled 8x8 handwritten digits and reports test accuracy,
      a classification report and the confusion matrix; writes curves, the confusion matrix
      (SVG) and the weights (safetensors) into the output folder.
  nabla demo detect [--epochs 8] [--train 1200] [--test 200] [--out nabla-out/detect] [--seed 0]
      Trains a small YOLO-style detector on synthetic shapes and reports mAP@0.5 on held-out
      images; writes the detections drawn on test images (SVG), the weights and the anchors.
  nabla demo dates [--train 10000] [--test 1000] [--epochs 4] [--beam 3] [--out nabla-out/dates] [--seed 0] [--model lstm] [--lr 5e-3]
      Date translation ("tuesday may 3 1979" -> 1979-05-03): a bidirectional-LSTM encoder and an
      attention decoder; reports held-out exact match and BLEU of greedy and beam decoding, the
      beam-search error analysis, and writes attention heatmaps (SVG) into the output folder.
      --model transformer trains the Transformer encoder-decoder (seq2seq.TransformerSeq2Seq, default --lr 2e-3) instead.
  nabla demo ctc [--steps 400] [--test 200] [--beam 8] [--seed 0]
      CTC speech recognition on synthetic tone-digit utterances (log mel features, bidirectional
      GRU, F.ctcLoss); reports the held-out character error rate of greedy and beam decoding.
  nabla demo trigger [--steps 150] [--test 200] [--seed 0]
      Trigger-word detection on synthesised clips (Conv1d + GRU + per-step sigmoid over log mels);
      reports held-out per-step F1 and detection accuracy.
  nabla train fashion-mnist --data DIR [--epochs 5] [--batch-size 64] [--lr 0.001]
                            [--val 5000] [--out nabla-out/fashion-mnist] [--seed 0] [--limit N]
      Trains LeNet-5 on Fashion-MNIST read from DIR (the four IDX files; on Debian:
      apt-get install dataset-fashion-mnist, then --data /usr/share/datasets/fashion-mnist).
  nabla info FILE.safetensors|FILE.pth
      Lists the tensors in a safetensors or PyTorch .pth/.pt file: names, dtypes, shapes and the
      parameter count (and a checkpoint's other entries).
  nabla convert IN OUT [--key model]
      Converts a state dict between .pth/.pt and .safetensors (IN read by content, OUT by its
      extension); --key takes the state dict from that entry of a checkpoint dict.
  nabla demo lm [--corpus words|kjv] [--data FILE] [--seconds 60] [--steps N] [--hidden 128] [--seed 0]
      Trains a character-level LSTM language model on ../shared/datasets/text/words.txt (or the
      KJV text) for about a minute, prints its validation perplexity per character and samples
      at temperatures 0.5, 0.8 and 1.
  nabla word2vec CORPUS --out vectors.txt [--format word2vec|word2vec-binary|glove] [--vector-size 100]
                 [--window 5] [--min-count 5] [--sg 0] [--hs 0] [--negative 5] [--ns-exponent 0.75]
                 [--cbow-mean 1] [--alpha 0.025] [--min-alpha 0.0001] [--sample 0.001] [--epochs 5]
                 [--workers N] [--seed 1] [--tokenizer words|whitespace] [--kjv]
      Trains word2vec (gensim's hyperparameters) on a plain-text file, one sentence per line
      (lower-cased words; --kjv leaves out the KJV text's chapter headings), and writes the vectors.
  nabla style CONTENT STYLE --weights vgg19.pth|vgg19.safetensors [--out nabla-out/style.png]
              [--steps 300] [--size 256] [--optimizer lbfgs|adam] [--lr LR] [--alpha 10] [--beta 40]
              [--tv 0] [--seed 0] [--random-weights]
      Neural style transfer through VGG-19's features (torchvision's vgg19 weights; --size is the
      longer side in pixels). --random-weights instead of --weights: random filters, texture only.
  nabla dashboard [LOGDIR] [--port 6007]
      Serves a live page on 127.0.0.1 with the training curves, learning rate, weight histograms
      and confusion matrices of the TensorBoard event files under LOGDIR (default runs).
  nabla serve DIR [--port 8080]
      Serves a static page (e.g. examples/browser) on 127.0.0.1 with the COOP/COEP headers that
      let the wasm backend use threads; X.js is bundled from X.ts with esbuild when DIR has no X.js.
  nabla tune RESULTS.json [--plots DIR]
      Prints a hyperparameter search's results (the JSON tune.run or tune.runParallel writes) as a
      table, best trial marked; --plots writes the metric against each hyperparameter (log axes for
      log-scale spaces) and the best-so-far curve as SVG into DIR.
  nabla --version | --help`;

/** Where the CLI prints: lines for messages, raw text for the progress bar. */
export interface Terminal {
  log(line: string): void;
  error(line: string): void;
  progress: ProgressOutput;
}

const processTerminal: Terminal = {
  log: (line) => console.log(line),
  error: (line) => console.error(line),
  progress: { write: (text) => void process.stdout.write(text), isTTY: process.stdout.isTTY === true && process.env.CI === undefined },
};

/** Picks rows of x and y by index. */
function rows(x: nb.Tensor, y: nb.Tensor, indices: number[]): { x: nb.Tensor; y: nb.Tensor } {
  const index = nb.tensor(Int32Array.from(indices));
  return { x: x.indexSelect(0, index), y: y.indexSelect(0, index) };
}

export async function demoDigits(args: ParsedArgs, term: Terminal): Promise<ClassificationResult> {
  checkKnownOptions(args, 'nabla demo digits', ['epochs', 'out', 'seed']);
  const seed = numberOption(args, 'seed', 0, { integer: true, min: 0 });
  const epochs = numberOption(args, 'epochs', 15, { integer: true, min: 1, max: 1000 });
  nb.manualSeed(seed);
  const digits = data.loadDigits();
  const x = digits.images.div(16);
  const y = digits.labels;
  const split = data.splitIndices(x.shape[0]!, { test: 0.2, dev: 0.1, stratify: Array.from(y.toTypedArray()), seed });
  term.log(`Digits: ${split.train.length} training, ${split.dev.length} validation and ${split.test.length} test images of 8x8 pixels, 10 classes.`);
  return runClassification({
    name: 'digits-cnn',
    title: 'Digits CNN',
    model: digitsCnn(),
    train: rows(x, y, split.train),
    validation: rows(x, y, split.dev),
    test: rows(x, y, split.test),
    classNames: digits.classNames,
    epochs,
    batchSize: 32,
    lr: 2e-3,
    seed,
    outDir: stringOption(args, 'out') ?? 'nabla-out/digits',
    log: term.log,
    progress: term.progress,
  });
}

export async function trainFashionMnist(args: ParsedArgs, term: Terminal, callbacks: readonly train.Callback[] = []): Promise<ClassificationResult> {
  checkKnownOptions(args, 'nabla train fashion-mnist', ['data', 'epochs', 'batch-size', 'lr', 'val', 'out', 'seed', 'limit']);
  const dir = stringOption(args, 'data');
  if (dir === undefined) {
    throw new Error('nabla train fashion-mnist: --data DIR is required (the folder holding the four Fashion-MNIST IDX files)');
  }
  const seed = numberOption(args, 'seed', 0, { integer: true, min: 0 });
  nb.manualSeed(seed);
  // The images stay bytes (47 MiB instead of 188 MiB), converted to float32 per batch as torchvision does.
  const dataset = fashionMnist(dir, { images: 'uint8' });
  const limit = numberOption(args, 'limit', dataset.train.images.shape[0]!, { integer: true, min: 100 });
  const trainCount = Math.min(limit, dataset.train.images.shape[0]!);
  // The last images of those used are held out for validation (5,000 of the full set by default).
  const validationCount = numberOption(args, 'val', Math.min(5000, Math.floor(trainCount / 12)), { integer: true, min: 0, max: trainCount - 1 });
  const fitCount = trainCount - validationCount;
  const all = dataset.train;
  term.log(`Fashion-MNIST: ${fitCount} training, ${validationCount} validation and ${dataset.test.images.shape[0]} test images of 28x28 pixels.`);
  return runClassification({
    name: 'lenet5-fashion-mnist',
    title: 'LeNet-5 on Fashion-MNIST',
    model: lenet5(),
    train: { x: all.images.narrow(0, 0, fitCount), y: all.labels.narrow(0, 0, fitCount) },
    ...(validationCount === 0
      ? {}
      : { validation: { x: all.images.narrow(0, fitCount, validationCount), y: all.labels.narrow(0, fitCount, validationCount) } }),
    test: { x: dataset.test.images, y: dataset.test.labels },
    classNames: dataset.classNames,
    epochs: numberOption(args, 'epochs', 5, { integer: true, min: 1, max: 1000 }),
    batchSize: numberOption(args, 'batch-size', 64, { integer: true, min: 1 }),
    lr: numberOption(args, 'lr', 1e-3, { min: 0 }),
    seed,
    outDir: stringOption(args, 'out') ?? 'nabla-out/fashion-mnist',
    log: term.log,
    progress: term.progress,
    callbacks,
  });
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Runs the command line; returns the process exit code. */
export async function main(argv: readonly string[], term: Terminal = processTerminal): Promise<number> {
  const args = parseArgs(argv);
  const [command, target, extra] = args.positional;
  try {
    if (args.options.has('version')) {
      term.log(version());
      return 0;
    }
    if (command === undefined || command === 'help' || args.options.has('help')) {
      term.log(USAGE);
      return command === undefined && !args.options.has('help') ? 2 : 0;
    }
    if (extra !== undefined && command !== 'convert' && command !== 'style') throw new Error(`unexpected argument '${extra}'`);
    if (command === 'demo' && target === 'digits') {
      await demoDigits(args, term);
    } else if (command === 'demo' && target === 'detect') {
      await demoDetect(args, term.log);
    } else if (command === 'demo' && target === 'dates') {
      await demoDates(args, term.log);
    } else if (command === 'demo' && target === 'ctc') {
      demoCtc(args, term.log);
    } else if (command === 'demo' && target === 'trigger') {
      demoTrigger(args, term.log);
    } else if (command === 'train' && target === 'fashion-mnist') {
      await trainFashionMnist(args, term);
    } else if (command === 'demo' && target === 'lm') {
      demoLm(args, term.log);
    } else if (command === 'word2vec' && target !== undefined) {
      runWord2Vec(target, args, term.log);
    } else if (command === 'tune' && target !== undefined) {
      checkKnownOptions(args, 'nabla tune', ['plots']);
      if (args.positional.length > 2) throw new Error(`unexpected argument '${args.positional[2]}'`);
      const { table, written } = showTuneResults(target, stringOption(args, 'plots'));
      term.log(table);
      for (const file of written) term.log(`wrote ${file}`);
    } else if (command === 'tune') {
      throw new Error('nabla tune needs a results file: nabla tune RESULTS.json [--plots DIR]');
    } else if (command === 'info' && target !== undefined) {
      checkKnownOptions(args, 'nabla info', []);
      term.log(describeCheckpoint(target));
    } else if (command === 'convert' && target !== undefined && extra !== undefined) {
      checkKnownOptions(args, 'nabla convert', ['key']);
      if (args.positional.length > 3) throw new Error(`unexpected argument '${args.positional[3]}'`);
      for (const line of convertCheckpoint(target, extra, stringOption(args, 'key'))) term.log(line);
    } else if (command === 'style' && target !== undefined && extra !== undefined) {
      if (args.positional.length > 3) throw new Error(`unexpected argument '${args.positional[3]}'`);
      runStyle(target, extra, args, term);
    } else if (command === 'style') {
      throw new Error('nabla style needs a content and a style image: nabla style CONTENT STYLE --weights FILE');
    } else if (command === 'convert') {
      throw new Error('nabla convert needs an input and an output path: nabla convert IN OUT [--key K]');
    } else if (command === 'dashboard') {
      checkKnownOptions(args, 'nabla dashboard', ['port']);
      const dashboard = await startDashboard(target ?? 'runs', numberOption(args, 'port', 6007, { integer: true, min: 0, max: 65535 }));
      term.log(`Nabla dashboard for ${target ?? 'runs'} at ${dashboard.url} (Ctrl-C stops it)`);
      await new Promise<void>((done) => process.once('SIGINT', () => done()));
      await dashboard.close();
    } else if (command === 'serve' && target !== undefined) {
      checkKnownOptions(args, 'nabla serve', ['port']);
      if (args.positional.length > 2) throw new Error(`unexpected argument '${args.positional[2]}'`);
      const served = await startStaticServer(target, numberOption(args, 'port', 8080, { integer: true, min: 0, max: 65535 }));
      term.log(`Serving ${target} at ${served.url} (cross-origin isolated; Ctrl-C stops it)`);
      await new Promise<void>((done) => process.once('SIGINT', () => done()));
      await served.close();
    } else if (command === 'serve') {
      throw new Error('nabla serve needs a folder: nabla serve DIR [--port 8080]');
    } else {
      throw new Error(`unknown command '${args.positional.join(' ')}'`);
    }
    return 0;
  } catch (e) {
    term.error(`nabla: ${(e as Error).message}`);
    if (/unknown command|unexpected argument/.test((e as Error).message)) term.error(`\n${USAGE}`);
    return 1;
  }
}
