import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { readSecretText } from '@gipkit/plugin-api';
import type { QueueConnection } from '@gipkit/dispatcher-bullmq';
import { UsageError } from '../parse-options.js';

export interface QueueValues {
  readonly queue?: string | undefined;
  readonly tls?: true | undefined;
  readonly tlsCa?: string | undefined;
  readonly queueUser?: string | undefined;
  readonly queuePasswordFile?: string | undefined;
  readonly queuePrefix?: string | undefined;
}

/** The environment variable the queue's password is read from (never a command-line value: it would show in `ps`). */
export const QUEUE_PASSWORD_VARIABLE = 'GIPKIT_QUEUE_PASSWORD';

/** The options that say how to reach the Redis of the agents (`run --queue`, `agent`). */
export function withQueueOptions(command: CommandUnknownOpts, required: boolean): CommandUnknownOpts {
  return command
    .option('--queue <url>', `the agents' Redis: redis://HOST:PORT[/DB] (no password in it: set ${QUEUE_PASSWORD_VARIABLE} or --queue-password-file)${required ? ' (required)' : ' (default: none: the work runs in this process)'}`)
    .option('--tls', 'TLS to Redis, as a rediss:// URL does (default: off)')
    .option('--tls-ca <file>', 'with --tls: a CA bundle (PEM) to trust for Redis besides the system\'s (default: the system\'s)')
    .option('--queue-user <name>', 'a Redis ACL user (default: the default user)')
    .option('--queue-password-file <file>', `read the Redis password from this file (default: the ${QUEUE_PASSWORD_VARIABLE} environment variable, when set)`)
    .option('--queue-prefix <prefix>', 'every Redis key under this prefix: one per deployment sharing a Redis (default: gipkit)');
}

/** The connection the options describe, its password read from the environment or the file; undefined without --queue. */
export async function queueConnection(values: QueueValues, env: Readonly<Record<string, string | undefined>>): Promise<QueueConnection | undefined> {
  if (values.queue === undefined) {
    for (const option of ['tls', 'tlsCa', 'queueUser', 'queuePasswordFile', 'queuePrefix'] as const) {
      if (values[option] !== undefined) throw new UsageError(`--${option.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)} needs --queue`);
    }
    return undefined;
  }
  if (values.tlsCa !== undefined && values.tls !== true && !values.queue.startsWith('rediss:')) throw new UsageError('--tls-ca needs --tls (or a rediss:// URL)');
  const { parseQueueUrl } = await import('@gipkit/dispatcher-bullmq');
  let parsed: QueueConnection;
  try {
    parsed = parseQueueUrl(values.queue);
  } catch (error) {
    throw new UsageError(`--queue: ${error instanceof Error ? error.message : String(error)}`);
  }
  const password = values.queuePasswordFile !== undefined
    ? (await readSecretText({ file: values.queuePasswordFile })).replace(/\r?\n$/, '')
    : env[QUEUE_PASSWORD_VARIABLE];
  const tls = values.tls === true || parsed.tls !== undefined ? { ...(values.tlsCa === undefined ? {} : { ca: values.tlsCa }) } : undefined;
  return {
    host: parsed.host,
    port: parsed.port,
    db: parsed.db,
    ...(tls === undefined ? {} : { tls }),
    ...(values.queueUser !== undefined ? { username: values.queueUser } : parsed.username === undefined ? {} : { username: parsed.username }),
    ...(password === undefined || password === '' ? {} : { password }),
    ...(values.queuePrefix === undefined ? {} : { prefix: values.queuePrefix }),
  };
}

/** An agent silent longer than this (ms) is gone (`--agent-timeout`). */
export const DEFAULT_AGENT_TIMEOUT_MS = 15_000;

/**
 * Each server's load as its live agents report it (the tasks they run for it
 * now), by server id: a server with a live agent is in the map (0 when idle);
 * one without keeps the inventory's `runningTasks`.
 */
export async function liveLoad(connection: QueueConnection, agentTimeoutMs: number): Promise<Map<string, number>> {
  const { readAgentDirectory } = await import('@gipkit/dispatcher-bullmq');
  const load = new Map<string, number>();
  for (const agent of await readAgentDirectory(connection, agentTimeoutMs)) {
    if (agent.silentMs > agentTimeoutMs) continue;
    for (const server of agent.servers) load.set(server, load.get(server) ?? 0);
    for (const [server, count] of agent.running) if (agent.servers.includes(server)) load.set(server, (load.get(server) ?? 0) + count);
  }
  return load;
}

/** `--agent-timeout MS`: 1000 to 3600000, only with --queue. */
export function agentTimeout(value: string | undefined, connection: QueueConnection | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (connection === undefined) throw new UsageError('--agent-timeout needs --queue');
  const number = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < 1000 || number > 3_600_000) throw new UsageError(`--agent-timeout must be from 1000 to 3600000 ms (got '${value}')`);
  return number;
}
