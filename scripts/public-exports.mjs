// The export names of every entry of every package (its `exports` map), as JSON: what
// test/public-exports.test.ts compares with test/public-exports.json. After a build, when an export is
// meant to change (with a changeset): node scripts/public-exports.mjs > test/public-exports.json
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Every package entry's export names, sorted, by `name` or `name/subpath`. */
export async function publicExports() {
  const found = {};
  for (const dir of readdirSync(join(ROOT, 'packages')).sort()) {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'packages', dir, 'package.json'), 'utf8'));
    for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
      const file = join(ROOT, 'packages', dir, typeof target === 'string' ? target : target.import);
      if (!existsSync(file)) throw new Error(`${manifest.name}${subpath.slice(1)}: ${file} is not built; build first`);
      const entry = await import(pathToFileURL(file).href);
      found[`${manifest.name}${subpath === '.' ? '' : subpath.slice(1)}`] = Object.keys(entry).sort();
    }
  }
  return found;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${JSON.stringify(await publicExports(), null, 2)}\n`);
}
