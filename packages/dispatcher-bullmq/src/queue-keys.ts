/**
 * Where gipkit keeps its state in Redis, under one prefix (default `gipkit`,
 * one per deployment when several share a Redis): BullMQ's queues, one per
 * server, and gipkit's own keys beside them. Server ids are data: they are
 * encoded (base64url) into queue names, never used as Redis patterns or
 * object keys.
 */
export class QueueKeys {
  readonly prefix: string;

  constructor(prefix: string) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(prefix)) {
      throw new TypeError(`queue prefix must be 1 to 64 letters, digits, '.', '_' or '-' (found ${JSON.stringify(prefix)})`);
    }
    this.prefix = prefix;
  }

  /** The BullMQ queue of one server (BullMQ adds the prefix itself). */
  queueOf(server: string): string {
    return `server.${Buffer.from(server, 'utf8').toString('base64url')}`;
  }

  /** Sorted set: agent id → the Redis time (ms) of its last heartbeat. */
  get agents(): string {
    return `${this.prefix}:agents`;
  }

  /** Hash: agent id → its registration (JSON). */
  get agentRecords(): string {
    return `${this.prefix}:agent-records`;
  }

  /** Exists while the run's coordinator is alive (it refreshes the key's expiry). */
  runBeat(runId: string): string {
    return `${this.prefix}:run:${runId}:beat`;
  }

  /** Stream: what agents report for the run's tasks (accepted, steps, outcomes, rejections), in order. */
  runReports(runId: string): string {
    return `${this.prefix}:run:${runId}:reports`;
  }

  /** A published bundle, by the SHA-256 of its packed bytes. */
  bundle(digest: string): string {
    return `${this.prefix}:bundle:${digest}`;
  }

  /** Pub/sub channel: cancellations of runs and tasks. */
  get cancellations(): string {
    return `${this.prefix}:cancel`;
  }
}

/** A run id as the coordinator makes it (a UUID); checked before it names a key. */
export const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A task id: the run id and the task's number in the run. */
export const TASK_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.[0-9]{1,12}$/;
/** An agent id: chosen by the agent at start (random), so that two agents never share one. */
export const AGENT_ID = /^[A-Za-z0-9._-]{1,128}$/;
/** A SHA-256 digest in lower-case hex. */
export const DIGEST = /^[0-9a-f]{64}$/;
