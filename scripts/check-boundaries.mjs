#!/usr/bin/env node
// Package boundaries, checked on the sources (STYLE.md, "Packages"):
// - an import of another package is declared in package.json (dependencies for shipped code, devDependencies
//   are enough for tests, and for shipped code when the build inlines it: `gipkit.bundle.inline`, which then
//   is a devDependency and never a dependency) and names one of its `exports` (no deep imports into src/ or dist/);
// - a relative import stays inside its package;
// - plugins and kits never import @gipkit/core (only the CLI composes it);
// - tsyringe, reflect-metadata and json-rules-engine are imported by core only;
// - no cycle between packages, and none between the modules of a package.
// Prints every problem with file and line, exits 1 when there is one. `--json` prints the graph instead.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, normalize, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPOSITORY = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CORE_ONLY = new Set(['tsyringe', 'reflect-metadata', 'json-rules-engine']);
/**
 * Packages that compose core; everything else is a plugin, a kit or a contract. The simulated lab reads its lab
 * file with core's reader (positions, size limit), as the CLI reads inventories; its connectors use plugin-api only.
 */
const COMPOSERS = new Set(['@gipkit/core', '@gipkit/cli', '@gipkit/simulated-lab']);
const BUILTINS = new Set(builtinModules);

/** The workspace's packages: name, folder, declared dependencies, export subpaths, and which files are shipped. */
function workspacePackages(ROOT) {
  const found = [];
  for (const group of ['packages', 'examples']) {
    const base = join(ROOT, group);
    if (!existsSync(base)) continue;
    for (const entry of readdirSync(base)) {
      const dir = join(base, entry);
      const manifestPath = join(dir, 'package.json');
      if (!existsSync(manifestPath)) continue;
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
      const tsconfigPath = join(dir, 'tsconfig.json');
      const excluded = existsSync(tsconfigPath) ? (JSON.parse(readFileSync(tsconfigPath, 'utf8')).exclude ?? []) : [];
      found.push({
        name: manifest.name,
        dir,
        dependencies: new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]),
        devDependencies: new Set(Object.keys(manifest.devDependencies ?? {})),
        inlined: new Set(manifest.gipkit?.bundle?.inline ?? []),
        exports: new Set(Object.keys(typeof manifest.exports === 'object' && manifest.exports !== null ? manifest.exports : { '.': '' })),
        excluded: excluded.map(globToRegExp),
      });
    }
  }
  return found;
}

