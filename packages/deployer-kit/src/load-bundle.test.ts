import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rename, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { contentsBytes, contentsChunks, ErrorCode, InputError, type UploadStream } from '@gipkit/plugin-api';
import { BUNDLE_CHUNK_BYTES } from './bundle-file-source.js';
import { loadBundle } from './load-bundle.js';

const HELLO_AGENT = fileURLToPath(new URL('../../../examples/bundles/hello-agent/', import.meta.url));
const folders: string[] = [];

async function bundleFolder(manifest: string, files: Record<string, string> = {}): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'gipkit-bundle-'));
  folders.push(folder);
  await writeFile(join(folder, 'bundle.json'), manifest);
  for (const [path, contents] of Object.entries(files)) {
    await mkdir(join(folder, path, '..'), { recursive: true });
    await writeFile(join(folder, path), contents);
  }
  return folder;
}

async function problems(folder: string): Promise<InputError> {
  const error = await loadBundle(folder).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(InputError);
  expect(error).toMatchObject({ code: ErrorCode.BundleInvalid });
  return error as InputError;
}

/** A folder outside every bundle, holding a secret (as ~/.ssh holds the operator's key). */
async function secretOutside(): Promise<{ folder: string; key: string }> {
  const folder = await realpath(await mkdtemp(join(tmpdir(), 'gipkit-secret-')));
  folders.push(folder);
  const key = join(folder, 'id_ed25519');
  await writeFile(key, '-----BEGIN OPENSSH PRIVATE KEY-----\nsecret\n', { mode: 0o600 });
  return { folder, key };
}

const MANIFEST = (files: readonly unknown[]): string =>
  JSON.stringify({ name: 'a', version: '1', files, start: { linux: ['/bin/sh', 'a.sh'] }, health: { linux: ['/bin/sh', 'a.sh'] } });

const never = (): AbortSignal => new AbortController().signal;

