import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConnectorError, ErrorCode, type ConnectorNotice } from '@gipkit/plugin-api';
import { checkHostKey, knownHostsLine, knownHostsName, recordedKeyTypes, type HostKey } from './known-hosts.js';

export interface HostKeyPolicyOptions {
  /** OpenSSH known_hosts file to verify host keys against; undefined: none. */
  readonly knownHostsFile: string | undefined;
  /** Accept an unknown key (and append it to the file, when there is one). A changed key is always refused. */
  readonly trustOnFirstUse: boolean;
}

/** Where a key was presented, and who hears that it was trusted on first use. */
export interface HostKeyTarget {
  readonly address: string;
  readonly port: number;
  /** The known_hosts text read for this connection (`readKnownHosts`). */
  readonly knownHosts: string;
  readonly notify: (notice: ConnectorNotice) => void;
}

/**
 * Decides whether an SSH host key may be used: the known_hosts file (hashed
 * entries, `[host]:port`, `@revoked`), trust on first use, and the keys
 * trusted on first use earlier in the policy's lifetime (one opener, one run),
 * which stay the only keys for their host and port whatever the file says.
 */
export interface HostKeyPolicy {
  /** The known_hosts text, read once per connection; '' when there is no file (or it does not exist yet). */
  readKnownHosts(): Promise<string>;
  /** The key types known_hosts records for the endpoint, in file order: OpenSSH offers those first. */
  recordedTypes(knownHosts: string, address: string, port: number): readonly string[];
  /** Undefined when the key may be used; otherwise the GIPKIT_CONNECTOR_HOST_KEY error saying why not. */
  verify(key: HostKey, target: HostKeyTarget): Promise<ConnectorError | undefined>;
}

export function createHostKeyPolicy(options: HostKeyPolicyOptions): HostKeyPolicy {
  const file = options.knownHostsFile;
  const trustStore = createTrustStore();
  return {
    readKnownHosts: () => (file === undefined ? Promise.resolve('') : readKnownHosts(file)),
    recordedTypes: (knownHosts, address, port) => recordedKeyTypes(knownHosts, knownHostsName(address, port)),
    async verify(key, { address, port, knownHosts, notify }) {
      const endpoint = `${address}:${port}`;
      const name = knownHostsName(address, port);
      const presented = `${endpoint} presented the ${key.type} host key ${key.fingerprint}`;
      const trusted = (notice: ConnectorNotice): void => {
        try {
          notify(notice);
        } catch {
          // A listener that throws must not break the connection.
        }
      };
      // A key trusted on first use stays the only one for that host and port while the policy lives (a run), whatever the file says.
      const earlier = trustStore.remembered(name, key, presented);
      if (earlier !== 'unknown') return earlier;
      if (file === undefined) {
        if (!options.trustOnFirstUse) {
          return new ConnectorError(ErrorCode.HostKeyRejected, `${presented}, which cannot be verified: give a knownHostsFile, or enable trustOnFirstUse`);
        }
        trustStore.remember(name, key);
        trusted({ kind: 'host-key-trusted', endpoint, algorithm: key.type, fingerprint: key.fingerprint });
        return undefined;
      }
      const verdict = checkHostKey(knownHosts, name, key);
      switch (verdict.status) {
        case 'known':
          return undefined;
        case 'revoked':
          return new ConnectorError(ErrorCode.HostKeyRejected, `${presented}, which is revoked in ${file} line ${verdict.line}`);
        case 'changed':
          return changedKey(presented, file, verdict.line, verdict.recordedTypes);
        case 'unknown':
          if (!options.trustOnFirstUse) {
            return new ConnectorError(
              ErrorCode.HostKeyRejected,
              `${presented}, which is not in ${file}: add it (ssh-keyscan -p ${port} ${address}, then check the fingerprint), or enable trustOnFirstUse`,
            );
          }
          return trustStore.trust(file, name, key, () => {
            trusted({ kind: 'host-key-trusted', endpoint, algorithm: key.type, fingerprint: key.fingerprint, knownHostsFile: file });
          }, presented);
      }
    },
  };
}

function changedKey(presented: string, file: string, line: number, recordedTypes: readonly string[]): ConnectorError {
  return new ConnectorError(
    ErrorCode.HostKeyRejected,
    `${presented}, which does not match the ${recordedTypes.join(', ')} key recorded in ${file} line ${line}: ` +
      'someone may be intercepting the connection; if the guest was reinstalled, remove that line',
  );
}

async function readKnownHosts(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw new ConnectorError(ErrorCode.HostKeyRejected, `cannot read known hosts file ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
  }
}

interface TrustStore {
  /** Records a key trusted on first use, unless it was meanwhile recorded; calls `trusted` when it records it. */
  trust(file: string, name: string, key: HostKey, trusted: () => void, presented: string): Promise<ConnectorError | undefined>;
  /** A key trusted on first use earlier for `name`: undefined when it is this one, the host-key error when it is another; `unknown` when none was. */
  remembered(name: string, key: HostKey, presented: string): ConnectorError | undefined | 'unknown';
  remember(name: string, key: HostKey): void;
}

/**
 * Remembers the keys trusted on first use for the opener's lifetime (one run), by `[host]:port`, and appends to
 * known_hosts one at a time, re-checking the file first (two connections to a new host record it once).
 */
function createTrustStore(): TrustStore {
  let queue: Promise<unknown> = Promise.resolve();
  const trusted = new Map<string, HostKey>();
  const remembered = (name: string, key: HostKey, presented: string): ConnectorError | undefined | 'unknown' => {
    const earlier = trusted.get(name);
    if (earlier === undefined) return 'unknown';
    if (earlier.blob.equals(key.blob)) return undefined;
    return new ConnectorError(
      ErrorCode.HostKeyRejected,
      `${presented}, but the ${earlier.type} key ${earlier.fingerprint} was trusted on first use for it earlier in this run: ` +
        'someone may be intercepting the connection',
    );
  };
  return {
    remembered,
    remember: (name, key) => void trusted.set(name, key),
    trust(file, name, key, onTrusted, presented) {
      const next = queue.then(async (): Promise<ConnectorError | undefined> => {
        const earlier = remembered(name, key, presented);
        if (earlier !== 'unknown') return earlier;
        const text = await readKnownHosts(file);
        const verdict = checkHostKey(text, name, key);
        if (verdict.status === 'known') return undefined;
        if (verdict.status === 'revoked') return new ConnectorError(ErrorCode.HostKeyRejected, `${presented}, which is revoked in ${file} line ${verdict.line}`);
        if (verdict.status === 'changed') return changedKey(presented, file, verdict.line, verdict.recordedTypes);
        try {
          await mkdir(dirname(file), { recursive: true, mode: 0o700 });
          await appendFile(file, `${text === '' || text.endsWith('\n') ? '' : '\n'}${knownHostsLine(name, key)}\n`, { mode: 0o600 });
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code ?? String(error);
          return new ConnectorError(ErrorCode.ConnectorFailed, `${presented}; trusting it on first use failed: cannot append to ${file} (${code})`, { cause: error });
        }
        trusted.set(name, key);
        onTrusted();
        return undefined;
      });
      queue = next.catch(() => undefined);
      return next;
    },
  };
}
