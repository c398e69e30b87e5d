import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './cli-harness.js';
import { readInCodeExample, tsBlock } from './readme-in-code-example.js';

const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
/** Other snippets that run in examples/lab, compiled and run in the same project. */
const LAB_SNIPPETS = {
  'simulated-lab-readme.ts': () => tsBlock(join(ROOT, 'packages/simulated-lab/README.md')),
  'deployment-simulated-lab.ts': () => tsBlock(join(ROOT, 'docs/deployment.md'), '## Without real guests: the simulated lab'),
  'plugins-services.ts': () => tsBlock(join(ROOT, 'docs/reference/plugins.md'), '## Services and the container'),
};

/** The workspace's publishable packages by name (folder under packages/), the testing package left out. */
function publishedPackages(): Map<string, string> {
  const packages = new Map<string, string>();
  for (const folder of readdirSync(join(ROOT, 'packages'))) {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'packages', folder, 'package.json'), 'utf8')) as { name: string; private?: boolean };
    if (manifest.private !== true && manifest.name !== '@gipkit/testkit') packages.set(manifest.name, folder);
  }
  return packages;
}

/** What a module imports: `import ... from 'x'` specifiers. */
const importsOf = (source: string): string[] => [...source.matchAll(/^import\s[^;]*?from\s+'([^']+)';/gm)].map((match) => match[1] ?? '');

function run(command: string, args: readonly string[], cwd: string) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 120_000, killSignal: 'SIGKILL' });
  if (result.error !== undefined) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the README\'s "In code" example', () => {
  const example = readInCodeExample();
  let project = '';
  let lab = '';
  let compiled: ReturnType<typeof run>;

  // A project of its own, as a user would have it: a copy of examples/ (the lab and the bundle), the program
  // saved as examples/lab/main.ts, "type": "module", a strict NodeNext tsconfig, and node_modules holding the
  // built workspace packages by their published names (no @gipkit/testkit) and @types/node.
  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), 'gipkit-readme-in-code-'));
    cpSync(join(ROOT, 'examples/lab'), join(project, 'examples/lab'), { recursive: true });
    cpSync(join(ROOT, 'examples/bundles'), join(project, 'examples/bundles'), { recursive: true });
    mkdirSync(join(project, 'node_modules/@gipkit'), { recursive: true });
    mkdirSync(join(project, 'node_modules/@types'), { recursive: true });
    for (const [name, folder] of publishedPackages()) symlinkSync(join(ROOT, 'packages', folder), join(project, 'node_modules', name), 'dir');
    symlinkSync(join(ROOT, 'node_modules/@types/node'), join(project, 'node_modules/@types/node'), 'dir');
    writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'readme-in-code', private: true, type: 'module' }, null, 2)}\n`);
    lab = join(project, 'examples/lab');
    writeFileSync(join(lab, 'main.ts'), example.program);
    for (const [name, snippet] of Object.entries(LAB_SNIPPETS)) writeFileSync(join(lab, name), snippet());
    const compilerOptions = { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', noEmitOnError: true, skipLibCheck: false };
    writeFileSync(join(lab, 'tsconfig.json'), `${JSON.stringify({ compilerOptions, files: ['main.ts', ...Object.keys(LAB_SNIPPETS)] }, null, 2)}\n`);
    compiled = run(process.execPath, [TSC, '-p', lab], lab);
  }, 180_000);

  afterAll(() => {
    if (project !== '') rmSync(project, { recursive: true, force: true });
  });

  it('is a complete program: it imports only published gipkit packages, never the testing package', () => {
    const imports = importsOf(example.program);
    expect(imports).toContain('@gipkit/core');
    expect(imports).toContain('@gipkit/simulated-lab');
    expect(imports).toContain('@gipkit/deployer-kit');
    const published = publishedPackages();
    expect(imports.filter((specifier) => !published.has(specifier))).toEqual([]);
  });

  it('compiles under strict with module/moduleResolution NodeNext: every name it uses is defined', () => {
    expect(`${compiled.stdout}${compiled.stderr}`).toBe('');
    expect(compiled.code).toBe(0);
  });

  it('runs as written in a copy of examples/lab: plans, explains, deploys on the simulated lab with failover, and prints what the README shows', () => {
    expect(compiled.code).toBe(0);
    const result = run(process.execPath, ['main.js'], lab);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('planned 22 VMs: 20 to a proxy, 2 unassigned');
    expect(lines[1]).toMatch(/^exch-hq → win-proxy-hq \(tier 1, lan\), \d+ of \d+ candidates eligible$/);
    expect(lines[2]).toMatch(/^ {2}not \S+: [a-z0-9-]+: .+ \(rules failed: \d+\)$/);
    const failovers = lines.filter((line) => line.endsWith('cannot connect, failing over to vbr')).sort();
    expect(failovers).toEqual(['build-hq', 'file-a', 'kiosk-a', 'sql-a'].map((vm) => `${vm}: win-proxy-a cannot connect, failing over to vbr`));
    expect(lines).toContain('deployed: 20 succeeded (4 failed over), 0 failed, 2 crash-consistent');
    expect(lines.at(-1)).toBe('removed at job end: 20; run accepted');
    // The output the README shows is what it prints, in that order.
    let at = 0;
    for (const shown of example.output) {
      if (shown === '…') continue;
      const found = lines.findIndex((line, index) => index >= at && (shown.endsWith('…') ? line.startsWith(shown.slice(0, -1)) : line === shown));
      expect(found, `README line ${JSON.stringify(shown)} in the program's output`).toBeGreaterThanOrEqual(0);
      at = found + 1;
    }
  });

  it('the simulated lab snippets of packages/simulated-lab/README.md and docs/deployment.md run as written in examples/lab', () => {
    expect(compiled.code).toBe(0);
    const readme = run(process.execPath, ['simulated-lab-readme.js'], lab);
    expect(readme).toEqual({ code: 0, stdout: '22 simulated guests, 4 connectors\n', stderr: '' });
    const deployment = run(process.execPath, ['deployment-simulated-lab.js'], lab);
    expect(deployment).toEqual({ code: 0, stdout: '4 simulated connectors for 22 guests\n', stderr: '' });
  });

  it('the container example of docs/reference/plugins.md runs as written: a plugin adds a secret kind, the product provides its logger', () => {
    expect(compiled.code).toBe(0);
    const services = run(process.execPath, ['plugins-services.js'], lab);
    expect(services).toEqual({ code: 0, stdout: 'secret kinds: env, file, vault; 22 guests\n', stderr: '' });
  });

  it('says what is wrong when an input is bad: the program stops with the InputError naming the file', () => {
    writeFileSync(join(lab, 'simulated-lab.yaml'), 'latencyMs: -5\n');
    const result = run(process.execPath, ['main.js'], lab);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/simulated-lab\.yaml:1:12: latencyMs: expected a number of milliseconds, 0 or more \(found -5\)/);
  });
});
