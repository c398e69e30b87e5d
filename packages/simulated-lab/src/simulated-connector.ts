import {
  contentsBytes, ConnectorError, ErrorCode, settleWithin,
  type CallOptions, type CommandResult, type ConnectRequest, type ConnectionMethod, type GuestConnector, type GuestSession, type Platform,
} from '@gipkit/plugin-api';
import type { SimulatedGuest } from './simulated-guest.js';

/** Faults a simulated connection can be told to show. */
export type Fault =
  | { readonly kind: 'refuse' }
  /** The session drops after this many successful calls; later calls reject. */
  | { readonly kind: 'drop'; readonly afterCalls: number }
  /** The step never answers: only its timeout or cancellation ends it. */
  | { readonly kind: 'hang'; readonly step: 'connect' | 'run' | 'upload' | 'remove' }
  /** Removing anything that exists fails (a cleanup failure to report); removing a missing path still works. */
  | { readonly kind: 'fail-remove' };

export interface SimulatedConnectorOptions {
  readonly platform: Platform;
  readonly method: ConnectionMethod;
  /** Guests by VM id. */
  readonly guests: ReadonlyMap<string, SimulatedGuest>;
  /** Latency of every step, in milliseconds (default 0). */
  readonly latencyMs?: number;
  /** Faults for one connection request (default none). */
  readonly faults?: (request: ConnectRequest) => readonly Fault[];
}

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

/** A GuestConnector over simulated guests, with per-step latency and injectable faults. */
export class SimulatedConnector implements GuestConnector {
  readonly platform: Platform;
  readonly method: ConnectionMethod;
  readonly #options: SimulatedConnectorOptions;
  /** Sessions opened and not closed: a test checks that cleanup closed them all. */
  readonly open = new Set<GuestSession>();

  constructor(options: SimulatedConnectorOptions) {
    this.platform = options.platform;
    this.method = options.method;
    this.#options = options;
  }

  connect(request: ConnectRequest, options: CallOptions): Promise<GuestSession> {
    const faults = this.#options.faults?.(request) ?? [];
    const hangs = (step: string): boolean => faults.some((fault) => fault.kind === 'hang' && fault.step === step);
    const connecting = (): string => `connect to ${request.vm} from ${request.proxy} over ${this.method}`;
    if (hangs('connect')) return settleWithin(connecting(), options, never<GuestSession>);
    return this.#after(connecting, options, () => {
      if (faults.some((fault) => fault.kind === 'refuse')) {
        throw new ConnectorError(ErrorCode.ConnectionRefused, `${request.proxy} → ${request.vm} over ${this.method}: connection refused`);
      }
      const guest = this.#options.guests.get(request.vm);
      if (guest === undefined) throw new ConnectorError(ErrorCode.ConnectionRefused, `${request.vm}: no such guest`);
      const drop = faults.find((fault) => fault.kind === 'drop');
      let calls = 0;
      let closed = false;
      const step = <T>(name: 'run' | 'upload' | 'remove', callOptions: CallOptions, act: () => T): Promise<T> => {
        const what = (): string => `${name} on ${request.vm}`;
        const check = (): void => {
          if (closed) throw new ConnectorError(ErrorCode.ConnectionDropped, `${request.vm}: session closed`);
          if (drop !== undefined && calls >= drop.afterCalls) throw new ConnectorError(ErrorCode.ConnectionDropped, `${request.vm}: connection dropped`);
        };
        if (hangs(name)) {
          return settleWithin(what(), callOptions, async () => {
            check();
            return never<T>();
          });
        }
        return this.#after(what, callOptions, () => {
          check();
          calls++;
          return act();
        });
      };
      const session: GuestSession = {
        vm: request.vm,
        proxy: request.proxy,
        method: this.method,
        run: (command, callOptions): Promise<CommandResult> =>
          step('run', callOptions, () => {
            // A deployer's folder script that removes something fails too (`fail-remove`): exit 4, as the real scripts.
            const script = guest.folderScriptOf(command);
            const folder = script?.get('folder') ?? '';
            if (faults.some((fault) => fault.kind === 'fail-remove') && script?.get('verb') === 'remove' && guest.listing().some((file) => file.startsWith(folder))) {
              return { exitCode: 4, stdout: '', stderr: `cannot remove ${folder}: access denied (simulated fault)`, truncated: false };
            }
            return guest.run(command);
          }),
        upload: async (contents, path, callOptions) => {
          const bytes = await contentsBytes(contents, callOptions.signal);
          return step('upload', callOptions, () => void guest.files.set(path, bytes.slice()));
        },
        remove: (path, callOptions) =>
          step('remove', callOptions, () => {
            // Removing nothing always works; removing something fails (a locked file, a denied delete).
            const failing = faults.some((fault) => fault.kind === 'fail-remove');
            if (failing && (guest.files.has(path) || guest.listing().some((file) => file.startsWith(`${path}/`) || file.startsWith(`${path}\\`)))) throw new ConnectorError(ErrorCode.ConnectorFailed, `${request.vm}: cannot remove ${path}`);
            guest.remove(path);
          }),
        close: async () => {
          closed = true;
          this.open.delete(session);
        },
      };
      this.open.add(session);
      return session;
    });
  }

  /**
   * Runs `act` after the lab's latency, within the call's timeout and signal:
   * one timer per call (a step longer than its timeout ends at the timeout),
   * none at zero latency. Cheap, because a benchmark makes a million of these.
   */
  #after<T>(what: () => string, options: CallOptions, act: () => T): Promise<T> {
    const { signal, timeoutMs } = options;
    if (signal.aborted) return Promise.reject(new ConnectorError(ErrorCode.ConnectionAborted, `${what()}: cancelled`));
    const latency = this.#options.latencyMs ?? 0;
    if (latency === 0) return Promise.resolve().then(act);
    return new Promise<T>((resolve, reject) => {
      const late = latency >= timeoutMs;
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(new ConnectorError(ErrorCode.ConnectionAborted, `${what()}: cancelled`));
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        if (late) reject(new ConnectorError(ErrorCode.ConnectionTimedOut, `${what()}: no answer within ${timeoutMs} ms`));
        else {
          try {
            resolve(act());
          } catch (error) {
            reject(error);
          }
        }
      }, late ? timeoutMs : latency);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
