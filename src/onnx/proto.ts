/**
 * The ONNX protobuf messages, from the official schema (onnx-proto.ts) parsed by protobufjs. Field
 * names keep the schema's snake_case (keepCase), so objects read like the .proto text.
 */
import protobuf from 'protobufjs';
import { ONNX_PROTO } from './onnx-proto.js';

let root: protobuf.Root | null = null;

/** A message type of onnx.proto ('ModelProto', 'TensorProto', ...), parsed once. */
export function onnxType(name: string): protobuf.Type {
  root ??= protobuf.parse(ONNX_PROTO, { keepCase: true }).root;
  return root.lookupType(`onnx.${name}`);
}

/** TensorProto.DataType values used by the exporter and importer. */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
} as const;

/** AttributeProto.AttributeType values. */
export const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;
