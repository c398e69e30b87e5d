import type { CallOptions, ConnectRequest, OsFamily } from '@gipkit/plugin-api';
import { SimulatedGuest } from '@gipkit/testkit';
import { SimulatedGuestAgent, type GuestAgentFault, type SimulatedGuestAgentOptions } from './simulated-guest-agent.js';

/** Simulated guests behind a simulated guest agent, with faults a test can change while it runs. */
export interface GuestAgentLab {
  readonly guests: Map<string, SimulatedGuest>;
  readonly agent: SimulatedGuestAgent;
  /** Faults by VM id; read at every API call. */
  readonly faults: Map<string, GuestAgentFault[]>;
  /** A connect request from `proxy` to one of the guests. */
  request(vm: string, proxy?: string): ConnectRequest;
}

export function guestAgentLab(
  vms: Readonly<Record<string, OsFamily>>,
  options: Omit<SimulatedGuestAgentOptions, 'guests' | 'faults'> = {},
): GuestAgentLab {
  const guests = new Map(Object.entries(vms).map(([vm, family]) => [vm, new SimulatedGuest(vm, family)]));
  const faults = new Map<string, GuestAgentFault[]>();
  const agent = new SimulatedGuestAgent({ ...options, guests, faults: (vm) => faults.get(vm) ?? [] });
  return {
    guests,
    agent,
    faults,
    request: (vm, proxy = 'gip-1') => ({
      vm,
      host: 'pve-1',
      platform: 'proxmox',
      family: vms[vm] ?? 'linux',
      addresses: [],
      account: 'root',
      proxy,
    }),
  };
}

export const callOptions = (timeoutMs = 5_000, signal: AbortSignal = new AbortController().signal): CallOptions => ({ timeoutMs, signal });
