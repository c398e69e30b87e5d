import { contentsBytes } from '@gipkit/plugin-api';
import { checkCredentials, connectionFaults, removeTree, type GuestSimulation, type SimulatedTransportOptions } from '@gipkit/guest-lan/testing';
import {
  PowerShellDirectError,
  type PowerShellDirectSession, type PowerShellDirectTarget, type PowerShellDirectTransport, type PowerShellInvocationResult,
} from '../power-shell-direct-transport.js';
import { interpretPowerShellScript } from './power-shell-parser.js';

/** An operation of a `PowerShellDirectSession`. */
export type PowerShellDirectOperation = Exclude<keyof PowerShellDirectSession, 'close'>;

/** Faults a simulated Hyper-V VM can show. */
export type SimulatedPowerShellDirectFault =
  /** The guest does not answer PowerShell Direct: `guest-unavailable`. */
  | { readonly kind: 'refuse' }
  /** The session breaks after this many operations; later ones reject with `session-broken`. */
  | { readonly kind: 'drop'; readonly afterCalls: number }
  /** The operation never answers, whatever its signal says. */
  | { readonly kind: 'hang'; readonly operation: 'openSession' | PowerShellDirectOperation }
  /** Programs run until their invocation is stopped (its signal aborts). */
  | { readonly kind: 'endless-process' };

export interface SimulatedPowerShellDirectOptions extends SimulatedTransportOptions<PowerShellDirectTarget, SimulatedPowerShellDirectFault> {
  /** Guests by VM id. */
  readonly guests: ReadonlyMap<string, GuestSimulation>;
}

const ok = (output: readonly string[] = []): PowerShellInvocationResult => ({ output, errors: [], lastExitCode: null });

/**
 * A `PowerShellDirectTransport` over simulated guests: it understands the
 * connector's scripts (run a program, create a folder, remove a path) and
 * runs them on the guest; `Copy-Item -ToSession` writes the guest's files
 * (the destination folder must have been created).
 */
export class SimulatedPowerShellDirect implements PowerShellDirectTransport {
  /** Every script invoked, in order. */
  readonly scripts: string[] = [];
  readonly #options: SimulatedPowerShellDirectOptions;
  readonly #folders = new Map<GuestSimulation, Set<string>>();
  #open = 0;

  constructor(options: SimulatedPowerShellDirectOptions) {
    this.#options = options;
  }

  /** Sessions not closed yet. */
  get openSessions(): number {
    return this.#open;
  }

  async openSession(target: PowerShellDirectTarget, signal: AbortSignal): Promise<PowerShellDirectSession> {
    const { has, link: linkWith } = await connectionFaults(this.#options, target, 'openSession', signal);
    const guest = this.#options.guests.get(target.vm);
    if (guest === undefined) throw new PowerShellDirectError('vm-not-found', `Hyper-V was unable to find a virtual machine with name "${target.vm}"`);
    if (has('refuse')) throw new PowerShellDirectError('guest-unavailable', `${target.vm}: an error has occurred which Windows PowerShell cannot handle`);
    const credentials = await checkCredentials(this.#options.accounts, target.account, target.secret);
    if (credentials === 'secret-unavailable') throw new PowerShellDirectError('secret-unavailable', `the secret for ${target.account} cannot be read`);
    if (credentials === 'rejected') throw new PowerShellDirectError('invalid-credential', 'The credential is invalid.');
    const link = linkWith(() => new PowerShellDirectError('session-broken', `${target.vm}: the session state is Broken`));
    const folders = this.#folders.get(guest) ?? new Set<string>();
    this.#folders.set(guest, folders);
    const folderOf = (path: string): string => path.slice(0, Math.max(path.lastIndexOf('\\'), 2)).replace(/^([A-Z]:)$/, '$1\\');
    const isFolder = (path: string): boolean =>
      /^[A-Z]:\\$/.test(path) || folders.has(path) || [...guest.files.keys()].some((file) => file.startsWith(`${path}\\`));
    this.#open++;
    return {
      invoke: (script, s) =>
        link.step('invoke', s, async (): Promise<PowerShellInvocationResult> => {
          this.scripts.push(script);
          const action = interpretPowerShellScript(script);
          switch (action.kind) {
            case 'run': {
              if (has('endless-process')) return new Promise((_, reject) => s.addEventListener('abort', () => reject(s.reason), { once: true }));
              const result = guest.run(action.argv);
              return { output: [result.stdout], errors: result.stderr === '' ? [] : [result.stderr], lastExitCode: result.exitCode };
            }
            case 'create-directory':
              for (let folder = action.path; !isFolder(folder); folder = folderOf(folder)) folders.add(folder);
              return ok();
            case 'remove':
              removeTree(guest, action.path, '\\');
              for (const folder of [...folders]) if (folder === action.path || folder.startsWith(`${action.path}\\`)) folders.delete(folder);
              return ok();
          }
        }),
      copyToSession: async (chunks, size, destination, s) => {
        const contents = await contentsBytes({ size, open: () => chunks }, s);
        return link.step('copyToSession', s, () => {
          if (!isFolder(folderOf(destination))) throw new Error(`Could not find a part of the path '${destination}'.`);
          guest.files.set(destination, contents);
        });
      },
      close: async () => {
        if (link.close()) this.#open--;
      },
    };
  }
}
