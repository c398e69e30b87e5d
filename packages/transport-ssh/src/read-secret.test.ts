import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ConnectorError, ErrorCode } from '@gipkit/plugin-api';
import { readSecret, redactor } from './read-secret.js';

const folder = mkdtempSync(join(tmpdir(), 'gipkit-secret-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
afterEach(() => {
  delete process.env.GIPKIT_TEST_SECRET;
});

describe('readSecret', () => {
  it('a password from a file loses one trailing newline', async () => {
    const file = join(folder, 'password');
    writeFileSync(file, 'p@ss word\n');
    expect(await readSecret({ file }, 'root')).toEqual({ kind: 'password', password: 'p@ss word', source: `file ${file}` });
  });

  it('an empty variable or file is a missing secret', async () => {
    process.env.GIPKIT_TEST_SECRET = '';
    await expect(readSecret({ env: 'GIPKIT_TEST_SECRET' }, 'root')).rejects.toMatchObject({ code: ErrorCode.SecretUnavailable });
    const file = join(folder, 'empty');
    writeFileSync(file, '');
    await expect(readSecret({ file }, 'root')).rejects.toMatchObject({ code: ErrorCode.SecretUnavailable, message: expect.stringContaining(file) });
  });

  it('a folder given as the secret file is a SECRET error naming the path', async () => {
    const error = await readSecret({ file: folder }, 'root').catch((rejection: unknown) => rejection);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ code: ErrorCode.SecretUnavailable, message: expect.stringContaining(folder) });
  });
});

describe('redactor', () => {
  it('removes the secret and each line of a key, and leaves short fragments', () => {
    const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAline1secret\nBBBBline2secret\n-----END OPENSSH PRIVATE KEY-----\n';
    const redact = redactor(key);
    expect(redact('saw AAAAline1secret and BBBBline2secret')).toBe('saw [secret] and [secret]');
    expect(redact('-----BEGIN OPENSSH PRIVATE KEY-----')).toBe('-----BEGIN OPENSSH PRIVATE KEY-----');
    expect(redactor('hunter22')('password=hunter22;')).toBe('password=[secret];');
    expect(redactor('abc')('abc')).toBe('abc');
  });
});
