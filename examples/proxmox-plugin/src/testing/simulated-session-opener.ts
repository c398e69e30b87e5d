import type { CallOptions, ConnectRequest, ConnectionMethod, GuestSession, SessionOpener } from '@gipkit/plugin-api';
import { SimulatedConnector, type SimulatedConnectorOptions } from '@gipkit/testkit';

/**
 * A SessionOpener over testkit's `SimulatedConnector` (simulated guests, with
 * latency and faults per request): what a LAN transport (SSH, the Windows
 * network) looks like to the `lan` connector, in memory.
 */
export class SimulatedSessionOpener implements SessionOpener {
  readonly connector: SimulatedConnector;
  /** Every request it was asked to open, in order. */
  readonly requests: ConnectRequest[] = [];

  constructor(options: Omit<SimulatedConnectorOptions, 'platform' | 'method'>) {
    this.connector = new SimulatedConnector({ ...options, platform: 'proxmox', method: 'lan' });
  }

  open(request: ConnectRequest, _method: ConnectionMethod, options: CallOptions): Promise<GuestSession> {
    this.requests.push(request);
    return this.connector.connect(request, options);
  }
}
