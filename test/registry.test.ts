// Every public package under packages/ is packed as a release would pack it, published to a
// throwaway Verdaccio registry on loopback (the machine's configured npm registry as its uplink),
// and installed with plain npm in a project outside the workspace, where `npx --no gipkit plan` and the
// README's "In code" program must work.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './cli-harness.js';
import { markdownSection, fencedBlocks } from './markdown-blocks.js';

const PNPM = ['-y', 'pnpm@10.34.9'];

interface PublicPackage {
  readonly name: string;
  readonly version: string;
  readonly dir: string;
}

function publicPackages(): PublicPackage[] {
  const found: PublicPackage[] = [];
  for (const entry of readdirSync(join(ROOT, 'packages'), { withFileTypes: true })) {
    const file = join(ROOT, 'packages', entry.name, 'package.json');
    if (!entry.isDirectory() || !existsSync(file)) continue;
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name: string; version: string; private?: boolean };
    if (manifest.private === true) continue;
    found.push({ name: manifest.name, version: manifest.version, dir: join(ROOT, 'packages', entry.name) });
  }
  return found;
}

function run(command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  const result = spawnSync(command, args, { cwd: options.cwd, env: options.env ?? process.env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} (in ${options.cwd}) exited ${String(result.status)}:\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForRegistry(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited ${String(child.exitCode)}:\n${log()}`);
    try {
      const response = await fetch(`${url}/-/ping`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`verdaccio did not answer on ${url} within 30 s:\n${log()}`);
}

const packages = publicPackages();
const work = mkdtempSync(join(tmpdir(), 'gipkit-registry-'));
const tarballs = join(work, 'tarballs');
const project = join(work, 'product');
let verdaccio: ChildProcess | undefined;
let registry = '';
let npmEnv: NodeJS.ProcessEnv = {};

beforeAll(async () => {
  mkdirSync(tarballs, { recursive: true });
  // Pack as a release packs: prepack builds, workspace:* becomes the real version.
  for (const pkg of packages) run('npx', [...PNPM, 'pack', '--pack-destination', tarballs], { cwd: pkg.dir });

  const uplink = run('npm', ['config', 'get', 'registry'], { cwd: work }).stdout.trim();
  const port = await freePort();
  registry = `http://127.0.0.1:${port}`;
  const config = join(work, 'verdaccio.yaml');
  writeFileSync(
    config,
    [
      `storage: ${JSON.stringify(join(work, 'storage'))}`,
      'auth:',
      '  htpasswd:',
      `    file: ${JSON.stringify(join(work, 'htpasswd'))}`,
      '    max_users: -1',
      'uplinks:',
      '  configured:',
      `    url: ${JSON.stringify(uplink)}`,
      '    timeout: 60s',
      'packages:',
      "  '@gipkit/*':",
      '    access: $all',
      '    publish: $all',
      "  '**':",
      '    access: $all',
      '    publish: $all',
      '    proxy: configured',
      'log: { type: stdout, format: pretty, level: warn }',
      '',
    ].join('\n'),
  );
  let output = '';
  verdaccio = spawn(process.execPath, [join(ROOT, 'node_modules/verdaccio/bin/verdaccio'), '--config', config, '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  verdaccio.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  verdaccio.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitForRegistry(registry, verdaccio, () => output);

  // A throwaway npm config and cache: the machine's own are left as they are.
  const userconfig = join(work, 'npmrc');
  writeFileSync(userconfig, `registry=${registry}/\n//127.0.0.1:${port}/:_authToken=throwaway\n`);
  npmEnv = { ...process.env, npm_config_userconfig: userconfig, npm_config_cache: join(work, 'npm-cache'), npm_config_registry: `${registry}/` };
  for (const file of readdirSync(tarballs)) run('npm', ['publish', join(tarballs, file), '--registry', `${registry}/`], { cwd: work, env: npmEnv });

  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'product', private: true, type: 'module' }, null, 2));
  const typescript = JSON.parse(readFileSync(join(ROOT, 'node_modules/typescript/package.json'), 'utf8')) as { version: string };
  const typesNode = JSON.parse(readFileSync(join(ROOT, 'node_modules/@types/node/package.json'), 'utf8')) as { version: string };
  run('npm', ['install', '--no-audit', '--no-fund', ...packages.map((pkg) => pkg.name), `typescript@${typescript.version}`, `@types/node@${typesNode.version}`], {
    cwd: project,
    env: npmEnv,
  });
  cpSync(join(ROOT, 'examples/lab'), join(project, 'lab'), { recursive: true });
  cpSync(join(ROOT, 'examples/bundles'), join(project, 'bundles'), { recursive: true });
}, 600_000);

