/**
 * @file `xent check model.onnx` and `xent check module.py`: the engine laws on a loss another engine runs (an
 * ONNX model on onnxruntime-node's CPU or WebGPU provider, a PyTorch function run by /usr/bin/python3).
 */
import { certifyEngine, type Engine, formatEngineReport, onnxEngine, pythonEngine, type RoleNames } from '@xent/laws';
import { XentError } from '@xent/core';
import { CheckError, type CheckOptions, type CheckOutput } from './check.js';

/** The engines `xent check` starts, by the file's extension. */
export const engineFiles = ['.onnx', '.py'] as const;

/** Whether `file` is a model or module another engine runs. */
export const isEngineFile = (file: string): boolean => engineFiles.some((e) => file.endsWith(e));

/** Starts the engine for `file`; a model or module it cannot load is a CheckError. */
async function start(options: CheckOptions): Promise<Engine> {
  try {
    return options.file.endsWith('.onnx')
      ? await onnxEngine(options.file, { provider: options.engine ?? 'cpu' })
      : await pythonEngine(options.file, {
          ...(options.exportName === undefined ? {} : { function: options.exportName }),
          dtype: options.dtype ?? 'f32',
          ...(options.labelDtype === undefined ? {} : { labels: options.labelDtype }),
          ...(options.shape === undefined ? {} : { shape: options.shape }),
        });
  } catch (e) {
    // `xent.onnxEngine: argument 'path' expected …, got <file>: <why>`: the why is what the user needs.
    if (e instanceof XentError) {
      const why = e.message.slice(e.message.indexOf(', got ') + ', got '.length);
      throw new CheckError(
        `could not load ${options.file}: ${why.startsWith(`${options.file}: `) ? why.slice(options.file.length + 2) : why}`,
      );
    }
    throw e;
  }
}

/** Runs the engine laws; returns the exit code (0 every law holds, 1 one fails). */
export async function checkEngine(options: CheckOptions, out: CheckOutput): Promise<number> {
  const engine = await start(options);
  try {
    const names: RoleNames = options.names ?? {};
    let report;
    try {
      report = await certifyEngine(engine, {
        runs: options.runs,
        seed: options.seed,
        names,
        onLaw: (law, i, n) => {
          out.progress(`checking ${engine.name} [${i + 1}/${n}] ${law}`);
        },
      });
    } catch (e) {
      // A port name given on the command line is reported by its option.
      if (e instanceof XentError)
        throw new CheckError(e.message.replace(/^xent\.\w+: argument '(logits|labels|out)'/, '--$1'));
      throw e;
    }
    if (options.json) out.log(JSON.stringify(report, null, 2));
    else {
      out.log(`${formatEngineReport(report)}\n`);
      out.log(report.ok ? `xent check: ${engine.name}: ok` : `xent check: ${engine.name}: NOT ok`);
    }
    return report.ok || options.exitZero ? 0 : 1;
  } finally {
    await engine.close();
  }
}
