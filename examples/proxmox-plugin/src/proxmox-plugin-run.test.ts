import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGipkit } from '@gipkit/core';
import { linuxDeployerPlugin } from '@gipkit/deployer-linux';
import { windowsDeployerPlugin } from '@gipkit/deployer-windows';
import { ErrorCode, type ComponentBundle, type EventOfType, type GipkitEvent, type GipkitEventType } from '@gipkit/plugin-api';
import { loadBundle, SimulatedGuest, type Fault } from '@gipkit/testkit';
import { proxmoxPlugin } from './proxmox-plugin.js';
import { ESTATE_INVENTORY, proxmoxEstate, type EstateVm } from './testing/proxmox-estate.js';
import { SimulatedGuestAgent, type GuestAgentFault } from './testing/simulated-guest-agent.js';
import { SimulatedSessionOpener } from './testing/simulated-session-opener.js';

// "A simulated run": the plugin with simulated transports (LAN openers and the
// Proxmox VE API), the real Linux and Windows deployers, the default rules.

const RUN_VMS: readonly EstateVm[] = ['db-lin', 'app-win', 'web-lin', 'vault-lin', 'vault-win'];
const SECRET = 'proxmox-example-secret-never-shown';
let bundle: ComponentBundle;

beforeEach(async () => {
  process.env.GIPKIT_PROXMOX_EXAMPLE_SECRET = SECRET;
  bundle = await loadBundle(fileURLToPath(new URL('../../bundles/hello-agent', import.meta.url)));
});
afterEach(() => {
  delete process.env.GIPKIT_PROXMOX_EXAMPLE_SECRET;
});

interface LabFaults {
  /** LAN faults by VM. */
  readonly lan?: Readonly<Record<string, readonly Fault[]>>;
  /** Guest agent faults by VM, asked at every API call. */
  readonly agent?: (vm: string) => readonly GuestAgentFault[];
}

function rig(faults: LabFaults = {}) {
  const guests = new Map(ESTATE_INVENTORY.vms.map((vm) => [vm.id, new SimulatedGuest(vm.id, vm.guest.family)]));
  const lanFaults = (vm: string): readonly Fault[] => faults.lan?.[vm] ?? [];
  const linux = new SimulatedSessionOpener({ guests, latencyMs: 1, faults: (request) => lanFaults(request.vm) });
  const windows = new SimulatedSessionOpener({ guests, latencyMs: 1, faults: (request) => lanFaults(request.vm) });
  const guestAgent = new SimulatedGuestAgent({ guests, latencyMs: 1, faults: (vm) => faults.agent?.(vm) ?? [] });
  const gipkit = createGipkit({
    plugins: [proxmoxPlugin({ linux, windows, guestAgent, pollIntervalMs: 5 }), linuxDeployerPlugin({ healthAttempts: 1 }), windowsDeployerPlugin({ healthAttempts: 1 })],
  });
  const events: GipkitEvent[] = [];
  gipkit.events$.subscribe((event) => events.push(event));
  const of = <T extends GipkitEventType>(type: T): EventOfType<T>[] => events.filter((event): event is EventOfType<T> => event.type === type);
  /** Files and processes left in the guests. */
  const leftovers = (): Record<string, string[]> => {
    const left: Record<string, string[]> = {};
    for (const [vm, guest] of guests) {
      const things = [...guest.listing(), ...guest.processList()];
      if (things.length > 0) left[vm] = things;
    }
    return left;
  };
  return { gipkit, guests, guestAgent, linux, windows, events, of, leftovers, input: proxmoxEstate(gipkit, RUN_VMS) };
}

