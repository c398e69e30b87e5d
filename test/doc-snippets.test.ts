import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { createGipkit, loadRuleChanges, parseSourceText } from '@gipkit/core';
import { loadBundle } from '@gipkit/deployer-kit';
import { loadLabFile } from '@gipkit/simulated-lab';
import { ROOT } from './cli-harness.js';

/**
 * Every YAML or JSON snippet of the docs and READMEs says what it is, on the
 * line before its fence (an HTML comment, invisible on GitHub):
 *
 *   <!-- snippet: inventory name=demo -->            validated as an inventory (with a job of all its VMs)
 *   <!-- snippet: job inventory=demo -->             a job, against the inventory snippet `demo` of the page
 *   <!-- snippet: job inventory=examples/lab/inventory.yaml -->   … or against a file of the repository
 *   <!-- snippet: rules -->                          an organisation rules file, loaded and compiled
 *   <!-- snippet: lab inventory=… -->                a lab file of `gipkit run --simulate --lab`
 *   <!-- snippet: bundle -->                         a bundle.json, loaded with the files of examples/bundles/hello-agent
 *   <!-- snippet: output -->                         what a command prints or writes: it must parse, nothing more
 *   <!-- snippet: tsconfig -->                       a tsconfig.json for a product: parses, and TypeScript accepts its compilerOptions
 *   <!-- snippet: deliberately-wrong kind=inventory -->  must be refused by that kind's loader
 *
 * A snippet without a marker fails the test, so a new one cannot escape it.
 */
const LANGUAGES = /^(ya?ml|json[c5]?)$/i;
const KINDS = new Set(['inventory', 'job', 'rules', 'lab', 'bundle', 'output', 'tsconfig', 'deliberately-wrong']);

interface Snippet {
  readonly file: string;
  readonly line: number;
  readonly language: 'yaml' | 'json';
  readonly text: string;
  readonly marker: { readonly kind: string; readonly options: ReadonlyMap<string, string> } | null;
}

function markdownFiles(): string[] {
  const found: string[] = [join(ROOT, 'README.md')];
  const walk = (folder: string, keep: (name: string) => boolean): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'dist') continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path, keep);
      else if (keep(entry.name)) found.push(path);
    }
  };
  walk(join(ROOT, 'docs'), (name) => name.endsWith('.md'));
  walk(join(ROOT, 'examples'), (name) => name === 'README.md');
  for (const entry of readdirSync(join(ROOT, 'packages'), { withFileTypes: true })) {
    if (entry.isDirectory()) found.push(...readdirSync(join(ROOT, 'packages', entry.name)).filter((name) => name === 'README.md').map((name) => join(ROOT, 'packages', entry.name, name)));
  }
  return found.sort();
}

function parseMarker(line: string | undefined): Snippet['marker'] {
  const match = /^\s*<!--\s*snippet:\s*(.*?)\s*-->\s*$/.exec(line ?? '');
  if (match === null) return null;
  const [kind = '', ...rest] = (match[1] ?? '').split(/\s+/);
  const options = new Map<string, string>();
  for (const option of rest) {
    const [key = '', value = ''] = option.split('=', 2);
    options.set(key, value);
  }
  return { kind, options };
}

function snippetsOf(file: string): Snippet[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const snippets: Snippet[] = [];
  for (let index = 0; index < lines.length; index++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[index] ?? '');
    if (open === null) continue;
    const [, indent = '', fence = '', info = ''] = open;
    let end = index + 1;
    while (end < lines.length && !(lines[end] ?? '').trim().startsWith(fence)) end++;
    if (LANGUAGES.test(info)) {
      let before = index - 1;
      while (before >= 0 && (lines[before] ?? '').trim() === '') before--;
      snippets.push({
        file: relative(ROOT, file),
        line: index + 1,
        language: info.toLowerCase().startsWith('json') ? 'json' : 'yaml',
        text: lines.slice(index + 1, end).map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line)).join('\n') + '\n',
        marker: parseMarker(lines[before]),
      });
    }
    index = end;
  }
  return snippets;
}

const SNIPPETS = markdownFiles().flatMap(snippetsOf);
const label = (snippet: Snippet): string => `${snippet.file}:${snippet.line}`;

