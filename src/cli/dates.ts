/// <reference types="node" />
/**
 * `nabla demo dates`: the course's date translation. A bidirectional-LSTM encoder reads a
 * human-readable date character by character; an LSTM decoder with additive attention writes
 * "YYYY-MM-DD". Reports exact-match accuracy and character BLEU of greedy and beam decoding on
 * held-out dates, the beam-search error analysis of the remaining errors, and writes attention
 * heatmaps of a few examples. `--model transformer` trains seq2seq.TransformerSeq2Seq instead
 * (same data, decoders and error analysis; no attention heatmaps).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as nb from '../index.js';
import { F, metrics, optim, seq2seq } from '../index.js';
import { checkKnownOptions, numberOption, stringOption, type ParsedArgs } from './args.js';

const SRC_CHARS = ' ,-./0123456789abcdefghijklmnopqrstuvwxyz';
const TGT_CHARS = '0123456789-';
/** Source ids: 0 padding, 1 unknown, then SRC_CHARS. Target ids: 0 EOS, 1 BOS, then TGT_CHARS. */
const PAD = 0;
const UNK = 1;
const EOS = 0;
const BOS = 1;

function encodeSource(text: string): number[] {
  return Array.from(text, (ch) => {
    const i = SRC_CHARS.indexOf(ch);
    return i < 0 ? UNK : i + 2;
  });
}

function encodeTarget(text: string): number[] {
  return Array.from(text, (ch) => TGT_CHARS.indexOf(ch) + 2);
}

function decodeTarget(tokens: readonly number[]): string {
  return tokens.filter((t) => t >= 2).map((t) => TGT_CHARS[t - 2]!).join('');
}

/** Padded source ids [B, S] with their lengths. */
function sourceBatch(texts: readonly string[]): { src: nb.Tensor; lengths: number[] } {
  const ids = texts.map(encodeSource);
  const width = Math.max(...ids.map((s) => s.length));
  return {
    src: nb.tensor(ids.map((s) => [...s, ...new Array<number>(width - s.length).fill(PAD)]), { dtype: 'int32' }),
    lengths: ids.map((s) => s.length),
  };
}

export interface DatesResult {
  greedyAccuracy: number;
  beamAccuracy: number;
  greedyBleu: number;
  beamBleu: number;
  trainSeconds: number;
  heatmaps: string[];
}

