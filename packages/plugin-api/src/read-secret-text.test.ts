import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from './errors.js';
import { readSecretText } from './read-secret-text.js';

const folder = mkdtempSync(join(tmpdir(), 'gipkit-secret-text-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('hardening 6: readSecretText', () => {
  it('reads a regular file whole, as it is (trailing newline and all)', async () => {
    const file = join(folder, 'key');
    writeFileSync(file, 'line one\nline two\n');
    await expect(readSecretText({ file })).resolves.toBe('line one\nline two\n');
  });

  it('a file up to the size limit is read; one byte more is refused', async () => {
    const file = join(folder, 'sized');
    writeFileSync(file, 'x'.repeat(32));
    await expect(readSecretText({ file }, { maxBytes: 32 })).resolves.toHaveLength(32);
    await expect(readSecretText({ file }, { maxBytes: 31 })).rejects.toMatchObject({ code: ErrorCode.SecretUnavailable, message: `file ${file} is larger than 31 bytes: it is not a password or a key` });
  });

  it('a missing file names its path and the reason; an empty file or variable is refused', async () => {
    const missing = join(folder, 'missing');
    await expect(readSecretText({ file: missing })).rejects.toMatchObject({ code: ErrorCode.SecretUnavailable, message: `file ${missing} cannot be read (ENOENT)` });
    const empty = join(folder, 'empty');
    writeFileSync(empty, '');
    await expect(readSecretText({ file: empty })).rejects.toMatchObject({ message: `file ${empty} is empty` });
    process.env.GIPKIT_TEST_EMPTY_SECRET = '';
    await expect(readSecretText({ env: 'GIPKIT_TEST_EMPTY_SECRET' })).rejects.toMatchObject({ message: 'environment variable GIPKIT_TEST_EMPTY_SECRET is empty' });
    delete process.env.GIPKIT_TEST_EMPTY_SECRET;
  });

  it('a signal already aborted stops the read', async () => {
    const file = join(folder, 'key');
    writeFileSync(file, 'secret');
    const cancel = new AbortController();
    cancel.abort();
    await expect(readSecretText({ file }, { signal: cancel.signal })).rejects.toMatchObject({ code: ErrorCode.SecretUnavailable, message: `reading file ${file} was cancelled` });
  });
});
