import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  ConnectorError, ErrorCode, GipkitError, settleWithin,
  type CallOptions, type ConnectRequest, type ConnectionMethod, type ConnectorNotice, type GuestSession, type SessionOpener,
} from '@gipkit/plugin-api';
import { Client, type ConnectConfig } from 'ssh2';
import { checkHostKey, hostKeyFromBlob, knownHostsLine, knownHostsName, recordedKeyTypes, type HostKey } from './known-hosts.js';
import { readSecret, redactorFor, type Credential } from './read-secret.js';
import { SshSession } from './ssh-session.js';

export interface SshOpenerOptions {
  /** OpenSSH known_hosts file to verify host keys against (hashed `|1|` entries and `[host]:port` forms supported). */
  readonly knownHostsFile?: string;
  /**
   * Accept an unknown host key, append it to `knownHostsFile` (when set), and
   * report a `host-key-trusted` notice via `request.notify`. A changed key is
   * always rejected. Default false.
   */
  readonly trustOnFirstUse?: boolean;
  /** Port when the request has no `sshPort` (default 22). */
  readonly defaultPort?: number;
  /** Output kept per stream of `run` (default 1 MiB); beyond it the result says `truncated: true`. */
  readonly maxOutputBytes?: number;
}

interface Settings {
  readonly knownHostsFile: string | undefined;
  readonly trustOnFirstUse: boolean;
  readonly defaultPort: number;
  readonly maxOutputBytes: number;
}

/** Host key algorithms ssh2 offers, by the key type known_hosts records. */
const ALGORITHMS_BY_KEY_TYPE: Readonly<Record<string, readonly ConnectConfigAlgorithm[]>> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};
type ConnectConfigAlgorithm = 'ssh-ed25519' | 'ecdsa-sha2-nistp256' | 'ecdsa-sha2-nistp384' | 'ecdsa-sha2-nistp521' | 'rsa-sha2-512' | 'rsa-sha2-256' | 'ssh-rsa';

/** Socket errors after which the next address of the guest is tried. */
const TRY_NEXT_ADDRESS = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN']);

/** A silent peer (no FIN, no RST) counts as dropped after about 45 s. */
const KEEPALIVE_INTERVAL_MS = 15_000;
const KEEPALIVE_COUNT_MAX = 3;

/**
 * Opens SSH sessions to Linux guests: tries the guest's addresses in order,
 * verifies the host key against `knownHostsFile` (or trusts it on first use
 * when configured to), and logs in as `request.account` with the secret that
 * `request.secret` names (a private key or a password), read at connect time.
 */
export function createSshOpener(options: SshOpenerOptions = {}): SessionOpener {
  const settings = checkOptions(options);
  const trustStore = createTrustStore();
  return {
    open(request: ConnectRequest, method: ConnectionMethod, callOptions: CallOptions): Promise<GuestSession> {
      const port = request.sshPort ?? settings.defaultPort;
      const what = `connect to ${request.vm} (${request.addresses.join(', ')} port ${port}) as ${request.account} from ${request.proxy}`;
      const cancel = new AbortController();
      return settleWithin(what, callOptions, () => openSession(request, method, port, settings, trustStore, cancel.signal, callOptions.timeoutMs)).catch(
        (error: unknown) => {
          // Timed out or cancelled: stop the attempt still in progress.
          cancel.abort();
          throw error;
        },
      );
    },
  };
}

function checkOptions(options: SshOpenerOptions): Settings {
  const defaultPort = options.defaultPort ?? 22;
  const maxOutputBytes = options.maxOutputBytes ?? 1024 * 1024;
  if (!Number.isInteger(defaultPort) || defaultPort < 1 || defaultPort > 65_535) {
    throw new GipkitError(ErrorCode.RunMisconfigured, `createSshOpener: defaultPort must be an integer from 1 to 65535 (found ${String(defaultPort)})`);
  }
  if (!Number.isInteger(maxOutputBytes) || maxOutputBytes < 0) {
    throw new GipkitError(ErrorCode.RunMisconfigured, `createSshOpener: maxOutputBytes must be a whole number of bytes (found ${String(maxOutputBytes)})`);
  }
  return { knownHostsFile: options.knownHostsFile, trustOnFirstUse: options.trustOnFirstUse === true, defaultPort, maxOutputBytes };
}

