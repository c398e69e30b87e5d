import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, type ConnectorNotice } from '@gipkit/plugin-api';
import { createHostKeyPolicy } from './host-key-policy.js';
import { hostKeyFromBlob, knownHostsLine, knownHostsName } from './known-hosts.js';

// The host-key decisions alone, without a connection: the real-SSH tests in
// create-ssh-opener.test.ts check the same policy behind a real sshd.

function ed25519HostKey() {
  const raw = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const part = (data: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, 0, data.length]), data]);
  return hostKeyFromBlob(Buffer.concat([part(Buffer.from('ssh-ed25519')), part(raw)]));
}

const folder = mkdtempSync(join(tmpdir(), 'gipkit-host-key-policy-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const first = ed25519HostKey();
const second = ed25519HostKey();
const target = (knownHosts: string, notices: ConnectorNotice[] = []) =>
  ({ address: '198.18.0.10', port: 2222, knownHosts, notify: (notice: ConnectorNotice) => void notices.push(notice) });

describe('host key policy', () => {
  it('without a known-hosts file and without trust on first use, every key is refused with its fingerprint', async () => {
    const policy = createHostKeyPolicy({ knownHostsFile: undefined, trustOnFirstUse: false });
    const refused = await policy.verify(first, target(''));
    expect(refused).toMatchObject({ code: ErrorCode.HostKeyRejected, message: expect.stringContaining(first.fingerprint) as unknown });
    expect(refused?.message).toContain('give a knownHostsFile, or enable trustOnFirstUse');
  });

  it('hardening 3: trusted on first use without a file, a key is the only one for its host and port for the policy\'s life', async () => {
    const policy = createHostKeyPolicy({ knownHostsFile: undefined, trustOnFirstUse: true });
    const notices: ConnectorNotice[] = [];
    expect(await policy.verify(first, target('', notices))).toBeUndefined();
    expect(await policy.verify(first, target('', notices))).toBeUndefined();
    expect(notices).toEqual([{ kind: 'host-key-trusted', endpoint: '198.18.0.10:2222', algorithm: 'ssh-ed25519', fingerprint: first.fingerprint }]);
    const changed = await policy.verify(second, target('', notices));
    expect(changed?.code).toBe(ErrorCode.HostKeyRejected);
    expect(changed?.message).toContain(`but the ssh-ed25519 key ${first.fingerprint} was trusted on first use for it earlier in this run`);
    // Another port of the same address is another endpoint.
    expect(await policy.verify(second, { ...target(''), port: 2223 })).toBeUndefined();
  });

  it('trusted on first use with a file, the key is appended once and a listener that throws breaks nothing', async () => {
    const file = join(folder, 'tofu', 'known_hosts');
    const policy = createHostKeyPolicy({ knownHostsFile: file, trustOnFirstUse: true });
    const throwing = { ...target(await policy.readKnownHosts()), notify: () => { throw new Error('listener broke'); } };
    const both = await Promise.all([policy.verify(first, throwing), policy.verify(first, throwing)]);
    expect(both).toEqual([undefined, undefined]);
    expect(readFileSync(file, 'utf8')).toBe(`${knownHostsLine(knownHostsName('198.18.0.10', 2222), first)}\n`);
    expect((await policy.verify(second, target(await policy.readKnownHosts())))?.message).toContain('was trusted on first use for it earlier in this run');
    const later = createHostKeyPolicy({ knownHostsFile: file, trustOnFirstUse: true });
    expect((await later.verify(second, target(await later.readKnownHosts())))?.message).toContain('which does not match the ssh-ed25519 key recorded in');
  });

  it('a recorded key is used, a changed one refused naming the line, a revoked one refused, an unknown one refused without trust on first use', async () => {
    const file = join(folder, 'known_hosts');
    const name = knownHostsName('198.18.0.10', 2222);
    writeFileSync(file, `# comment\n${knownHostsLine(name, first)}\n`);
    const policy = createHostKeyPolicy({ knownHostsFile: file, trustOnFirstUse: false });
    const text = await policy.readKnownHosts();
    expect(policy.recordedTypes(text, '198.18.0.10', 2222)).toEqual(['ssh-ed25519']);
    expect(await policy.verify(first, target(text))).toBeUndefined();
    expect((await policy.verify(second, target(text)))?.message).toContain(`recorded in ${file} line 2: someone may be intercepting the connection`);
    const revoked = `@revoked ${knownHostsLine(name, first)}\n`;
    expect((await policy.verify(first, target(revoked)))?.message).toContain('which is revoked in');
    expect((await policy.verify(first, { ...target(text), address: '198.18.0.11' }))?.message).toContain('ssh-keyscan -p 2222 198.18.0.11');
  });

  it('a known-hosts file that does not exist yet reads as empty; one that cannot be read is a host-key error naming it', async () => {
    expect(await createHostKeyPolicy({ knownHostsFile: join(folder, 'missing'), trustOnFirstUse: false }).readKnownHosts()).toBe('');
    await expect(createHostKeyPolicy({ knownHostsFile: folder, trustOnFirstUse: false }).readKnownHosts()).rejects.toMatchObject({
      code: ErrorCode.HostKeyRejected, message: `cannot read known hosts file ${folder} (EISDIR)`,
    });
  });
});
