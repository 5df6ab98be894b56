/**
 * The sequence-to-sequence toolkit (nb.seq2seq): decoding generic over a step function (greedy,
 * beam search with length normalisation, sequence scoring, beam-search error analysis).
 */
export { greedyDecode, beamSearch, sequenceLogProbs, beamSearchErrorAnalysis, reorderRows } from './decode.js';
export type {
  StepFunction, StepResult, Hypothesis, DecodeOptions, BeamSearchOptions, ErrorAnalysisOptions, ErrorAttribution, ErrorAnalysis,
} from './decode.js';
export { EncoderDecoder } from './model.js';
export type {
  EncoderDecoderOptions, CellType, AttentionType, DecoderState, EncodeOptions, ForwardOptions, ForwardResult,
} from './model.js';
export { attentionHeatmap } from './heatmap.js';
export type { AttentionHeatmapOptions } from './heatmap.js';
export { humanDates, formatDate, DATE_FORMATS } from './dates.js';
export type { DatePair, HumanDatesOptions } from './dates.js';
export { TransformerSeq2Seq } from './transformer.js';
export type { TransformerSeq2SeqOptions, TransformerDecoderState, TransformerEncodeOptions, TransformerForwardOptions } from './transformer.js';
