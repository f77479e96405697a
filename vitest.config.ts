import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string, entry = 'index'): string =>
  fileURLToPath(new URL(`./packages/${pkg}/src/${entry}.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@xent\/core$/, replacement: src('core') },
      { find: /^@xent\/core\/internal$/, replacement: src('core', 'internal') },
      { find: /^@xent\/cpu$/, replacement: src('cpu') },
      { find: /^@xent\/webgpu$/, replacement: src('webgpu') },
      { find: /^@xent\/losses$/, replacement: src('losses') },
      { find: /^@xent\/laws$/, replacement: src('laws') },
      { find: /^xent$/, replacement: src('xent') },
    ],
  },
  test: {
    // Timeouts are set per project with a wide margin (≥ 10× the longest test measured on a loaded 2-core machine):
    // no test relies on vitest's 5 s default. fast-check runs have a time budget in test/support/setup.ts.
    reporters: ['default', fileURLToPath(new URL('./test/support/projectTimes.ts', import.meta.url))],
    setupFiles: [fileURLToPath(new URL('./test/support/setup.ts', import.meta.url))],
    projects: [
      {
        extends: true,
        test: {
          name: 'packages',
          include: ['packages/*/test/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        // the CPU backend's tests again with its 32-bit memory, as runtimes without memory64 run it
        test: {
          name: 'memory32',
          include: ['packages/cpu/test/**/*.test.ts'],
          env: { XENT_CPU_MEMORY: '32' },
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'property',
          include: ['test/**/*.test.ts'],
          exclude: ['test/gpu/**'],
          testTimeout: 300_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        // one device at a time: GPU test files run one after another in a single process
        test: {
          name: 'webgpu',
          include: ['test/gpu/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 300_000,
          fileParallelism: false,
          pool: 'forks',
        },
      },
      {
        extends: true,
        test: {
          name: 'types',
          include: [],
          typecheck: { enabled: true, only: true, include: ['test/**/*.test-d.ts'], tsconfig: './test/tsconfig.json' },
        },
      },
    ],
  },
});