export async function demoDates(args: ParsedArgs, log: (line: string) => void): Promise<DatesResult> {
  checkKnownOptions(args, 'nabla demo dates', ['train', 'test', 'epochs', 'out', 'seed', 'beam', 'model', 'lr']);
  const modelKind = stringOption(args, 'model') ?? 'lstm';
  if (modelKind !== 'lstm' && modelKind !== 'transformer') throw new Error(`nabla demo dates: --model must be 'lstm' or 'transformer', got '${modelKind}'`);
  const seed = numberOption(args, 'seed', 0, { integer: true, min: 0 });
  const trainCount = numberOption(args, 'train', 10000, { integer: true, min: 100 });
  const testCount = numberOption(args, 'test', 1000, { integer: true, min: 10 });
  const epochs = numberOption(args, 'epochs', 4, { integer: true, min: 1, max: 1000 });
  const beamWidth = numberOption(args, 'beam', 3, { integer: true, min: 1, max: 50 });
  const outDir = stringOption(args, 'out') ?? 'nabla-out/dates';
  nb.manualSeed(seed);
  const trainSet = seq2seq.humanDates(trainCount, { seed });
  const testSet = seq2seq.humanDates(testCount, { seed: seed + 1, exclude: new Set(trainSet.map((p) => p.machine)) });
  log(`Dates: ${trainCount} training pairs, ${testCount} held-out pairs (dates not seen in training), ${seq2seq.DATE_FORMATS.length} formats.`);
  for (const p of trainSet.slice(0, 3)) log(`  "${p.human}" -> ${p.machine}`);

  const srcVocab = SRC_CHARS.length + 2;
  const tgtVocab = TGT_CHARS.length + 2;
  const model =
    modelKind === 'transformer'
      ? new seq2seq.TransformerSeq2Seq({
        srcVocab, tgtVocab, dModel: 64, nhead: 4, numEncoderLayers: 2, numDecoderLayers: 2, dimFeedforward: 128, dropout: 0.1, maxLen: 64, srcPaddingIdx: PAD,
      })
      : new seq2seq.EncoderDecoder({
        srcVocab, tgtVocab, embedDim: 16, encoderHidden: 32, decoderHidden: 64, attentionDim: 32, cell: 'lstm', bidirectional: true, attention: 'additive', srcPaddingIdx: PAD,
      });
  log(`model: ${modelKind === 'transformer' ? 'Transformer encoder-decoder' : 'bidirectional LSTM encoder + LSTM decoder with additive attention'}, ${[...model.parameters()].reduce((n, p) => n + p.numel(), 0)} parameters`);
  const lr = numberOption(args, 'lr', modelKind === 'transformer' ? 2e-3 : 5e-3, { min: 1e-6, max: 1 });
  const optimizer = new optim.Adam(model.parameters(), { lr });
  // Both models' step functions run the same decoders; the state types differ, so each gets its own closure.
  const decodeGreedy = (src: nb.Tensor, lengths: number[]): nb.seq2seq.Hypothesis[] =>
    model instanceof seq2seq.TransformerSeq2Seq
      ? seq2seq.greedyDecode(model.step, model.initialState(src, { srcLengths: lengths }), { bos: BOS, eos: EOS, maxLength: 11 })
      : seq2seq.greedyDecode(model.step, model.initialState(src, { srcLengths: lengths }), { bos: BOS, eos: EOS, maxLength: 11 });
  const decodeBeam = (src: nb.Tensor, lengths: number[]): nb.seq2seq.Hypothesis[][] =>
    model instanceof seq2seq.TransformerSeq2Seq
      ? seq2seq.beamSearch(model.step, model.initialState(src, { srcLengths: lengths }), { bos: BOS, eos: EOS, maxLength: 11, beamWidth, nBest: 1 })
      : seq2seq.beamSearch(model.step, model.initialState(src, { srcLengths: lengths }), { bos: BOS, eos: EOS, maxLength: 11, beamWidth, nBest: 1 });
  const batchSize = 64;
  const gen = new nb.Generator(seed);
  const started = performance.now();
  for (let epoch = 0; epoch < epochs; epoch++) {
    model.train();
    const order = Array.from(nb.randperm(trainCount, { generator: gen }).toTypedArray());
    let total = 0;
    let batches = 0;
    for (let i = 0; i < trainCount; i += batchSize) {
      const pairs = order.slice(i, i + batchSize).map((k) => trainSet[k]!);
      const { src, lengths } = sourceBatch(pairs.map((p) => p.human));
      const targets = pairs.map((p) => encodeTarget(p.machine));
      const tgtIn = nb.tensor(targets.map((t) => [BOS, ...t]), { dtype: 'int32' });
      const tgtOut = nb.tensor(targets.map((t) => [...t, EOS]), { dtype: 'int32' });
      const logits = model instanceof seq2seq.TransformerSeq2Seq ? model.forward(src, tgtIn, { srcLengths: lengths }) : model.forward(src, tgtIn, { srcLengths: lengths }).logits;
      const loss = F.crossEntropy(logits.reshape([-1, logits.shape[2]!]), tgtOut.reshape([-1]));
      optimizer.zeroGrad();
      loss.backward();
      optim.clipGradNorm(model.parameters(), 1);
      optimizer.step();
      total += loss.item();
      batches++;
    }
    log(`epoch ${epoch + 1}/${epochs}: loss ${(total / batches).toFixed(4)} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  const trainSeconds = (performance.now() - started) / 1000;

  model.eval();
  const greedyOut: string[] = [];
  const beamOut: number[][] = [];
  for (let i = 0; i < testCount; i += 250) {
    const pairs = testSet.slice(i, i + 250);
    const { src, lengths } = sourceBatch(pairs.map((p) => p.human));
    for (const h of decodeGreedy(src, lengths)) greedyOut.push(decodeTarget(h.tokens));
    for (const nbest of decodeBeam(src, lengths)) beamOut.push(nbest[0]!.tokens);
  }
  const beamText = beamOut.map(decodeTarget);
  const exact = (outs: readonly string[]): number => outs.filter((o, i) => o === testSet[i]!.machine).length / testCount;
  const bleu = (outs: readonly string[]): number =>
    metrics.corpusBleu(outs.map((o) => [...o]), testSet.map((p) => [[...p.machine]]), { smoothing: 'exp' });
  const result: DatesResult = {
    greedyAccuracy: exact(greedyOut), beamAccuracy: exact(beamText), greedyBleu: bleu(greedyOut), beamBleu: bleu(beamText), trainSeconds, heatmaps: [],
  };
  log(`held-out exact match: greedy ${(100 * result.greedyAccuracy).toFixed(2)}%, beam ${beamWidth} ${(100 * result.beamAccuracy).toFixed(2)}%`);
  log(`character BLEU: greedy ${result.greedyBleu.toFixed(4)}, beam ${result.beamBleu.toFixed(4)}`);

  // Beam-search error analysis of the beam's mistakes: is the model or the search to blame?
  const wrong = testSet.map((p, i) => i).filter((i) => beamText[i] !== testSet[i]!.machine);
  if (wrong.length > 0) {
    const { src, lengths } = sourceBatch(wrong.map((i) => testSet[i]!.human));
    const references = wrong.map((i) => [...encodeTarget(testSet[i]!.machine), EOS]);
    const outputs = wrong.map((i) => beamOut[i]!);
    const analysis = model instanceof seq2seq.TransformerSeq2Seq
      ? seq2seq.beamSearchErrorAnalysis(model.step, model.initialState(src, { srcLengths: lengths }), references, outputs, { bos: BOS, alpha: 0.7 })
      : seq2seq.beamSearchErrorAnalysis(model.step, model.initialState(src, { srcLengths: lengths }), references, outputs, { bos: BOS, alpha: 0.7 });
    log(`error analysis of ${wrong.length} beam errors: ${analysis.search} search, ${analysis.model} model`);
    for (const i of wrong.slice(0, 5)) log(`  "${testSet[i]!.human}" -> ${beamText[i]} (want ${testSet[i]!.machine})`);
  }

  if (model instanceof seq2seq.TransformerSeq2Seq) {
    log(`training time ${trainSeconds.toFixed(1)} s (attention heatmaps: the LSTM attention model only)`);
    return result;
  }
  mkdirSync(outDir, { recursive: true });
  for (const [k, human] of ['tuesday may 3 1979', '05/03/79', '3 may, 1979'].entries()) {
    const { src } = sourceBatch([human]);
    const [nbest] = seq2seq.beamSearch(model.step, model.initialState(src), { bos: BOS, eos: EOS, maxLength: 11, beamWidth, nBest: 1 });
    const tokens = nbest![0]!.tokens;
    const { attention } = model.forward(src, nb.tensor([[BOS, ...tokens.slice(0, -1)]], { dtype: 'int32' }));
    const labels = tokens.map((t) => (t === EOS ? '<eos>' : TGT_CHARS[t - 2]!));
    const svg = seq2seq.attentionHeatmap(attention!.select(0, 0), Array.from(human, (ch) => (ch === ' ' ? '␣' : ch)), labels, { title: `"${human}" -> ${decodeTarget(tokens)}` });
    const file = join(outDir, `attention-${k + 1}.svg`);
    writeFileSync(file, svg);
    result.heatmaps.push(file);
    log(`"${human}" -> ${decodeTarget(tokens)}; attention heatmap: ${file}`);
  }
  log(`training time ${trainSeconds.toFixed(1)} s`);
  return result;
}
