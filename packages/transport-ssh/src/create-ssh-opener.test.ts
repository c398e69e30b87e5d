import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError, ErrorCode, type CallOptions, type ConnectRequest, type ConnectorNotice, type GuestSession } from '@gipkit/plugin-api';
import { connectRequestFor, startSshServer, type SshServer } from '../../../test/ssh/ssh-server.js';
import { closedPort, startSilentServer, type SilentServer } from '../../../test/ssh/tcp-fixtures.js';
import { createSshOpener, type SshOpenerOptions } from './index.js';

// Integration tests against Debian's OpenSSH server on loopback (test/ssh/ssh-server.ts).

/** Upload contents whose source never yields (a stuck read on the product's side). */
const neverEnding = { size: 1024, open: (): AsyncIterable<Uint8Array> => ({ [Symbol.asyncIterator]: () => ({ next: () => new Promise<IteratorResult<Uint8Array>>(() => undefined) }) }) };
const options = (timeoutMs = 10_000, signal = new AbortController().signal): CallOptions => ({ timeoutMs, signal });

let server: SshServer;
let silent: SilentServer;
let scratch: string;
let knownHostsFile: string;
const sessions: GuestSession[] = [];

beforeAll(async () => {
  server = await startSshServer();
  silent = await startSilentServer('127.0.0.4');
  scratch = await mkdtemp(join(tmpdir(), 'gipkit-ssh-test-'));
  knownHostsFile = join(scratch, 'known_hosts');
  await writeFile(knownHostsFile, `${server.knownHostsLine}\n`);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await silent?.stop();
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.close()));
});

function request(overrides: Partial<ConnectRequest> = {}): ConnectRequest {
  return connectRequestFor(server, overrides);
}

async function open(openerOptions: SshOpenerOptions = { knownHostsFile }, target: ConnectRequest = request(), callOptions = options()): Promise<GuestSession> {
  const session = await createSshOpener(openerOptions).open(target, 'lan', callOptions);
  sessions.push(session);
  return session;
}

/** Resolves with the error a promise rejects with (fails the test if it resolves). */
async function failure(promise: Promise<unknown>): Promise<ConnectorError> {
  const error = await promise.then(
    () => expect.fail('expected a rejection'),
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  return error as ConnectorError;
}

/** Every message an error carries, its causes included. */
function messages(error: unknown): string {
  const texts: string[] = [];
  for (let current = error; current instanceof Error; current = current.cause) texts.push(current.message, String(current.stack));
  return texts.join('\n');
}

/** The distinctive lines of a secret (a key's base64 lines, or the password). */
function secretFragments(secret: string): string[] {
  return secret.split('\n').map((line) => line.trim()).filter((line) => line.length >= 8 && !line.startsWith('-----'));
}

async function generateKey(): Promise<string> {
  const path = join(scratch, `key-${randomUUID()}`);
  const result = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'other', '-f', path]);
  expect(result.status).toBe(0);
  return path;
}

const unique = (): string => randomUUID().slice(0, 8);

