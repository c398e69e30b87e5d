import { Buffer } from 'node:buffer';
import type { CommandResult } from '@gipkit/plugin-api';
import type { SimulatedGuest } from '@gipkit/testkit';
import { LINUX_JOIN_SCRIPT, POWERSHELL, WINDOWS_ARGUMENTS_PREFIX, WINDOWS_HELPER_MARKER } from '../guest-commands.js';
import {
  FILE_WRITE_MAX_CONTENT, QemuGuestAgentError, QemuGuestAgentFailure,
  type QemuAgentInfo, type QemuExecStatus, type QemuFileRead, type QemuGuestAgentTransport, type QemuGuestTarget, type QemuVmRef,
} from '../qemu-guest-agent-transport.js';

/** The API calls of the transport, as named in `calls` and in `hang` faults. */
export type GuestAgentCall = 'locate' | 'info' | 'exec' | 'exec-status' | 'file-write' | 'file-read';

/** Faults a simulated guest agent shows; `faults` is asked again at every call, so a test can change them mid-session. */
export type GuestAgentFault =
  /** The API answers "QEMU guest agent is not running" to every call but `locate`. */
  | { readonly kind: 'agent-not-running' }
  /** The API rejects the token (HTTP 401). */
  | { readonly kind: 'unauthorized' }
  /** The call (or every call) never answers and ignores its signal: only the connector's timeout ends it. */
  | { readonly kind: 'hang'; readonly call?: GuestAgentCall }
  /** Every program started keeps running: exec-status never says exited (until it is killed). */
  | { readonly kind: 'never-exits' }
  /** The agent blocks these commands (as `--block-rpcs` does): `info` shows them disabled, and calling them fails. */
  | { readonly kind: 'commands-disabled'; readonly commands: readonly string[] };

export interface SimulatedGuestAgentOptions {
  /** Guests by VM id (the VM's name in Proxmox VE). */
  readonly guests: ReadonlyMap<string, SimulatedGuest>;
  /** Latency of every API call, in milliseconds (default 0). */
  readonly latencyMs?: number;
  /** Faults for one VM (default none). */
  readonly faults?: (vm: string) => readonly GuestAgentFault[];
  /** How many exec-status polls answer `exited: false` before the result (default 1). */
  readonly runningPolls?: number;
}

interface SimulatedProcess {
  readonly result: CommandResult;
  polls: number;
  killed: boolean;
}

/** Commands of the simulated agent (a subset of what qemu-ga offers). */
const AGENT_COMMANDS = ['guest-ping', 'guest-info', 'guest-exec', 'guest-exec-status', 'guest-file-open', 'guest-file-write', 'guest-file-read', 'guest-file-close', 'guest-network-get-interfaces'];
/** The agent command behind each API call. */
const AGENT_COMMAND_OF: Partial<Record<GuestAgentCall, string>> = {
  exec: 'guest-exec',
  'exec-status': 'guest-exec-status',
  'file-write': 'guest-file-write',
  'file-read': 'guest-file-read',
};
/** Folders every simulated guest has. */
const BASE_FOLDERS = ['/', '/tmp', '/opt', '/etc', '/etc/systemd/system', 'C:\\', 'C:\\Windows', 'C:\\Windows\\Temp', 'C:\\Program Files'];
const ok = (stdout = ''): CommandResult => ({ exitCode: 0, stdout, stderr: '', truncated: false });
const fail = (stderr: string, exitCode = 1): CommandResult => ({ exitCode, stdout: '', stderr, truncated: false });
const never = (): Promise<never> => new Promise<never>(() => undefined);

/**
 * An in-memory Proxmox VE API with QEMU guest agents, over testkit's
 * `SimulatedGuest`s: `locate` names VMs by id (vmid 100, 101, … in map order,
 * node = the inventory host), exec runs the guest's commands, file-write and
 * file-read use its files. It checks what the real API checks (content at
 * most 61440 characters, a folder that exists) and emulates the guest tools
 * the connector runs that `SimulatedGuest` does not know: `mkdir -p`,
 * `chmod`, `rm -rf`, the part join, `kill` / `taskkill`, and the PowerShell
 * helpers. `calls` records every API call, for tests.
 */
