/** @file A PyTorch function in a Python module as an engine (Node only): one `/usr/bin/python3` process, arrays exchanged as raw bytes over its stdin and stdout. */
import { BackendError, ValueError } from '@xent/core';
import { count, MAX_DRAWN } from '../schemas.js';
import { fail, publicFn, s } from '@xent/core/internal';
import type { Engine, EngineArray, EngineDType, EnginePort } from './engine.js';
import { pythonDriver } from './pythonDriver.js';

/** Options of `pythonEngine`. */
export interface PythonEngineOptions {
  /** The function to run (default the module's only public function). */
  readonly function?: string;
  /** The float dtype of the logits and the loss (default 'f32', the dtype training runs in). */
  readonly dtype?: 'f32' | 'f64';
  /** The labels' dtype (default 'i64', what torch's losses take; modules exported by xent take 'i32'). */
  readonly labels?: 'i32' | 'i64';
  /**
   * The fixed [batch, classes] the function takes (a module exported from example arguments checks
   * them); by default they vary.
   */
  readonly shape?: readonly number[];
  /** Add the VJP by torch autograd: a `d(out)` input and a `d(<logits>)` output (default true). */
  readonly vjp?: boolean;
  /** The interpreter (default '/usr/bin/python3'); it must import torch. */
  readonly python?: string;
}

const arrayOf: Record<
  EngineDType,
  { bytes: number; from: (v: readonly number[]) => ArrayBufferView; to: (b: Buffer) => number[] }
> = {
  f32: {
    bytes: 4,
    from: (v) => Float32Array.from(v),
    to: (b) => Array.from(new Float32Array(b.buffer, b.byteOffset, b.length / 4)),
  },
  f64: {
    bytes: 8,
    from: (v) => Float64Array.from(v),
    to: (b) => Array.from(new Float64Array(b.buffer, b.byteOffset, b.length / 8)),
  },
  i32: {
    bytes: 4,
    from: (v) => Int32Array.from(v),
    to: (b) => Array.from(new Int32Array(b.buffer, b.byteOffset, b.length / 4)),
  },
  i64: {
    bytes: 8,
    from: (v) => BigInt64Array.from(v, (n) => BigInt(n)),
    to: (b) => Array.from(new BigInt64Array(b.buffer, b.byteOffset, b.length / 8), Number),
  },
};

interface Header {
  readonly error?: string;
  readonly function?: string;
  readonly inputs?: EnginePort[];
  readonly outputs?: EnginePort[];
  readonly arrays?: { name: string; dtype: EngineDType; shape: number[] }[];
}

/** Reads the process's answers: a JSON line, then the bytes its arrays announce. */
class Answers {
  private buffer = Buffer.alloc(0);
  private waiting: (() => void) | undefined;
  private ended = false;

