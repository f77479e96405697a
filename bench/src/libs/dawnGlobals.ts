/**
 * @file Peers that expect a browser's WebGPU (TensorFlow.js, jax-js) run under Dawn in Node once
 * `navigator.gpu` and the GPU* constant objects are globals; this installs them in the bench
 * process. (xent needs none of this: it creates Dawn's GPU object itself.)
 */
export async function installDawnGlobals(): Promise<void> {
  const dawn = (await import('webgpu')) as unknown as {
    create: (flags: string[]) => unknown;
    globals: Record<string, unknown>;
  };
  Object.assign(globalThis, dawn.globals);
  Object.defineProperty(globalThis, 'navigator', {
    value: { gpu: dawn.create([]), userAgent: 'node' },
    configurable: true,
  });
}