export class SimulatedGuestAgent implements QemuGuestAgentTransport {
  /** Every API call, in order: `POST /nodes/pve/qemu/100/agent/exec`. */
  readonly calls: string[] = [];
  /** Every program exec was asked to start, in order. */
  readonly commands: { readonly vm: string; readonly command: readonly string[] }[] = [];
  /** File modes set with chmod, by VM then path. */
  readonly modes = new Map<string, Map<string, number>>();
  readonly #options: SimulatedGuestAgentOptions;
  readonly #folders = new Map<string, Set<string>>();
  readonly #processes = new Map<string, Map<number, SimulatedProcess>>();
  #nextPid = 4000;

  constructor(options: SimulatedGuestAgentOptions) {
    this.#options = options;
  }

  /** Pids of the programs killed in one VM (a run that outlived its timeout), in order. */
  killed(vm: string): number[] {
    return [...(this.#processes.get(vm) ?? [])].filter(([, process]) => process.killed).map(([pid]) => pid);
  }

  async locate(target: QemuGuestTarget, signal: AbortSignal): Promise<QemuVmRef> {
    await this.#enter('locate', 'GET /cluster/resources?type=vm', target.vm, signal, false);
    const vmid = [...this.#options.guests.keys()].indexOf(target.vm);
    if (vmid < 0) throw new QemuGuestAgentError(QemuGuestAgentFailure.VmNotFound, `no VM named ${target.vm} in the cluster`);
    return { node: target.host, vmid: 100 + vmid };
  }

  async info(vm: QemuVmRef, signal: AbortSignal): Promise<QemuAgentInfo> {
    const name = this.#name(vm);
    await this.#enter('info', `GET ${this.#path(vm)}/agent/info`, name, signal);
    const disabled = this.#disabled(name);
    return { version: '8.2.0', supportedCommands: AGENT_COMMANDS.map((command) => ({ name: command, enabled: !disabled.has(command) })) };
  }

  async exec(vm: QemuVmRef, request: { readonly command: readonly string[]; readonly inputData?: string }, signal: AbortSignal): Promise<{ readonly pid: number }> {
    const name = this.#name(vm);
    await this.#enter('exec', `POST ${this.#path(vm)}/agent/exec`, name, signal);
    this.commands.push({ vm: name, command: [...request.command] });
    const guest = this.#guest(name);
    const killed = this.#kill(name, request.command);
    const result = killed ?? this.#helper(guest, request.command) ?? guest.run(request.command);
    if (result.exitCode === 127 && result.stderr.startsWith('command not found')) {
      throw new QemuGuestAgentError(QemuGuestAgentFailure.ExecFailed, `Agent error: Failed to execute child process "${request.command[0] ?? ''}" (No such file or directory)`);
    }
    const pid = this.#nextPid++;
    let processes = this.#processes.get(name);
    if (processes === undefined) this.#processes.set(name, (processes = new Map()));
    processes.set(pid, { result, polls: 0, killed: false });
    return { pid };
  }

  async execStatus(vm: QemuVmRef, pid: number, signal: AbortSignal): Promise<QemuExecStatus> {
    const name = this.#name(vm);
    await this.#enter('exec-status', `GET ${this.#path(vm)}/agent/exec-status?pid=${pid}`, name, signal);
    const process = this.#processes.get(name)?.get(pid);
    if (process === undefined) throw new Error(`Agent error: Invalid parameter 'pid'`);
    if (process.killed) return { exited: true, signal: 9 };
    if (this.#neverExits(name) || process.polls++ < (this.#options.runningPolls ?? 1)) return { exited: false };
    const { result } = process;
    return {
      exited: true,
      exitCode: result.exitCode,
      ...(result.stdout === '' ? {} : { outData: result.stdout }),
      ...(result.stderr === '' ? {} : { errData: result.stderr }),
      ...(result.truncated ? { outTruncated: true } : {}),
    };
  }

  async fileWrite(vm: QemuVmRef, request: { readonly file: string; readonly content: string }, signal: AbortSignal): Promise<void> {
    const name = this.#name(vm);
    await this.#enter('file-write', `POST ${this.#path(vm)}/agent/file-write`, name, signal);
    if (request.content.length > FILE_WRITE_MAX_CONTENT) {
      throw new Error(`HTTP 400: parameter verification failed: content: value may only be ${FILE_WRITE_MAX_CONTENT} characters long`);
    }
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(request.content) || request.content.length % 4 !== 0) throw new Error('Agent error: Guest agent command failed, error was \'Base64 decoding failed\'');
    const guest = this.#guest(name);
    const folder = parentOf(request.file);
    if (folder === undefined || !this.#hasFolder(guest, folder)) {
      throw new Error(`Agent error: Failed to open file '${request.file}' (mode: 'w'): No such file or directory`);
    }
    guest.files.set(request.file, new Uint8Array(Buffer.from(request.content, 'base64')));
  }

  async fileRead(vm: QemuVmRef, file: string, signal: AbortSignal): Promise<QemuFileRead> {
    const name = this.#name(vm);
    await this.#enter('file-read', `GET ${this.#path(vm)}/agent/file-read?file=${encodeURIComponent(file)}`, name, signal);
    const contents = this.#guest(name).files.get(file);
    if (contents === undefined) throw new Error(`Agent error: Failed to open file '${file}' (mode: 'r'): No such file or directory`);
    return { content: new TextDecoder().decode(contents), truncated: false };
  }

  /** Records the call, waits the latency, then shows the VM's faults. */
  async #enter(call: GuestAgentCall, line: string, vm: string, signal: AbortSignal, needsAgent = true): Promise<void> {
    this.calls.push(line);
    const latency = this.#options.latencyMs ?? 0;
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    if (signal.aborted) throw signal.reason;
    const faults = this.#options.faults?.(vm) ?? [];
    if (faults.some((fault) => fault.kind === 'hang' && (fault.call === undefined || fault.call === call))) await never();
    if (faults.some((fault) => fault.kind === 'unauthorized')) throw new QemuGuestAgentError(QemuGuestAgentFailure.Unauthorized, 'HTTP 401: authentication failure');
    if (needsAgent && faults.some((fault) => fault.kind === 'agent-not-running')) {
      throw new QemuGuestAgentError(QemuGuestAgentFailure.AgentNotRunning, 'QEMU guest agent is not running');
    }
    const command = AGENT_COMMAND_OF[call];
    if (command !== undefined && this.#disabled(vm).has(command)) throw new Error(`Agent error: The command ${command} has been disabled for this instance`);
  }

  #disabled(vm: string): Set<string> {
    return new Set((this.#options.faults?.(vm) ?? []).flatMap((fault) => (fault.kind === 'commands-disabled' ? fault.commands : [])));
  }

  #neverExits(vm: string): boolean {
    return (this.#options.faults?.(vm) ?? []).some((fault) => fault.kind === 'never-exits');
  }

  #path(vm: QemuVmRef): string {
    return `/nodes/${vm.node}/qemu/${vm.vmid}`;
  }

  #name(vm: QemuVmRef): string {
    const name = [...this.#options.guests.keys()][vm.vmid - 100];
    if (name === undefined) throw new Error(`HTTP 500: Configuration file 'nodes/${vm.node}/qemu-server/${vm.vmid}.conf' does not exist`);
    return name;
  }

  #guest(vm: string): SimulatedGuest {
    const guest = this.#options.guests.get(vm);
    if (guest === undefined) throw new QemuGuestAgentError(QemuGuestAgentFailure.VmNotFound, `no VM named ${vm}`);
    return guest;
  }

  #foldersOf(guest: SimulatedGuest): Set<string> {
    let folders = this.#folders.get(guest.vm);
    if (folders === undefined) this.#folders.set(guest.vm, (folders = new Set(BASE_FOLDERS)));
    return folders;
  }

  /** A folder exists when it was made, or holds a file. */
  #hasFolder(guest: SimulatedGuest, folder: string): boolean {
    if (this.#foldersOf(guest).has(folder)) return true;
    const prefix = folder.endsWith('/') || folder.endsWith('\\') ? folder : `${folder}${folder.includes('\\') ? '\\' : '/'}`;
    return guest.listing().some((file) => file.startsWith(prefix));
  }

  #makeFolder(guest: SimulatedGuest, folder: string): void {
    const folders = this.#foldersOf(guest);
    for (let at: string | undefined = folder; at !== undefined && !folders.has(at); at = parentOf(at)) folders.add(at);
  }

