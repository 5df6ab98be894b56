/**
 * Every public function or constructor outside the op table that takes an options object rejects
 * an unknown key with an error naming the function and the key (docs/conventions.md): a
 * misspelt option (`metrics.accuracy(p, t, {averag: 'macro'})`) must never be silently ignored.
 * Each entry is a valid call given extra options; the call without them must work, so an entry
 * cannot pass by failing for another reason. A few wrongly typed options are checked at the end.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';

const { metrics: M, data: D, train: T, optim: O, plot: P, vision: V, text: X, audio: A, seq2seq: S, tune: Tu, strategy: St, F, nn } = nb;
type Options = Record<string, unknown>;
/** Calls the function with `extra` merged into its (valid) options. */
type Call = (extra: Options) => unknown;

const preds = nb.tensor([0, 1, 1, 0]);
const target = nb.tensor([0, 1, 0, 0]);
const scores = nb.tensor([0.1, 0.9, 0.6, 0.2]);
const linear = (): nb.nn.Linear => new nn.Linear(2, 1);
const sgd = (): nb.optim.SGD => new O.SGD(linear().parameters(), { lr: 0.1 });
const dataset = (): nb.data.TensorDataset<[nb.Tensor, nb.Tensor]> => new D.TensorDataset(nb.randn([8, 2]), nb.randn([8, 1]));
const image = (): nb.Tensor => nb.rand([3, 8, 8]);
const idx = (): Uint8Array => D.encodeIdx('uint8', [2], [1, 2]);
const segmentation = (): [nb.Tensor, nb.Tensor] => [nb.tensor([[0, 1]]), nb.tensor([[0, 1]])];
const boxes = (): nb.Tensor => nb.tensor([[0, 0, 2, 2], [1, 1, 3, 3]]);
const wave = (): nb.Tensor => nb.randn([800]);
const tuned = (): Promise<nb.tune.TuneResults> => nb.tune.run({ space: { a: nb.tune.uniform(0, 1) }, numTrials: 2, objective: (p) => p.a as number });
const tokens = (): nb.Tensor => nb.tensor([[1, 2]], { dtype: 'int32' });
/** A decoder step over 3 tokens that ignores its state. */
const toyStep = (t: nb.Tensor): { logProbs: nb.Tensor; state: null } => ({ logProbs: nb.logSoftmax(nb.zeros([t.shape[0]!, 3]), -1), state: null });
const transformerOptions = { srcVocab: 3, tgtVocab: 3, dModel: 4, nhead: 1, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 4 };
const keyed = (): nb.text.KeyedVectors => new X.KeyedVectors(['a', 'b', 'c'], Float32Array.from([1, 0, 0, 1, 1, 1]), 2);
// Casts stand in for untyped JavaScript callers (TypeScript rejects unknown keys already).
const any = <F extends (...a: never[]) => unknown>(f: F): ((...a: unknown[]) => unknown) => f as unknown as (...a: unknown[]) => unknown;

