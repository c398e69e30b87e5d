import { contentsBytes } from '@gipkit/plugin-api';
import {
  checkCredentials, connectionFaults, exists, removeTree, runRedirected, runWindowsCommandLine, SimulatedProcesses,
  type GuestSimulation, type SimulatedTransportOptions,
} from '@gipkit/guest-lan/testing';
import {
  GuestOperationsError,
  type GuestFileTransferInformation, type GuestOperationsConnection, type GuestOperationsTarget, type GuestOperationsTransport,
  type GuestProcessInfo, type GuestProgramSpec,
} from '../guest-operations-transport.js';
import { interpretShellCommand } from '@gipkit/connector-kit/testing';

/** An operation of a `GuestOperationsConnection`. */
export type GuestOperation = Exclude<keyof GuestOperationsConnection, 'close'>;

/** Faults a simulated VM can show. */
export type SimulatedGuestOperationsFault =
  /** vCenter / ESXi does not answer: `unreachable`. */
  | { readonly kind: 'refuse' }
  /** VMware Tools does not run in the guest: `tools-unavailable`. */
  | { readonly kind: 'tools-not-running' }
  /** The vSphere session is lost after this many operations; later ones reject with `connection-lost`. */
  | { readonly kind: 'drop'; readonly afterCalls: number }
  /** The operation never answers, whatever its signal says. */
  | { readonly kind: 'hang'; readonly operation: 'connect' | GuestOperation }
  /** Every program started runs until terminated. */
  | { readonly kind: 'endless-process' };

export interface SimulatedGuestOperationsOptions extends SimulatedTransportOptions<GuestOperationsTarget, SimulatedGuestOperationsFault> {
  /** Guests by VM id. */
  readonly guests: ReadonlyMap<string, GuestSimulation>;
}

const SHELLS = /^\/(usr\/)?bin\/(sh|bash|dash)$/;
const isWindowsPath = (path: string): boolean => /^[A-Za-z]:\\/.test(path);
const separatorOf = (path: string): '/' | '\\' => (isWindowsPath(path) ? '\\' : '/');
const parentOf = (path: string): string => {
  const separator = separatorOf(path);
  const last = path.lastIndexOf(separator);
  if (separator === '\\') return last <= 2 ? path.slice(0, 3) : path.slice(0, last);
  return last <= 0 ? '/' : path.slice(0, last);
};

/**
 * Runs a program as VMware Tools does: Linux guests through `/bin/sh -c`
 * (`"programPath" arguments`), Windows guests through `CreateProcess`
 * (simulated `cmd.exe` included). Redirections land in the guest's files.
 */
export function runGuestProgram(guest: GuestSimulation, spec: GuestProgramSpec, options: { readonly endless?: boolean } = {}): number | undefined {
  if (isWindowsPath(spec.programPath)) return runWindowsCommandLine(guest, `"${spec.programPath}" ${spec.arguments}`, options);
  const outer = interpretShellCommand(spec.arguments);
  const script = SHELLS.test(spec.programPath) && outer.argv[0] === '-c' ? outer.argv[1] : undefined;
  const invocation = script === undefined ? { argv: [spec.programPath, ...outer.argv] } : interpretShellCommand(script);
  return runRedirected(guest, invocation, (path) => path === '/dev/null', options);
}

/**
 * A `GuestOperationsTransport` over simulated guests: programs run on the
 * guest, file transfers go through URLs as in vSphere, folders are tracked
 * (`/`, `/tmp`, `C:\`, `C:\Windows`, `C:\Windows\Temp` exist from the start).
 */
export class SimulatedGuestOperations implements GuestOperationsTransport {
  /** Every program started, in order. */
  readonly programs: GuestProgramSpec[] = [];
  readonly #options: SimulatedGuestOperationsOptions;
  readonly #processes = new Map<GuestSimulation, SimulatedProcesses>();
  readonly #directories = new Map<GuestSimulation, Set<string>>();
  readonly #transfers = new Map<string, { readonly guest: GuestSimulation; readonly path: string; readonly direction: 'to' | 'from' }>();
  #nextTransfer = 1;
  #open = 0;

  constructor(options: SimulatedGuestOperationsOptions) {
    this.#options = options;
  }

  /** Connections not closed yet. */
  get openConnections(): number {
    return this.#open;
  }

  /** The process table of a guest. */
  processes(guest: GuestSimulation): SimulatedProcesses {
    const table = this.#processes.get(guest) ?? new SimulatedProcesses();
    this.#processes.set(guest, table);
    return table;
  }

  /** Folders that exist on a guest without files in them. */
  directories(guest: GuestSimulation): Set<string> {
    const folders = this.#directories.get(guest) ?? new Set(['/', '/tmp', 'C:\\', 'C:\\Windows', 'C:\\Windows\\Temp']);
    this.#directories.set(guest, folders);
    return folders;
  }

