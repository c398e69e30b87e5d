import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** A host key as the server sent it: the SSH wire-format blob. */
export interface HostKey {
  /** `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`, … (from the blob). */
  readonly type: string;
  readonly blob: Buffer;
  /** `SHA256:` and the unpadded base64 digest, as `ssh-keygen -l` prints it. */
  readonly fingerprint: string;
}

export function hostKeyFromBlob(blob: Buffer): HostKey {
  const length = blob.length >= 4 ? blob.readUInt32BE(0) : 0;
  const type = length > 0 && 4 + length <= blob.length ? blob.subarray(4, 4 + length).toString('latin1') : 'unknown';
  return { type, blob, fingerprint: sha256Fingerprint(blob) };
}

export function sha256Fingerprint(blob: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The name OpenSSH looks a host up by: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  const lower = host.toLowerCase();
  return port === 22 ? lower : `[${lower}]:${port}`;
}

interface Entry {
  /** 1-based line in the file. */
  readonly line: number;
  readonly marker: '' | '@revoked' | '@cert-authority';
  readonly hosts: string;
  readonly type: string;
  readonly blob: Buffer;
}

export type HostKeyVerdict =
  | { readonly status: 'known'; readonly line: number }
  /** No entry names this host. */
  | { readonly status: 'unknown' }
  /** Entries name this host, none with this key: a changed key (or a key of a type not recorded). */
  | { readonly status: 'changed'; readonly line: number; readonly recordedTypes: readonly string[] }
  | { readonly status: 'revoked'; readonly line: number };

/**
 * Checks a host key against the text of an OpenSSH known_hosts file: plain and
 * hashed (`|1|salt|hash`) host names, `[host]:port`, wildcards `*` `?`,
 * negation `!`, and `@revoked` lines. `@cert-authority` lines are ignored
 * (host certificates are not supported).
 */
export function checkHostKey(knownHosts: string, name: string, key: HostKey): HostKeyVerdict {
  const entries = parseKnownHosts(knownHosts).filter((entry) => entry.marker !== '@cert-authority' && hostsMatch(entry.hosts, name));
  const revoked = entries.find((entry) => entry.marker === '@revoked' && entry.blob.equals(key.blob));
  if (revoked !== undefined) return { status: 'revoked', line: revoked.line };
  const trusted = entries.filter((entry) => entry.marker === '');
  const known = trusted.find((entry) => entry.blob.equals(key.blob));
  if (known !== undefined) return { status: 'known', line: known.line };
  const first = trusted.find((entry) => entry.type === key.type) ?? trusted[0];
  if (first === undefined) return { status: 'unknown' };
  return { status: 'changed', line: first.line, recordedTypes: [...new Set(trusted.map((entry) => entry.type))] };
}

/** Key types recorded for this host (to prefer them when negotiating, as OpenSSH does). */
export function recordedKeyTypes(knownHosts: string, name: string): string[] {
  const types = parseKnownHosts(knownHosts)
    .filter((entry) => entry.marker === '' && hostsMatch(entry.hosts, name))
    .map((entry) => entry.type);
  return [...new Set(types)];
}

/** The line to append for a host key trusted on first use. */
export function knownHostsLine(name: string, key: HostKey): string {
  return `${name} ${key.type} ${key.blob.toString('base64')}`;
}

function parseKnownHosts(text: string): Entry[] {
  const entries: Entry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) return;
    let marker: Entry['marker'] = '';
    if (fields[0].startsWith('@')) {
      if (fields[0] !== '@revoked' && fields[0] !== '@cert-authority') return;
      marker = fields[0];
      fields.shift();
    }
    const [hosts, type, base64] = fields;
    if (hosts === undefined || type === undefined || base64 === undefined) return;
    entries.push({ line: index + 1, marker, hosts, type, blob: Buffer.from(base64, 'base64') });
  });
  return entries;
}

/** OpenSSH's rule: a negated pattern that matches excludes the line; otherwise any positive match includes it. */
function hostsMatch(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) return hashedMatches(hosts, name);
  let matched = false;
  for (const pattern of hosts.split(',')) {
    const negated = pattern.startsWith('!');
    if (!globMatches(negated ? pattern.slice(1) : pattern, name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

function hashedMatches(field: string, name: string): boolean {
  const [salt, hash] = field.slice(3).split('|');
  if (salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function globMatches(pattern: string, name: string): boolean {
  const source = pattern
    .toLowerCase()
    .split('')
    .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`).test(name);
}