  constructor(stream: NodeJS.ReadableStream) {
    stream.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.waiting?.();
    });
    stream.on('end', () => {
      this.ended = true;
      this.waiting?.();
    });
  }

  /** Resolves once `ready` says the buffer holds what is wanted; rejects when the stream ended first. */
  private async until(ready: () => boolean, why: () => string): Promise<void> {
    while (!ready()) {
      if (this.ended) throw new Error(why());
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  async header(why: () => string): Promise<Header> {
    await this.until(() => this.buffer.includes(10), why);
    const end = this.buffer.indexOf(10);
    const line = this.buffer.subarray(0, end).toString('utf8');
    this.buffer = this.buffer.subarray(end + 1);
    return JSON.parse(line) as Header;
  }

  async bytes(n: number, why: () => string): Promise<Buffer> {
    await this.until(() => this.buffer.length >= n, why);
    const out = Buffer.from(this.buffer.subarray(0, n));
    this.buffer = this.buffer.subarray(n);
    return out;
  }
}

/**
 * Starts one Python process that imports the module at `path` and runs a torch function of
 * (logits, labels) in it, as an engine for the engine laws: logits in `dtype`, labels as int64 (or `labels`).
 */
export const pythonEngine = publicFn(
  'pythonEngine',
  {
    path: s.string,
    options: s.options({
      function: s.optional(s.string),
      dtype: s.optional(s.oneOf(['f32', 'f64'])),
      labels: s.optional(s.oneOf(['i32', 'i64'])),
      shape: s.optional(s.array(count(1, MAX_DRAWN, 'entries'))),
      vjp: s.optional(s.boolean),
      python: s.optional(s.string),
    }),
  },
  async (path: string, options: PythonEngineOptions = {}): Promise<Engine> => {
    if (options.shape !== undefined && options.shape.length !== 2)
      fail(ValueError, 'pythonEngine', 'shape', '[batch, classes]', `[${options.shape.join(', ')}]`);
    const python = options.python ?? '/usr/bin/python3';
    // Imported here, not at the top: the law kit also loads in browsers, where only this engine needs Node.
    const { spawn } = await import('node:child_process');
    const child = spawn(
      python,
      [
        '-c',
        pythonDriver,
        path,
        options.function ?? '',
        options.dtype ?? 'f32',
        options.labels ?? 'i64',
        options.vjp === false ? '0' : '1',
        JSON.stringify(options.shape ?? null),
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const started = new Promise<void>((resolve, reject) => {
      child.on('spawn', resolve);
      child.on('error', reject);
    });
    try {
      await started;
    } catch (e) {
      return fail(
        BackendError,
        'pythonEngine',
        'python',
        'a Python interpreter that starts',
        `${python}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    const answers = new Answers(child.stdout);
    const ended = (): string => `${python} ended (${stderr.trim().split('\n').slice(-3).join(' | ') || 'no output'})`;
    const hello: Header = await answers
      .header(ended)
      .catch((e: unknown) => ({ error: e instanceof Error ? e.message : String(e) }));
    if (hello.error !== undefined || hello.inputs === undefined || hello.outputs === undefined) {
      child.kill();
      return fail(
        BackendError,
        'pythonEngine',
        'path',
        'a Python module with a torch function of (logits, labels)',
        `${path}: ${hello.error ?? 'no answer'}`,
      );
    }
    const { inputs, outputs } = hello;
    let queue = Promise.resolve();
    const exchange = async (feeds: Readonly<Record<string, EngineArray>>): Promise<Record<string, EngineArray>> => {
      const arrays = inputs.map((p) => ({
        name: p.name,
        dtype: p.dtype,
        shape: [...(feeds[p.name] as EngineArray).shape],
      }));
      child.stdin.write(`${JSON.stringify({ arrays })}\n`);
      for (const p of inputs) {
        const view = arrayOf[p.dtype].from((feeds[p.name] as EngineArray).values);
        child.stdin.write(Buffer.from(view.buffer, view.byteOffset, view.byteLength));
      }
      const answer = await answers.header(ended);
      if (answer.error !== undefined || answer.arrays === undefined)
        throw new Error(`${path}:${hello.function ?? ''} raised ${answer.error ?? 'nothing readable'}`);
      const result: Record<string, EngineArray> = {};
      for (const a of answer.arrays) {
        const n = a.shape.reduce((p, d) => p * d, 1);
        const raw = await answers.bytes(n * arrayOf[a.dtype].bytes, ended);
        result[a.name] = { dtype: a.dtype, shape: a.shape, values: arrayOf[a.dtype].to(raw) };
      }
      return result;
    };
    return {
      name: `${python} torch ${options.dtype ?? 'f32'}: ${path}:${hello.function ?? ''}`,
      inputs,
      outputs,
      // One request at a time: the process answers in order.
      run: (feeds) => {
        const next = queue.then(() => exchange(feeds));
        queue = next.then(
          () => undefined,
          () => undefined,
        );
        return next;
      },
      close: async () => {
        child.stdin.end();
        if (child.exitCode === null && child.signalCode === null)
          await new Promise((resolve) => child.once('exit', resolve));
      },
    };
  },
);
