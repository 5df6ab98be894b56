/**
 * CSV tables: a header row, numeric feature columns and one label column, parsed into a float
 * feature matrix and a label vector. Quoted fields (RFC 4180) and CRLF line ends are handled.
 */
import { Tensor } from '../tensor/tensor.js';
import { LabelEncoder } from './preprocessing.js';

/** Splits CSV text into rows of fields; quoted fields may hold the delimiter, quotes ("") and newlines. */
export function parseCsvRows(text: string, delimiter = ','): string[][] {
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new Error(`parseCsv: delimiter must be one character other than a quote or newline, got ${JSON.stringify(delimiter)}`);
  }
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // skip a byte-order mark
  const endRow = (): void => {
    row.push(field);
    field = '';
    if (!(row.length === 1 && row[0] === '')) rows.push(row);
    row = [];
  };
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"' && field === '') quoted = true;
    else if (c === delimiter) {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
    } else field += c;
  }
  if (quoted) throw new Error(`parseCsv: a quoted field opened before line ${line} is never closed`);
  if (field !== '' || row.length > 0) endRow();
  return rows;
}

export interface CsvOptions {
  /** The first row names the columns (default true). */
  header?: boolean;
  /**
   * The label column: a header name, an index (negative counts from the end), or null for no
   * labels. Default: the last column.
   */
  labelColumn?: string | number | null;
  delimiter?: string;
  /** Feature dtype (default float32). */
  dtype?: 'float32' | 'float64';
}

export interface CsvTable {
  /** [rows, features] floats. */
  features: Tensor;
  /** [rows]: int32 class indices for integer or text labels, float32 for fractional (regression) labels; null with labelColumn null. */
  labels: Tensor | null;
  /** Names of the feature columns (from the header, or "column 0", ...). */
  featureNames: string[];
  /** For text labels: the class names in index order (sorted). For numeric labels: null. */
  classNames: string[] | null;
}

/** Parses a CSV table of numeric features and a label column (numbers or class names). */
export function parseCsv(text: string, options: CsvOptions = {}): CsvTable {
  const rows = parseCsvRows(text, options.delimiter ?? ',');
  const hasHeader = options.header ?? true;
  if (rows.length === 0 || (hasHeader && rows.length === 1)) throw new Error('parseCsv: the CSV has no data rows');
  const width = rows[0]!.length;
  const names = hasHeader ? rows[0]!.map((s) => s.trim()) : Array.from({ length: width }, (_, i) => `column ${i}`);
  const body = hasHeader ? rows.slice(1) : rows;
  const firstLine = hasHeader ? 2 : 1;
  body.forEach((r, k) => {
    if (r.length !== width) {
      throw new Error(`parseCsv: row ${k + firstLine} has ${r.length} fields but the ${hasHeader ? 'header' : 'first row'} has ${width}`);
    }
  });
  const labelSpec = options.labelColumn === undefined ? -1 : options.labelColumn;
  let labelIndex = -1;
  if (labelSpec !== null) {
    if (typeof labelSpec === 'string') {
      if (!hasHeader) throw new Error(`parseCsv: labelColumn "${labelSpec}" is a name, but the CSV has no header; give an index`);
      labelIndex = names.indexOf(labelSpec);
      if (labelIndex < 0) throw new Error(`parseCsv: no column named "${labelSpec}"; columns are ${names.map((n) => `"${n}"`).join(', ')}`);
    } else {
      labelIndex = labelSpec < 0 ? width + labelSpec : labelSpec;
      if (!Number.isInteger(labelSpec) || labelIndex < 0 || labelIndex >= width) {
        throw new Error(`parseCsv: labelColumn ${labelSpec} is out of range for ${width} columns`);
      }
    }
  }
  const featureColumns = names.map((_, i) => i).filter((i) => i !== labelIndex);
  const dtype = options.dtype ?? 'float32';
  const features = dtype === 'float64' ? new Float64Array(body.length * featureColumns.length) : new Float32Array(body.length * featureColumns.length);
  body.forEach((r, k) => {
    featureColumns.forEach((c, j) => {
      const raw = r[c]!.trim();
      const v = raw === '' ? NaN : Number(raw);
      if (Number.isNaN(v) && raw.toLowerCase() !== 'nan') {
        throw new Error(`parseCsv: row ${k + firstLine}, column "${names[c]}": ${JSON.stringify(r[c])} is not a number`);
      }
      features[k * featureColumns.length + j] = v;
    });
  });
  let labels: Tensor | null = null;
  let classNames: string[] | null = null;
  if (labelIndex >= 0) {
    const raw = body.map((r) => r[labelIndex]!.trim());
    const numeric = raw.map(Number);
    if (raw.every((s, k) => s !== '' && Number.isFinite(numeric[k]))) {
      labels = numeric.every(Number.isInteger)
        ? Tensor.fromData(Int32Array.from(numeric), [numeric.length], 'int32')
        : Tensor.fromData(Float32Array.from(numeric), [numeric.length], 'float32');
    } else {
      const encoder = new LabelEncoder<string>().fit(raw);
      labels = encoder.transform(raw);
      classNames = encoder.classes;
    }
  }
  return {
    features: Tensor.fromData(features, [body.length, featureColumns.length], dtype),
    labels,
    featureNames: featureColumns.map((c) => names[c]!),
    classNames,
  };
}
