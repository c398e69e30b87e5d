#!/usr/bin/env node
// Bundles one package's tsc output (dist/lib/) into one module per entry point (dist/), run by each package's
// build after `tsc -b` (issue #10: start-up). Node loads a module per file: `gipkit validate` spent more time
// finding, reading and linking some 110 files of ours and tsyringe's 33 CommonJS files than validating.
//
// - Entries: every `import` target of the package's `exports` (./dist/X.js is built from dist/lib/X.js), and
//   the files named in `gipkit.bundle.entries` (the CLI's bin). Code two entries share goes into one chunk
//   under dist/chunks/, so a class is defined once, whichever entry loaded it.
// - Other workspace packages and npm dependencies stay imports: each package is one module, shared by every
//   importer (a token, a class, an error type is the same object for all). A dependency named in
//   `gipkit.bundle.inline` (and what it imports) is copied in instead, with its license in
//   dist/THIRD-PARTY-NOTICES.md: only small ones on the start-up path, which the package then lists as a
//   devDependency (its sources' tests still import it).
// - Source maps lead to src/ (shipped): tsc's maps are followed. An inlined dependency's sources are not
//   shipped, so its map entries carry their text.
// Usage: node ../../scripts/bundle-package.mjs (from the package's directory).
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { build } from 'esbuild';

const dir = process.cwd();
const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
const options = manifest.gipkit?.bundle ?? {};
const inline = new Set(options.inline ?? []);
const LIB = join(dir, 'dist/lib');
const OUT = join(dir, 'dist');

/** dist/lib/X.js for the ./dist/X.js an entry names. */
function sourceOf(target) {
  const match = /^\.\/dist\/(.+\.js)$/.exec(target);
  if (match === null) throw new Error(`${manifest.name}: entry ${target} is not under ./dist/`);
  const file = join(LIB, match[1]);
  if (!existsSync(file)) throw new Error(`${manifest.name}: ${relative(dir, file)} is not built (run tsc -b first)`);
  return file;
}

const targets = new Set();
for (const target of Object.values(manifest.exports ?? {})) targets.add(typeof target === 'string' ? target : target.import);
for (const entry of options.entries ?? []) targets.add(entry);
const entryPoints = [...targets].map((target) => sourceOf(target));

/** The package a bare specifier names: `@scope/name` or `name`. */
const packageOf = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
const builtins = new Set(builtinModules);
const inNodeModules = (file) => file.split(sep).includes('node_modules');

/** Bare imports stay imports, except those of `inline` and what inlined code itself imports. */
const externals = {
  name: 'gipkit-externals',
  setup(bundle) {
    bundle.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:') || builtins.has(args.path)) return { path: args.path, external: true };
      if (inline.has(packageOf(args.path)) || inNodeModules(args.importer)) return undefined;
      return { path: args.path, external: true };
    });
  },
};

// Inlined CommonJS calls require() for Node's own modules: an ES module has none, so each output file gets one.
const banner = inline.size === 0 ? undefined : { js: "import { createRequire as __gipkitCreateRequire } from 'node:module';\nconst require = __gipkitCreateRequire(import.meta.url);" };

for (const stale of ['chunks']) rmSync(join(OUT, stale), { recursive: true, force: true });
const result = await build({
  entryPoints,
  outbase: LIB,
  outdir: OUT,
  entryNames: '[dir]/[name]',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  sourcemap: 'linked',
  sourcesContent: true,
  legalComments: 'eof',
  metafile: true,
  logLevel: 'warning',
  plugins: [externals],
  ...(banner === undefined ? {} : { banner }),
});

// Source maps: our sources ship in src/, so their text is left out; an inlined dependency's text stays.
for (const output of Object.keys(result.metafile.outputs)) {
  if (!output.endsWith('.map')) continue;
  const file = resolve(output);
  const map = JSON.parse(readFileSync(file, 'utf8'));
  map.sourcesContent = map.sources.map((source, index) => (inNodeModules(resolve(dirname(file), source)) ? map.sourcesContent[index] : null));
  writeFileSync(file, JSON.stringify(map));
}

// What was inlined, with its license: the package ships it.
const inlined = new Map();
for (const input of Object.keys(result.metafile.inputs)) {
  const parts = resolve(input).split(sep);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) continue;
  const name = parts[at + 1]?.startsWith('@') ? `${parts[at + 1]}/${parts[at + 2]}` : parts[at + 1];
  const root = parts.slice(0, at + 1 + name.split('/').length).join(sep);
  inlined.set(name, root);
}
for (const name of inlined.keys()) {
  if (!inline.has(name) && ![...inline].some((wanted) => dependsOn(inlined.get(wanted), name))) {
    throw new Error(`${manifest.name}: ${name} was bundled but is not in gipkit.bundle.inline`);
  }
}
const notices = join(OUT, 'THIRD-PARTY-NOTICES.md');
if (inlined.size === 0) {
  rmSync(notices, { force: true });
} else {
  const sections = [...inlined].sort(([a], [b]) => a.localeCompare(b)).map(([name, root]) => {
    const own = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const licenseFile = ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'license'].map((file) => join(root, file)).find((file) => existsSync(file));
    if (licenseFile === undefined) throw new Error(`${manifest.name}: ${name} is inlined but ships no license file`);
    return `## ${name} ${own.version} (${own.license})\n\n\`\`\`\n${readFileSync(licenseFile, 'utf8').trim()}\n\`\`\`\n`;
  });
  writeFileSync(notices, `# Third-party code in this package\n\nThe build of ${manifest.name} contains the following packages, under their licenses.\n\n${sections.join('\n')}`);
}

/** Whether the package at `root` depends (directly) on `name`. */
function dependsOn(root, name) {
  if (root === undefined) return false;
  const own = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return name in (own.dependencies ?? {}) || name in (own.peerDependencies ?? {});
}