describe('a simulated run on Proxmox VE', () => {
  it('every VM ends deployment.succeeded, over LAN or the guest agent as planned, and the guests hold nothing afterwards', async () => {
    const { gipkit, input, of, leftovers, guestAgent } = rig();
    const result = await gipkit.run(input, { bundle });

    expect(of('deployment.succeeded').map((event) => [event.vm, event.server, event.method, event.failedOver]).sort()).toEqual([
      ['app-win', 'gip-win', 'lan', false],
      ['db-lin', 'gip-win', 'lan', false],
      ['vault-lin', 'gip-lin', 'qemu-agent', false],
      ['vault-win', 'gip-win', 'qemu-agent', false],
      ['web-lin', 'gip-lin', 'lan', false],
    ]);
    expect(of('deployment.failed')).toEqual([]);
    expect(of('connection.failed')).toEqual([]);
    expect(result).toMatchObject({ accepted: true, counts: { succeeded: 5, failed: 0 }, cleanup: { removed: 5, kept: 0, failures: [] } });
    expect(leftovers()).toEqual({});
    expect(guestAgent.calls.some((call) => call.includes('/nodes/pve-1/qemu/103/agent/file-write'))).toBe(true);
    expect(JSON.stringify(of('job.completed'))).not.toContain(SECRET);
  });

  it('a VM whose LAN connection is refused is deployed over qemu-agent by the same proxy (no failover), and cleaned up over it', async () => {
    const { gipkit, input, of, leftovers, guestAgent } = rig({ lan: { 'app-win': [{ kind: 'refuse' }] } });
    const result = await gipkit.run(input, { bundle });

    const selected = of('proxy.selected').find((event) => event.vm === 'app-win');
    expect(selected).toMatchObject({ proxy: 'gip-win', connection: 'lan' });
    expect(of('connection.failed').map((event) => [event.vm, event.server, event.method, event.reconnect, event.cause.code])).toEqual([
      ['app-win', 'gip-win', 'lan', false, ErrorCode.ConnectionRefused],
    ]);
    expect(of('deployment.succeeded').find((event) => event.vm === 'app-win')).toMatchObject({ server: 'gip-win', method: 'qemu-agent', failedOver: false });
    expect(of('failover.started')).toEqual([]);
    expect(of('deployment.succeeded')).toHaveLength(5);
    expect(result.accepted).toBe(true);
    expect(leftovers()).toEqual({});
    // The Windows guest was reached through the PowerShell helpers of the guest agent session.
    expect(guestAgent.commands.some((call) => call.vm === 'app-win' && call.command[0] === 'powershell.exe')).toBe(true);
  });

  it('when the proxy cannot reach a VM by any method, the backup server takes over with its own methods', async () => {
    const { gipkit, input, of, leftovers } = rig({ agent: (vm) => (vm === 'vault-lin' ? [{ kind: 'hang', call: 'info' }] : []) });
    const plan = gipkit.plan(input);
    expect(plan.decisions.find((decision) => decision.vm === 'vault-lin')).toMatchObject({ proxy: 'gip-lin', connection: 'qemu-agent' });
    const result = await gipkit.run(input, { bundle, plan, timeouts: { connect: 200 } });

    expect(of('connection.failed').filter((event) => event.vm === 'vault-lin').map((event) => [event.server, event.method, event.cause.code])).toEqual([
      ['gip-lin', 'qemu-agent', ErrorCode.ConnectionTimedOut],
      ['vbr', 'qemu-agent', ErrorCode.ConnectionTimedOut],
    ]);
    expect(of('failover.started').map((event) => [event.vm, event.from, event.to])).toEqual([['vault-lin', 'gip-lin', 'vbr']]);
    expect(result.vms.find((vm) => vm.vm === 'vault-lin')).toMatchObject({ status: 'failed', failedOver: true });
    expect(result.counts).toMatchObject({ succeeded: 4, failed: 1 });
    expect(leftovers()).toEqual({});
  });

  it('a guest agent that restarts mid-deployment is a drop: the same proxy reconnects once and deploys again', async () => {
    // The agent stops as the upload begins, and is back when the orchestrator reconnects.
    let uploads = 0;
    let down = false;
    const { gipkit, of, leftovers } = rig({ agent: (vm) => (vm === 'vault-lin' && down ? [{ kind: 'agent-not-running' }] : []) });
    const input = proxmoxEstate(gipkit, ['vault-lin']);
    const proxy = gipkit.plan(input).decisions[0]?.proxy;
    const subscription = gipkit.events$.subscribe((event) => {
      if (event.type === 'deployment.step' && event.step === 'upload' && ++uploads === 1) setTimeout(() => (down = true), 0);
      if (event.type === 'connection.failed' && event.reconnect) down = false;
    });
    const result = await gipkit.run(input, { bundle });
    subscription.unsubscribe();

    expect(of('connection.failed').map((event) => [event.server, event.method, event.reconnect, event.cause.code])).toEqual([
      [proxy, 'qemu-agent', true, ErrorCode.ConnectionDropped],
    ]);
    expect(of('deployment.succeeded')).toMatchObject([{ vm: 'vault-lin', server: proxy, method: 'qemu-agent', failedOver: false }]);
    expect(result.accepted).toBe(true);
    expect(leftovers()).toEqual({});
  });

  it('a guest agent that stays away after a drop fails the VM; the partial deployment is removed once the agent is back', async () => {
    let down = false;
    const { gipkit, of, leftovers, guests } = rig({ agent: (vm) => (vm === 'vault-lin' && down ? [{ kind: 'agent-not-running' }] : []) });
    const input = proxmoxEstate(gipkit, ['vault-lin']);
    const subscription = gipkit.events$.subscribe((event) => {
      if (event.type === 'deployment.step' && event.step === 'start') down = true;
    });
    const result = await gipkit.run(input, {
      bundle,
      beforeCleanup: async () => {
        expect(guests.get('vault-lin')?.listing().length).toBeGreaterThan(0);
        down = false;
      },
    });
    subscription.unsubscribe();

    expect(of('connection.failed').map((event) => [event.method, event.reconnect, event.cause.code])).toEqual([
      ['qemu-agent', true, ErrorCode.ConnectionDropped],
      ['qemu-agent', false, ErrorCode.ConnectionRefused],
    ]);
    expect(result.vms).toMatchObject([{ vm: 'vault-lin', status: 'failed', failedOver: false }]);
    expect(result.cleanup).toEqual({ removed: 1, kept: 0, stale: 0, failures: [] });
    expect(leftovers()).toEqual({});
  });
});
