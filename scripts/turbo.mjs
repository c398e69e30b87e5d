#!/usr/bin/env node
// Runs turbo with its anonymous telemetry off (and so without its first-run notice) on every
// machine, whatever its user config: turbo has no repository-level setting for it.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const bin = require.resolve('turbo/bin/turbo');
const result = spawnSync(process.execPath, [bin, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { TURBO_TELEMETRY_DISABLED: '1', ...process.env },
});
process.exitCode = result.status ?? 1;