const CALLS: Record<string, Call> = {
  'metrics.accuracy': (o) => any(M.accuracy)(preds, target, o),
  'metrics.errorRate': (o) => any(M.errorRate)(preds, target, o),
  'metrics.confusionMatrix': (o) => any(M.confusionMatrix)(preds, target, o),
  'metrics.precision': (o) => any(M.precision)(preds, target, o),
  'metrics.recall': (o) => any(M.recall)(preds, target, o),
  'metrics.specificity': (o) => any(M.specificity)(preds, target, o),
  'metrics.f1Score': (o) => any(M.f1Score)(preds, target, o),
  'metrics.fbetaScore': (o) => any(M.fbetaScore)(preds, target, { beta: 2, ...o }),
  'metrics.classificationReport': (o) => any(M.classificationReport)(preds, target, o),
  'metrics.rocCurve': (o) => any(M.rocCurve)(scores, target, o),
  'metrics.rocAuc': (o) => any(M.rocAuc)(scores, target, o),
  'metrics.precisionRecallCurve': (o) => any(M.precisionRecallCurve)(scores, target, o),
  'metrics.averagePrecision': (o) => any(M.averagePrecision)(scores, target, o),
  'metrics.r2Score': (o) => any(M.r2Score)(scores, target, o),
  'metrics.perplexity': (o) => any(M.perplexity)(nb.randn([4, 3]), nb.tensor([0, 1, 2, 0], { dtype: 'int32' }), o),
  'metrics.bleuScore': (o) => any(M.bleuScore)('a b c d', ['a b c d'], o),
  'metrics.corpusBleu': (o) => any(M.corpusBleu)(['a b c d'], [['a b c d']], o),
  'metrics.meanIou': (o) => any(M.meanIou)(...segmentation(), { numClasses: 2, ...o }),
  'metrics.pixelAccuracy': (o) => any(M.pixelAccuracy)(...segmentation(), { numClasses: 2, ...o }),
  'metrics.segmentationScores': (o) => any(M.segmentationScores)(...segmentation(), { numClasses: 2, ...o }),
  'metrics.meanAveragePrecision': (o) =>
    any(M.meanAveragePrecision)([{ boxes: [[0, 0, 1, 1]], scores: [1], labels: [0] }], [{ boxes: [[0, 0, 1, 1]], labels: [0] }], o),
  'metrics.Accuracy': (o) => new (M.Accuracy as new (o: unknown) => unknown)(o),
  'metrics.ConfusionMatrix': (o) => new (M.ConfusionMatrix as new (o: unknown) => unknown)(o),
  'metrics.Precision': (o) => new (M.Precision as new (o: unknown) => unknown)(o),
  'metrics.F1Score': (o) => new (M.F1Score as new (o: unknown) => unknown)(o),
  'metrics.FBetaScore': (o) => new (M.FBetaScore as new (o: unknown) => unknown)({ beta: 2, ...o }),
  'metrics.AUROC': (o) => new (M.AUROC as new (o: unknown) => unknown)(o),
  'metrics.AveragePrecision': (o) => new (M.AveragePrecision as new (o: unknown) => unknown)(o),
  'metrics.R2Score': (o) => new (M.R2Score as new (o: unknown) => unknown)(o),
  'metrics.Perplexity': (o) => new (M.Perplexity as new (o: unknown) => unknown)(o),
  DataLoader: (o) => new D.DataLoader(dataset(), o),
  randomSplit: (o) => any(D.randomSplit)(dataset(), [4, 4], o),
  splitIndices: (o) => any(D.splitIndices)(10, o),
  trainDevTestSplit: (o) => any(D.trainDevTestSplit)(dataset(), o),
  StandardScaler: (o) => new (D.StandardScaler as new (o: unknown) => unknown)(o),
  MinMaxScaler: (o) => new (D.MinMaxScaler as new (o: unknown) => unknown)(o),
  'data.oneHot': (o) => any(D.oneHot)([0, 1], 2, o),
  WeightedRandomSampler: (o) => new D.WeightedRandomSampler([1, 2], 2, true, o),
  oversample: (o) => any(D.oversample)([0, 0, 1], o),
  parseCsv: (o) => any(D.parseCsv)('a,y\n1,0\n', o),
  parseIdx: (o) => any(D.parseIdx)(idx(), 'x', o),
  idxToTensor: (o) => any(D.idxToTensor)(D.parseIdx(idx()), o),
  maybeGunzip: (o) => any(D.maybeGunzip)(new Uint8Array([1]), 'x', o),
  'data.mixAtSnr': (o) => any(D.mixAtSnr)(nb.randn([8]), nb.randn([8]), 10, o),
  randomHorizontalFlip: (o) => any(D.transforms.randomHorizontalFlip)(o),
  randomCrop: (o) => any(D.transforms.randomCrop)(4, o),
  affine: (o) => any(D.transforms.affine)(image(), { angle: 10 }, o),
  randomAffine: (o) => any(D.transforms.randomAffine)(o),
  randomRotation: (o) => any(D.transforms.randomRotation)(10, o),
  randomZoom: (o) => any(D.transforms.randomZoom)([0.9, 1.1], o),
  randomChannelShift: (o) => any(D.transforms.randomChannelShift)({ delta: 0.1, ...o }),
  pcaColorAugment: (o) => any(D.transforms.pcaColorAugment)(o),
  gaussianNoise: (o) => any(D.transforms.gaussianNoise)({ std: 0.1, ...o }),
  randomBrightness: (o) => any(D.transforms.randomBrightness)({ delta: 0.1, ...o }),
  randomContrast: (o) => any(D.transforms.randomContrast)({ range: [0.9, 1.1], ...o }),
  cutout: (o) => any(D.transforms.cutout)({ size: 2, ...o }),
  compose: (o) => any(D.transforms.compose)([], o),
  EarlyStopping: (o) => new (T.EarlyStopping as new (o: unknown) => unknown)(o),
  TerminateOnNaN: (o) => new (T.TerminateOnNaN as new (o: unknown) => unknown)(o),
  'train.ReduceLROnPlateau': (o) => new (T.ReduceLROnPlateau as new (o: unknown) => unknown)(o),
  ProgressBar: (o) => new (T.ProgressBar as new (o: unknown) => unknown)({ output: { write: () => undefined }, ...o }),
  SGD: (o) => new O.SGD(linear().parameters(), { lr: 0.1, ...o }),
  Adam: (o) => new O.Adam(linear().parameters(), o),
  LambdaLR: (o) => new O.lrScheduler.LambdaLR(sgd(), () => 1, o),
  StepLR: (o) => new O.lrScheduler.StepLR(sgd(), 2, o),
  MultiStepLR: (o) => new O.lrScheduler.MultiStepLR(sgd(), [2], o),
  ExponentialLR: (o) => new O.lrScheduler.ExponentialLR(sgd(), 0.9, o),
  CosineAnnealingLR: (o) => new O.lrScheduler.CosineAnnealingLR(sgd(), 10, o),
  LinearLR: (o) => new O.lrScheduler.LinearLR(sgd(), o),
  OneCycleLR: (o) => new O.lrScheduler.OneCycleLR(sgd(), 0.1, { totalSteps: 10, cycleMomentum: false, ...o }),
  InverseTimeLR: (o) => new O.lrScheduler.InverseTimeLR(sgd(), 0.5, o),
  PowerLR: (o) => new O.lrScheduler.PowerLR(sgd(), 10, 2, o),
  ExponentialDecayLR: (o) => new O.lrScheduler.ExponentialDecayLR(sgd(), 10, o),
  InverseSqrtLR: (o) => new O.lrScheduler.InverseSqrtLR(sgd(), o),
  ReduceLROnPlateau: (o) => new O.lrScheduler.ReduceLROnPlateau(sgd(), o),
  lineChart: (o) => any(P.lineChart)([{ label: 'a', y: [1, 2] }], o),
  historyChart: (o) => any(P.historyChart)({ loss: [1, 2] }, o),
  confusionMatrixChart: (o) => any(P.confusionMatrixChart)([[1, 0], [0, 1]], o),
  rocChart: (o) => any(P.rocChart)({ fpr: [0, 1], tpr: [0, 1] }, o),
  scatterChart: (o) => any(P.scatterChart)([[0, 0], [1, 1]], o),
  'F.maxPool2d': (o) => any(F.maxPool2d)(image(), 2, o),
  'F.avgPool1d': (o) => any(F.avgPool1d)(nb.randn([1, 2, 6]), 2, o),
  'F.adaptiveMaxPool2d': (o) => any(F.adaptiveMaxPool2d)(image(), 2, o),
  'F.embedding': (o) => any(F.embedding)(nb.tensor([0, 1], { dtype: 'int32' }), nb.randn([3, 2]), o),
  'F.scaledDotProductAttention': (o) => any(F.scaledDotProductAttention)(nb.randn([1, 2, 4]), nb.randn([1, 2, 4]), nb.randn([1, 2, 4]), o),
  'F.lstm': (o) => {
    const w = { weightIh: nb.randn([12, 2]), weightHh: nb.randn([12, 3]), biasIh: nb.randn([12]), biasHh: nb.randn([12]) };
    return any(F.lstm)(nb.randn([4, 1, 2]), null, [w], o);
  },
  'F.l1Penalty': (o) => any(F.l1Penalty)(linear(), 0.1, o),
  'F.l2Penalty': (o) => any(F.l2Penalty)(linear(), o),
  'F.elasticNetPenalty': (o) => any(F.elasticNetPenalty)(linear(), 1, 0.5, o),
  resnet18: (o) => any(V.models.resnet18)({ numClasses: 2, ...o }),
  generalizedBoxIouLoss: (o) => any(V.ops.generalizedBoxIouLoss)(boxes(), boxes(), o),
  sigmoidFocalLoss: (o) => any(V.ops.sigmoidFocalLoss)(nb.randn([4]), nb.tensor([0, 1, 0, 1]), o),
  roiAlign: (o) => any(V.ops.roiAlign)(nb.randn([1, 1, 4, 4]), [nb.tensor([[0, 0, 2, 2]])], 2, o),
  diceLoss: (o) => any(V.segmentation.diceLoss)(nb.randn([1, 2, 3, 3]), nb.zeros([1, 3, 3], { dtype: 'int32' }), o),
  batchHardTripletLoss: (o) => any(V.face.batchHardTripletLoss)(nb.randn([4, 3]), [0, 0, 1, 1], o),
  imageGrid: (o) => any(V.imageGrid)([image(), image()], o),
  svgImageGrid: (o) => any(V.svgImageGrid)([image()], o),
  assignAnchors: (o) => any(V.detection.assignAnchors)(boxes(), boxes(), o),
  encodeYolo: (o) => any(V.detection.encodeYolo)([{ boxes: [[0, 0, 0.5, 0.5]], labels: [0] }], { gridSize: 2, anchors: [[0.5, 0.5]], numClasses: 2, ...o }),
  yoloLoss: (o) => any(V.detection.yoloLoss)(nb.randn([1, 2, 2, 1, 7]), nb.zeros([1, 2, 2, 1, 7]), o),
  decodeYolo: (o) => any(V.detection.decodeYolo)(nb.randn([1, 2, 2, 1, 7]), { anchors: [[0.5, 0.5]], ...o }),
  TinyYolo: (o) => new (V.detection.TinyYolo as new (o: unknown) => unknown)({ numClasses: 2, imageSize: 8, gridSize: 2, widths: [2, 2], ...o }),
  generateAnchors: (o) => any(V.detection.generateAnchors)([8, 8], [2, 2], { sizes: [4], aspectRatios: [1], ...o }),
  kmeansAnchors: (o) => any(V.detection.kmeansAnchors)([[1, 2], [2, 1]], 1, o),
  localizationLoss: (o) => any(V.detection.localizationLoss)(nb.randn([2, 7]), nb.zeros([2, 7]), o),
  decodeLocalization: (o) => any(V.detection.decodeLocalization)(nb.randn([2, 7]), o),
  landmarkLoss: (o) => any(V.detection.landmarkLoss)(nb.randn([2, 4]), nb.randn([2, 4]), o),
  toFullyConvolutional: (o) =>
    any(V.detection.toFullyConvolutional)(new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.Flatten(), new nn.Linear(2, 3)), { inputShape: [1, 3, 3], ...o }),
  detectionsSvg: (o) => any(V.detection.detectionsSvg)(nb.rand([1, 3, 4, 4]), [{ boxes: nb.zeros([0, 4]), scores: nb.zeros([0]), labels: nb.zeros([0], { dtype: 'int32' }) }], o),
  greedyDecode: (o) => any(S.greedyDecode)(toyStep, null, { bos: 0, eos: 1, maxLength: 2, batchSize: 1, ...o }),
  beamSearch: (o) => any(S.beamSearch)(toyStep, null, { bos: 0, eos: 1, maxLength: 2, beamWidth: 2, batchSize: 1, ...o }),
  sequenceLogProbs: (o) => any(S.sequenceLogProbs)(toyStep, null, [[1]], { bos: 0, ...o }),
  beamSearchErrorAnalysis: (o) => any(S.beamSearchErrorAnalysis)(toyStep, null, [[1]], [[1]], { bos: 0, ...o }),
  attentionHeatmap: (o) => any(S.attentionHeatmap)([[1]], ['a'], ['b'], o),
  humanDates: (o) => any(S.humanDates)(1, o),
  EncoderDecoder: (o) => new (S.EncoderDecoder as new (o: unknown) => unknown)({ srcVocab: 3, tgtVocab: 3, embedDim: 2, encoderHidden: 2, decoderHidden: 2, ...o }),
  'EncoderDecoder.initialState': (o) => new S.EncoderDecoder({ srcVocab: 3, tgtVocab: 3, embedDim: 2, encoderHidden: 2, decoderHidden: 2 }).initialState(tokens(), o),
  'EncoderDecoder.forward': (o) => new S.EncoderDecoder({ srcVocab: 3, tgtVocab: 3, embedDim: 2, encoderHidden: 2, decoderHidden: 2 }).forward(tokens(), tokens(), o),
  TransformerSeq2Seq: (o) => new (S.TransformerSeq2Seq as new (o: unknown) => unknown)({ ...transformerOptions, ...o }),
  'TransformerSeq2Seq.initialState': (o) => new S.TransformerSeq2Seq(transformerOptions).initialState(tokens(), o),
  'TransformerSeq2Seq.forward': (o) => new S.TransformerSeq2Seq(transformerOptions).forward(tokens(), tokens(), o),
  'tune.intUniform': (o) => any(Tu.intUniform)(1, 4, o),
  'tune.gridSearch': (o) => any(Tu.gridSearch)(o),
  'tune.coarseToFine': (o) => any(Tu.coarseToFine)(o),
  'tune.SuccessiveHalving': (o) => new (Tu.SuccessiveHalving as new (o: unknown) => unknown)(o),
  'tune.run': (o) => any(Tu.run)({ space: { a: Tu.uniform(0, 1) }, numTrials: 1, objective: () => 0, ...o }),
  'tune.paramsChart': async (o) => any(Tu.paramsChart)(await tuned(), o),
  'tune.bestSoFarChart': async (o) => any(Tu.bestSoFarChart)(await tuned(), o),
  PCA: (o) => new (nb.decomposition.PCA as new (o: unknown) => unknown)(o),
  pca: (o) => any(nb.decomposition.pca)(nb.randn([5, 3]), o),
  TSNE: (o) => new (nb.manifold.TSNE as new (o: unknown) => unknown)(o),
  tsne: (o) => any(nb.manifold.tsne)(nb.randn([6, 3]), { perplexity: 2, nIter: 250, ...o }),
  tsneJointProbabilities: (o) => any(nb.manifold.tsneJointProbabilities)(nb.randn([6, 3]), { perplexity: 2, ...o }),
  tsneGradient: (o) => any(nb.manifold.tsneGradient)(nb.rand([3, 3]), nb.randn([3, 2]), { method: 'exact', ...o }),
  'strategy.diagnose': (o) => any(St.diagnose)({ humanError: 0.01, trainError: 0.08, devError: 0.1, ...o }),
  'strategy.selectModel': (o) => any(St.selectModel)([{ name: 'a', acc: 1 }], { optimize: 'acc', ...o }),
  'strategy.measureLatency': (o) => any(St.measureLatency)(linear(), [1, 2], { warmup: 0, runs: 1, ...o }),
  'strategy.errorAnalysis': (o) => any(St.errorAnalysis)([0, 1], [0, 0], o),
  'strategy.misclassifiedSheet': (o) => any(St.misclassifiedSheet)(nb.rand([2, 1, 4, 4]), St.errorAnalysis([0, 1], [0, 0]), o),
  'strategy.ewma': (o) => any(St.ewma)([1, 2], 0.9, o),
  'strategy.learningCurveChart': (o) => any(St.learningCurveChart)([{ size: 1, trainError: 0.1, devError: 0.2 }], o),
  'strategy.ensemblePredict': (o) => any(St.ensemblePredict)([linear()], nb.randn([2, 2]), o),
  'strategy.tenCrop': (o) => any(St.tenCrop)(nb.rand([1, 1, 4, 4]), 2, o),
  'strategy.multiCropPredict': (o) => any(St.multiCropPredict)(new nn.Flatten(), nb.rand([1, 1, 4, 4]), 2, o),
  'init.uniform_': (o) => any(nn.init.uniform_)(nb.zeros([2, 2]), o),
  'init.normal_': (o) => any(nn.init.normal_)(nb.zeros([2, 2]), o),
  'init.xavierUniform_': (o) => any(nn.init.xavierUniform_)(nb.zeros([2, 2]), o),
  'init.xavierNormal_': (o) => any(nn.init.xavierNormal_)(nb.zeros([2, 2]), o),
  'init.kaimingUniform_': (o) => any(nn.init.kaimingUniform_)(nb.zeros([2, 2]), o),
  'init.kaimingNormal_': (o) => any(nn.init.kaimingNormal_)(nb.zeros([2, 2]), o),
  'init.lecunNormal_': (o) => any(nn.init.lecunNormal_)(nb.zeros([2, 2]), o),
  'init.orthogonal_': (o) => any(nn.init.orthogonal_)(nb.zeros([2, 2]), o),
  'Linear.numParameters': (o) => linear().numParameters(o),
  'Linear.zeroGrad': (o) => linear().zeroGrad(o),
  'Linear.loadStateDict': (o) => { const m = linear(); return m.loadStateDict(m.stateDict(), o); },
  'SGD.zeroGrad': (o) => sgd().zeroGrad(o),
  gradCheck: (o) => any(nb.gradCheck)((x: nb.Tensor) => x.sum(), [nb.randn([2], { dtype: 'float64' })], o),
  hannWindow: (o) => any(A.hannWindow)(8, o),
  stft: (o) => any(A.stft)(wave(), 64, o),
  spectrogram: (o) => any(A.spectrogram)(wave(), 64, o),
  amplitudeToDB: (o) => any(A.amplitudeToDB)(nb.rand([4]), o),
  mfcc: (o) => any(A.mfcc)(wave(), { melkwargs: { nFft: 64, nMels: 8 }, nMfcc: 4, ...o }),
  resample: (o) => any(A.resample)(wave(), 8, 4, o),
  mix: (o) => any(A.mix)([wave(), wave()], o),
  hammingWindow: (o) => any(A.hammingWindow)(8, o),
  istft: (o) => any(A.istft)(A.stft(wave(), 64, { window: A.hannWindow(64) }), 64, { window: A.hannWindow(64), ...o }),
  melscaleFbanks: (o) => any(A.melscaleFbanks)(33, 0, 4000, 8, 8000, o),
  melSpectrogram: (o) => any(A.melSpectrogram)(wave(), 64, { nMels: 8, ...o }),
  maskAlongAxis: (o) => any(A.maskAlongAxis)(nb.rand([1, 8, 8]), 2, 1, o),
  encodeWav: (o) => any(A.encodeWav)(nb.zeros([8]), 8000, o),
  ctcGreedyDecode: (o) => any(A.ctcGreedyDecode)(nb.logSoftmax(nb.randn([4, 1, 3]), -1), o),
  ctcBeamSearch: (o) => any(A.ctcBeamSearch)(nb.logSoftmax(nb.randn([4, 1, 3]), -1), o),
  padSequences: (o) => any(X.padSequences)([[1, 2], [3]], o),
  bucketBatches: (o) => any(X.bucketBatches)([1, 2, 3, 4], 2, o),
  Vocab: (o) => new (X.Vocab as new (t: unknown, o: unknown) => unknown)(['a', 'b'], o),
  'Vocab.build': (o) => any(X.Vocab.build)([['a', 'b']], o),
  'Vocab.encode': (o) => new X.Vocab(['a']).encode(['a'], o),
  'Vocab.decode': (o) => new X.Vocab(['a']).decode([0], o),
  CharTokenizer: (o) => new X.CharTokenizer(o),
  WordTokenizer: (o) => new X.WordTokenizer(o),
  'BPETokenizer.train': (o) => any(X.BPETokenizer.train)('ab ab', { vocabSize: 257, ...o }),
  tokenizeLines: (o) => any(X.tokenizeLines)('a b\n', o),
  sampleLogits: (o) => any(X.sampleLogits)([1, 2], o, new nb.Generator(0)),
  generate: (o) => any(X.generate)(() => nb.zeros([1, 1, 3]), [0], { maxLength: 1, ...o }),
  sequenceLogProb: (o) => any(X.sequenceLogProb)(() => nb.zeros([1, 1, 3]), [0, 1], o),
  Word2Vec: (o) => new X.Word2Vec([['a', 'b', 'a']], { vectorSize: 2, minCount: 1, epochs: 1, ...o }),
  GloVe: (o) => new X.GloVe([['a', 'b', 'a']], { vectorSize: 2, minCount: 1, epochs: 1, ...o }),
  NgramLM: (o) => new X.NgramLM(2, o),
  'NgramLM.generate': (o) => new X.NgramLM(2).fit([['a', 'b']]).generate(1, o),
  'KeyedVectors.getVector': (o) => keyed().getVector('a', o),
  'KeyedVectors.mostSimilar': (o) => keyed().mostSimilar({ positive: ['a'], ...o }),
  'KeyedVectors.mostSimilarCosmul': (o) => keyed().mostSimilarCosmul({ positive: ['a'], ...o }),
  'KeyedVectors.evaluateAnalogies': (o) => keyed().evaluateAnalogies('', o),
  'KeyedVectors.fromWord2VecText': (o) => any(X.KeyedVectors.fromWord2VecText)('1 2\na 1 0\n', o),
  'KeyedVectors.fromGloveText': (o) => any(X.KeyedVectors.fromGloveText)('a 1 0\n', o),
  'KeyedVectors.fromWord2VecBinary': (o) => any(X.KeyedVectors.fromWord2VecBinary)(keyed().toWord2VecBinary(), o),
  biasDirection: (o) => any(X.biasDirection)(keyed(), [['a', 'b']], o),
  hardDebias: (o) => any(X.hardDebias)(keyed(), { definitionalPairs: [['a', 'b']], ...o }),
};

