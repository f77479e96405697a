/**
 * @file Running exported ONNX models on onnxruntime-node (feeds from xent tensors, outputs as numbers), and
 * validating them with Debian's `onnx.checker` through /usr/bin/python3 (one process for many models).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type * as x from 'xent';

export const python = '/usr/bin/python3';

/** Whether /usr/bin/python3 imports onnx (CI installs python3-onnx: there the checks must not skip). */
export function hasPythonOnnx(): boolean {
  try {
    execFileSync(python, ['-c', 'import onnx'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Checks must run where CI=true, whatever this machine has. */
export const pythonRequired = process.env['CI'] === 'true';

const ortType = { f32: 'float32', f64: 'float64', i32: 'int32', bool: 'bool' } as const;

/** An ORT tensor holding a host xent tensor's values. */
export function ortTensor(t: x.Tensor): ort.Tensor {
  const dtype = t.dtype;
  return new ort.Tensor(ortType[dtype], t.data() as never, t.shape);
}

/** The sessions opened and not yet released (a WebGPU session holds device memory and threads until released). */
const open = new Set<ort.InferenceSession>();

/** A session on `provider`, quiet (errors still throw); `releaseSessions` releases it. */
export async function session(model: Uint8Array, provider: 'cpu' | 'webgpu'): Promise<ort.InferenceSession> {
  const s = await ort.InferenceSession.create(model, { executionProviders: [provider], logSeverityLevel: 3 });
  open.add(s);
  return s;
}

/** Releases every session `session` opened and has not released (a CPU test file's afterEach: cheap there). */
export async function releaseSessions(): Promise<void> {
  const all = [...open];
  open.clear();
  await Promise.all(all.map((s) => s.release()));
}

/** Runs a session on named feeds and returns each output's numbers by name. */
export async function runModel(
  s: ort.InferenceSession,
  feeds: Readonly<Record<string, ort.Tensor>>,
): Promise<Record<string, number[]>> {
  const out = await s.run(feeds);
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Array.from(v.data as ArrayLike<number>, Number)]));
}

/** Models written for one `onnx.checker` run: `add` files them, `check` returns each failure's message by name. */
export class CheckerBatch {
  private readonly dir = mkdtempSync(join(tmpdir(), 'xent-onnx-'));
  private readonly names: string[] = [];

  add(name: string, model: Uint8Array): void {
    const file = `${this.names.length}.onnx`;
    writeFileSync(join(this.dir, file), model);
    this.names.push(name);
  }

  get size(): number {
    return this.names.length;
  }

  /** onnx.checker.check_model(full_check=True) on every model, in one python process. */
  check(): Record<string, string> {
    const script = [
      'import json, sys, onnx',
      'bad = {}',
      `for i in range(${this.names.length}):`,
      '    try:',
      `        onnx.checker.check_model(onnx.load(f"${this.dir}/{i}.onnx"), full_check=True)`,
      '    except Exception as e:',
      '        bad[i] = str(e)[:400]',
      'print(json.dumps(bad))',
    ].join('\n');
    const bad = JSON.parse(execFileSync(python, ['-c', script], { encoding: 'utf8' })) as Record<string, string>;
    return Object.fromEntries(Object.entries(bad).map(([i, why]) => [this.names[Number(i)] as string, why]));
  }
}
