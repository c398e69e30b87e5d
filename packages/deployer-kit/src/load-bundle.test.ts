import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { contentsBytes, ErrorCode, InputError } from '@gipkit/plugin-api';
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
});
