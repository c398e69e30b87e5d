import {
  builtInSecretResolver, ConnectorError, ErrorCode, GipkitError, settleWithin, silentLogger,
  type CallOptions, type ConnectRequest, type ConnectionMethod, type ConnectorNotice, type GuestSession, type Logger, type SecretResolver, type SessionOpener,
} from '@gipkit/plugin-api';
import { Client, type ConnectConfig } from 'ssh2';
import { createHostKeyPolicy, type HostKeyPolicy } from './host-key-policy.js';
import { hostKeyFromBlob } from './known-hosts.js';
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
  /** Reads `request.secret` when a connection opens (default: `{ env }` and `{ file }`; in an engine, its `SECRET_RESOLVER`). */
  readonly secrets?: SecretResolver;
  /** Diagnostics: each address tried, host keys verified (default: none; in an engine, its `LOGGER`). */
  readonly logger?: Logger;
}

interface Settings {
  readonly knownHostsFile: string | undefined;
  readonly trustOnFirstUse: boolean;
  readonly defaultPort: number;
  readonly maxOutputBytes: number;
  readonly secrets: SecretResolver;
  readonly logger: Logger;
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
  const hostKeys = createHostKeyPolicy(settings);
  return {
    open(request: ConnectRequest, method: ConnectionMethod, callOptions: CallOptions): Promise<GuestSession> {
      const port = request.sshPort ?? settings.defaultPort;
      const what = `connect to ${request.vm} (${request.addresses.join(', ')} port ${port}) as ${request.account} from ${request.proxy}`;
      const cancel = new AbortController();
      return settleWithin(what, callOptions, () => openSession(request, method, port, settings, hostKeys, cancel.signal, callOptions.timeoutMs)).catch(
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
  return {
    knownHostsFile: options.knownHostsFile, trustOnFirstUse: options.trustOnFirstUse === true, defaultPort, maxOutputBytes,
    secrets: options.secrets ?? builtInSecretResolver, logger: options.logger ?? silentLogger,
  };
}

async function openSession(
  request: ConnectRequest,
  method: ConnectionMethod,
  port: number,
  settings: Settings,
  hostKeys: HostKeyPolicy,
  cancelled: AbortSignal,
  timeoutMs: number,
): Promise<GuestSession> {
  if (request.addresses.length === 0) {
    throw new ConnectorError(ErrorCode.ConnectorFailed, `${request.vm}: the guest reported no address to connect to`);
  }
  const credential = await readSecret(settings.secrets, request.secret, request.account, cancelled);
  const knownHosts = await hostKeys.readKnownHosts();
  const unreachable: string[] = [];
  for (const address of request.addresses) {
    if (cancelled.aborted) break;
    settings.logger.debug('ssh connecting', { vm: request.vm, proxy: request.proxy, endpoint: `${address}:${port}`, account: request.account, credential: credential.kind });
    const attempt = await connectTo({ request, method, address, port, settings, hostKeys, credential, knownHosts, cancelled, timeoutMs });
    if (!(attempt instanceof UnreachableAddress)) {
      settings.logger.debug('ssh session open', { vm: request.vm, proxy: request.proxy, endpoint: `${address}:${port}` });
      return attempt;
    }
    settings.logger.debug('ssh address unreachable', { vm: request.vm, proxy: request.proxy, endpoint: `${address}:${port}`, reason: attempt.reason });
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
  readonly hostKeys: HostKeyPolicy;
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

    const preferred = attempt.hostKeys.recordedTypes(attempt.knownHosts, address, port).flatMap((type) => ALGORITHMS_BY_KEY_TYPE[type] ?? []);
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
        const target = { address, port, knownHosts: attempt.knownHosts, notify: (notice: ConnectorNotice) => request.notify?.(notice) };
        attempt.hostKeys.verify(hostKeyFromBlob(blob), target).then(
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