describe('GuestSession over SSH', () => {
  it('rule 8: run returns the exit code, stdout and stderr, and a non-zero exit does not reject', async () => {
    const session = await open();
    const result = await session.run(['sh', '-c', 'echo out; echo err >&2; exit 3'], options());
    expect(result).toEqual({ exitCode: 3, stdout: 'out\n', stderr: 'err\n', truncated: false });
    expect((await session.run(['true'], options())).exitCode).toBe(0);
    expect([session.vm, session.proxy, session.method]).toEqual(['vm-linux-1', 'proxy-1', 'lan']);
  });

  it('run passes each argument verbatim: no shell expansion of quotes, $, globs, spaces or newlines', async () => {
    const session = await open();
    const tricky = ["it's", '$HOME', '*', 'a  b', 'line\nbreak', '', '; rm -rf /tmp/x', '`id`', '\\'];
    const result = await session.run(['printf', '%s|', ...tricky], options());
    expect(result.stdout).toBe(tricky.map((argument) => `${argument}|`).join(''));
  });

  it('a command that reads stdin gets end of file instead of hanging', async () => {
    const session = await open();
    expect(await session.run(['cat'], options(5_000))).toMatchObject({ exitCode: 0, stdout: '' });
  });

  it('run keeps at most maxOutputBytes per stream and says truncated', async () => {
    const session = await open({ knownHostsFile, maxOutputBytes: 100 });
    const result = await session.run(['sh', '-c', 'head -c 300000 /dev/zero | tr "\\0" x; echo fine >&2'], options());
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('x'.repeat(100));
    expect(result.stderr).toBe('fine\n');
    expect(result.truncated).toBe(true);
  });

  it('a command killed by a signal reports 128 + the signal number, like a shell', async () => {
    const session = await open();
    expect((await session.run(['sh', '-c', 'kill -TERM $$'], options())).exitCode).toBe(143);
  });

  it('several calls can run at once on one session', async () => {
    const session = await open();
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => session.run(['sh', '-c', `sleep 0.2; echo ${n}`], options())));
    expect(results.map((result) => result.stdout)).toEqual(['1\n', '2\n', '3\n', '4\n', '5\n']);
  });

  it('upload creates missing parent folders and sets the mode, on the guest file system', async () => {
    const session = await open();
    const root = join(server.home, `gipkit-upload-${unique()}`);
    const path = join(root, 'a', 'b', 'start.sh');
    try {
      await session.upload(new TextEncoder().encode('#!/bin/sh\necho started\n'), path, { ...options(), mode: 0o750 });
      expect(readFileSync(path, 'utf8')).toBe('#!/bin/sh\necho started\n');
      expect(statSync(path).mode & 0o777).toBe(0o750);
      expect(statSync(join(root, 'a')).isDirectory()).toBe(true);
      expect(statSync(path).uid).toBe(statSync(server.home).uid);
      expect((await session.run([path], options())).stdout).toBe('started\n');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('upload replaces an existing file and accepts a relative path (from the home folder) and a large file', async () => {
    const session = await open();
    const name = `gipkit-relative-${unique()}/data.bin`;
    const large = new Uint8Array(3 * 1024 * 1024).map((_, index) => index % 251);
    try {
      await session.upload(new TextEncoder().encode('old contents that are longer'), name, options());
      await session.upload(large, name, options());
      expect(readFileSync(join(server.home, name)).equals(large)).toBe(true);
    } finally {
      await rm(join(server.home, name, '..'), { recursive: true, force: true });
    }
  });

  it('upload to /tmp works and a folder in the way is a FAILED error', async () => {
    const session = await open();
    const folder = `/tmp/gipkit-upload-${unique()}`;
    try {
      await session.upload(new TextEncoder().encode('x'), `${folder}/file`, { ...options(), mode: 0o600 });
      expect(statSync(`${folder}/file`).mode & 0o777).toBe(0o600);
      const error = await failure(session.upload(new TextEncoder().encode('x'), `${folder}/file/below`, options()));
      expect(error.code).toBe(ErrorCode.ConnectorFailed);
      expect(error.message).toContain(`${folder}/file`);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('remove deletes a folder with everything in it, and a missing path is not an error', async () => {
    const session = await open();
    const root = join(server.home, `gipkit-remove-${unique()}`);
    await session.upload(new TextEncoder().encode('x'), join(root, 'deep', 'file'), options());
    await session.upload(new TextEncoder().encode('y'), join(root, 'other'), options());
    await session.remove(root, options());
    expect(existsSync(root)).toBe(false);
    await expect(session.remove(root, options())).resolves.toBeUndefined();
    await expect(session.remove(join(server.home, `gipkit-never-${unique()}`), options())).resolves.toBeUndefined();
  });

  it('remove refuses the root folder and an empty path', async () => {
    const session = await open();
    expect((await failure(session.remove('/', options()))).code).toBe(ErrorCode.ConnectorFailed);
    expect((await failure(session.remove('', options()))).code).toBe(ErrorCode.ConnectorFailed);
  });

  it('rule 7: close is idempotent, and later calls reject with DROPPED', async () => {
    const session = await open();
    await session.close();
    await expect(session.close()).resolves.toBeUndefined();
    expect((await failure(session.run(['true'], options()))).code).toBe(ErrorCode.ConnectionDropped);
  });

  it('rule 6: a call that outlives its timeout rejects with TIMEOUT, the command is killed, the session stays usable', async () => {
    const session = await open();
    const marker = `${30 + Math.floor(Math.random() * 1000) / 1000}`;
    const started = Date.now();
    const error = await failure(session.run(['sleep', marker], options(300)));
    expect(error.code).toBe(ErrorCode.ConnectionTimedOut);
    expect(Date.now() - started).toBeLessThan(2_000);
    await expect.poll(() => spawnSync('pgrep', ['-f', `sleep ${marker}`]).status, { timeout: 3_000 }).toBe(1);
    expect((await session.run(['echo', 'still here'], options())).stdout).toBe('still here\n');
  });

  it('rule 6: an upload the guest never completes times out, and the session stays usable', async () => {
    const session = await open();
    // A source that never yields its bytes: the file is open on the guest and never completes.
    const target = `/tmp/gipkit-stuck-${unique()}`;
    await chmod(scratch, 0o755);
    try {
      const started = Date.now();
      expect((await failure(session.upload(neverEnding, target, options(300)))).code).toBe(ErrorCode.ConnectionTimedOut);
      expect(Date.now() - started).toBeLessThan(2_000);
      const next = `/tmp/gipkit-after-timeout-${unique()}`;
      await session.upload(new TextEncoder().encode('next'), next, options());
      await session.remove(next, options());
      expect(existsSync(next)).toBe(false);
    } finally {
      await rm(target, { force: true });
    }
  });

  it('rule 6: a cancelled call rejects at once with ABORTED', async () => {
    const session = await open();
    const controller = new AbortController();
    const running = session.run(['sleep', '20'], options(20_000, controller.signal));
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    expect((await failure(running)).code).toBe(ErrorCode.ConnectionAborted);
    expect(Date.now() - started).toBeLessThan(2_000);
    const cancelled = new AbortController();
    cancelled.abort();
    expect((await failure(session.upload(new Uint8Array(1), '/tmp/never', options(5_000, cancelled.signal)))).code).toBe(ErrorCode.ConnectionAborted);
  });

  it('a drop mid-session rejects the call in flight and every later call with DROPPED, and close does not throw', async () => {
    const session = await open();
    const running = session.run(['sleep', '20'], options(20_000));
    await new Promise((resolve) => setTimeout(resolve, 300));
    server.dropConnections();
    const error = await failure(running);
    expect(error.code).toBe(ErrorCode.ConnectionDropped);
    expect(error.message).toContain('vm-linux-1');
    expect((await failure(session.run(['true'], options()))).code).toBe(ErrorCode.ConnectionDropped);
    expect((await failure(session.upload(new Uint8Array(1), '/tmp/x', options()))).code).toBe(ErrorCode.ConnectionDropped);
    expect((await failure(session.remove('/tmp/x', options()))).code).toBe(ErrorCode.ConnectionDropped);
    await expect(session.close()).resolves.toBeUndefined();
    await expect(session.close()).resolves.toBeUndefined();
  });

  it('stopping the server drops the session (DROPPED)', async () => {
    const own = await startSshServer();
    try {
      const file = join(scratch, `known_hosts-${unique()}`);
      await writeFile(file, `${own.knownHostsLine}\n`);
      const session = await open({ knownHostsFile: file }, request({ addresses: [own.address], sshPort: own.port, secret: { file: own.privateKeyPath } }));
      // A source that never yields: an upload that is surely in flight.
      await chmod(scratch, 0o755);
      const uploading = failure(session.upload(neverEnding, `/tmp/gipkit-stuck-${unique()}`, options(20_000)));
      const running = failure(session.run(['sleep', '20'], options(20_000)));
      let settled = false;
      void uploading.finally(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(settled).toBe(false);
      await own.stop();
      expect((await uploading).code).toBe(ErrorCode.ConnectionDropped);
      expect((await running).code).toBe(ErrorCode.ConnectionDropped);
      expect((await failure(session.run(['true'], options()))).code).toBe(ErrorCode.ConnectionDropped);
    } finally {
      await own.stop();
    }
  });
});

describe('host keys (rule 5)', () => {
  it('a host key listed in the known_hosts file is accepted ([host]:port form)', async () => {
    const session = await open({ knownHostsFile });
    expect((await session.run(['true'], options())).exitCode).toBe(0);
  });

  it('a hashed known_hosts entry (ssh-keygen -H) is accepted', async () => {
    const file = join(scratch, `hashed-${unique()}`);
    await writeFile(file, `# comment\n\n${server.knownHostsLine}\n`);
    expect(spawnSync('ssh-keygen', ['-H', '-f', file]).status).toBe(0);
    const hashed = await readFile(file, 'utf8');
    expect(hashed).toMatch(/^\|1\|/m);
    expect(hashed).not.toContain(server.address);
    await open({ knownHostsFile: file });
  });

  it('a mismatched host key is rejected with HOST_KEY, giving the SHA256 fingerprint and the file, even with trustOnFirstUse', async () => {
    const other = await readFile(`${await generateKey()}.pub`, 'utf8');
    const file = join(scratch, `changed-${unique()}`);
    await writeFile(file, `[${server.address}]:${server.port} ${other.split(' ').slice(0, 2).join(' ')}\n`);
    for (const trustOnFirstUse of [false, true]) {
      const error = await failure(open({ knownHostsFile: file, trustOnFirstUse }));
      expect(error.code).toBe(ErrorCode.HostKeyRejected);
      expect(error.message).toContain(server.hostKeyFingerprint);
      expect(error.message).toContain(file);
      expect(error.message).toContain('line 1');
    }
    expect(await readFile(file, 'utf8')).not.toContain(server.knownHostsLine);
  });

  it('an unknown host is rejected without trustOnFirstUse: with an empty known_hosts file and with none', async () => {
    const file = join(scratch, `empty-${unique()}`);
    await writeFile(file, '');
    const error = await failure(open({ knownHostsFile: file }));
    expect(error.code).toBe(ErrorCode.HostKeyRejected);
    expect(error.message).toContain(server.hostKeyFingerprint);
    expect(error.message).toContain(file);
    const unverifiable = await failure(open({}));
    expect(unverifiable.code).toBe(ErrorCode.HostKeyRejected);
    expect(unverifiable.message).toContain(server.hostKeyFingerprint);
  });

  it('a key recorded for another port does not vouch for this one', async () => {
    const file = join(scratch, `other-port-${unique()}`);
    await writeFile(file, `${server.knownHostsLine.replace(`]:${server.port} `, `]:${server.port + 1} `)}\n${server.knownHostsLine.replace(/^\[([^\]]+)\]:\d+/, '$1')}\n`);
    expect((await failure(open({ knownHostsFile: file }))).code).toBe(ErrorCode.HostKeyRejected);
  });

  it('trust on first use reports a notice with the fingerprint, appends to known_hosts, and the next connection verifies against it', async () => {
    const file = join(scratch, `tofu-${unique()}`, 'known_hosts');
    const notices: ConnectorNotice[] = [];
    await open({ knownHostsFile: file, trustOnFirstUse: true }, request({ notify: (notice) => notices.push(notice) }));
    expect(notices).toEqual([
      { kind: 'host-key-trusted', endpoint: `${server.address}:${server.port}`, algorithm: 'ssh-ed25519', fingerprint: server.hostKeyFingerprint, knownHostsFile: file },
    ]);
    expect(await readFile(file, 'utf8')).toBe(`${server.knownHostsLine}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // Now known: accepted without trust on first use, and no second notice.
    await open({ knownHostsFile: file }, request({ notify: (notice) => notices.push(notice) }));
    await open({ knownHostsFile: file, trustOnFirstUse: true }, request({ notify: (notice) => notices.push(notice) }));
    expect(notices).toHaveLength(1);
  });

  it('trust on first use records a new host once when two connections race', async () => {
    const file = join(scratch, `tofu-race-${unique()}`);
    const opener = createSshOpener({ knownHostsFile: file, trustOnFirstUse: true });
    const notices: ConnectorNotice[] = [];
    const opened = await Promise.all([1, 2, 3].map(() => opener.open(request({ notify: (notice) => notices.push(notice) }), 'lan', options())));
    sessions.push(...opened);
    expect(await readFile(file, 'utf8')).toBe(`${server.knownHostsLine}\n`);
    expect(notices).toHaveLength(1);
  });

  it('hardening 3: a key trusted on first use is the only one for that host and port for the rest of the run: another key later is refused with HOST_KEY', async () => {
    // Two OpenSSH servers with different host keys answer the same address and port in turn (one stops, the other starts).
    const key = join(scratch, `tofu-two-keys-${unique()}`);
    await writeFile(key, server.privateKey, { mode: 0o600 });
    const publicKey = spawnSync('ssh-keygen', ['-y', '-f', key], { encoding: 'utf8' }).stdout.trim();
    const started: SshServer[] = [];
    const start = async (port?: number): Promise<SshServer> => {
      const one = await startSshServer({ address: '127.0.0.5', authorizedKeys: [publicKey], ...(port === undefined ? {} : { port }) });
      started.push(one);
      return one;
    };
    try {
      for (const knownHosts of [undefined, join(scratch, `tofu-two-keys-${unique()}.known`)]) {
        const first = await start();
        const opener = createSshOpener({ trustOnFirstUse: true, ...(knownHosts === undefined ? {} : { knownHostsFile: knownHosts }) });
        const notices: ConnectorNotice[] = [];
        const target = connectRequestFor(first, { secret: { file: key }, notify: (notice) => notices.push(notice) });
        const before = await opener.open(target, 'lan', options());
        sessions.push(before);
        expect((await before.run(['true'], options())).exitCode).toBe(0);
        await first.stop();
        const second = await start(first.port);
        expect(second.hostKeyFingerprint).not.toBe(first.hostKeyFingerprint);
        const error = await failure(opener.open(target, 'lan', options()));
        expect(error.code).toBe(ErrorCode.HostKeyRejected);
        expect(error.message).toContain(second.hostKeyFingerprint);
        expect(error.message).toContain(first.hostKeyFingerprint);
        expect(notices.map((notice) => notice.fingerprint)).toEqual([first.hostKeyFingerprint]);
        if (knownHosts !== undefined) expect(await readFile(knownHosts, 'utf8')).toBe(`${first.knownHostsLine}\n`);
        await second.stop();
      }
    } finally {
      for (const one of started) await one.stop();
    }
  }, 60_000);

  it('trust on first use without a known_hosts file reports the notice without a file', async () => {
    const notices: ConnectorNotice[] = [];
    await open({ trustOnFirstUse: true }, request({ notify: (notice) => notices.push(notice) }));
    expect(notices).toEqual([{ kind: 'host-key-trusted', endpoint: `${server.address}:${server.port}`, algorithm: 'ssh-ed25519', fingerprint: server.hostKeyFingerprint }]);
  });
});

describe('secrets (rule 3)', () => {
  const variable = 'GIPKIT_TEST_SSH_KEY';
  afterEach(() => {
    delete process.env.GIPKIT_TEST_SSH_KEY;
  });

  it('the private key is read from {env} at connect time', async () => {
    const target = request({ secret: { env: variable } });
    process.env[variable] = server.privateKey;
    await open({ knownHostsFile }, target);
  });

  it('the private key is read from {file}', async () => {
    await open({ knownHostsFile }, request({ secret: { file: server.privateKeyPath } }));
  });

  it('a missing secret rejects with SECRET naming the variable or the path, before connecting', async () => {
    const env = await failure(open({ knownHostsFile }, request({ secret: { env: variable } })));
    expect(env.code).toBe(ErrorCode.SecretUnavailable);
    expect(env.message).toContain(variable);
    const missingFile = join(scratch, 'no-such-key');
    const file = await failure(open({ knownHostsFile }, request({ secret: { file: missingFile } })));
    expect(file.code).toBe(ErrorCode.SecretUnavailable);
    expect(file.message).toContain(missingFile);
    const { secret, ...withoutSecret } = request();
    expect(secret).toBeDefined();
    expect((await failure(open({ knownHostsFile }, withoutSecret))).code).toBe(ErrorCode.SecretUnavailable);
  });

  it('a wrong key rejects with AUTH, and no line of the key appears in any message', async () => {
    const wrongKey = await readFile(await generateKey(), 'utf8');
    process.env[variable] = wrongKey;
    const error = await failure(open({ knownHostsFile }, request({ secret: { env: variable } })));
    expect(error.code).toBe(ErrorCode.ConnectionAuthFailed);
    expect(error.message).toContain(variable);
    const text = messages(error);
    expect(secretFragments(wrongKey).length).toBeGreaterThan(0);
    for (const fragment of secretFragments(wrongKey)) expect(text).not.toContain(fragment);
  });

  it('a password the server refuses rejects with AUTH, and the password appears in no message', async () => {
    const password = `gipkit-Pw-${unique()}-never-shown`;
    const file = join(scratch, `password-${unique()}`);
    await writeFile(file, `${password}\n`, { mode: 0o600 });
    const error = await failure(open({ knownHostsFile }, request({ secret: { file } })));
    expect(error.code).toBe(ErrorCode.ConnectionAuthFailed);
    expect(error.message).toContain(file);
    expect(messages(error)).not.toContain(password);
  });

  it('an unusable private key (garbled) rejects with SECRET and shows none of it', async () => {
    const garbled = '-----BEGIN OPENSSH PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcy10aGF0LWFyZS1ub3QtYS1rZXk=\n-----END OPENSSH PRIVATE KEY-----\n';
    process.env[variable] = garbled;
    const error = await failure(open({ knownHostsFile }, request({ secret: { env: variable } })));
    expect(error.code).toBe(ErrorCode.SecretUnavailable);
    expect(messages(error)).not.toContain('c2VjcmV0LWtleS1ieXRlcy10aGF0LWFyZS1ub3QtYS1rZXk');
  });
});

describe('password login and output without secrets', () => {
  let passwordServer: SshServer;
  const password = `gipkit-${randomUUID()}`;
  beforeAll(async () => {
    passwordServer = await startSshServer({ user: 'gipkit-ssh-pw', password });
  }, 60_000);
  afterAll(() => passwordServer?.stop());

  it('logs in with a password from {env}, and run removes the password from its output', async () => {
    process.env.GIPKIT_TEST_SSH_PASSWORD = password;
    try {
      const file = join(scratch, `known_hosts-pw-${unique()}`);
      await writeFile(file, `${passwordServer.knownHostsLine}\n`);
      const session = await open(
        { knownHostsFile: file },
        request({ addresses: [passwordServer.address], sshPort: passwordServer.port, account: passwordServer.user, secret: { env: 'GIPKIT_TEST_SSH_PASSWORD' } }),
      );
      const result = await session.run(['sh', '-c', 'echo "pw=$1"; echo "$1" >&2', 'sh', password], options());
      expect(result.stdout).toBe('pw=[secret]\n');
      expect(result.stderr).not.toContain(password);
    } finally {
      delete process.env.GIPKIT_TEST_SSH_PASSWORD;
    }
  });
});

describe('connecting (rules 1 and 4)', () => {
  it('a refused port rejects with REFUSED', async () => {
    const port = await closedPort(server.address);
    const error = await failure(open({ knownHostsFile }, request({ sshPort: port })));
    expect(error.code).toBe(ErrorCode.ConnectionRefused);
    expect(error.message).toContain(`${server.address}:${port}`);
  });

  it('addresses are tried in order: one that refuses is skipped for the next', async () => {
    const session = await open({ knownHostsFile }, request({ addresses: ['127.0.0.3', server.address] }));
    expect((await session.run(['true'], options())).exitCode).toBe(0);
  });

  it('sshPort is respected, and defaultPort applies when the request has none', async () => {
    const { sshPort, ...withoutPort } = request();
    expect(sshPort).toBe(server.port);
    await open({ knownHostsFile, defaultPort: server.port }, withoutPort);
    const error = await failure(open({ knownHostsFile, defaultPort: server.port }, request({ sshPort: await closedPort(server.address) })));
    expect(error.code).toBe(ErrorCode.ConnectionRefused);
  });

  it('connect settles within its timeout against a server that never speaks SSH, and hangs up', async () => {
    const started = Date.now();
    const error = await failure(open({ knownHostsFile }, request({ addresses: [silent.address], sshPort: silent.port }), options(300)));
    expect(error.code).toBe(ErrorCode.ConnectionTimedOut);
    expect(Date.now() - started).toBeLessThan(2_000);
    await expect.poll(() => silent.open.size, { timeout: 2_000 }).toBe(0);
  });

  it('connect rejects promptly with ABORTED when its signal aborts', async () => {
    const controller = new AbortController();
    const connecting = open({ knownHostsFile }, request({ addresses: [silent.address], sshPort: silent.port }), options(20_000, controller.signal));
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    expect((await failure(connecting)).code).toBe(ErrorCode.ConnectionAborted);
    expect(Date.now() - started).toBeLessThan(2_000);
    await expect.poll(() => silent.open.size, { timeout: 2_000 }).toBe(0);
    const aborted = new AbortController();
    aborted.abort();
    expect((await failure(open({ knownHostsFile }, request(), options(5_000, aborted.signal)))).code).toBe(ErrorCode.ConnectionAborted);
  });

  it('a guest without addresses rejects with a ConnectorError', async () => {
    expect((await failure(open({ knownHostsFile }, request({ addresses: [] })))).code).toBe(ErrorCode.ConnectorFailed);
  });

  it('bad options fail at creation', () => {
    expect(() => createSshOpener({ defaultPort: 0 })).toThrow(/defaultPort/);
    expect(() => createSshOpener({ maxOutputBytes: -1 })).toThrow(/maxOutputBytes/);
  });
});
