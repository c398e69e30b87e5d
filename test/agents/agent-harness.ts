import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { TERMINAL_EVENT_TYPES, type GipkitEvent } from '@gipkit/plugin-api';
import { ROOT } from '../cli-harness.js';
import type { RedisServer } from './redis-server.js';

const BIN = join(ROOT, 'packages/cli/dist/bin.js');
/** A process of these tests that has not ended by then is killed (a hang fails its test, never the suite). */
const HANG_MS = 120_000;

export interface AgentProcess {
  readonly id: string;
  readonly servers: readonly string[];
  readonly pid: number;
  output(): string;
  /** SIGTERM, then waits for the exit; returns the exit code. */
  stop(): Promise<number | null>;
  signal(name: NodeJS.Signals): void;
  exited(): Promise<number | null>;
}

export interface AgentSettings {
  readonly id: string;
  readonly servers: readonly string[];
  readonly inventory: string;
  readonly job: string;
  readonly lab?: string;
  readonly concurrency?: number;
  readonly bundleCache?: string;
  readonly extra?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

/** Every process these tests started, killed in `killAll` even when a test failed. */
const started = new Set<ChildProcess>();

/** A real `gipkit agent` process (simulated guests), registered once it says it serves. */
export async function startAgent(redis: RedisServer, settings: AgentSettings): Promise<AgentProcess> {
  const args = [
    BIN, 'agent', '--queue', redis.url, '--agent-id', settings.id, '--heartbeat', '200', '--log-level', 'info',
    '--simulate', '--inventory', settings.inventory, '--job', settings.job,
    ...(settings.lab === undefined ? [] : ['--lab', settings.lab]),
    ...(settings.concurrency === undefined ? [] : ['--concurrency', String(settings.concurrency)]),
    ...(settings.bundleCache === undefined ? [] : ['--bundle-cache', settings.bundleCache]),
    ...settings.servers.flatMap((server) => ['--server', server]),
    ...(settings.extra ?? []),
  ];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, GIPKIT_QUEUE_PASSWORD: redis.password, ...settings.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  started.add(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => {
    started.delete(child);
    resolve(code);
  }));
  const hang = setTimeout(() => child.kill('SIGKILL'), HANG_MS * 3);
  void exit.then(() => clearTimeout(hang));
  await new Promise<void>((resolve, reject) => {
    const check = setInterval(() => {
      if (output.includes(': serving ')) {
        clearInterval(check);
        resolve();
      }
    }, 20);
    void exit.then((code) => {
      clearInterval(check);
      reject(new Error(`gipkit agent ${settings.id} exited with ${String(code)} before serving:\n${output}`));
    });
  });
  return {
    id: settings.id,
    servers: settings.servers,
    pid: child.pid ?? 0,
    output: () => output,
    signal: (name) => void child.kill(name),
    exited: () => exit,
    stop: async () => {
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      return exit;
    },
  };
}

/** Kills every agent process still running (afterEach / afterAll). */
export async function killAll(): Promise<void> {
  const waits = [...started].map((child) => new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGKILL');
  }));
  await Promise.all(waits);
}

export interface CoordinatorResult {
  readonly code: number | null;
  readonly events: GipkitEvent[];
  readonly stderr: string;
}

/** `gipkit run --queue … --events ndjson` as a user runs it; every event it printed. */
export function runCoordinator(redis: RedisServer, args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<CoordinatorResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'run', '--queue', redis.url, '--events', 'ndjson', ...args], {
      cwd: ROOT, env: { ...process.env, GIPKIT_QUEUE_PASSWORD: redis.password, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    const hang = setTimeout(() => child.kill('SIGKILL'), HANG_MS);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(hang);
      const events = stdout.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as GipkitEvent);
      resolve({ code, events, stderr });
    });
  });
}

/** The events of one VM, in order. */
export function eventsOf(events: readonly GipkitEvent[], vm: string): GipkitEvent[] {
  return events.filter((event) => 'vm' in event && event.vm === vm);
}

export function terminalCounts(events: readonly GipkitEvent[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of events) {
    if ((TERMINAL_EVENT_TYPES as readonly string[]).includes(event.type) && 'vm' in event) counts.set(event.vm, (counts.get(event.vm) ?? 0) + 1);
  }
  return counts;
}

export interface LiveCoordinator {
  readonly pid: number;
  /** The events printed so far. */
  readonly events: GipkitEvent[];
  stderr(): string;
  /** Resolves once an event matches (or rejects after `ms`). */
  waitFor(predicate: (event: GipkitEvent) => boolean, ms?: number): Promise<GipkitEvent>;
  signal(name: NodeJS.Signals): void;
  exited(): Promise<number | null>;
}

/** `gipkit run --queue …` running: its events as they come, to act mid-run (cancel it, kill it). */
export function startCoordinator(redis: RedisServer, args: readonly string[], env: Readonly<Record<string, string>> = {}): LiveCoordinator {
  const child = spawn(process.execPath, [BIN, 'run', '--queue', redis.url, '--events', 'ndjson', ...args], {
    cwd: ROOT, env: { ...process.env, GIPKIT_QUEUE_PASSWORD: redis.password, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  const events: GipkitEvent[] = [];
  let pending = '';
  let stderr = '';
  const waiters: { predicate: (event: GipkitEvent) => boolean; resolve: (event: GipkitEvent) => void }[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '') continue;
      const event = JSON.parse(line) as GipkitEvent;
      events.push(event);
      for (const waiter of [...waiters]) {
        if (!waiter.predicate(event)) continue;
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(event);
      }
    }
  });
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => {
    started.delete(child);
    resolve(code);
  }));
  const hang = setTimeout(() => child.kill('SIGKILL'), HANG_MS);
  void exit.then(() => clearTimeout(hang));
  return {
    pid: child.pid ?? 0,
    events,
    stderr: () => stderr,
    signal: (name) => void child.kill(name),
    exited: () => exit,
    waitFor: (predicate, ms = 30_000) => new Promise((resolve, reject) => {
      const found = events.find(predicate);
      if (found !== undefined) return resolve(found);
      const timer = setTimeout(() => reject(new Error(`no such event within ${ms} ms; stderr:\n${stderr}`)), ms);
      waiters.push({ predicate, resolve: (event) => {
        clearTimeout(timer);
        resolve(event);
      } });
    }),
  };
}
