import { describe, expect, it } from 'vitest';
import { gipkit } from './cli-harness.js';

// Issue #8: the examples in each command's --help work when copied (from the repository root).
describe('the CLI help (issue #8)', () => {
  it('gipkit --version and --help exit 0 on stdout; gipkit plna suggests plan and exits 2', () => {
    const version = gipkit('--version');
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\S*\n$/);
    expect(gipkit('--help').code).toBe(0);
    const typo = gipkit('plna');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('(Did you mean plan?)');
  });

  it("every example in a command's --help runs as written and exits 0", () => {
    for (const name of ['plan', 'run', 'explain', 'validate', 'schema']) {
      const help = gipkit(name, '--help').stdout;
      const examples = help.split(/\nExamples?:\n/)[1]?.split('\n\n')[0]?.split('\n').map((line) => line.trim()).filter((line) => line !== '') ?? [];
      expect(examples.length, name).toBeGreaterThan(0);
      for (const example of examples) {
        // A shell redirection (`> file`) is the shell's, not gipkit's.
        const args = example.replace(/\s*>.*$/, '').split(/\s+/).slice(1);
        const result = gipkit(...args);
        expect(result.code, `${example}\n${result.stderr}`).toBe(0);
        expect(result.stdout.length, example).toBeGreaterThan(0);
      }
    }
  });
});
