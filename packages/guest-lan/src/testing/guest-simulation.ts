import { readFile } from 'node:fs/promises';
import { pause, type CommandResult, type SecretReference } from '@gipkit/plugin-api';

/**
 * What a simulated transport needs of a guest; `SimulatedGuest` of
 * `@gipkit/testkit` fits (this package does not depend on testkit).
 */
export interface GuestSimulation {
  readonly files: Map<string, Uint8Array>;
  run(command: readonly string[]): CommandResult;
  remove(path: string): void;
}

/** Removes a file, or every file under a folder, with `separator` between segments; true when something was there. */
export function removeTree(guest: GuestSimulation, path: string, separator: '/' | '\\'): boolean {
  const prefix = path.endsWith(separator) ? path : `${path}${separator}`;
  let removed = false;
  for (const file of [...guest.files.keys()]) {
    if (file === path || file.startsWith(prefix)) {
      // The guest's own remove also forgets processes started from the file.
      guest.remove(file);
      guest.files.delete(file);
      removed = true;
    }
  }
  return removed;
}

/** True when a file or a folder with files is at `path`. */
export function exists(guest: GuestSimulation, path: string, separator: '/' | '\\'): boolean {
  const prefix = path.endsWith(separator) ? path : `${path}${separator}`;
  return guest.files.has(path) || [...guest.files.keys()].some((file) => file.startsWith(prefix));
}

/** Reads a secret reference as a real transport does: `{ env }` from the environment, `{ file }` from a file (one trailing newline dropped). */
export async function readSecretReference(reference: SecretReference | undefined): Promise<string | undefined> {
  if (reference === undefined) return undefined;
  if ('env' in reference) {
    const value = process.env[reference.env];
    return value === undefined || value === '' ? undefined : value;
  }
  try {
    return (await readFile(reference.file, 'utf8')).replace(/\r?\n$/, '');
  } catch {
    return undefined;
  }
}

/** What every simulated transport takes; each names what its `guests` are keyed by. */
export interface SimulatedTransportOptions<Target, Fault> {
  readonly guests: ReadonlyMap<string, GuestSimulation>;
  /** Accounts and their passwords; when given, connecting reads the secret reference (`env` or `file`) and checks it. */
  readonly accounts?: ReadonlyMap<string, string>;
  /** Latency of every operation, in milliseconds (default 0). */
  readonly latencyMs?: number;
  /** The faults a target shows. */
  readonly faults?: (target: Target) => readonly Fault[];
}

/** How a simulated guest takes an account and its secret. */
export type CredentialCheck = 'accepted' | 'secret-unavailable' | 'rejected';

/** With no `accounts`, every account is accepted without reading a secret. */
export async function checkCredentials(
  accounts: ReadonlyMap<string, string> | undefined,
  account: string,
  secret: SecretReference | undefined,
): Promise<CredentialCheck> {
  if (accounts === undefined) return 'accepted';
  const password = await readSecretReference(secret);
  if (password === undefined) return 'secret-unavailable';
  return accounts.get(account) === password ? 'accepted' : 'rejected';
}

/** Resolves after `ms` (at once for 0), or rejects when `signal` aborts. */
export function delay(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return pause(ms, signal);
}

export interface SimulatedLinkOptions {
  /** Latency of every operation, in milliseconds (default 0). */
  readonly latencyMs?: number;
  /** Operations that succeed before the link drops; later ones reject with `dropped()`. */
  readonly dropAfterCalls?: number;
  /** Operations that never answer, whatever their signal says. */
  readonly hang?: ReadonlySet<string>;
  /** The error of a dropped or closed link. */
  readonly dropped: () => Error;
}

/** One simulated connection: latency, a drop after N operations, hung operations. */
export class SimulatedLink {
  readonly #options: SimulatedLinkOptions;
  #calls = 0;
  #closed = false;

  constructor(options: SimulatedLinkOptions) {
    this.#options = options;
  }

  get closed(): boolean {
    return this.#closed;
  }