/** Parses YAML or JSON as gipkit reads it; throws with every syntax problem. */
function parse(file: string, text: string): unknown {
  const document = parseSourceText(file, text);
  if (document.problems.length > 0) throw new Error(`${file}: ${document.problems.map((problem) => problem.message).join('; ')}`);
  return document.data;
}
const folder = mkdtempSync(join(tmpdir(), 'gipkit-doc-snippets-'));
let written = 0;
function writeSnippet(snippet: Snippet, name = 'snippet'): string {
  const path = join(folder, `${name}-${written++}.${snippet.language}`);
  writeFileSync(path, snippet.text);
  return path;
}

/** The inventory a job or lab snippet names: a snippet `name=` on the same page, or a file of the repository. */
function inventoryFor(snippet: Snippet): string {
  const reference = snippet.marker?.options.get('inventory');
  if (reference === undefined || reference === '') throw new Error(`${label(snippet)}: the marker needs inventory=<snippet name or repository file>`);
  const named = SNIPPETS.find((other) => other.file === snippet.file && other.marker?.kind === 'inventory' && other.marker.options.get('name') === reference);
  if (named !== undefined) return writeSnippet(named, 'inventory');
  return join(ROOT, reference);
}

/** A job of every VM of the inventory, so that an inventory snippet is checked whole. */
function jobOfEveryVm(inventory: string): string {
  const data = parse(inventory, readFileSync(inventory, 'utf8')) as { vms?: { id: string }[] };
  const path = join(folder, `job-${written++}.json`);
  writeFileSync(path, JSON.stringify({ id: 'every-vm', vms: (data.vms ?? []).map((vm) => vm.id), credentials: { kind: 'standard', account: 'backup' } }));
  return path;
}

const gipkit = createGipkit();
async function check(kind: string, snippet: Snippet): Promise<void> {
  if (kind === 'inventory') {
    const inventory = writeSnippet(snippet, 'inventory');
    gipkit.loadInput({ inventory, job: jobOfEveryVm(inventory) });
  } else if (kind === 'job') {
    gipkit.loadInput({ inventory: inventoryFor(snippet), job: writeSnippet(snippet, 'job') });
  } else if (kind === 'rules') {
    const file = writeSnippet(snippet, 'rules');
    loadRuleChanges(file);
    createGipkit({ ruleFiles: [file] });
  } else if (kind === 'lab') {
    const { inventory } = gipkit.loadInput({ inventory: inventoryFor(snippet), job: jobOfEveryVm(inventoryFor(snippet)) });
    loadLabFile(writeSnippet(snippet, 'lab'), { inventory });
  } else if (kind === 'bundle') {
    const bundle = mkdtempSync(join(folder, 'bundle-'));
    cpSync(join(ROOT, 'examples/bundles/hello-agent'), bundle, { recursive: true });
    writeFileSync(join(bundle, 'bundle.json'), snippet.text);
    await loadBundle(bundle);
  } else if (kind === 'output') {
    parse(`${label(snippet)}.${snippet.language}`, snippet.text);
  } else if (kind === 'tsconfig') {
    const config = ts.parseJsonConfigFileContent(JSON.parse(snippet.text), ts.sys, folder);
    // 18003: no input files in the scratch folder, which is not what the snippet is checked for.
    expect(config.errors.filter((error) => error.code !== 18003).map((error) => ts.flattenDiagnosticMessageText(error.messageText, '\n')), label(snippet)).toEqual([]);
    expect(config.options.strict, label(snippet)).toBe(true);
  } else throw new Error(`${label(snippet)}: unknown snippet kind '${kind}'; expected ${[...KINDS].join(', ')}`);
}