/** "unknown option 'zzUnknownKey' for <fn>; ..." (the function possibly dotted: metrics.accuracy, F.lstm). */
const UNKNOWN = /unknown option 'zzUnknownKey' for [\w.]+; /;

describe('an unknown option key is an error naming the function and the key', () => {
  for (const [name, call] of Object.entries(CALLS)) {
    test(name, async () => {
      await Promise.resolve(call({}));
      await assert.rejects(async () => call({ zzUnknownKey: 1 }), (e: Error) => {
        assert.match(e.message, UNKNOWN, `${name}: ${e.message}`);
        assert.ok(e.message.includes(name.replace(/^(data|train|init)\./, '')), `${name}: the message does not name the function: ${e.message}`);
        return true;
      });
    });
  }
});

describe('a wrongly typed option is an error, not a silent default', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['DataLoader batchSize', () => new D.DataLoader(dataset(), { batchSize: '32' as never }), /DataLoader: option 'batchSize' must be an integer, got string '32'/],
    ['DataLoader shuffle', () => new D.DataLoader(dataset(), { shuffle: 'yes' as never }), /DataLoader: option 'shuffle' must be true or false, got string 'yes'/],
    ['metrics.accuracy threshold', () => M.accuracy(preds, target, { threshold: '0.5' as never }), /metrics.accuracy: option 'threshold' must be a number/],
    ['metrics.precision average', () => M.precision(preds, target, { average: 'macros' as never }), /metrics.precision: option 'average' must be 'binary', 'micro', 'macro', 'weighted' or 'none'/],
    ['EarlyStopping restoreBestWeights', () => new T.EarlyStopping({ restoreBestWeights: 1 as never }), /EarlyStopping: option 'restoreBestWeights' must be true or false/],
    ['F.maxPool2d ceilMode', () => F.maxPool2d(image(), 2, { ceilMode: 'true' as never }), /F.maxPool2d: option 'ceilMode' must be true or false/],
    ['randomCrop padding', () => D.transforms.randomCrop(4, { padding: 1.5 }), /randomCrop: option 'padding' must be an integer/],
  ];
  for (const [name, call, message] of cases) test(name, () => assert.throws(call, message));
  test('did-you-mean for a misspelt key (the issue\'s example)', () => {
    assert.throws(() => M.accuracy(preds, target, { averag: 'macro' } as never), /unknown option 'averag' for metrics.accuracy; valid options: threshold, sampleWeight/);
    assert.throws(() => M.precision(preds, target, { averag: 'macro' } as never), /unknown option 'averag' for metrics.precision; did you mean 'average'\?/);
    assert.throws(() => new O.lrScheduler.StepLR(sgd(), 2, { gama: 0.5 } as never), /unknown option 'gama' for StepLR; did you mean 'gamma'\?/);
  });
  test('a misspelt decodeLocalization mode is an error, not a silent \'squared\'', () => {
    assert.throws(() => V.detection.decodeLocalization(nb.randn([2, 7]), { mode: 'logisitc' as never }), /decodeLocalization: option 'mode' must be 'squared' or 'logistic'/);
  });
  test('trainShapesDetector rejects an unknown option before training', async () => {
    await assert.rejects(V.detection.trainShapesDetector({ epoch: 1 } as never), /unknown option 'epoch' for trainShapesDetector; did you mean 'epochs'\?/);
  });
  test('torch\'s positional load_state_dict(sd, False) and zero_grad(False) are read, not taken for options', () => {
    const m = linear();
    const partial = { weight: m.weight.detach().clone() };
    assert.throws(() => m.loadStateDict(partial), /missing/i);
    assert.deepEqual(m.loadStateDict(partial, false).missingKeys, ['bias']);
    m.weight.grad = nb.ones([1, 2]);
    m.zeroGrad(false);
    assert.deepEqual(m.weight.grad?.toArray(), [[0, 0]]);
    assert.throws(() => m.zeroGrad('no' as never), /Linear.zeroGrad: setToNone must be true or false, got string 'no'/);
  });
  test('extra arguments after the options object are errors', () => {
    assert.throws(() => any(M.accuracy)(preds, target, {}, 1), /metrics.accuracy: too many arguments/);
    assert.throws(() => any(F.adaptiveAvgPool2d)(image(), 2, {}), /F.adaptiveAvgPool2d: too many arguments/);
  });
});

