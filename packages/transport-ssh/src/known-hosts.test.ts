import { spawnSync } from 'node:child_process';
import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkHostKey, hostKeyFromBlob, knownHostsLine, knownHostsName, recordedKeyTypes } from './known-hosts.js';

/** An ed25519 public key as an SSH wire blob, and its known_hosts base64. */
function ed25519Key(): { blob: Buffer; base64: string } {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const part = (data: Buffer): Buffer => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    return Buffer.concat([length, data]);
  };
  const blob = Buffer.concat([part(Buffer.from('ssh-ed25519')), part(raw)]);
  return { blob, base64: blob.toString('base64') };
}

function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

const key = ed25519Key();
const other = ed25519Key();
const hostKey = hostKeyFromBlob(key.blob);

describe('known_hosts', () => {
  it('the fingerprint is the one ssh-keygen -l prints', () => {
    const folder = mkdtempSync(join(tmpdir(), 'gipkit-fingerprint-'));
    try {
      const path = join(folder, 'key');
      expect(spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path]).status).toBe(0);
      const [type = '', base64 = ''] = readFileSync(`${path}.pub`, 'utf8').split(' ');
      const printed = spawnSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${path}.pub`], { encoding: 'utf8' }).stdout.split(' ')[1];
      const parsed = hostKeyFromBlob(Buffer.from(base64, 'base64'));
      expect(parsed.type).toBe(type);
      expect(parsed.fingerprint).toBe(printed);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('names a host as OpenSSH does: the address on port 22, [address]:port otherwise, lower case', () => {
    expect(knownHostsName('10.0.0.5', 22)).toBe('10.0.0.5');
    expect(knownHostsName('Guest.Example', 2222)).toBe('[guest.example]:2222');
  });

  it('accepts a recorded key: plain, [host]:port, in a list, by wildcard, and hashed', () => {
    for (const hosts of ['10.0.0.5', 'other,10.0.0.5', '10.0.0.*', hashed('10.0.0.5')]) {
      expect(checkHostKey(`${hosts} ssh-ed25519 ${key.base64}\n`, '10.0.0.5', hostKey), hosts).toEqual({ status: 'known', line: 1 });
    }
    for (const hosts of ['[10.0.0.5]:2222', hashed('[10.0.0.5]:2222'), '[10.0.0.?]:2222']) {
      expect(checkHostKey(`# comment\n\n${hosts} ssh-ed25519 ${key.base64} comment\n`, '[10.0.0.5]:2222', hostKey).status, hosts).toBe('known');
    }
  });

  it('does not match another host, another port, or a negated pattern', () => {
    expect(checkHostKey(`10.0.0.6 ssh-ed25519 ${key.base64}`, '10.0.0.5', hostKey).status).toBe('unknown');
    expect(checkHostKey(`10.0.0.5 ssh-ed25519 ${key.base64}`, '[10.0.0.5]:2222', hostKey).status).toBe('unknown');
    expect(checkHostKey(`[10.0.0.5]:2223 ssh-ed25519 ${key.base64}`, '[10.0.0.5]:2222', hostKey).status).toBe('unknown');
    expect(checkHostKey(`10.0.0.*,!10.0.0.5 ssh-ed25519 ${key.base64}`, '10.0.0.5', hostKey).status).toBe('unknown');
    expect(checkHostKey(`${hashed('10.0.0.6')} ssh-ed25519 ${key.base64}`, '10.0.0.5', hostKey).status).toBe('unknown');
  });

  it('reports a changed key with the line of the recorded one', () => {
    const text = `10.0.0.9 ssh-ed25519 ${key.base64}\n10.0.0.5 ssh-ed25519 ${other.base64}\n`;
    expect(checkHostKey(text, '10.0.0.5', hostKey)).toEqual({ status: 'changed', line: 2, recordedTypes: ['ssh-ed25519'] });
  });

  it('a host recorded only with keys of another type counts as changed, not unknown', () => {
    const verdict = checkHostKey(`10.0.0.5 ecdsa-sha2-nistp256 ${other.base64}\n`, '10.0.0.5', hostKey);
    expect(verdict).toEqual({ status: 'changed', line: 1, recordedTypes: ['ecdsa-sha2-nistp256'] });
    expect(recordedKeyTypes(`10.0.0.5 ecdsa-sha2-nistp256 ${other.base64}\n10.0.0.5 ssh-ed25519 ${key.base64}\n`, '10.0.0.5')).toEqual([
      'ecdsa-sha2-nistp256',
      'ssh-ed25519',
    ]);
  });

  it('a key marked @revoked is refused even when also listed; @cert-authority lines are ignored', () => {
    const text = `10.0.0.5 ssh-ed25519 ${key.base64}\n@revoked * ssh-ed25519 ${key.base64}\n`;
    expect(checkHostKey(text, '10.0.0.5', hostKey)).toEqual({ status: 'revoked', line: 2 });
    expect(checkHostKey(`@cert-authority * ssh-ed25519 ${key.base64}\n`, '10.0.0.5', hostKey).status).toBe('unknown');
  });

  it('the line it writes is read back as known', () => {
    const line = knownHostsLine('[10.0.0.5]:2222', hostKey);
    expect(line).toBe(`[10.0.0.5]:2222 ssh-ed25519 ${key.base64}`);
    expect(checkHostKey(`${line}\r\n`, '[10.0.0.5]:2222', hostKey).status).toBe('known');
  });
});
