import { mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ComponentBundle } from '@gipkit/plugin-api';
import { BundleCache, packBundle, sha256, unpackBundle } from './bundle-transfer.js';

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
const BUNDLE: ComponentBundle = {
  name: 'hello-agent',
  version: '1.0.0',
  files: [
    { path: 'agent.sh', contents: encode('#!/bin/sh\nsleep 1\n'), executable: true, family: 'linux' },
    { path: 'data/readme.txt', contents: { size: 6, open: async function* () { yield encode('abc'); yield encode('def'); } } },
  ],
  start: { linux: ['./agent.sh'] },
  health: { linux: ['true'] },
};
const signal = new AbortController().signal;
const folders: string[] = [];
afterAll(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

describe('bundles published to agents (behaviour 10)', () => {
  it('10. a bundle packs to the same bytes every time, named by their SHA-256, and unpacks to the same files', async () => {
    const one = await packBundle(BUNDLE, 1024, signal);
    const two = await packBundle(BUNDLE, 1024, signal);
    expect(one.digest).toBe(two.digest);
    expect(one.digest).toBe(sha256(one.bytes));
    const back = unpackBundle(one.bytes, one.digest, 1024);
    expect(back.name).toBe('hello-agent');
    expect(back.files.map((file) => [file.path, Buffer.from(file.contents as Uint8Array).toString(), file.executable ?? false, file.family ?? null]))
      .toEqual([['agent.sh', '#!/bin/sh\nsleep 1\n', true, 'linux'], ['data/readme.txt', 'abcdef', false, null]]);
    expect(back.start).toEqual({ linux: ['./agent.sh'] });
  });

  it('10. a bundle over the size limit is refused before it is published, naming the limit', async () => {
    await expect(packBundle(BUNDLE, 20, signal)).rejects.toMatchObject({ code: 'GIPKIT_BUNDLE_INVALID', message: expect.stringContaining('larger than the 20-byte limit') as unknown });
  });

  it('10. an agent uses no bundle whose bytes are not the digest\'s, or whose header lies about its files', async () => {
    const packed = await packBundle(BUNDLE, 1024, signal);
    const changed = Buffer.from(packed.bytes);
    changed.writeUInt8(changed.readUInt8(changed.length - 1) ^ 1, changed.length - 1);
    expect(() => unpackBundle(changed, packed.digest, 1024)).toThrow(/^the bundle's SHA-256 is [0-9a-f]{64}, not the [0-9a-f]{64} the task names$/);
    // Well named, but with a byte no file describes (a header that lies): refused all the same.
    const longer = Buffer.concat([packed.bytes, Buffer.from('x')]);
    expect(() => unpackBundle(longer, sha256(longer), 1024)).toThrow('the bundle has bytes that no file describes');
    const header = Buffer.from(JSON.stringify({ name: 'x', version: '1', start: {}, health: {}, files: [{ path: 'a', size: 99 }] }));
    const lying = Buffer.concat([Buffer.from([0, 0, 0, header.byteLength]), header, Buffer.from('short')]);
    expect(() => unpackBundle(lying, sha256(lying), 1024)).toThrow('bundle.files[0] runs past the end of the bundle');
    expect(() => unpackBundle(packed.bytes, packed.digest, 10)).toThrow("the bundle is larger than this agent's 10-byte limit");
  });

  it('10. an agent caches bundles by digest in a private folder, and never trusts a cached file because it exists', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'gipkit-bundle-cache-'));
    folders.push(folder);
    const dir = join(folder, 'cache');
    const cache = new BundleCache(dir);
    const packed = await packBundle(BUNDLE, 1024, signal);
    await cache.write(packed.digest, packed.bytes);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, `${packed.digest}.bundle`))).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual([`${packed.digest}.bundle`]);
    expect((await cache.read(packed.digest, 1024))?.equals(packed.bytes)).toBe(true);
    // Replaced on disk by other bytes: not used (the agent fetches the bundle again).
    await writeFile(join(dir, `${packed.digest}.bundle`), 'tampered');
    expect(await cache.read(packed.digest, 1024)).toBeUndefined();
    // A link where the file should be: not followed.
    await rm(join(dir, `${packed.digest}.bundle`));
    const elsewhere = join(folder, 'elsewhere.bundle');
    await writeFile(elsewhere, packed.bytes);
    await symlink(elsewhere, join(dir, `${packed.digest}.bundle`));
    expect(await cache.read(packed.digest, 1024)).toBeUndefined();
    // A name that is not a digest is never a path.
    expect(await cache.read('../../etc/passwd', 1024)).toBeUndefined();
    await expect(cache.write('../escape', packed.bytes)).rejects.toThrow('not a digest');
  });
});
