import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './cli-harness.js';
// @ts-expect-error: a plain .mjs script without types
import { publicExports } from '../scripts/public-exports.mjs';

// What each package's entries export is its public surface: a change to it is a decision (and a changeset),
// never an accident. When one is meant: node scripts/public-exports.mjs > test/public-exports.json
describe('public surfaces', () => {
  it('every entry of every package exports exactly what test/public-exports.json lists', async () => {
    const recorded = JSON.parse(readFileSync(join(ROOT, 'test/public-exports.json'), 'utf8')) as Record<string, string[]>;
    const actual = (await (publicExports as () => Promise<Record<string, string[]>>)());
    expect(Object.keys(actual)).toEqual(Object.keys(recorded));
    for (const [entry, names] of Object.entries(actual)) expect(names, entry).toEqual(recorded[entry]);
  });

  it('plugin-api exports no third-party runtime value, and core exports no tsyringe or json-rules-engine object', async () => {
    const actual = (await (publicExports as () => Promise<Record<string, string[]>>)());
    expect(actual['@gipkit/core']).not.toContain('container');
    expect(actual['@gipkit/core']).not.toContain('Engine');
    expect(actual['@gipkit/plugin-api']).toContain('API_VERSION');
  });
});
