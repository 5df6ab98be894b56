/**
 * The sequence-to-sequence toolkit (nb.seq2seq): decoding generic over a step function (greedy,
 * beam search with length normalisation, sequence scoring, beam-search error analysis).
 */
export { greedyDecode, beamSearch, sequenceLogProbs, beamSearchErrorAnalysis, reorderRows } from './decode.js';
export type {
  StepFunction, StepResult, Hypothesis, DecodeOptions, BeamSearchOptions, ErrorAnalysisOptions, ErrorAttribution, ErrorAnalysis,
} from './decode.js';
