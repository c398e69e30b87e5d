import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { builtInSecretResolver, ConnectorError, ErrorCode } from '@gipkit/plugin-api';
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
    expect(await readSecret(builtInSecretResolver, { file }, 'root')).toEqual({ kind: 'password', password: 'p@ss word', source: `file ${file}` });
  });

  it('an empty variable or file is a missing secret', async () => {
    process.env.GIPKIT_TEST_SECRET = '';
    await expect(readSecret(builtInSecretResolver, { env: 'GIPKIT_TEST_SECRET' }, 'root')).rejects.toMatchObject({ code: ErrorCode.SecretUnavailable });
    const file = join(folder, 'empty');
    writeFileSync(file, '');
    await expect(readSecret(builtInSecretResolver, { file }, 'root')).rejects.toMatchObject({ code: ErrorCode.SecretUnavailable, message: expect.stringContaining(file) });
  });

  it('a folder given as the secret file is a SECRET error naming the path', async () => {
    const error = await readSecret(builtInSecretResolver, { file: folder }, 'root').catch((rejection: unknown) => rejection);
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

describe('hardening 6: readSecret never blocks on a secret file', () => {
  const fifo = join(folder, 'fifo');
  afterAll(() => {
    // Today's code would still be waiting in open() for a writer: give it one, so that its thread ends.
    try {
      closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // Nobody waits: the FIFO was refused at once.
    }
  });

  it('a FIFO is refused at once (no writer is waited for), naming the file', async () => {
    execFileSync('mkfifo', [fifo]);
    const hung = new Promise<string>((resolve) => setTimeout(() => resolve('still waiting after 10 s'), 10_000).unref());
    const outcome = await Promise.race([readSecret(builtInSecretResolver, { file: fifo }, 'root').catch((rejection: unknown) => rejection), hung]);
    expect(outcome).toBeInstanceOf(ConnectorError);
    expect(outcome).toMatchObject({ code: ErrorCode.SecretUnavailable, message: `the secret for account root cannot be used: file ${fifo} is a FIFO (named pipe), not a regular file` });
  });

  it('a device, an oversized file and a whitespace-only secret are refused, naming the source and never the content', async () => {
    await expect(readSecret(builtInSecretResolver, { file: '/dev/null' }, 'root')).rejects.toMatchObject({ code: ErrorCode.SecretUnavailable, message: expect.stringContaining('file /dev/null is a device, not a regular file') as unknown });
    const huge = join(folder, 'huge');
    writeFileSync(huge, 'hunter22-'.repeat(10_000));
    const error = (await readSecret(builtInSecretResolver, { file: huge }, 'root').catch((rejection: unknown) => rejection)) as Error;
    expect(error).toMatchObject({ code: ErrorCode.SecretUnavailable, message: expect.stringContaining(`file ${huge} is larger than 65536 bytes`) as unknown });
    expect(error.message).not.toContain('hunter22');
    process.env.GIPKIT_TEST_SECRET = ' \n ';
    await expect(readSecret(builtInSecretResolver, { env: 'GIPKIT_TEST_SECRET' }, 'root')).rejects.toMatchObject({ message: 'the secret for account root cannot be used: environment variable GIPKIT_TEST_SECRET holds only whitespace' });
  });
});

describe('readSecret and links', () => {
  it('a symbolic link to a regular file is followed (mounted secrets are links)', async () => {
    const target = join(folder, 'target');
    writeFileSync(target, 'linked-password\n');
    const link = join(folder, 'link');
    symlinkSync(target, link);
    expect(await readSecret(builtInSecretResolver, { file: link }, 'root')).toMatchObject({ kind: 'password', password: 'linked-password' });
  });
});
