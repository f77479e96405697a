/** @file An ONNX model as an engine, run by onnxruntime-node (an optional peer dependency, imported only here) on its CPU or WebGPU execution provider. */
import { BackendError } from '@xent/core';
import { fail, publicFn, s } from '@xent/core/internal';
import type { Engine, EngineArray, EngineDType, EnginePort } from './engine.js';

/** Options of `onnxEngine`. */
export interface OnnxEngineOptions {
  /** The execution provider (default 'cpu'). */
  readonly provider?: 'cpu' | 'webgpu';
}

type Ort = typeof import('onnxruntime-node');

/** ONNX element types the engine exchanges, by ORT's name. */
const dtypes: Readonly<Record<string, EngineDType>> = { float32: 'f32', float64: 'f64', int32: 'i32', int64: 'i64' };

/** A typed array of `dtype` holding `values` (i64 as BigInt64Array). */
const typed = (
  dtype: EngineDType,
  values: readonly number[],
): Float32Array | Float64Array | Int32Array | BigInt64Array =>
  ({
    f32: () => Float32Array.from(values),
    f64: () => Float64Array.from(values),
    i32: () => Int32Array.from(values),
    i64: () => BigInt64Array.from(values, (v) => BigInt(v)),
  })[dtype]();

const ortType: Record<EngineDType, 'float32' | 'float64' | 'int32' | 'int64'> = {
  f32: 'float32',
  f64: 'float64',
  i32: 'int32',
  i64: 'int64',
};

async function loadOrt(): Promise<Ort> {
  try {
    return await import('onnxruntime-node');
  } catch (e) {
    return fail(
      BackendError,
      'onnxEngine',
      'path',
      'onnxruntime-node installed beside @xent/laws (npm install onnxruntime-node)',
      `an import error: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

/** The ports of a session's inputs or outputs (tensors of a type the engine exchanges). */
function ports(meta: readonly import('onnxruntime-node').InferenceSession.ValueMetadata[], path: string): EnginePort[] {
  return meta.map((m) => {
    const dtype = m.isTensor ? dtypes[m.type] : undefined;
    if (dtype === undefined)
      fail(
        BackendError,
        'onnxEngine',
        'path',
        'a model of f32, f64, i32 or i64 tensors',
        `${path} with ${m.name} of type ${m.isTensor ? m.type : 'non-tensor'}`,
      );
    return { name: m.name, dtype, ...(m.isTensor ? { shape: m.shape } : {}) };
  });
}

/** Loads an ONNX model into onnxruntime-node on the CPU or WebGPU execution provider, as an engine for the engine laws. */
export const onnxEngine = publicFn(
  'onnxEngine',
  { path: s.string, options: s.options({ provider: s.optional(s.oneOf(['cpu', 'webgpu'])) }) },
  async (path: string, options: OnnxEngineOptions = {}): Promise<Engine> => {
    const ort = await loadOrt();
    const provider = options.provider ?? 'cpu';
    let session: import('onnxruntime-node').InferenceSession;
    try {
      session = await ort.InferenceSession.create(path, { executionProviders: [provider], logSeverityLevel: 3 });
    } catch (e) {
      return fail(
        BackendError,
        'onnxEngine',
        'path',
        `an ONNX model onnxruntime-node loads on ${provider}`,
        `${path}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    const inputs = ports(session.inputMetadata, path);
    const outputs = ports(session.outputMetadata, path);
    return {
      name: `onnxruntime-node ${provider}: ${path}`,
      inputs,
      outputs,
      run: async (feeds) => {
        const tensors = Object.fromEntries(
          inputs.map((p) => {
            const a = feeds[p.name] as EngineArray;
            return [p.name, new ort.Tensor(ortType[p.dtype], typed(p.dtype, a.values), [...a.shape])];
          }),
        );
        const result = await session.run(tensors);
        return Object.fromEntries(
          outputs.map((p) => {
            const t = result[p.name] as import('onnxruntime-node').Tensor;
            return [
              p.name,
              { dtype: p.dtype, shape: [...t.dims], values: Array.from(t.data as ArrayLike<number | bigint>, Number) },
            ];
          }),
        );
      },
      close: () => session.release(),
    };
  },
);
