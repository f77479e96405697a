#!/usr/bin/env node
/** @file The `xent` command: `xent check <file>` (see cli/check.ts). */
import { CheckError, check, parseArgs } from './cli/check.js';

const tty = process.stderr.isTTY;
const progress = (line: string): void => {
  if (tty) process.stderr.write(`\r\x1b[K${line}`);
  else process.stderr.write(`${line}\n`);
};

try {
  const code = await check(
    parseArgs(process.argv.slice(2)),
    (line) => {
      if (tty) process.stderr.write('\r\x1b[K');
      console.log(line);
    },
    progress,
  );
  process.exitCode = code;
} catch (e) {
  if (tty) process.stderr.write('\r\x1b[K');
  if (e instanceof CheckError) {
    console.error(`xent check: ${e.message}`);
    process.exitCode = 2;
  } else throw e;
}