async function openSession(
  request: ConnectRequest,
  method: ConnectionMethod,
  port: number,
  settings: Settings,
  trustStore: TrustStore,
  cancelled: AbortSignal,
  timeoutMs: number,
): Promise<GuestSession> {
  if (request.addresses.length === 0) {
    throw new ConnectorError(ErrorCode.ConnectorFailed, `${request.vm}: the guest reported no address to connect to`);
  }
  const credential = await readSecret(request.secret, request.account);
  const knownHosts = settings.knownHostsFile === undefined ? '' : await readKnownHosts(settings.knownHostsFile);
  const unreachable: string[] = [];
  for (const address of request.addresses) {
    if (cancelled.aborted) break;
    const attempt = await connectTo({ request, method, address, port, settings, trustStore, credential, knownHosts, cancelled, timeoutMs });
    if (!(attempt instanceof UnreachableAddress)) return attempt;
    unreachable.push(`${address}:${port} (${attempt.reason})`);
  }
  const refused = unreachable.every((entry) => entry.endsWith('(ECONNREFUSED)'));
  throw new ConnectorError(
    ErrorCode.ConnectionRefused,
    `${request.vm}: no address accepted an SSH connection: ${unreachable.join(', ')}${refused ? '; is sshd running and the port open?' : ''}`,
  );
}

/** An address that refused the connection or cannot be reached: the next one is tried. */
class UnreachableAddress {
  readonly reason: string;
  constructor(reason: string) {
    this.reason = reason;
  }
}

interface Attempt {
  readonly request: ConnectRequest;
  readonly method: ConnectionMethod;
  readonly address: string;
  readonly port: number;
  readonly settings: Settings;
  readonly trustStore: TrustStore;
  readonly credential: Credential;
  readonly knownHosts: string;
  readonly cancelled: AbortSignal;
  readonly timeoutMs: number;
}

function connectTo(attempt: Attempt): Promise<GuestSession | UnreachableAddress> {
  const { request, address, port, credential, cancelled } = attempt;
  const endpoint = `${address}:${port}`;
  const redact = redactorFor(credential);
  return new Promise((resolve, reject) => {
    const client = new Client();
    /** Why the host key was refused, when it was: ssh2 reports only "Host denied". */
    let verification: ConnectorError | undefined;
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      cancelled.removeEventListener('abort', onAbort);
      outcome();
    };
    const fail = (error: ConnectorError | UnreachableAddress): void =>
      settle(() => {
        client.destroy();
        if (error instanceof UnreachableAddress) resolve(error);
        else reject(error);
      });
    const onAbort = (): void => fail(new ConnectorError(ErrorCode.ConnectionAborted, `connect to ${endpoint}: cancelled`));
    cancelled.addEventListener('abort', onAbort, { once: true });

    // These listeners stay: after `ready` the session reacts to errors and the close.
    client.on('error', (error: Error & { level?: string; code?: string }) => {
      fail(verification ?? classify(error, attempt, endpoint, redact));
    });
    client.on('close', () => {
      fail(verification ?? new ConnectorError(ErrorCode.ConnectorFailed, `${endpoint}: the connection closed during the SSH handshake`));
    });
    client.on('keyboard-interactive', (_name, _instructions, _language, prompts, finish) => {
      // Servers that ask for the password this way (PAM): answer hidden prompts with it.
      finish(prompts.map((prompt) => (credential.kind === 'password' && !prompt.echo ? credential.password : '')));
    });
    client.once('ready', () => {
      settle(() =>
        resolve(
          new SshSession(client, {
            vm: request.vm,
            proxy: request.proxy,
            method: attempt.method,
            endpoint: `${request.account}@${endpoint}`,
            maxOutputBytes: attempt.settings.maxOutputBytes,
            redact,
          }),
        ),
      );
    });

    const preferred = recordedKeyTypes(attempt.knownHosts, knownHostsName(address, port)).flatMap((type) => ALGORITHMS_BY_KEY_TYPE[type] ?? []);
    const config: ConnectConfig = {
      host: address,
      port,
      username: request.account,
      ...(credential.kind === 'password' ? { password: credential.password, tryKeyboard: true } : { privateKey: credential.privateKey }),
      // settleWithin ends the attempt; ssh2's own handshake timer only backs it up.
      readyTimeout: attempt.timeoutMs + 5_000,
      keepaliveInterval: KEEPALIVE_INTERVAL_MS,
      keepaliveCountMax: KEEPALIVE_COUNT_MAX,
      // As OpenSSH does: prefer the key types known_hosts records for this host (ssh2 applies the keys in this order: move them first).
      ...(preferred.length === 0 ? {} : { algorithms: { serverHostKey: { append: [], remove: preferred, prepend: preferred } } }),
      hostVerifier: (blob: Buffer, verify: (valid: boolean) => void): void => {
        verifyHostKey(hostKeyFromBlob(blob), attempt).then(
          (problem) => {
            verification = problem;
            verify(problem === undefined);
          },
          (error: unknown) => {
            verification = new ConnectorError(ErrorCode.ConnectorFailed, `${endpoint}: host key check failed: ${String(error)}`, { cause: error });
            verify(false);
          },
        );
      },
    };
    try {
      client.connect(config);
      // Small request/answer exchanges (SFTP, channel opens) would otherwise wait on Nagle's algorithm.
      client.setNoDelay(true);
    } catch (error) {
      // ssh2 checks the configuration synchronously (a private key it cannot use).
      const message = error instanceof Error ? redact(error.message) : 'invalid configuration';
      fail(new ConnectorError(ErrorCode.SecretUnavailable, `${endpoint}: the ${credential.kind} from ${credential.source} cannot be used: ${message}`));
    }
  });
}

