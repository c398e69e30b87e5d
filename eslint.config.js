// @ts-check
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'bench/out/**', '**/*.d.ts'] },
  ...tseslint.configs.strict,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports (STYLE.md).' },
        { selector: 'TSEnumDeclaration', message: 'Use an `as const` object instead of enum (STYLE.md).' },
        { selector: 'ExportAllDeclaration', message: 'No `export *` (STYLE.md): name what you export.' },
      ],
    },
  },
  {
    files: ['packages/plugin-api/src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: '^(?!\\.|node:)', message: 'plugin-api has no runtime dependencies.' }] }] },
  },
  {
    files: ['packages/*/src/**/*.ts'],
    ignores: ['packages/core/src/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['tsyringe', 'reflect-metadata', 'json-rules-engine'].map((name) => ({ name, message: 'Only core uses this (STYLE.md).' })),
        patterns: [{ regex: '^@gipkit/[^/]+/(src|dist)(/|$)', message: 'Import the package\'s public entry, not its files (scripts/check-boundaries.mjs).' }],
      }],
    },
  },
  {
    // Plugins and kits depend on the contracts only; the CLI composes core (scripts/check-boundaries.mjs checks the rest).
    files: ['packages/*/src/**/*.ts', 'examples/*/src/**/*.ts'],
    ignores: ['packages/core/src/**', 'packages/cli/src/**', 'packages/simulated-lab/src/load-lab-file.ts', '**/*.test.ts', '**/*.fixture.ts', 'examples/*/src/testing/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [
          { name: '@gipkit/core', message: 'Plugins and kits depend on @gipkit/plugin-api only (STYLE.md).' },
          ...['tsyringe', 'reflect-metadata', 'json-rules-engine'].map((name) => ({ name, message: 'Only core uses this (STYLE.md).' })),
        ],
        patterns: [{ regex: '^@gipkit/[^/]+/(src|dist)(/|$)', message: 'Import the package\'s public entry, not its files (scripts/check-boundaries.mjs).' }],
      }],
    },
  },
  {
    files: ['vitest.config.ts', 'eslint.config.js'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['**/*.test.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
