import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { closedPort } from '../ssh/tcp-fixtures.js';

/**
 * A real Redis (Debian's `redis-server`) on a loopback address and a free high
 * port, with a throwaway password and no persistence, for the agent tests.
 * `.ci/run` installs the package. Stopped by its PID.
 */
export interface RedisServer {
  readonly address: string;
  readonly port: number;
  /** The throwaway password (`requirepass`). */
  readonly password: string;
  readonly url: string;
  readonly pid: number;
  /** A client of its own (for checks: scanning keys, INFO). */
  client(): Redis;
  /** Every key and its whole value, as text: to prove what Redis holds. */
  dump(): Promise<Map<string, string>>;
  /** Stops Redis (by PID); `start()` brings it back on the same port, empty. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  log(): string;
  stop(): Promise<void>;
}

const PROGRAM = '/usr/bin/redis-server';

export async function startRedisServer(options: { readonly address?: string } = {}): Promise<RedisServer> {
  if (!existsSync(PROGRAM)) throw new Error(`${PROGRAM} is missing: install redis-server (see .ci/run): apt-get install -y --no-install-recommends redis-server`);
  const address = options.address ?? '127.0.0.3';
  const dir = await mkdtemp(join(tmpdir(), 'gipkit-redis-'));
  const password = randomBytes(18).toString('base64url');
  const port = await closedPort(address);
  const config = join(dir, 'redis.conf');
  await writeFile(config, [
    `bind ${address}`, `port ${port}`, 'save ""', 'appendonly no', `dir ${dir}`, 'daemonize no', `requirepass ${password}`,
    'protected-mode yes', 'loglevel notice', 'logfile ""', 'maxmemory-policy noeviction', 'databases 16',
  ].join('\n') + '\n', { mode: 0o600 });
  let log = '';
  let child: ChildProcess | undefined;
  const clients: Redis[] = [];
  const launch = async (): Promise<ChildProcess> => {
    const started = spawn(PROGRAM, [config], { stdio: ['ignore', 'pipe', 'pipe'] });
    started.stdout?.on('data', (chunk: Buffer) => void (log += chunk.toString()));
    started.stderr?.on('data', (chunk: Buffer) => void (log += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`redis-server did not start:\n${log}`)), 10_000);
      const check = setInterval(() => {
        if (/Ready to accept connections/.test(log)) {
          clearTimeout(deadline);
          clearInterval(check);
          resolve();
        }
      }, 20);
      started.once('exit', (code) => {
        clearTimeout(deadline);
        clearInterval(check);
        reject(new Error(`redis-server exited with ${String(code)}:\n${log}`));
      });
    });
    started.removeAllListeners('exit');
    return started;
  };
  const kill = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  child = await launch();
  const server: RedisServer = {
    address,
    port,
    password,
    url: `redis://${address}:${port}/0`,
    get pid() {
      return child?.pid ?? 0;
    },
    client() {
      const client = new Redis({ host: address, port, password, lazyConnect: false, maxRetriesPerRequest: 1 });
      client.on('error', () => undefined);
      clients.push(client);
      return client;
    },
    async dump() {
      const client = server.client();
      const found = new Map<string, string>();
      for (const key of await client.keys('*')) {
        const type = await client.type(key);
        let value: unknown;
        if (type === 'string') value = (await client.getBuffer(key))?.toString('latin1');
        else if (type === 'hash') value = await client.hgetall(key);
        else if (type === 'list') value = await client.lrange(key, 0, -1);
        else if (type === 'set') value = await client.smembers(key);
        else if (type === 'zset') value = await client.call('ZRANGE', key, '0', '-1', 'WITHSCORES');
        else if (type === 'stream') value = await client.xrange(key, '-', '+');
        found.set(key, JSON.stringify(value));
      }
      client.disconnect();
      return found;
    },
    async pause() {
      await kill();
    },
    async resume() {
      child = await launch();
    },
    log: () => log,
    async stop() {
      for (const client of clients) client.disconnect();
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return server;
}