describe('a missing required options object is an error naming the function and what it holds', () => {
  // Each of these once died with "Cannot read properties of undefined" or "Cannot destructure".
  const calls: Record<string, () => unknown> = {
    gaussianNoise: () => any(D.transforms.gaussianNoise)(),
    cutout: () => any(D.transforms.cutout)(),
    randomChannelShift: () => any(D.transforms.randomChannelShift)(),
    randomBrightness: () => any(D.transforms.randomBrightness)(),
    randomContrast: () => any(D.transforms.randomContrast)(),
    sampleLogits: () => any(X.sampleLogits)([1, 2], undefined, new nb.Generator(0)),
    hardDebias: () => any(X.hardDebias)(new X.KeyedVectors(['a', 'b'], new Float32Array(4), 2)),
    'strategy.selectModel': () => any(nb.strategy.selectModel)([{ name: 'a', acc: 1 }]),
    'tune.run': () => any(nb.tune.run)(),
    fit: () => any(T.fit)(linear()),
    TinyYolo: () => new (V.detection.TinyYolo as new (o?: unknown) => unknown)(),
    decodeYolo: () => any(V.detection.decodeYolo)(nb.randn([1, 2, 2, 1, 7])),
    encodeYolo: () => any(V.detection.encodeYolo)([]),
    beamSearchErrorAnalysis: () => any(S.beamSearchErrorAnalysis)(toyStep, null, [[1]], [[1]]),
    'KeyedVectors.mostSimilar': () => any(keyed().mostSimilar.bind(keyed()))(),
    'BPETokenizer.train': () => any(X.BPETokenizer.train)('ab'),
    toFullyConvolutional: () => any(V.detection.toFullyConvolutional)(new nn.Sequential(new nn.Flatten())),
  };
  for (const [name, call] of Object.entries(calls)) {
    test(name, async () => {
      await assert.rejects(async () => call(), (e: Error) => {
        assert.ok(e.message.startsWith(`${name}: options { `), `${name}: ${e.message}`);
        assert.match(e.message, / } are required, got undefined$/);
        return true;
      });
    });
  }
});

