// Every public package under packages/ says what a registry and its users need: the metadata
// npm shows (repository, homepage, bugs), the license with its text, engines, ESM, a prepack that
// builds, and a README whose links work once installed. A static check, so a package added by a
// merge is named at once with everything it lacks (test/registry.test.ts then packs and installs).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './cli-harness.js';

interface Manifest {
  readonly name?: unknown;
  readonly private?: unknown;
  readonly license?: unknown;
  readonly type?: unknown;
  readonly repository?: { readonly type?: unknown; readonly url?: unknown; readonly directory?: unknown };
  readonly homepage?: unknown;
  readonly bugs?: { readonly url?: unknown };
  readonly engines?: { readonly node?: unknown };
  readonly scripts?: Readonly<Record<string, unknown>>;
  readonly files?: readonly unknown[];
  readonly publishConfig?: { readonly access?: unknown };
}

interface PublicPackage {
  readonly dir: string;
  readonly manifest: Manifest;
}

const PREPACK = "node -e \"fs.rmSync('dist',{recursive:true,force:true})\" && tsc -b && node ../../scripts/bundle-package.mjs";

function publicPackages(): PublicPackage[] {
  const found: PublicPackage[] = [];
  for (const dir of readdirSync(join(ROOT, 'packages')).sort()) {
    const file = join(ROOT, 'packages', dir, 'package.json');
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    if (manifest.private !== true) found.push({ dir, manifest });
  }
  return found;
}

const rootManifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines?: { node?: unknown } };
const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
const packages = publicPackages();

/** What one package lacks, as "packages/DIR: problem (value)" lines. */
function problemsOf({ dir, manifest }: PublicPackage): string[] {
  const where = `packages/${dir}/package.json`;
  const problems: string[] = [];
  const expectField = (ok: boolean, field: string, value: unknown): void => {
    if (!ok) problems.push(`${where}: ${field} is ${JSON.stringify(value) ?? 'missing'}`);
  };
  expectField(manifest.license === 'Apache-2.0', 'license', manifest.license);
  expectField(manifest.type === 'module', 'type', manifest.type);
  expectField(manifest.engines?.node === rootManifest.engines?.node, 'engines.node', manifest.engines?.node);
  expectField(manifest.repository?.type === 'git', 'repository.type', manifest.repository?.type);
  expectField(typeof manifest.repository?.url === 'string' && /^git\+https:\/\//.test(manifest.repository.url), 'repository.url', manifest.repository?.url);
  expectField(manifest.repository?.directory === `packages/${dir}`, 'repository.directory', manifest.repository?.directory);
  expectField(typeof manifest.homepage === 'string' && manifest.homepage.startsWith('https://') && manifest.homepage.includes(`packages/${dir}`), 'homepage', manifest.homepage);
  expectField(typeof manifest.bugs?.url === 'string' && manifest.bugs.url.startsWith('https://'), 'bugs.url', manifest.bugs?.url);
  // A clean build: tsc -b alone keeps the outputs of a file since renamed or deleted, and they would ship; then the bundle.
  expectField(manifest.scripts?.['prepack'] === PREPACK, 'scripts.prepack', manifest.scripts?.['prepack']);
  expectField(manifest.publishConfig?.access === 'public', 'publishConfig.access', manifest.publishConfig?.access);
  const files = manifest.files ?? [];
  expectField(files.includes('dist') && files.includes('!dist/.tsbuildinfo'), 'files', manifest.files);

  const licenseFile = join(ROOT, 'packages', dir, 'LICENSE');
  if (!existsSync(licenseFile)) problems.push(`packages/${dir}/LICENSE is missing (copy the repository's LICENSE)`);
  else if (readFileSync(licenseFile, 'utf8') !== license) problems.push(`packages/${dir}/LICENSE differs from the repository's LICENSE`);

  const readmeFile = join(ROOT, 'packages', dir, 'README.md');
  if (!existsSync(readmeFile)) {
    problems.push(`packages/${dir}/README.md is missing`);
  } else {
    const readme = readFileSync(readmeFile, 'utf8');
    for (const link of readme.match(/\]\((?!https:\/\/|#)[^)]*\)/g) ?? []) {
      problems.push(`packages/${dir}/README.md: link ${link.slice(1)} is dead once installed (use an https:// address)`);
    }
    if (!readme.includes('ESM-only')) problems.push(`packages/${dir}/README.md does not say the package is ESM-only`);
  }
  return problems;
}

describe('packages that install from a registry: every public package is publishable', () => {
  it('finds the public packages under packages/ by their package.json', () => {
    expect(packages.map((pkg) => pkg.manifest.name)).toContain('@gipkit/core');
    expect(packages.length).toBeGreaterThanOrEqual(10);
  });

  it('the repository has the Apache-2.0 LICENSE its package.json files name', () => {
    expect(license).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
    expect(license).toContain('END OF TERMS AND CONDITIONS');
  });

  it('each has repository, homepage, bugs, engines, ESM, a prepack that builds, public access, LICENSE, and a README with absolute links that says ESM-only', () => {
    expect(packages.flatMap(problemsOf)).toEqual([]);
  });
});
