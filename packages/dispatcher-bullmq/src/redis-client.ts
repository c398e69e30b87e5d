import { readFileSync } from 'node:fs';
import { Redis, type RedisOptions } from 'ioredis';
import type { QueueConnection } from './queue-connection.js';

/** What ioredis's constructor takes (its `replyMapping` types disagree under exactOptionalPropertyTypes; gipkit leaves it at its default). */
type RedisClientOptions = Omit<RedisOptions, 'replyMapping'>;

/**
 * An ioredis client for BullMQ and gipkit's own calls: reconnects with
 * backoff (100 ms doubling to 2 s), and commands wait for a reconnect instead
 * of failing at once (BullMQ needs `maxRetriesPerRequest: null`).
 */
export function redisOptions(connection: QueueConnection, name: string): RedisClientOptions {
  const tls = connection.tls === undefined
    ? undefined
    : { ...(connection.tls.ca === undefined ? {} : { ca: readFileSync(connection.tls.ca) }), ...(connection.tls.serverName === undefined ? {} : { servername: connection.tls.serverName }) };
  return {
    host: connection.host,
    port: connection.port,
    db: connection.db,
    ...(connection.username === undefined ? {} : { username: connection.username }),
    ...(connection.password === undefined ? {} : { password: connection.password }),
    ...(tls === undefined ? {} : { tls }),
    connectionName: name,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 2_000),
    lazyConnect: true,
    enableAutoPipelining: true,
    autoPipeliningIgnoredCommands: ['bzpopmin', 'bzpopmax', 'blpop', 'brpop', 'brpoplpush', 'blmove', 'xread', 'xreadgroup'],
  };
}

export function createRedis(connection: QueueConnection, name: string): Redis {
  return new Redis(redisOptions(connection, name));
}

/**
 * Connects and resolves once the client is ready, however many reconnects
 * that takes (with the client's backoff); rejects after `timeoutMs` when
 * given, saying why the last attempt failed. `onRetry` is told of each failure.
 */
export function whenReady(redis: Redis, timeoutMs: number | undefined, onRetry?: (error: Error) => void, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let last = 'no answer';
    const onError = (error: Error): void => {
      last = error.message;
      onRetry?.(error);
    };
    const done = (): void => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      done();
      reject(new Error('stopped before the queue answered'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const onReady = (): void => {
      done();
      resolve();
    };
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
      done();
      reject(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s (${last})`));
    }, timeoutMs);
    redis.on('ready', onReady);
    redis.on('error', onError);
    if (redis.status === 'ready') onReady();
    else if (redis.status === 'wait') redis.connect().catch((error: unknown) => void (last = error instanceof Error ? error.message : String(error)));
  });
}

/** At most `ms` of waiting on a Redis call while closing or stopping (a Redis cut off never answers). */
export async function bounded(work: Promise<unknown>, ms = 2_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
