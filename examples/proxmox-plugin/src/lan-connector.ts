import {
  callWithin, ConnectorError, ErrorCode, GipkitError,
  type CallOptions, type ConnectRequest, type ConnectionMethod, type GuestConnector, type GuestSession, type OsFamily, type Platform, type SessionOpener,
} from '@gipkit/plugin-api';

export interface LanConnectorOptions {
  /** The platform whose VMs it reaches (`proxmox`). */
  readonly platform: Platform;
  /** Opens sessions to Linux guests (SSH: `createSshOpener()` of `@gipkit/transport-ssh`). */
  readonly linux?: SessionOpener;
  /** Opens sessions to Windows guests (SMB and RPC). */
  readonly windows?: SessionOpener;
}

/**
 * The network (`lan`) connection method of one platform: routes each request
 * by the guest's OS family to the session opener of that family. A family
 * without an opener fails with GIPKIT_CONNECTOR_FAILED naming the option, so
 * the orchestrator tries the next method.
 */
export class LanConnector implements GuestConnector {
  readonly platform: Platform;
  readonly method: ConnectionMethod = 'lan';
  readonly #openers: Readonly<Partial<Record<OsFamily, SessionOpener>>>;

  constructor(options: LanConnectorOptions) {
    this.platform = options.platform;
    this.#openers = { ...(options.linux === undefined ? {} : { linux: options.linux }), ...(options.windows === undefined ? {} : { windows: options.windows }) };
  }

  connect(request: ConnectRequest, options: CallOptions): Promise<GuestSession> {
    const what = `connect to ${request.vm} from ${request.proxy} over LAN`;
    const opener = this.#openers[request.family];
    if (opener === undefined) {
      return Promise.reject(new ConnectorError(ErrorCode.ConnectorFailed, `${what}: no session opener is configured for ${request.family} guests (give the ${request.family} option)`));
    }
    return callWithin(what, options, async (signal) => {
      try {
        return await opener.open(request, this.method, { timeoutMs: options.timeoutMs, signal });
      } catch (error) {
        if (error instanceof GipkitError) throw error;
        // An opener that breaks its contract (rejects with a plain error): keep its message out, it may hold what must not be shown.
        throw new ConnectorError(ErrorCode.ConnectorFailed, `${what}: the ${request.family} session opener failed`, { cause: error });
      }
    }, (session) => session.close());
  }
}