afterAll(() => {
  if (verdaccio?.pid !== undefined && verdaccio.exitCode === null) process.kill(verdaccio.pid, 'SIGTERM');
  rmSync(work, { recursive: true, force: true });
}, 120_000);

describe('packages that install from a registry', () => {
  it('every public package packs with its LICENSE and README, no .tsbuildinfo, and source maps whose sources are in the tarball', () => {
    for (const pkg of packages) {
      const tarball = join(tarballs, `${pkg.name.replace('@', '').replace('/', '-')}-${pkg.version}.tgz`);
      const files = run('tar', ['tzf', tarball], { cwd: work }).stdout.split('\n').filter(Boolean);
      const shipped = new Set(files);
      expect(shipped.has('package/LICENSE'), `${pkg.name} ships LICENSE`).toBe(true);
      expect(shipped.has('package/README.md'), `${pkg.name} ships README.md`).toBe(true);
      expect(shipped.has('package/dist/index.js'), `${pkg.name} ships its build`).toBe(true);
      expect(files.filter((file) => file.endsWith('.tsbuildinfo') || /\.(test|fixture)\.ts$/.test(file)), pkg.name).toEqual([]);
      const manifest = JSON.parse(run('tar', ['xzf', tarball, '-O', 'package/package.json'], { cwd: work }).stdout) as Record<string, Record<string, string> | undefined>;
      const ranges = Object.values({ ...manifest['dependencies'], ...manifest['peerDependencies'] });
      expect(ranges.filter((range) => range.startsWith('workspace:')), `${pkg.name} dependencies`).toEqual([]);
      // Our sources ship in src/; the code of a dependency the build inlines is carried in the map itself.
      for (const map of files.filter((file) => file.endsWith('.map'))) {
        const content = JSON.parse(run('tar', ['xzf', tarball, '-O', map], { cwd: work }).stdout) as { sources: string[]; sourcesContent?: (string | null)[] };
        content.sources.forEach((source, index) => {
          const resolved = join(dirname(map), source);
          const carried = source.includes('/node_modules/') && typeof content.sourcesContent?.[index] === 'string';
          expect(shipped.has(resolved) || carried, `${pkg.name}: ${map} points at ${source}`).toBe(true);
        });
      }
      const inlined = (manifest['gipkit'] as { bundle?: { inline?: string[] } } | undefined)?.bundle?.inline ?? [];
      if (inlined.length > 0) {
        const notices = run('tar', ['xzf', tarball, '-O', 'package/dist/THIRD-PARTY-NOTICES.md'], { cwd: work }).stdout;
        for (const name of inlined) expect(notices, `${pkg.name} names the license of ${name}, which it inlines`).toMatch(new RegExp(`^## ${name.replace('/', '\\/')} \\S+ \\(`, 'm'));
      }
      const readme = run('tar', ['xzf', tarball, '-O', 'package/README.md'], { cwd: work }).stdout;
      expect(readme.match(/\]\((?!https?:\/\/|#)[^)]*\)/g) ?? [], `${pkg.name} README links are absolute`).toEqual([]);
      expect(readme, `${pkg.name} README says it is ESM-only`).toMatch(/ESM-only/);
    }
  });

  it('a product installs every package with plain npm and `npx --no gipkit plan` plans a copy of examples/lab', () => {
    const result = run('npx', ['--no', 'gipkit', 'plan', '--inventory', 'inventory.yaml', '--job', 'nightly.job.yaml', '--format', 'json'], {
      cwd: join(project, 'lab'),
      env: npmEnv,
    });
    const plan = JSON.parse(result.stdout) as { assignments?: unknown[] };
    expect(Object.keys(plan).length).toBeGreaterThan(0);
    expect(result.stdout).toContain('exch-hq');
  });

  it("the README's \"In code\" program compiles under strict NodeNext in the product and runs in a copy of examples/lab", () => {
    const blocks = fencedBlocks(markdownSection(readFileSync(join(ROOT, 'README.md'), 'utf8'), 'In code'), 'ts');
    expect(blocks.length, 'one ```ts block under "## In code"').toBe(1);
    writeFileSync(join(project, 'in-code.ts'), blocks[0] ?? '');
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', outDir: 'out', types: ['node'], skipLibCheck: false },
        files: ['in-code.ts'],
      }),
    );
    run(process.execPath, [join(project, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: project, env: npmEnv });
    // run() fails the test on a non-zero exit, with the program's output.
    const result = run(process.execPath, [join(project, 'out/in-code.js')], { cwd: join(project, 'lab'), env: npmEnv });
    expect(result.stdout, 'the program prints what it did').not.toBe('');
  });
});
