import { ErrorCode, GipkitError } from '@gipkit/plugin-api';
import { describeConnection, type QueueConnection } from './queue-connection.js';
import { AGENT_ID, QueueKeys } from './queue-keys.js';
import { createRedis, whenReady } from './redis-client.js';
import { integer, own, record, ShapeProblem, text, texts } from './message-shape.js';

/** The one Redis call the directory makes: a script (any Redis client of this package is one). */
export interface ScriptRunner {
  eval(script: string, keys: number, ...args: string[]): Promise<unknown>;
}

/** What an agent says about itself in every heartbeat. */
export interface AgentRegistration {
  readonly agent: string;
  /** The servers (inventory ids) whose queues it consumes. */
  readonly servers: readonly string[];
  /** The gipkit version it runs. */
  readonly version: string;
  readonly hostname: string;
  readonly pid: number;
  /** Tasks at once per server it serves. */
  readonly concurrency: number;
  /** What its connectors reach: `platform/method`. */
  readonly methods: readonly string[];
  /** Tasks running now, per server, as `[server, count]` pairs (only servers with some). */
  readonly running: readonly (readonly [string, number])[];
}

/** An agent as the coordinator sees it: its registration and how long ago (Redis time) it last beat. */
export interface LiveAgent extends AgentRegistration {
  readonly silentMs: number;
}

// Redis's clock, not the machines': agents and the coordinator need not agree on the time.
const BEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return now`;
const LEAVE = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1`;
// Agents silent for longer than ARGV[1] ms are forgotten (not just "not live"): the directory stays small.
const LIST = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local old = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
for _, id in ipairs(old) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id)
end
local result = {}
local entries = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #entries, 2 do
  local id = entries[i]
  table.insert(result, id)
  table.insert(result, tostring(now - tonumber(entries[i + 1])))
  table.insert(result, redis.call('HGET', KEYS[2], id) or '')
end
return result`;
/** Agents silent this long are removed from the directory. */
const FORGET_AFTER_MS = 60 * 60 * 1000;

export async function beat(redis: ScriptRunner, keys: QueueKeys, registration: AgentRegistration): Promise<void> {
  await redis.eval(BEAT, 2, keys.agents, keys.agentRecords, registration.agent, JSON.stringify(registration));
}

export async function leave(redis: ScriptRunner, keys: QueueKeys, agent: string): Promise<void> {
  await redis.eval(LEAVE, 2, keys.agents, keys.agentRecords, agent);
}

/** The agents registered in a queue's directory now, with how long each has been silent: connects (within `timeoutMs`, else GIPKIT_QUEUE_UNAVAILABLE), reads, disconnects. */
export async function readAgentDirectory(connection: QueueConnection, timeoutMs = 10_000): Promise<LiveAgent[]> {
  const client = createRedis(connection, 'gipkit-directory');
  client.on('error', () => undefined);
  try {
    try {
      await whenReady(client, timeoutMs);
    } catch (error) {
      throw new GipkitError(ErrorCode.QueueUnavailable, `the queue at ${describeConnection(connection)} cannot be reached: ${error instanceof Error ? error.message : String(error)}`);
    }
    return (await listAgents(client, new QueueKeys(connection.prefix ?? 'gipkit'))).agents;
  } finally {
    client.disconnect();
  }
}

/** Every agent the directory holds; a record that cannot be read is skipped (and named in `unreadable`). */
export async function listAgents(redis: ScriptRunner, keys: QueueKeys): Promise<{ agents: LiveAgent[]; unreadable: string[] }> {
  const reply = await redis.eval(LIST, 2, keys.agents, keys.agentRecords, String(FORGET_AFTER_MS));
  const agents: LiveAgent[] = [];
  const unreadable: string[] = [];
  if (!Array.isArray(reply)) return { agents, unreadable };
  for (let index = 0; index + 2 < reply.length; index += 3) {
    const id = String(reply[index]);
    const silentMs = Number(reply[index + 1]);
    try {
      const registration = readRegistration(JSON.parse(String(reply[index + 2])));
      if (registration.agent !== id) throw new ShapeProblem('the record names another agent');
      agents.push({ ...registration, silentMs });
    } catch {
      unreadable.push(id);
    }
  }
  return { agents, unreadable };
}

function readRegistration(value: unknown): AgentRegistration {
  const where = 'agent';
  const object = record(value, where, ['agent', 'servers', 'version', 'hostname', 'pid', 'concurrency', 'methods', 'running']);
  const running = own(object, 'running');
  if (!Array.isArray(running) || running.length > 100_000) throw new ShapeProblem('agent.running must be a list');
  return {
    agent: text(object, 'agent', where, { pattern: AGENT_ID }),
    servers: texts(object, 'servers', where, { maxItems: 100_000, max: 256 }),
    version: text(object, 'version', where, { max: 64 }),
    hostname: text(object, 'hostname', where, { max: 256 }),
    pid: integer(object, 'pid', where, 0, 2 ** 31),
    concurrency: integer(object, 'concurrency', where, 1, 1_000_000),
    methods: texts(object, 'methods', where, { maxItems: 256, max: 128 }),
    running: running.map((pair: unknown, index) => {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || !Number.isInteger(pair[1]) || (pair[1] as number) < 0) {
        throw new ShapeProblem(`agent.running[${index}] must be [server, count]`);
      }
      return [pair[0], pair[1] as number] as const;
    }),
  };
}