  async step<T>(operation: string, signal: AbortSignal, act: () => T | Promise<T>): Promise<T> {
    await delay(this.#options.latencyMs ?? 0, signal);
    if (this.#closed) throw this.#options.dropped();
    if (this.#options.dropAfterCalls !== undefined && this.#calls >= this.#options.dropAfterCalls) throw this.#options.dropped();
    if (this.#options.hang?.has(operation) === true) return new Promise<T>(() => undefined);
    this.#calls++;
    return act();
  }

  /** Marks the link closed; true the first time. */
  close(): boolean {
    if (this.#closed) return false;
    this.#closed = true;
    return true;
  }
}

/** A target's faults, read as it connects. */
export interface ConnectionFaults<Kind extends string> {
  /** True when the target shows a fault of this kind. */
  has(kind: Kind): boolean;
  /** The connection's link: the transport's latency, and the target's `drop` and `hang` faults; `dropped` makes the error of a dropped link. */
  link(dropped: () => Error): SimulatedLink;
}

/**
 * How every simulated transport starts to connect: reads the target's
 * faults, waits the latency, and never answers when the connect operation
 * itself (`connectOperation`) hangs.
 */
export async function connectionFaults<Target, Fault extends { readonly kind: string; readonly afterCalls?: number; readonly operation?: string }>(
  options: SimulatedTransportOptions<Target, Fault>,
  target: Target,
  connectOperation: string,
  signal: AbortSignal,
): Promise<ConnectionFaults<Fault['kind']>> {
  const faults = options.faults?.(target) ?? [];
  const hang = new Set(faults.flatMap((fault) => (fault.kind === 'hang' && fault.operation !== undefined ? [fault.operation] : [])));
  await delay(options.latencyMs ?? 0, signal);
  if (hang.has(connectOperation)) await new Promise<never>(() => undefined);
  const drop = faults.find((fault) => fault.kind === 'drop')?.afterCalls;
  return {
    has: (kind) => faults.some((fault) => fault.kind === kind),
    link: (dropped) =>
      new SimulatedLink({
        ...(options.latencyMs === undefined ? {} : { latencyMs: options.latencyMs }),
        ...(drop === undefined ? {} : { dropAfterCalls: drop }),
        hang,
        dropped,
      }),
  };
}

export interface SimulatedProcessInfo {
  readonly pid: number;
  readonly commandLine: string;
  readonly startTime: Date;
  /** Set once the process ended. */
  readonly endTime?: Date;
  readonly exitCode?: number;
}

/** A guest's process table: processes that end at once with an exit code, or run until terminated. */
export class SimulatedProcesses {
  readonly #table = new Map<number, SimulatedProcessInfo>();
  readonly #waiting = new Map<number, Set<(exitCode: number) => void>>();
  #next = 4000;

  /** Starts a process; `run` returns its exit code, or undefined for one that runs until terminated. */
  start(commandLine: string, run: () => number | undefined): number {
    const pid = this.#next;
    this.#next += 4;
    this.#table.set(pid, { pid, commandLine, startTime: new Date() });
    const exitCode = run();
    if (exitCode !== undefined) this.#end(pid, exitCode);
    return pid;
  }

  info(pid: number): SimulatedProcessInfo | undefined {
    return this.#table.get(pid);
  }

  /** Processes that have not ended. */
  running(): SimulatedProcessInfo[] {
    return [...this.#table.values()].filter((process) => process.endTime === undefined);
  }

  wait(pid: number, signal: AbortSignal): Promise<number> {
    const process = this.#table.get(pid);
    if (process === undefined) return Promise.reject(new Error(`no process ${pid}`));
    if (process.exitCode !== undefined) return Promise.resolve(process.exitCode);
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const waiters = this.#waiting.get(pid) ?? new Set();
      this.#waiting.set(pid, waiters);
      const onAbort = (): void => {
        waiters.delete(onExit);
        reject(signal.reason);
      };
      const onExit = (exitCode: number): void => {
        signal.removeEventListener('abort', onAbort);
        resolve(exitCode);
      };
      waiters.add(onExit);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Ends a running process with exit code 1; one that ended is left alone. */
  terminate(pid: number): void {
    if (this.#table.get(pid)?.endTime === undefined) this.#end(pid, 1);
  }

  #end(pid: number, exitCode: number): void {
    const process = this.#table.get(pid);
    if (process === undefined) return;
    this.#table.set(pid, { ...process, endTime: new Date(), exitCode });
    for (const waiter of this.#waiting.get(pid) ?? []) waiter(exitCode);
    this.#waiting.delete(pid);
  }
}
