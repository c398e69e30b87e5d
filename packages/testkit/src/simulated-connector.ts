import {
  ConnectorError, ErrorCode, settleWithin,
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
    return settleWithin(`connect to ${request.vm} from ${request.proxy} over ${this.method}`, options, async () => {
      await this.#delay();
      if (hangs('connect')) return never<GuestSession>();
      if (faults.some((fault) => fault.kind === 'refuse')) {
        throw new ConnectorError(ErrorCode.ConnectionRefused, `${request.proxy} → ${request.vm} over ${this.method}: connection refused`);
      }
      const guest = this.#options.guests.get(request.vm);
      if (guest === undefined) throw new ConnectorError(ErrorCode.ConnectionRefused, `${request.vm}: no such guest`);
      const drop = faults.find((fault) => fault.kind === 'drop');
      let calls = 0;
      let closed = false;
      const step = async <T>(name: 'run' | 'upload' | 'remove', callOptions: CallOptions, act: () => T): Promise<T> =>
        settleWithin(`${name} on ${request.vm}`, callOptions, async () => {
          await this.#delay();
          if (closed) throw new ConnectorError(ErrorCode.ConnectionDropped, `${request.vm}: session closed`);
          if (drop !== undefined && calls >= drop.afterCalls) throw new ConnectorError(ErrorCode.ConnectionDropped, `${request.vm}: connection dropped`);
          if (hangs(name)) return never<T>();
          calls++;
          return act();
        });
      const session: GuestSession = {
        vm: request.vm,
        proxy: request.proxy,
        method: this.method,
        run: (command, callOptions): Promise<CommandResult> => step('run', callOptions, () => guest.run(command)),
        upload: (contents, path, callOptions) => step('upload', callOptions, () => void guest.files.set(path, contents.slice())),
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

  async #delay(): Promise<void> {
    const latency = this.#options.latencyMs ?? 0;
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
  }
}
