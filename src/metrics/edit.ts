/** Edit distance (torchaudio.functional.edit_distance) and the error rates of speech recognition. */

/** A sequence: a string (its characters) or an array of tokens compared with ===. */
export type EditSequence = string | readonly (string | number)[];

function items(op: string, s: EditSequence, what: string): readonly (string | number)[] {
  if (typeof s === 'string') return Array.from(s);
  if (!Array.isArray(s)) throw new Error(`${op}: ${what} must be a string or an array of tokens, got ${s === null ? 'null' : typeof s}`);
  return s;
}

/**
 * Levenshtein distance: the fewest insertions, deletions and substitutions turning one sequence
 * into the other (torchaudio.functional.edit_distance).
 */
export function editDistance(seq1: EditSequence, seq2: EditSequence): number {
  const a = items('editDistance', seq1, 'seq1');
  const b = items('editDistance', seq2, 'seq2');
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next.push(Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    row = next;
  }
  return row[b.length]!;
}

function errorRate(op: string, predictions: string | readonly string[], references: string | readonly string[], split: (s: string) => string[]): number {
  const preds = typeof predictions === 'string' ? [predictions] : predictions;
  const refs = typeof references === 'string' ? [references] : references;
  if (!Array.isArray(preds) || !Array.isArray(refs)) throw new Error(`${op}: predictions and references must be strings or arrays of strings`);
  if (preds.length !== refs.length) throw new Error(`${op}: ${preds.length} predictions but ${refs.length} references`);
  let errors = 0;
  let total = 0;
  preds.forEach((p, i) => {
    const r = refs[i]!;
    if (typeof p !== 'string' || typeof r !== 'string') throw new Error(`${op}: prediction and reference ${i} must be strings`);
    const ref = split(r);
    errors += editDistance(split(p), ref);
    total += ref.length;
  });
  if (total === 0) throw new Error(`${op}: the references are empty (nothing to divide the errors by)`);
  return errors / total;
}

/** Character error rate: total edit distance over characters / total reference characters (corpus level). */
export function cer(predictions: string | readonly string[], references: string | readonly string[]): number {
  return errorRate('cer', predictions, references, (s) => Array.from(s));
}

/** Word error rate: total edit distance over whitespace-separated words / total reference words (corpus level). */
export function wer(predictions: string | readonly string[], references: string | readonly string[]): number {
  return errorRate('wer', predictions, references, (s) => s.split(/\s+/).filter((w) => w.length > 0));
}