  #removeTree(guest: SimulatedGuest, path: string): void {
    guest.remove(path);
    const folders = this.#foldersOf(guest);
    for (const folder of [...folders]) {
      if (folder === path || folder.startsWith(`${path}/`) || folder.startsWith(`${path}\\`)) folders.delete(folder);
    }
    this.modes.get(guest.vm)?.forEach((_, file) => {
      if (file === path || file.startsWith(`${path}/`)) this.modes.get(guest.vm)?.delete(file);
    });
  }

  /** `kill -KILL <pid>` and `taskkill.exe /PID <pid> /T /F`: end a simulated process. */
  #kill(vm: string, command: readonly string[]): CommandResult | undefined {
    const [program, ...args] = command;
    const pid = program === 'kill' && args[0] === '-KILL' ? args[1] : program === 'taskkill.exe' && args[0] === '/PID' ? args[1] : undefined;
    if (pid === undefined) return undefined;
    const process = this.#processes.get(vm)?.get(Number(pid));
    if (process === undefined || process.killed) return fail(`kill: (${pid}) - No such process`);
    process.killed = true;
    return ok();
  }

  /** The guest tools the connector runs; undefined for any other command (the guest runs it). */
  #helper(guest: SimulatedGuest, command: readonly string[]): CommandResult | undefined {
    const [program, first, second, ...rest] = command;
    if (program === 'mkdir' && first === '-p' && second === '--' && rest.length === 1) {
      this.#makeFolder(guest, rest[0] ?? '');
      return ok();
    }
    if (program === 'rm' && first === '-rf' && second === '--' && rest.length === 1) {
      this.#removeTree(guest, rest[0] ?? '');
      return ok();
    }
    if (program === 'chmod' && second === '--' && rest.length === 1 && first !== undefined) {
      const path = rest[0] ?? '';
      if (!guest.files.has(path)) return fail(`chmod: cannot access '${path}': No such file or directory`);
      let modes = this.modes.get(guest.vm);
      if (modes === undefined) this.modes.set(guest.vm, (modes = new Map()));
      modes.set(path, Number.parseInt(first, 8));
      return ok();
    }
    if (program === '/bin/sh' && first === '-c' && second === LINUX_JOIN_SCRIPT) {
      const [target, ...parts] = rest;
      return this.#join(guest, target ?? '', parts);
    }
    const windows = this.#windowsHelper(command);
    if (windows === undefined) return undefined;
    const args = windows.args;
    const text = (key: string): string => (typeof args[key] === 'string' ? args[key] : '');
    switch (windows.action) {
      case 'make-folder':
        this.#makeFolder(guest, text('path'));
        return ok();
      case 'remove':
        this.#removeTree(guest, text('path'));
        return ok();
      case 'join': {
        const parts = Array.isArray(args.parts) ? args.parts.filter((part): part is string => typeof part === 'string') : [];
        return this.#join(guest, text('target'), parts);
      }
      default:
        return fail(`unknown helper ${windows.action}`);
    }
  }

  #join(guest: SimulatedGuest, target: string, parts: readonly string[]): CommandResult {
    const chunks = parts.map((part) => guest.files.get(part));
    for (const part of parts) guest.files.delete(part);
    const missing = parts.find((_, index) => chunks[index] === undefined);
    if (missing !== undefined) return fail(`cat: ${missing}: No such file or directory`);
    guest.files.set(target, new Uint8Array(Buffer.concat(chunks.filter((chunk): chunk is Uint8Array => chunk !== undefined))));
    return ok();
  }

  /** Decodes `powershell.exe … -EncodedCommand <base64 UTF-16LE>` of a helper script: its action and arguments. */
  #windowsHelper(command: readonly string[]): { readonly action: string; readonly args: Record<string, unknown> } | undefined {
    if (command.length !== POWERSHELL.length + 2 || POWERSHELL.some((word, index) => command[index] !== word) || command[POWERSHELL.length] !== '-EncodedCommand') return undefined;
    const script = Buffer.from(command[POWERSHELL.length + 1] ?? '', 'base64').toString('utf16le');
    const [marker, argumentsLine] = script.split('\r\n');
    if (marker?.startsWith(WINDOWS_HELPER_MARKER) !== true || argumentsLine?.startsWith(WINDOWS_ARGUMENTS_PREFIX) !== true) return undefined;
    const quoted = argumentsLine.slice(WINDOWS_ARGUMENTS_PREFIX.length);
    const parsed: unknown = JSON.parse(quoted.slice(1, -1).replaceAll("''", "'"));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    return { action: marker.slice(WINDOWS_HELPER_MARKER.length), args: parsed as Record<string, unknown> };
  }
}

/** The folder a guest path is in (`/` or `\` separated); undefined for a root. */
function parentOf(path: string): string | undefined {
  if (/^(\/+|[A-Za-z]:[\\/]*)$/.test(path)) return undefined;
  const trimmed = path.replace(/[\\/]+$/, '');
  const at = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  if (at < 0) return undefined;
  if (at === 0) return '/';
  const parent = trimmed.slice(0, at);
  return /^[A-Za-z]:$/.test(parent) ? `${parent}\\` : parent;
}
