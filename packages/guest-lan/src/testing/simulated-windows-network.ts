import { contentsBytes } from '@gipkit/plugin-api';
import {
  WindowsNetworkError,
  type WindowsNetworkConnection, type WindowsNetworkTarget, type WindowsNetworkTransport,
} from '../windows-network-transport.js';
import {
  checkCredentials, connectionFaults, exists, removeTree, SimulatedProcesses, type GuestSimulation, type SimulatedTransportOptions,
} from './guest-simulation.js';
import { runWindowsCommandLine } from './simulate-windows-process.js';

/** An operation of a `WindowsNetworkConnection`. */
export type WindowsNetworkOperation = Exclude<keyof WindowsNetworkConnection, 'close'>;

/** Faults a simulated Windows guest can show. */
export type SimulatedWindowsNetworkFault =
  /** Nothing answers on 445: `network-path-not-found`. */
  | { readonly kind: 'refuse' }
  /** Remote process creation does not answer (135 closed): `rpc-unavailable`. */
  | { readonly kind: 'rpc-unavailable' }
  /** The account is not an administrator (or UAC filters it): `access-denied`. */
  | { readonly kind: 'access-denied' }
  /** The connection closes after this many operations; later ones reject with `closed`. */
  | { readonly kind: 'drop'; readonly afterCalls: number }
  /** The operation never answers, whatever its signal says. */
  | { readonly kind: 'hang'; readonly operation: 'connect' | WindowsNetworkOperation }
  /** Every process started runs until terminated. */
  | { readonly kind: 'endless-process' };

export interface SimulatedWindowsNetworkOptions extends SimulatedTransportOptions<WindowsNetworkTarget, SimulatedWindowsNetworkFault> {
  /** Guests by the address they answer on. */
  readonly guests: ReadonlyMap<string, GuestSimulation>;
}

/** `\\guest\C$\x` is `C:\x`; `ADMIN$` is `C:\Windows`. */
function onGuest(address: string, share: string, path: string): string {
  const drive = /^([A-Za-z])\$$/.exec(share);
  const root = share.toUpperCase() === 'ADMIN$' ? 'C:\\Windows' : drive === null ? undefined : `${(drive[1] ?? '').toUpperCase()}:`;
  if (root === undefined) throw new WindowsNetworkError('network-path-not-found', `\\\\${address}\\${share}: the network name cannot be found`);
  return path === '' ? `${root}\\` : `${root}\\${path}`;
}

/**
 * A `WindowsNetworkTransport` over simulated guests: admin shares map to the
 * guest's files, processes run through simulated `cmd.exe`.
 */
export class SimulatedWindowsNetwork implements WindowsNetworkTransport {
  /** Every command line started, in order. */
  readonly commandLines: string[] = [];
  readonly #options: SimulatedWindowsNetworkOptions;
  readonly #processes = new Map<GuestSimulation, SimulatedProcesses>();
  #open = 0;

  constructor(options: SimulatedWindowsNetworkOptions) {
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

  async connect(target: WindowsNetworkTarget, signal: AbortSignal): Promise<WindowsNetworkConnection> {
    const { has, link: linkWith } = await connectionFaults(this.#options, target, 'connect', signal);
    const guest = this.#options.guests.get(target.address);
    if (guest === undefined || has('refuse')) throw new WindowsNetworkError('network-path-not-found', `\\\\${target.address}\\ADMIN$: the network path was not found`);
    const credentials = await checkCredentials(this.#options.accounts, target.account, target.secret);
    if (credentials === 'secret-unavailable') throw new WindowsNetworkError('secret-unavailable', `the secret for ${target.account} cannot be read`);
    if (credentials === 'rejected') throw new WindowsNetworkError('logon-failure', `${target.account}: the user name or password is incorrect`);
    if (has('access-denied')) throw new WindowsNetworkError('access-denied', `\\\\${target.address}\\ADMIN$: access is denied for ${target.account}`);
    if (has('rpc-unavailable')) throw new WindowsNetworkError('rpc-unavailable', `${target.address}: the RPC server is unavailable`);
    const link = linkWith(() => new WindowsNetworkError('closed', `\\\\${target.address}: the specified network name is no longer available`));
    const processes = this.processes(guest);
    const where = (share: string, path: string): string => onGuest(target.address, share, path);
    const notFound = (path: string): WindowsNetworkError => new WindowsNetworkError('not-found', `${path}: the system cannot find the file specified`);
    this.#open++;
    return {
      createDirectory: (share, path, s) => link.step('createDirectory', s, () => void where(share, path)),
      writeFile: async (share, path, chunks, size, s) => {
        // The simulated guest keeps files in memory; a real transport writes each chunk as it comes.
        const contents = await contentsBytes({ size, open: () => chunks }, s);
        return link.step('writeFile', s, () => void guest.files.set(where(share, path), contents));
      },
      readFile: (share, path, s) =>
        link.step('readFile', s, () => {
          const contents = guest.files.get(where(share, path));
          if (contents === undefined) throw notFound(where(share, path));
          return contents.slice();
        }),
      deleteTree: (share, path, s) =>
        link.step('deleteTree', s, () => {
          const full = where(share, path);
          if (!exists(guest, full, '\\')) throw notFound(full);
          removeTree(guest, full, '\\');
        }),
      startProcess: (commandLine, s) =>
        link.step('startProcess', s, () => {
          this.commandLines.push(commandLine);
          return processes.start(commandLine, () => runWindowsCommandLine(guest, commandLine, { endless: has('endless-process') }));
        }),
      waitProcess: (processId, s) => link.step('waitProcess', s, () => processes.wait(processId, s)),
      terminateProcess: (processId, s) => link.step('terminateProcess', s, () => processes.terminate(processId)),
      close: async () => {
        if (link.close()) this.#open--;
      },
    };
  }
}
