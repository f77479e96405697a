/** @file TypeDoc: the API reference of every package, from the JSDoc, into docs/api/ (`npm run docs`; any warning fails). */
import { OptionDefaults } from 'typedoc';

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  name: 'xent',
  entryPointStrategy: 'packages',
  entryPoints: [
    'packages/xent',
    'packages/core',
    'packages/cpu',
    'packages/webgpu',
    'packages/losses',
    'packages/laws',
  ],
  packageOptions: {
    entryPoints: ['src/index.ts'],
    // Every module starts with a one-line `/** @file … */` header.
    blockTags: [...OptionDefaults.blockTags, '@file'],
    // Sources are not linked: the repository has no canonical remote to link to.
    disableSources: true,
  },
  out: 'docs/api',
  readme: 'none',
  treatWarningsAsErrors: true,
};
