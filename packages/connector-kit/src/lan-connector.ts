import {
  callWithin, ConnectorError, ErrorCode, GipkitError, PluginError,
  type CallOptions, type ConnectRequest, type ConnectionMethod, type GuestConnector, type GuestSession, type OsFamily, type Platform, type SessionOpener,
} from '@gipkit/plugin-api';

export interface LanConnectorOptions {
  /** The hypervisor platform whose VMs this connector reaches (`vmware`, `hyperv`, …). */
  readonly platform: Platform;
  /** Opens sessions to Linux guests: in production `createSshOpener()` of `@gipkit/transport-ssh`. */
  readonly linux?: SessionOpener;
  /** Opens sessions to Windows guests: a `WindowsNetworkOpener`. */
  readonly windows?: SessionOpener;
}

/**
 * The `lan` connection method of one platform: a network connection from the
 * proxy to the guest, over the transport of the guest's OS family (SSH for
 * Linux, SMB and RPC for Windows). A family without a transport is a
 * GIPKIT_CONNECTOR_FAILED error naming it, so the orchestrator tries the next
 * method or fails over.
 */
export class LanConnector implements GuestConnector {
  readonly platform: Platform;
  readonly method: ConnectionMethod = 'lan';
  /** The families it has an opener for. */
  readonly families: readonly OsFamily[];
  readonly #openers: Readonly<Partial<Record<OsFamily, SessionOpener>>>;

  constructor(options: LanConnectorOptions) {
    if (options.linux === undefined && options.windows === undefined) {
      throw new PluginError(ErrorCode.PluginInvalid, '@gipkit/connector-kit', `the LAN connector for ${options.platform} needs a linux or a windows session opener`);
    }
    this.platform = options.platform;
    this.#openers = { ...(options.linux === undefined ? {} : { linux: options.linux }), ...(options.windows === undefined ? {} : { windows: options.windows }) };
    this.families = Object.freeze(Object.keys(this.#openers) as OsFamily[]);
  }

  connect(request: ConnectRequest, options: CallOptions): Promise<GuestSession> {
    const what = `connect to ${request.vm} from ${request.proxy} over LAN`;
    const opener = this.#openers[request.family];
    if (opener === undefined) {
      return Promise.reject(
        new ConnectorError(ErrorCode.ConnectorFailed, `${what}: no transport is configured for ${request.family} guests on ${this.platform} (give the ${request.family} option)`),
      );
    }
    return callWithin(what, options, async (signal) => {
      try {
        return await opener.open(request, this.method, { timeoutMs: options.timeoutMs, signal });
      } catch (error) {
        if (error instanceof GipkitError) throw error;
        // An opener that breaks its contract (rejects with a plain error): keep its message out, it may not be ours to show.
        throw new ConnectorError(ErrorCode.ConnectorFailed, `${what}: the ${request.family} transport failed`, { cause: error });
      }
    }, (session) => session.close());
  }
}
