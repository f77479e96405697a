/** @file The parts of ONNX's ModelProto an export writes (graph, nodes, attributes, tensors, typed values) and their protobuf encoding. */
import { littleEndian, ProtoMessage } from './protobuf.js';

/** The element types an exported model uses (i64: shapes, axes and other operator arguments). */
export type OnnxDType = 'f32' | 'f64' | 'i32' | 'i64' | 'bool';

/** TensorProto.DataType codes. */
export const onnxElementType: Readonly<Record<OnnxDType, number>> = { f32: 1, i32: 6, i64: 7, bool: 9, f64: 11 };

/** A constant tensor (an initializer, or a node's tensor attribute). */
export interface OnnxTensor {
  readonly name: string;
  readonly dtype: OnnxDType;
  readonly dims: readonly number[];
  /** Row-major values (i64 as bigints or safe integers; bool as 0/1). */
  readonly values: ArrayLike<number | bigint>;
}

/** A node attribute: an integer, a list of integers, a float or a tensor. */
export type OnnxAttribute =
  | { readonly name: string; readonly kind: 'int'; readonly value: number }
  | { readonly name: string; readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly name: string; readonly kind: 'float'; readonly value: number };

export interface OnnxNode {
  readonly opType: string;
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: readonly OnnxAttribute[];
}

/** A graph input or output: its name, element type and static shape. */
export interface OnnxValueInfo {
  readonly name: string;
  readonly dtype: OnnxDType;
  readonly shape: readonly number[];
}

export interface OnnxModel {
  /** The default domain's opset version. */
  readonly opset: number;
  readonly graphName: string;
  readonly docString: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly OnnxTensor[];
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
}

/** IR version 8: what ONNX 1.10 to 1.13 write for opsets up to 18. */
const IR_VERSION = 8;

/** AttributeProto.AttributeType codes. */
const attributeType = { float: 1, int: 2, ints: 7 } as const;

/** A tensor's values as TensorProto.raw_data (little-endian, fixed width per element). */
function rawData(t: OnnxTensor): Uint8Array {
  const n = t.values.length;
  if (t.dtype === 'f32' || t.dtype === 'f64')
    return littleEndian(Array.from(t.values, Number), t.dtype === 'f32' ? 4 : 8);
  if (t.dtype === 'bool') return Uint8Array.from(t.values, (v) => (Number(v) !== 0 ? 1 : 0));
  const width = t.dtype === 'i64' ? 8 : 4;
  const out = new Uint8Array(n * width);
  const view = new DataView(out.buffer);
  for (let i = 0; i < n; i++) {
    const v = t.values[i] as number | bigint;
    if (width === 8) view.setBigInt64(i * 8, BigInt(v), true);
    else view.setInt32(i * 4, Number(v), true);
  }
  return out;
}

function tensorProto(t: OnnxTensor): ProtoMessage {
  return new ProtoMessage()
    .packedInts(1, t.dims)
    .int(2, onnxElementType[t.dtype])
    .string(8, t.name)
    .bytes(9, rawData(t));
}

function attributeProto(a: OnnxAttribute): ProtoMessage {
  const m = new ProtoMessage().string(1, a.name);
  if (a.kind === 'float') m.float(2, a.value);
  else if (a.kind === 'int') m.int(3, a.value);
  else m.packedInts(8, a.value);
  return m.int(20, attributeType[a.kind]);
}

function nodeProto(n: OnnxNode): ProtoMessage {
  const m = new ProtoMessage();
  for (const i of n.inputs) m.string(1, i);
  for (const o of n.outputs) m.string(2, o);
  m.string(3, n.name).string(4, n.opType);
  for (const a of n.attributes) m.message(5, attributeProto(a));
  return m;
}

/** ValueInfoProto { name, type: TypeProto { tensor_type: { elem_type, shape: { dim: [{ dim_value }] } } } }. */
function valueInfoProto(v: OnnxValueInfo): ProtoMessage {
  const shape = new ProtoMessage();
  for (const d of v.shape) shape.message(1, new ProtoMessage().int(1, d));
  const tensorType = new ProtoMessage().int(1, onnxElementType[v.dtype]).message(2, shape);
  return new ProtoMessage().string(1, v.name).message(2, new ProtoMessage().message(1, tensorType));
}

/** The serialized ModelProto. */
export function encodeModel(model: OnnxModel): Uint8Array {
  const graph = new ProtoMessage();
  for (const n of model.nodes) graph.message(1, nodeProto(n));
  graph.string(2, model.graphName);
  for (const t of model.initializers) graph.message(5, tensorProto(t));
  graph.string(10, model.docString);
  for (const i of model.inputs) graph.message(11, valueInfoProto(i));
  for (const o of model.outputs) graph.message(12, valueInfoProto(o));
  return new ProtoMessage()
    .int(1, IR_VERSION)
    .string(2, 'xent')
    .message(7, graph)
    .message(8, new ProtoMessage().string(1, '').int(2, model.opset))
    .finish();
}
