/** @file The engine contract: another runtime (ONNX Runtime, PyTorch) evaluating a loss as an async batch of named arrays in, named arrays out. */
import { BackendError, ValueError } from '@xent/core';
import { fail, s } from '@xent/core/internal';
import type { LogitOptions } from '../arbitraries/distributions.js';

/** The element types an engine exchanges. */
export type EngineDType = 'f32' | 'f64' | 'i32' | 'i64';

/** One array crossing to or from an engine: row-major values (JS numbers; i64 labels are small) and a shape. */
export interface EngineArray {
  readonly dtype: EngineDType;
  readonly shape: readonly number[];
  readonly values: readonly number[];
}

/** An input or output of an engine's function: its name and element type. */
export interface EnginePort {
  readonly name: string;
  readonly dtype: EngineDType;
  /**
   * The shape, where the engine declares it: a number is a fixed size, a string names a size that
   * varies (ONNX's symbolic dims). A model with a fixed batch or class count is checked at that size.
   */
  readonly shape?: readonly (number | string)[];
}

/**
 * A loss evaluated by another runtime: `run` takes every input by name and resolves to every output by
 * name. Inputs and outputs follow the export naming: a cotangent input `d(out)` (or `d_out`) and a
 * gradient output `d(logits)` (or `d_logits`) mean the engine computes the vector-Jacobian product too.
 */
export interface Engine {
  /** What it runs, in words (`onnxruntime-node webgpu: model.onnx`). */
  readonly name: string;
  readonly inputs: readonly EnginePort[];
  readonly outputs: readonly EnginePort[];
  run(feeds: Readonly<Record<string, EngineArray>>): Promise<Record<string, EngineArray>>;
  /** Frees the session or ends the process. */
  close(): Promise<void>;
}

const isPorts = (v: unknown): boolean =>
  Array.isArray(v) && v.every((p) => typeof (p as EnginePort | null)?.name === 'string');

const isEngine = (v: unknown): v is Engine => {
  const e = v as Partial<Engine> | null;
  return (
    typeof v === 'object' &&
    e !== null &&
    typeof e.name === 'string' &&
    isPorts(e.inputs) &&
    isPorts(e.outputs) &&
    typeof e.run === 'function' &&
    typeof e.close === 'function'
  );
};

/** An engine argument (`await onnxEngine(path)`, `await pythonEngine(path)`). */
export const engineSchema = s.custom('an Engine (await onnxEngine(path), await pythonEngine(path))', isEngine, () => ({
  name: 'identity',
  inputs: [{ name: 'logits', dtype: 'f32' as const }],
  outputs: [{ name: 'out', dtype: 'f32' as const }],
  run: (feeds: Readonly<Record<string, EngineArray>>) => Promise.resolve({ out: feeds['logits'] as EngineArray }),
  close: () => Promise.resolve(),
}));

/** Which input is the logits, which the labels, which output the loss, and the VJP ports when the engine has them. */
export interface EngineRoles {
  /** The float logits [B, K] input. */
  readonly logits: EnginePort;
  /** The integer labels [B] input. */
  readonly labels: EnginePort;
  /** The loss output: a scalar or one value per example. */
  readonly out: EnginePort;
  /** The cotangent input `d(out)` and gradient output `d(logits)`, when the engine computes a VJP. */
  readonly vjp?: { readonly cotangent: EnginePort; readonly gradient: EnginePort };
}

/** Names of the ports when the engine's own are not the defaults. */
export interface RoleNames {
  /** The logits input (default the first float input). */
  readonly logits?: string;
  /** The labels input (default the first integer input). */
  readonly labels?: string;
  /** The loss output (default the first output). */
  readonly out?: string;
}

export const roleNamesSchema = s.options({
  logits: s.optional(s.string),
  labels: s.optional(s.string),
  out: s.optional(s.string),
});

const isFloat = (p: EnginePort): boolean => p.dtype === 'f32' || p.dtype === 'f64';

/** The ports of a classification loss on `engine`, on behalf of the public function `fn`. */
/** Whether `name` is the differential of `of`: `d(of)` as traced, or `d_of` as x.export.onnx writes it (`d_out`, `d_args_0`). */
const differentialOf = (name: string, of: string): boolean => name === `d(${of})` || name === `d_${of}`;

/** A fixed size of a declared shape, or undefined where it varies or is not declared. */
const fixed = (port: EnginePort, axis: number): number | undefined => {
  const d = port.shape?.[axis];
  return typeof d === 'number' ? d : undefined;
};

/** The batch and class counts the laws draw: a model's fixed sizes, or the law kit's ranges. */
export function drawnSizes(roles: EngineRoles): LogitOptions {
  const batch = fixed(roles.logits, 0);
  const classes = fixed(roles.logits, 1);
  return {
    ...(batch === undefined ? {} : { minBatch: batch, maxBatch: batch }),
    ...(classes === undefined ? {} : { minClasses: classes, maxClasses: classes }),
  };
}

export function classificationRoles(fn: string, engine: Engine, names: RoleNames = {}): EngineRoles {
  const pick = (
    ports: readonly EnginePort[],
    arg: keyof RoleNames,
    wanted: string | undefined,
    fallback: (p: EnginePort) => boolean,
    what: string,
  ): EnginePort => {
    const found = wanted === undefined ? ports.find(fallback) : ports.find((p) => p.name === wanted);
    if (found === undefined)
      fail(
        wanted === undefined ? BackendError : ValueError,
        fn,
        arg,
        wanted === undefined ? `an engine with ${what}` : `the name of ${what}`,
        `${engine.name} with ${ports.map((p) => `${p.name} (${p.dtype})`).join(', ') || 'none'}`,
      );
    return found;
  };
  const logits = pick(engine.inputs, 'logits', names.logits, isFloat, 'a float logits input');
  const labels = pick(engine.inputs, 'labels', names.labels, (p) => !isFloat(p), 'an integer labels input');
  const out = pick(engine.outputs, 'out', names.out, isFloat, 'a float loss output');
  const cotangent = engine.inputs.find((p) => differentialOf(p.name, out.name));
  const gradient = engine.outputs.find((p) => differentialOf(p.name, logits.name));
  const other = engine.inputs.find((p) => p !== logits && p !== labels && p !== cotangent);
  if (other !== undefined)
    fail(
      BackendError,
      fn,
      'engine',
      `an engine whose inputs are the logits, the labels and (with a VJP) d(${out.name})`,
      `${engine.name} with another input, ${other.name} (${other.dtype})`,
    );
  return {
    logits,
    labels,
    out,
    ...(cotangent === undefined || gradient === undefined ? {} : { vjp: { cotangent, gradient } }),
  };
}
