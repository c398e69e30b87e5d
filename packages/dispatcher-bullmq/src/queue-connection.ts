
/** How to reach the Redis that carries a deployment's queues. Holds no secret beyond `password`, which is never printed. */
export interface QueueConnection {
  readonly host: string;
  readonly port: number;
  readonly db: number;
  /** TLS to Redis (`rediss://` or `--tls`); `ca`: a CA bundle file (PEM) to trust besides the system's. */
  readonly tls?: { readonly ca?: string; readonly serverName?: string };
  /** A Redis ACL user (`AUTH user password`); absent: the default user. */
  readonly username?: string;
  /** From `GIPKIT_QUEUE_PASSWORD` or a secret reference, never from a URL or a command line. */
  readonly password?: string;
  /** Every key under this prefix (default `gipkit`): one per deployment sharing a Redis. */
  readonly prefix?: string;
}

export const DEFAULT_QUEUE_PORT = 6379;

/**
 * `redis://HOST:PORT[/DB]` or `rediss://…` (TLS) → a connection, without
 * credentials: a URL that carries a password is refused (it would show in
 * `ps`, shell history and logs); a user name is allowed (`redis://USER@HOST`).
 */
export function parseQueueUrl(url: string): QueueConnection {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`queue URL ${JSON.stringify(url)} is not a URL: expected redis://HOST:PORT[/DB]`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new TypeError(`queue URL must start with redis:// or rediss:// (found ${JSON.stringify(parsed.protocol)})`);
  }
  if (parsed.password !== '') {
    throw new TypeError('the queue URL must not carry a password (it would show in process lists and logs): set GIPKIT_QUEUE_PASSWORD instead');
  }
  if (parsed.hostname === '') throw new TypeError(`queue URL ${JSON.stringify(url)} names no host`);
  if (parsed.search !== '' || parsed.hash !== '') throw new TypeError(`queue URL ${JSON.stringify(url)} must not have a query or fragment`);
  const port = parsed.port === '' ? DEFAULT_QUEUE_PORT : Number(parsed.port);
  const path = parsed.pathname.replace(/^\//, '');
  const db = path === '' ? 0 : Number(path);
  if (!/^[0-9]{0,2}$/.test(path) || !Number.isInteger(db) || db < 0 || db > 15) {
    throw new TypeError(`queue URL database must be a number from 0 to 15 (found ${JSON.stringify(path)})`);
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    host,
    port,
    db,
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    ...(parsed.username === '' ? {} : { username: decodeURIComponent(parsed.username) }),
  };
}

/** `host:port/db`, for messages: never the password. */
export function describeConnection(connection: QueueConnection): string {
  const host = connection.host.includes(':') ? `[${connection.host}]` : connection.host;
  return `${connection.tls === undefined ? 'redis' : 'rediss'}://${connection.username === undefined ? '' : `${connection.username}@`}${host}:${connection.port}/${connection.db}`;
}
