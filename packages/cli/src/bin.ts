#!/usr/bin/env node
import { main } from './main.js';
import { watchOutput } from './watch-output.js';

// A reader that goes away (`gipkit run --events ndjson | head`, `2>&1 | grep -m1 …`)
// must not kill a run mid-deployment: stop writing to that stream and cancel
// as Ctrl-C does, so that cleanup still removes what was deployed.
const output = watchOutput(process.stdout, process.stderr);
// stdout holds the text of one turn; what it holds goes out before any exit (writes to a pipe or a file are synchronous on Linux).
process.once('exit', output.flush);
// An error that ends the process prints its stack to stderr: what stdout holds goes first.
process.on('uncaughtExceptionMonitor', output.flush);

process.exitCode = await main(process.argv.slice(2), {
  stdout: output.stdout,
  stdoutDrained: output.drained,
  stderr: output.stderr,
  isTty: process.stdout.isTTY,
  stderrIsTty: process.stderr.isTTY,
  terminalSize: (stream) => {
    const { columns, rows } = stream === 'stdout' ? process.stdout : process.stderr;
    return { columns, rows };
  },
  env: process.env,
  outputClosed: output.closed,
});
output.flush();
