import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli-harness.js';

/** The README's "## In code" section: its program (the ```ts block) and the output it shows (the next plain ``` block). */
export interface InCodeExample {
  readonly program: string;
  /** Lines of the output shown; a line ending in `…` is a prefix, a line `…` stands for any lines. */
  readonly output: readonly string[];
}

/** Reads the README's "In code" example, failing with what is missing. */
export function readInCodeExample(readme = join(ROOT, 'README.md')): InCodeExample {
  const text = readFileSync(readme, 'utf8');
  const start = text.indexOf('\n## In code\n');
  if (start < 0) throw new Error(`${readme}: no "## In code" section`);
  const next = text.indexOf('\n## ', start + 1);
  const section = text.slice(start, next < 0 ? undefined : next);
  const blocks = [...section.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((match) => ({ lang: match[1] ?? '', body: match[2] ?? '' }));
  const program = blocks.filter((block) => block.lang === 'ts');
  if (program.length !== 1) throw new Error(`${readme}: "## In code" must hold exactly one \`\`\`ts block (found ${program.length})`);
  const output = blocks.find((block) => block.lang === '');
  return { program: program[0]?.body ?? '', output: output === undefined ? [] : output.body.trimEnd().split('\n') };
}

/** The one ```ts block of a markdown file's section (`heading`, e.g. "## Without real guests: the simulated lab"), or of the whole file. */
export function tsBlock(file: string, heading?: string): string {
  const text = readFileSync(file, 'utf8');
  let section = text;
  if (heading !== undefined) {
    const start = text.indexOf(`\n${heading}\n`);
    if (start < 0) throw new Error(`${file}: no "${heading}" section`);
    const next = text.indexOf('\n## ', start + 1);
    section = text.slice(start, next < 0 ? undefined : next);
  }
  const blocks = [...section.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? '');
  if (blocks.length !== 1) throw new Error(`${file}${heading === undefined ? '' : ` "${heading}"`}: expected one \`\`\`ts block (found ${blocks.length})`);
  return blocks[0] ?? '';
}
