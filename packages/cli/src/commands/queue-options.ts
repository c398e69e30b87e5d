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