afterEach(async () => {
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

describe('loadBundle', () => {
  it('loads examples/bundles/hello-agent: files with their contents, executables marked, commands per family', async () => {
    const bundle = await loadBundle(HELLO_AGENT);
    expect(bundle.name).toBe('hello-agent');
    expect(bundle.version).toBe('1.0.0');
    expect(bundle.files.map((file) => [file.path, file.executable === true, file.family])).toEqual([
      ['agent.sh', true, 'linux'], ['health.sh', true, 'linux'], ['agent.ps1', false, 'windows'], ['health.ps1', false, 'windows'],
    ]);
    expect(new TextDecoder().decode(await contentsBytes(bundle.files[0]?.contents ?? new Uint8Array(), AbortSignal.timeout(5_000)))).toMatch(/^#!\/bin\/sh\n/);
    expect(bundle.start.linux).toEqual(['/bin/sh', 'agent.sh']);
    expect(bundle.health.windows?.at(-1)).toBe('health.ps1');
  });

  it('lists every problem of a bad manifest at once, each with the file, the place and the value', async () => {
    const folder = await bundleFolder(JSON.stringify({
      name: 'Hello Agent',
      version: '',
      files: ['agent.sh', '../outside.sh', { path: 'missing.sh', executable: 'yes' }, 'agent.sh', 42, { path: 'agent.sh', family: 'solaris' }],
      start: { linux: ['/bin/sh', 'agent.sh'], solaris: ['x'] },
      health: { linux: '/bin/sh health.sh', windows: [] },
      extra: true,
    }), { 'agent.sh': 'echo hi' });
    const error = await problems(folder);
    const file = join(folder, 'bundle.json');
    expect(error.diagnostics.map(({ path, value }) => ({ path, value }))).toEqual([
      { path: 'extra', value: true },
      { path: 'name', value: 'Hello Agent' },
      { path: 'version', value: '' },
      { path: 'files[1]', value: '../outside.sh' },
      { path: 'files[2].executable', value: 'yes' },
      { path: 'files[2].path', value: 'missing.sh' },
      { path: 'files[3]', value: 'agent.sh' },
      { path: 'files[4]', value: 42 },
      { path: 'files[5].family', value: 'solaris' },
      { path: 'files[5].path', value: 'agent.sh' },
      { path: 'start.solaris', value: ['x'] },
      { path: 'health.linux', value: '/bin/sh health.sh' },
      { path: 'health.windows', value: [] },
      { path: 'start.windows', value: undefined },
    ]);
    expect(error.diagnostics.every((diagnostic) => diagnostic.file === file)).toBe(true);
    expect(error.message).toContain(`${file}: files[2].path: does not exist in`);
    expect(error.message).toContain('(found "Hello Agent")');
  });

  it('invalid JSON: one problem with its line and column', async () => {
    const error = await problems(await bundleFolder('{\n  "name": "x",\n  "version": 1.0.0\n}'));
    expect(error.diagnostics).toHaveLength(1);
    expect(error.diagnostics[0]).toMatchObject({ path: '', line: 3, column: 17 });
  });

  it('a folder without bundle.json, or a manifest that is not an object', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'gipkit-bundle-'));
    folders.push(empty);
    expect((await problems(empty)).diagnostics[0]?.message).toMatch(/cannot read the manifest/);
    expect((await problems(await bundleFolder('[1, 2]'))).diagnostics[0]).toMatchObject({ path: '', value: [1, 2] });
  });

  it('start and health go in pairs per family', async () => {
    const folder = await bundleFolder(JSON.stringify({
      name: 'a', version: '1', files: ['a.sh'], start: { linux: ['/bin/sh', 'a.sh'] }, health: { windows: ['x.exe'] },
    }), { 'a.sh': '' });
    expect((await problems(folder)).diagnostics.map((d) => d.path)).toEqual(['health.linux', 'start.windows']);
  });

  it('hardening 2: a file that is a link to a file outside the bundle is refused when the bundle loads, naming the file and where it points', async () => {
    const { key } = await secretOutside();
    const folder = await bundleFolder(MANIFEST(['a.sh', 'key.txt']), { 'a.sh': '' });
    await symlink(key, join(folder, 'key.txt'));
    const error = await problems(folder);
    const root = await realpath(folder);
    expect(error.diagnostics).toEqual([
      { file: join(folder, 'bundle.json'), path: 'files[1]', value: 'key.txt', message: `is a link to ${key}, outside the bundle folder ${root}` },
    ]);
    expect(error.message).toContain(`files[1]: is a link to ${key}, outside the bundle folder ${root} (found "key.txt")`);
  });

  it('hardening 2: a relative link that climbs out of the bundle, and a file under a linked folder that leads outside, are refused', async () => {
    const { folder: secrets, key } = await secretOutside();
    const folder = await bundleFolder(MANIFEST(['a.sh', 'up.txt', 'keys/id_ed25519', { path: 'deep/keys/id_ed25519', executable: true }]), { 'a.sh': '' });
    const root = await realpath(folder);
    await symlink(join('..', secrets.split('/').at(-1) ?? '', 'id_ed25519'), join(folder, 'up.txt'));
    await symlink(secrets, join(folder, 'keys'));
    await mkdir(join(folder, 'deep'));
    await symlink('../keys', join(folder, 'deep', 'keys'));
    const error = await problems(folder);
    expect(error.diagnostics.map(({ path, message }) => [path, message])).toEqual([
      ['files[1]', `is a link to ${key}, outside the bundle folder ${root}`],
      ['files[2]', `lies under a linked folder: its real path ${key} is outside the bundle folder ${root}`],
      ['files[3].path', `lies under a linked folder: its real path ${key} is outside the bundle folder ${root}`],
    ]);
  });

  it('hardening 2: bundle.json that is a link out of the bundle folder is refused', async () => {
    const { folder: secrets } = await secretOutside();
    await writeFile(join(secrets, 'bundle.json'), MANIFEST(['id_ed25519']));
    const folder = await mkdtemp(join(tmpdir(), 'gipkit-bundle-'));
    folders.push(folder);
    await symlink(join(secrets, 'bundle.json'), join(folder, 'bundle.json'));
    const error = await problems(folder);
    expect(error.diagnostics).toHaveLength(1);
    expect(error.diagnostics[0]?.message).toBe(`cannot read the manifest: bundle.json is a link to ${join(secrets, 'bundle.json')}, outside the bundle folder ${await realpath(folder)}`);
  });

  it('hardening 2: a file swapped for a link after the bundle loaded is not read: its upload fails with GIPKIT_BUNDLE_CHANGED', async () => {
    const { key } = await secretOutside();
    const folder = await bundleFolder(MANIFEST(['a.sh', 'data.txt', 'other.txt']), { 'a.sh': '', 'data.txt': 'twelve bytes', 'other.txt': 'same length!' });
    const bundle = await loadBundle(folder);
    await rm(join(folder, 'data.txt'));
    await symlink(key, join(folder, 'data.txt'));
    // Replaced by another file of the same size: refused too.
    await rename(join(folder, 'a.sh'), join(folder, 'a.old'));
    await writeFile(join(folder, 'a.sh'), '');
    await writeFile(join(folder, 'other.txt'), 'longer than before');
    for (const [index, how] of [[0, 'was replaced by another file'], [1, 'was replaced by a link'], [2, 'changed size (12 bytes then, 18 now)']] as const) {
      const contents = bundle.files[index]?.contents ?? new Uint8Array();
      const error = await contentsBytes(contents, never()).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: ErrorCode.BundleChanged, message: expect.stringContaining(how) });
    }
  });

  it('links that stay in the bundle folder are followed; a named pipe or a folder is not a file', async () => {
    const folder = await bundleFolder(MANIFEST(['a.sh', 'lib/current.sh', 'pipe', 'lib']), { 'a.sh': 'echo hi', 'lib/v1.sh': 'echo v1' });
    await symlink('v1.sh', join(folder, 'lib', 'current.sh'));
    execFileSync('mkfifo', [join(folder, 'pipe')]);
    const error = await problems(folder);
    expect(error.diagnostics.map(({ path, message }) => [path, message])).toEqual([['files[2]', 'is not a file (a named pipe)'], ['files[3]', 'is not a file (a folder)']]);
    const good = await bundleFolder(MANIFEST(['a.sh', 'lib/current.sh']), { 'a.sh': 'echo hi', 'lib/v1.sh': 'echo v1' });
    await symlink('v1.sh', join(good, 'lib', 'current.sh'));
    const bundle = await loadBundle(good);
    expect(new TextDecoder().decode(await contentsBytes(bundle.files[1]?.contents ?? new Uint8Array(), never()))).toBe('echo v1');
  });

  it('hardening 18: names the deployer writes itself are refused when the bundle loads, whatever their case, also as a folder', async () => {
    const folder = await bundleFolder(MANIFEST(['a.sh', 'VERSION', 'gipkit-service.sh', { path: 'Gipkit-Service.PS1', family: 'windows' }, 'version.', 'VERSION/notes.txt', 'docs/VERSION']), {
      'a.sh': '', VERSION: '9', 'gipkit-service.sh': '', 'Gipkit-Service.PS1': '', 'version.': '', 'docs/VERSION': '',
    });
    const error = await problems(folder);
    expect(error.diagnostics.map(({ path, message, value }) => [path, message, value])).toEqual([
      ['files[1]', "is a name the deployer writes itself in the component's folder (reserved: VERSION)", 'VERSION'],
      ['files[2]', "is a name the deployer writes itself in the component's folder (reserved: gipkit-service.*)", 'gipkit-service.sh'],
      ['files[3].path', "is a name the deployer writes itself in the component's folder (reserved: gipkit-service.*)", 'Gipkit-Service.PS1'],
      ['files[4]', "is a name the deployer writes itself in the component's folder (reserved: VERSION)", 'version.'],
      ['files[5]', "is a name the deployer writes itself in the component's folder (reserved: VERSION)", 'VERSION/notes.txt'],
    ]);
  });

  it('hardening 18: a file too large is reported as too large, with its size, not as missing', async () => {
    const folder = await bundleFolder(MANIFEST(['a.sh', 'disk.img', 'big.bin']), { 'a.sh': '', 'big.bin': 'x'.repeat(2048) });
    // Sparse: 4 GiB and one byte cost no disk.
    await writeFile(join(folder, 'disk.img'), '');
    await truncate(join(folder, 'disk.img'), 4 * 1024 ** 3 + 1);
    const error = await problems(folder);
    expect(error.diagnostics.map(({ path, message }) => [path, message])).toEqual([['files[1]', 'is too large: 4294967297 bytes (at most 4294967296)']]);
    const limited = await loadBundle(folder, { maxFileBytes: 1024 }).catch((e: unknown) => e as InputError);
    expect(limited).toBeInstanceOf(InputError);
    expect((limited as InputError).diagnostics.map(({ path, message }) => [path, message])).toEqual([
      ['files[1]', 'is too large: 4294967297 bytes (at most 1024)'],
      ['files[2]', 'is too large: 2048 bytes (at most 1024)'],
    ]);
  });

  it('hardening 18: a file of more than 2 GiB (more than Node reads at once) loads, with its size', async () => {
    const folder = await bundleFolder(MANIFEST(['a.sh', 'disk.img']), { 'a.sh': '' });
    await writeFile(join(folder, 'disk.img'), '');
    await truncate(join(folder, 'disk.img'), 2 * 1024 ** 3 + 1);
    const bundle = await loadBundle(folder);
    expect((bundle.files[1]?.contents as UploadStream).size).toBe(2 * 1024 ** 3 + 1);
  });

  it('hardening 18: bundle files are not read into memory when the bundle loads, and are read in chunks of at most 256 KiB when uploaded', async () => {
    const size = 256 * 1024 ** 2;
    const folder = await bundleFolder(MANIFEST(['a.sh', 'big.bin']), { 'a.sh': '' });
    await writeFile(join(folder, 'big.bin'), '');
    await truncate(join(folder, 'big.bin'), size);
    const before = process.memoryUsage().arrayBuffers;
    const bundle = await loadBundle(folder);
    const heldByLoad = process.memoryUsage().arrayBuffers - before;
    expect(heldByLoad).toBeLessThan(16 * 1024 ** 2);
    const contents = bundle.files[1]?.contents ?? new Uint8Array();
    expect(contents).not.toBeInstanceOf(Uint8Array);
    expect((contents as UploadStream).size).toBe(size);
    let total = 0;
    let largest = 0;
    let chunks = 0;
    for await (const chunk of contentsChunks(contents, never())) {
      total += chunk.byteLength;
      largest = Math.max(largest, chunk.byteLength);
      chunks++;
    }
    expect({ total, largest, chunks }).toEqual({ total: size, largest: BUNDLE_CHUNK_BYTES, chunks: size / BUNDLE_CHUNK_BYTES });
  });
});
