#!/usr/bin/env node
import { main } from './main.js';

// A reader that goes away (`gipkit run --events ndjson | head`) must not kill a
// run mid-deployment: stop writing to it and cancel as Ctrl-C does, so that
// cleanup still removes what was deployed.
let stdoutOpen = true;
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  if (!stdoutOpen) return;
  stdoutOpen = false;
  process.kill(process.pid, 'SIGINT');
});

process.exitCode = await main(process.argv.slice(2), {
  stdout: (text) => {
    if (stdoutOpen) process.stdout.write(text);
  },
  stderr: (text) => process.stderr.write(text),
  isTty: process.stdout.isTTY,
});