  async connect(target: GuestOperationsTarget, signal: AbortSignal): Promise<GuestOperationsConnection> {
    const { has, link: linkWith } = await connectionFaults(this.#options, target, 'connect', signal);
    if (has('refuse')) throw new GuestOperationsError('unreachable', `${target.host}: connection refused`);
    const guest = this.#options.guests.get(target.vm);
    if (guest === undefined) throw new GuestOperationsError('vm-not-found', `${target.vm}: no such virtual machine`);
    if (has('tools-not-running')) throw new GuestOperationsError('tools-unavailable', `${target.vm}: the guest operations agent could not be contacted`);
    const credentials = await checkCredentials(this.#options.accounts, target.account, target.secret);
    if (credentials === 'secret-unavailable') throw new GuestOperationsError('secret-unavailable', `the secret for ${target.account} cannot be read`);
    if (credentials === 'rejected') throw new GuestOperationsError('invalid-guest-login', `${target.account}: failed to authenticate with the guest operating system`);
    const link = linkWith(() => new GuestOperationsError('connection-lost', `${target.host}: the session is not authenticated`));
    const processes = this.processes(guest);
    const folders = this.directories(guest);
    const isFolder = (path: string): boolean => folders.has(path) || (!guest.files.has(path) && exists(guest, path, separatorOf(path)));
    const notFound = (path: string): GuestOperationsError => new GuestOperationsError('file-not-found', `${path}: file not found`);
    const transfer = (url: string, direction: 'to' | 'from') => {
      const known = this.#transfers.get(url);
      if (known === undefined || known.guest !== guest || known.direction !== direction) throw new Error(`HTTP 404 for ${url}`);
      this.#transfers.delete(url);
      return known;
    };
    this.#open++;
    return {
      startProgram: (spec, s) =>
        link.step('startProgram', s, () => {
          this.programs.push(spec);
          return processes.start(`"${spec.programPath}" ${spec.arguments}`, () => runGuestProgram(guest, spec, { endless: has('endless-process') }));
        }),
      listProcesses: (pids, s) =>
        link.step('listProcesses', s, () =>
          pids.flatMap((pid): GuestProcessInfo[] => {
            const info = processes.info(pid);
            if (info === undefined) return [];
            return [{ pid, ...(info.endTime === undefined ? {} : { endTime: info.endTime }), ...(info.exitCode === undefined ? {} : { exitCode: info.exitCode }) }];
          })),
      terminateProcess: (pid, s) => link.step('terminateProcess', s, () => processes.terminate(pid)),
      makeDirectory: (path, { createParentDirectories }, s) =>
        link.step('makeDirectory', s, () => {
          if (isFolder(path) || guest.files.has(path)) throw new GuestOperationsError('file-already-exists', `${path}: file already exists`);
          if (!createParentDirectories && !isFolder(parentOf(path))) throw notFound(parentOf(path));
          for (let folder = path; !folders.has(folder); folder = parentOf(folder)) folders.add(folder);
        }),
      deleteFile: (path, s) =>
        link.step('deleteFile', s, () => {
          if (guest.files.has(path)) return void removeTree(guest, path, separatorOf(path));
          throw isFolder(path) ? new GuestOperationsError('not-a-file', `${path}: not a file`) : notFound(path);
        }),
      deleteDirectory: (path, { recursive }, s) =>
        link.step('deleteDirectory', s, () => {
          if (!isFolder(path)) throw guest.files.has(path) ? new GuestOperationsError('not-a-file', `${path}: not a directory`) : notFound(path);
          const separator = separatorOf(path);
          const prefix = `${path}${separator}`;
          if (!recursive && [...guest.files.keys(), ...folders].some((entry) => entry.startsWith(prefix))) throw new Error(`${path}: directory not empty`);
          removeTree(guest, path, separator);
          for (const folder of [...folders]) if (folder === path || folder.startsWith(prefix)) folders.delete(folder);
        }),
      initiateFileTransferToGuest: (path, _attributes, _size, { overwrite }, s) =>
        link.step('initiateFileTransferToGuest', s, () => {
          if (isFolder(path)) throw new GuestOperationsError('not-a-file', `${path}: not a file`);
          if (guest.files.has(path) && !overwrite) throw new GuestOperationsError('file-already-exists', `${path}: file already exists`);
          if (!isFolder(parentOf(path))) throw notFound(parentOf(path));
          const url = `https://esx.simulated/guestFile?id=${this.#nextTransfer++}`;
          this.#transfers.set(url, { guest, path, direction: 'to' });
          return url;
        }),
      putFile: async (url, chunks, size, s) => {
        const contents = await contentsBytes({ size, open: () => chunks }, s);
        return link.step('putFile', s, () => {
          guest.files.set(transfer(url, 'to').path, contents);
        });
      },
      initiateFileTransferFromGuest: (path, s) =>
        link.step('initiateFileTransferFromGuest', s, (): GuestFileTransferInformation => {
          const contents = guest.files.get(path);
          if (contents === undefined) throw isFolder(path) ? new GuestOperationsError('not-a-file', `${path}: not a file`) : notFound(path);
          const url = `https://esx.simulated/guestFile?id=${this.#nextTransfer++}`;
          this.#transfers.set(url, { guest, path, direction: 'from' });
          return { url, size: contents.length };
        }),
      getFile: (url, s) =>
        link.step('getFile', s, () => {
          const contents = guest.files.get(transfer(url, 'from').path);
          if (contents === undefined) throw new Error(`HTTP 404 for ${url}`);
          return contents.slice();
        }),
      close: async () => {
        if (link.close()) this.#open--;
      },
    };
  }
}
