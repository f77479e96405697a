/**
 * @file Finding a GPU device: the `GPU` object passed in, else `navigator.gpu` in browsers, else
 * Dawn's Node bindings (the optional `webgpu` package), created once and never put in a global.
 * The device is requested with the adapter's own limits, not the spec's defaults.
 */
import { BackendError } from '@xent/core';

export interface AcquireOptions {
  /** The GPU object to use (navigator.gpu or Dawn's `create()`); by default found as above. */
  readonly gpu?: GPU;
  /** An adapter preference passed to requestAdapter (WebGPU's GPUPowerPreference). */
  readonly powerPreference?: 'low-power' | 'high-performance';
}

/** Limits the backend relies on, requested at the adapter's maximum. */
const wantedLimits = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupsPerDimension',
  'maxBindingsPerBindGroup',
] as const;

export type DeviceLimits = { [K in (typeof wantedLimits)[number]]: number };

let dawn: Promise<GPU> | undefined;

/** Dawn's GPU object, loaded on first use. */
function dawnGpu(): Promise<GPU> {
  dawn ??= (async () => {
    const name = 'webgpu';
    let module: { create(flags: string[]): GPU };
    try {
      module = (await import(/* @vite-ignore */ name)) as { create(flags: string[]): GPU };
    } catch (cause) {
      throw new BackendError(
        'webgpu',
        "xent.webgpu: no WebGPU here: navigator.gpu is missing and Dawn's Node bindings are not installed (npm install webgpu), or pass { gpu }",
        { cause },
      );
    }
    return module.create([]);
  })();
  return dawn;
}

export async function acquireDevice(
  options: AcquireOptions,
): Promise<{ device: GPUDevice; limits: DeviceLimits; adapterName: string }> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  const gpu = options.gpu ?? nav ?? (await dawnGpu());
  const adapter = await gpu.requestAdapter(
    options.powerPreference === undefined ? {} : { powerPreference: options.powerPreference },
  );
  if (adapter === null) {
    throw new BackendError(
      'webgpu',
      'xent.webgpu: no WebGPU adapter was found (on Linux without a GPU, install Mesa ≥ 25 lavapipe: scripts/setup-webgpu.sh)',
    );
  }
  const requiredLimits: Record<string, number> = {};
  for (const k of wantedLimits) requiredLimits[k] = adapter.limits[k];
  const device = await adapter.requestDevice({ requiredLimits });
  const limits = Object.fromEntries(wantedLimits.map((k) => [k, device.limits[k]])) as DeviceLimits;
  const info = adapter.info;
  const adapterName = [info.vendor, info.architecture, info.device, info.description].filter((s) => s !== '').join(' ');
  return { device, limits, adapterName };
}