/** `src/**\/*.test.ts` → a RegExp on the path relative to the package folder. */
function globToRegExp(glob) {
  let pattern = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      pattern += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') pattern += '[^/]*';
    else pattern += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${pattern}$`);
}

function sourceFiles(dir) {
  const files = [];
  const walk = (folder) => {
    for (const entry of readdirSync(folder)) {
      const path = join(folder, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts') && !path.endsWith('.d.ts')) files.push(path);
    }
  };
  if (existsSync(join(dir, 'src'))) walk(join(dir, 'src'));
  return files;
}

const SPECIFIERS = [
  /(?:^|[\s;}])(?:import|export)\s+(type\s+)?[^'";]*?\sfrom\s*['"]([^'"]+)['"]/g,
  /(?:^|[\s;}])import\s*()['"]([^'"]+)['"]/g,
  /\bimport\(\s*()['"]([^'"]+)['"]\s*\)/g,
];

/** Every module specifier a file imports or re-exports, with its line; comments are blanked first. */
function importsOf(text) {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, ' ')).replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const found = [];
  for (const pattern of SPECIFIERS) {
    for (const match of code.matchAll(pattern)) {
      const start = match.index + Math.max(0, match[0].search(/\S/));
      // `import type` is erased when compiled: it is checked like any import, but makes no edge of the module graph.
      found.push({ specifier: match[2], typeOnly: match[1] !== undefined && match[1] !== '', line: code.slice(0, start).split('\n').length });
    }
  }
  return found;
}

/** `@scope/name/sub/path` → ['@scope/name', './sub/path']; `name/sub` → ['name', './sub']. */
function splitSpecifier(specifier) {
  const parts = specifier.split('/');
  const length = specifier.startsWith('@') ? 2 : 1;
  const rest = parts.slice(length).join('/');
  return [parts.slice(0, length).join('/'), rest === '' ? '.' : `./${rest}`];
}

/** The cycles of a directed graph (Tarjan's strongly connected components of more than one node, or a self-loop). */
function cyclesOf(graph) {
  let index = 0;
  const indices = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const cycles = [];
  const connect = (start) => {
    // Iterative Tarjan: no recursion on deep module graphs.
    const work = [[start, 0]];
    indices.set(start, index);
    low.set(start, index++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const [node, next] = frame;
      const edges = [...(graph.get(node) ?? [])];
      if (next < edges.length) {
        frame[1]++;
        const target = edges[next];
        if (!indices.has(target)) {
          indices.set(target, index);
          low.set(target, index++);
          stack.push(target);
          onStack.add(target);
          work.push([target, 0]);
        } else if (onStack.has(target)) low.set(node, Math.min(low.get(node), indices.get(target)));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent), low.get(node)));
      }
      if (low.get(node) === indices.get(node)) {
        const component = [];
        let member;
        do {
          member = stack.pop();
          onStack.delete(member);
          component.push(member);
        } while (member !== node);
        if (component.length > 1 || (graph.get(node) ?? new Set()).has(node)) cycles.push(component.reverse());
      }
    }
  };
  for (const node of graph.keys()) if (!indices.has(node)) connect(node);
  return cycles;
}

/** Checks the workspace at `ROOT` (default: this repository); returns every problem and the package graph. */
export function checkBoundaries(ROOT = REPOSITORY) {
  const packages = workspacePackages(ROOT);
  // Tests may use the workspace's own dev tools (vitest, fast-check) and the shared fixtures in test/.
  const rootManifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const workspaceDevTools = new Set(Object.keys(rootManifest.devDependencies ?? {}));
  const sharedTests = join(ROOT, 'test') + sep;
  const byName = new Map(packages.map((pkg) => [pkg.name, pkg]));
  const problems = [];
  const packageGraph = new Map(packages.map((pkg) => [pkg.name, new Set()]));
  for (const pkg of packages) {
    const moduleGraph = new Map();
    for (const file of sourceFiles(pkg.dir)) {
      const inPackage = relative(pkg.dir, file).split(sep).join('/');
      const shipped = !pkg.excluded.some((pattern) => pattern.test(inPackage));
      const where = relative(ROOT, file).split(sep).join('/');
      const edges = new Set();
      moduleGraph.set(file, edges);
      for (const { specifier, typeOnly, line } of importsOf(readFileSync(file, 'utf8'))) {
        const at = `${where}:${line}`;
        if (specifier.startsWith('.')) {
          const target = normalize(join(dirname(file), specifier.replace(/\.js$/, '.ts')));
          if (!target.startsWith(pkg.dir + sep) && !(!shipped && target.startsWith(sharedTests))) problems.push(`${at}: '${specifier}' leaves ${pkg.name}: import the other package by its name`);
          else if (shipped && !typeOnly) edges.add(target);
          continue;
        }
        if (specifier.startsWith('node:') || BUILTINS.has(specifier)) continue;
        const [name, subpath] = splitSpecifier(specifier);
        if (name === pkg.name) {
          problems.push(`${at}: '${specifier}' imports ${pkg.name} from itself: use a relative import`);
          continue;
        }
        if (CORE_ONLY.has(name) && pkg.name !== '@gipkit/core') problems.push(`${at}: '${specifier}' is for @gipkit/core only (STYLE.md): use the contracts of @gipkit/plugin-api`);
        const inlined = pkg.inlined.has(name) && pkg.devDependencies.has(name) && !pkg.dependencies.has(name);
        const declared = inlined || pkg.dependencies.has(name) || (!shipped && (pkg.devDependencies.has(name) || workspaceDevTools.has(name)));
        if (pkg.inlined.has(name) && !inlined) {
          problems.push(`${at}: '${specifier}' is inlined by the build of ${pkg.name} (gipkit.bundle.inline): list it in devDependencies only`);
        } else if (!declared) {
          problems.push(shipped && pkg.devDependencies.has(name)
            ? `${at}: '${specifier}' is a devDependency of ${pkg.name} but shipped code imports it: make it a dependency, or keep it to tests`
            : `${at}: '${specifier}' is not a dependency of ${pkg.name}`);
        }
        const target = byName.get(name);
        if (target === undefined) continue;
        if (!target.exports.has(subpath)) {
          problems.push(`${at}: '${specifier}' is not an entry of ${name} (its exports: ${[...target.exports].join(', ')}): import its public entry`);
        }
        if (shipped && name === '@gipkit/core' && !COMPOSERS.has(pkg.name)) {
          problems.push(`${at}: ${pkg.name} imports @gipkit/core: plugins and kits depend on @gipkit/plugin-api only (STYLE.md)`);
        }
        if (shipped) packageGraph.get(pkg.name).add(name);
      }
    }
    for (const cycle of cyclesOf(moduleGraph)) {
      problems.push(`${pkg.name}: modules import each other in a cycle: ${[...cycle, cycle[0]].map((file) => relative(pkg.dir, file).split(sep).join('/')).join(' → ')}`);
    }
  }
  for (const cycle of cyclesOf(packageGraph)) problems.push(`packages import each other in a cycle: ${[...cycle, cycle[0]].join(' → ')}`);
  return { problems, packageGraph };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { problems, packageGraph } = checkBoundaries();
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(Object.fromEntries([...packageGraph].map(([name, deps]) => [name, [...deps].sort()])), null, 2)}\n`);
  }
  if (problems.length > 0) {
    process.stderr.write(`package boundaries: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((problem) => `  ${problem}`).join('\n')}\n`);
    process.exit(1);
  }
}
