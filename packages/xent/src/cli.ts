#!/usr/bin/env node
/** @file The `xent` command: `xent check <file>` (see cli/check.ts). */
import { CheckError, check, parseArgs } from './cli/check.js';

const tty = process.stderr.isTTY;
const progress = (line: string): void => {
  if (tty) process.stderr.write(`\r\x1b[K${line}`);
  else process.stderr.write(`${line}\n`);
};
/** Clears the progress line before a line that stays. */
const clear = (): void => {
  if (tty) process.stderr.write('\r\x1b[K');
};

try {
  const code = await check(parseArgs(process.argv.slice(2)), {
    log: (line) => {
      clear();
      console.log(line);
    },
    progress,
    note: (line) => {
      clear();
      console.error(line);
    },
  });
  process.exitCode = code;
} catch (e) {
  clear();
  if (e instanceof CheckError) {
    console.error(`xent check: ${e.message}`);
    process.exitCode = 2;
  } else throw e;
}
