/** @file Writes the example's loss as a PyTorch module: `node examples/dist/export-torch/export.js xent_loss.py`. */
import { writeFileSync } from 'node:fs';
import { exportedLoss } from './loss.js';

const out = process.argv[2] ?? 'xent_loss.py';
writeFileSync(out, exportedLoss());
console.log(`wrote ${out}`);