describe('torch\'s positional forms work and agree with the options form', () => {
  const same = (a: nb.Tensor, b: nb.Tensor): void => assert.deepEqual(a.toArray(), b.toArray());
  test('F.maxPool2d(x, kernel, stride, padding, dilation, ceilMode, returnIndices)', () => {
    const x = nb.randn([1, 2, 7, 7]);
    same(F.maxPool2d(x, 3, 2, 1) as nb.Tensor, F.maxPool2d(x, 3, { stride: 2, padding: 1 }));
    const positional = F.maxPool2d(x, 3, 2, 1, 1, true, true) as nb.ValuesIndices;
    const named = F.maxPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true, returnIndices: true });
    same(positional.indices, named.indices);
    same(F.avgPool2d(x, 2, null, 0, false, true, 3), F.avgPool2d(x, 2, { divisorOverride: 3 }));
    same((F.adaptiveMaxPool2d(x, 2, true) as nb.ValuesIndices).indices, F.adaptiveMaxPool2d(x, 2, { returnIndices: true }).indices);
  });
  test('F.scaledDotProductAttention(q, k, v, attnMask, dropoutP, isCausal, scale)', () => {
    const q = nb.randn([1, 3, 4]);
    same(F.scaledDotProductAttention(q, q, q, null, 0, true, 0.5), F.scaledDotProductAttention(q, q, q, { isCausal: true, scale: 0.5 }));
  });
  test('F.embedding(input, weight, paddingIdx) and the penalties\' lambda as an option', () => {
    const w = nb.randn([3, 2]);
    const i = nb.tensor([0, 2], { dtype: 'int32' });
    same(F.embedding(i, w, 0), F.embedding(i, w, { paddingIdx: 0 }));
    const m = linear();
    same(F.l2Penalty(m, 0.5, { excludeBiases: true }), F.l2Penalty(m, { lambda: 0.5, excludeBiases: true }));
  });
  test('torchvision roiAlign(input, boxes, outputSize, spatialScale, samplingRatio, aligned) and sigmoidFocalLoss(x, t, alpha, gamma, reduction)', () => {
    const x = nb.randn([1, 1, 6, 6]);
    const b = [nb.tensor([[0, 0, 4, 4]])];
    same(V.ops.roiAlign(x, b, 2, 0.5, 2, true), V.ops.roiAlign(x, b, 2, { spatialScale: 0.5, samplingRatio: 2, aligned: true }));
    const s = nb.randn([4]);
    const t = nb.tensor([0, 1, 0, 1]);
    same(V.ops.sigmoidFocalLoss(s, t, 0.5, 1, 'sum'), V.ops.sigmoidFocalLoss(s, t, { alpha: 0.5, gamma: 1, reduction: 'sum' }));
  });
});