describe('docs that work when copied', () => {
  it('finds the snippets of the docs and READMEs', () => {
    expect(SNIPPETS.length).toBeGreaterThanOrEqual(6);
    const files = new Set(SNIPPETS.map((snippet) => snippet.file));
    for (const file of ['docs/reference/rules.md', 'docs/reference/cli.md', 'docs/reference/inventory-and-job.md']) expect([...files]).toContain(file);
  });

  it('every YAML or JSON snippet says what it is (<!-- snippet: kind --> before its fence)', () => {
    const unmarked = SNIPPETS.filter((snippet) => snippet.marker === null || !KINDS.has(snippet.marker.kind)).map(label);
    expect(unmarked, 'add <!-- snippet: inventory|job|rules|lab|bundle|output|deliberately-wrong --> on the line before each').toEqual([]);
  });

  it.each(SNIPPETS.filter((snippet) => snippet.marker !== null && snippet.marker.kind !== 'deliberately-wrong').map((snippet) => [label(snippet), snippet] as const))(
    '%s validates with the real loader',
    async (_, snippet) => {
      await check(snippet.marker!.kind, snippet);
    },
  );

  it.each(SNIPPETS.filter((snippet) => snippet.marker?.kind === 'deliberately-wrong').map((snippet) => [label(snippet), snippet] as const))(
    '%s (deliberately wrong) is refused by its loader',
    async (_, snippet) => {
      const kind = snippet.marker!.options.get('kind') ?? '';
      expect(['inventory', 'job', 'rules', 'lab', 'bundle'], `${label(snippet)}: deliberately-wrong needs kind=inventory|job|rules|lab|bundle`).toContain(kind);
      await expect(check(kind, snippet)).rejects.toThrow();
    },
  );

  it('the marker check catches an unmarked snippet and a snippet that does not validate', async () => {
    const page = join(folder, 'page.md');
    writeFileSync(page, ['Text.', '', '```yaml', 'a: 1', '```', '', '<!-- snippet: rules -->', '```yaml', 'replace:', '  - name: tier-3-other-network', '    ...', '```', ''].join('\n'));
    const [unmarked, broken] = snippetsOf(page);
    expect(unmarked?.marker).toBeNull();
    expect(broken?.marker?.kind).toBe('rules');
    await expect(check('rules', broken!)).rejects.toThrow(/invalid rules/);
  });
});

describe('examples/lab/README describes the estate of examples/lab/inventory.yaml', () => {
  const inventory = parse('inventory.yaml', readFileSync(join(ROOT, 'examples/lab/inventory.yaml'), 'utf8')) as {
    hosts: { id: string }[];
    servers: { id: string; addresses: string[] }[];
    networks: { id: string; site?: string; cidrs: string[] }[];
  };
  const readme = readFileSync(join(ROOT, 'examples/lab/README.md'), 'utf8');
  const estate = readme.slice(0, readme.indexOf('| file |'));
  /** The README's estate bullets: `- site: … ids …` lines under Hypervisors. */
  const hostLines = estate.split('\n').filter((line) => /^\s+- (HQ|branch A|branch B|DMZ):/.test(line));

  it('names every hypervisor host of the inventory once, and no other', () => {
    const named = [...estate.matchAll(/`((?:esx|hv)-[a-z0-9-]+)`/g)].map((match) => match[1]).filter((id) => !id?.startsWith('hv-host'));
    expect(named.sort()).toEqual(inventory.hosts.map((host) => host.id).sort());
  });

  it('places each Hyper-V and vSphere host in the site of its VMs', () => {
    const siteOf = (line: string): string => (/- (HQ|branch A|branch B|DMZ):/.exec(line)?.[1] ?? '').toLowerCase().replace(' ', '-');
    const placed = new Map(hostLines.flatMap((line) => [...line.matchAll(/`([a-z0-9-]+)`/g)].map((match) => [match[1] ?? '', siteOf(line)] as const)));
    const expected = new Map([
      ['esx-hq-01', 'hq'], ['esx-hq-02', 'hq'], ['hv-hq-2022', 'hq'], ['esx-branch-a', 'branch-a'],
      ['hv-branch-b-2019', 'branch-b'], ['hv-branch-b-2016', 'branch-b'], ['esx-dmz', 'dmz'],
    ]);
    // The expectation itself follows the inventory: each host's VMs have addresses in that site's networks.
    const vms = (parse('inventory.yaml', readFileSync(join(ROOT, 'examples/lab/inventory.yaml'), 'utf8')) as { vms: { host: string; addresses: string[] }[] }).vms;
    const prefixes = new Map([['hq', '10.10.'], ['branch-a', '10.20.'], ['branch-b', '10.30.'], ['dmz', '192.168.50.']]);
    for (const [host, site] of expected) {
      for (const vm of vms.filter((candidate) => candidate.host === host)) for (const address of vm.addresses) expect(address.startsWith(prefixes.get(site) ?? '?'), `${host} ${address}`).toBe(true);
    }
    expect(placed).toEqual(expected);
  });

  it('names only servers the inventory has', () => {
    const ids = new Set(inventory.servers.map((server) => server.id));
    const named = [...estate.slice(estate.indexOf('**Servers**')).matchAll(/`([a-z][a-z0-9-]*)`/g)].map((match) => match[1] ?? '').filter((id) => !id.includes('.'));
    expect(named.filter((id) => !ids.has(id))).toEqual([]);
    expect(named.length).toBeGreaterThanOrEqual(10);
  });
});
