#!/usr/bin/env node
// The `gipkit` command. This launcher exists before the package is built, so that a
// workspace install can link it; the command itself is dist/bin.js.
import '../dist/bin.js';