function classify(error: Error & { level?: string; code?: string }, attempt: Attempt, endpoint: string, redact: (text: string) => string): ConnectorError | UnreachableAddress {
  const { credential, request } = attempt;
  if (error.level === 'client-socket' && error.code !== undefined && TRY_NEXT_ADDRESS.has(error.code)) return new UnreachableAddress(error.code);
  if (error.level === 'client-authentication') {
    return new ConnectorError(
      ErrorCode.ConnectionAuthFailed,
      `${request.account}@${endpoint}: authentication failed with the ${credential.kind === 'password' ? 'password' : 'private key'} from ${credential.source}`,
      { cause: error },
    );
  }
  if (error.level === 'client-timeout' || error.code === 'ETIMEDOUT') {
    return new ConnectorError(ErrorCode.ConnectionTimedOut, `${endpoint}: ${redact(error.message)}`, { cause: error });
  }
  return new ConnectorError(ErrorCode.ConnectorFailed, `${endpoint}: SSH connection failed: ${redact(error.message)}`, { cause: error });
}

/** Undefined when the key may be used; otherwise why not. */
async function verifyHostKey(key: HostKey, attempt: Attempt): Promise<ConnectorError | undefined> {
  const { address, port, settings, request } = attempt;
  const endpoint = `${address}:${port}`;
  const name = knownHostsName(address, port);
  const presented = `${endpoint} presented the ${key.type} host key ${key.fingerprint}`;
  const file = settings.knownHostsFile;
  // A key trusted on first use stays the only one for that host and port while the opener lives (a run), whatever the file says.
  const earlier = attempt.trustStore.remembered(name, key, presented);
  if (earlier !== 'unknown') return earlier;
  if (file === undefined) {
    if (!settings.trustOnFirstUse) {
      return new ConnectorError(ErrorCode.HostKeyRejected, `${presented}, which cannot be verified: give a knownHostsFile, or enable trustOnFirstUse`);
    }
    attempt.trustStore.remember(name, key);
    report(request, { kind: 'host-key-trusted', endpoint, algorithm: key.type, fingerprint: key.fingerprint });
    return undefined;
  }
  const verdict = checkHostKey(attempt.knownHosts, name, key);
  switch (verdict.status) {
    case 'known':
      return undefined;
    case 'revoked':
      return new ConnectorError(ErrorCode.HostKeyRejected, `${presented}, which is revoked in ${file} line ${verdict.line}`);
    case 'changed':
      return changedKey(presented, file, verdict.line, verdict.recordedTypes);
    case 'unknown':
      if (!settings.trustOnFirstUse) {
        return new ConnectorError(
          ErrorCode.HostKeyRejected,
          `${presented}, which is not in ${file}: add it (ssh-keyscan -p ${port} ${address}, then check the fingerprint), or enable trustOnFirstUse`,
        );
      }
      return attempt.trustStore.trust(file, name, key, () => {
        report(request, { kind: 'host-key-trusted', endpoint, algorithm: key.type, fingerprint: key.fingerprint, knownHostsFile: file });
      }, presented);
  }
}

function changedKey(presented: string, file: string, line: number, recordedTypes: readonly string[]): ConnectorError {
  return new ConnectorError(
    ErrorCode.HostKeyRejected,
    `${presented}, which does not match the ${recordedTypes.join(', ')} key recorded in ${file} line ${line}: ` +
      'someone may be intercepting the connection; if the guest was reinstalled, remove that line',
  );
}

function report(request: ConnectRequest, notice: ConnectorNotice): void {
  try {
    request.notify?.(notice);
  } catch {
    // A listener that throws must not break the connection.
  }
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
