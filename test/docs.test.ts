import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createGipkit } from '@gipkit/core';
import { ROOT } from './cli-harness.js';

describe('docs', () => {
  it('the rules reference is in sync with the rule files and the fact catalogue', () => {
    const result = spawnSync(process.execPath, [join(ROOT, 'scripts/rules-reference.mjs'), '--check'], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('every default rule has a description, a source and a test named after it', () => {
    const tests = readFileSync(join(ROOT, 'packages/core/src/rules/default-rules.test.ts'), 'utf8');
    for (const rule of createGipkit().rules) {
      expect(rule.description.length, rule.name).toBeGreaterThan(20);
      expect(rule.source, rule.name).toMatch(/^https:\/\//);
      expect(tests, `a describe('${rule.name}') in default-rules.test.ts`).toContain(`describe('${rule.name}'`);
    }
  });
});
