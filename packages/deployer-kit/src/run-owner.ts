import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * The process that deployed a component, as its marker on the guest records
 * it: the machine, the boot, the process id and, on Linux, when the process
 * started (so that a reused pid is not taken for it). See docs/decisions.md.
 */
export interface RunOwner {
  readonly host: string;
  /** `/proc/sys/kernel/random/boot_id` on Linux. */
  readonly boot?: string;
  readonly pid: number;
  /** Field 22 of `/proc/<pid>/stat` (clock ticks after boot) on Linux. */
  readonly started?: string;
}

function readTrimmed(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** When the process started, from `/proc` (Linux); undefined elsewhere or when it does not exist. */
function processStart(pid: number): string | undefined {
  const stat = readTrimmed(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // After the command name in parentheses: state is field 3, starttime field 22.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let current: RunOwner | undefined;

/** This process, as a marker records it. */
export function currentRunOwner(): RunOwner {
  if (current !== undefined) return current;
  const boot = readTrimmed('/proc/sys/kernel/random/boot_id');
  const started = processStart(process.pid);
  current = { host: hostname(), ...(boot === undefined ? {} : { boot }), pid: process.pid, ...(started === undefined ? {} : { started }) };
  return current;
}

/**
 * True only when the recorded process is known to be gone: on this machine,
 * and the machine rebooted since, or no process has that pid, or the process
 * with that pid started at another time. A marker of another machine is never
 * taken for gone (its runs cannot be seen from here).
 */
export function runOwnerGone(owner: unknown, here: RunOwner = currentRunOwner()): boolean {
  if (typeof owner !== 'object' || owner === null) return false;
  const { host, boot, pid, started } = owner as Partial<Record<keyof RunOwner, unknown>>;
  if (typeof host !== 'string' || host !== here.host || typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return false;
  if (typeof boot === 'string' && here.boot !== undefined && boot !== here.boot) return true;
  if (!processExists(pid)) return true;
  const now = processStart(pid);
  return typeof started === 'string' && now !== undefined && now !== started;
}
