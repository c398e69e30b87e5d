import { createGipkit, type Gipkit, type RunOptions, type ValidInput } from '@gipkit/core';
import { linuxDeployerPlugin } from '@gipkit/deployer-linux';
import { windowsDeployerPlugin } from '@gipkit/deployer-windows';
import { EVENT_TYPES, TERMINAL_EVENT_TYPES, type ComponentBundle, type EventOfType, type GipkitEvent, type GipkitEventType, type Plugin } from '@gipkit/plugin-api';
import { SimulatedLab, type SimulatedLabOptions } from '@gipkit/simulated-lab';

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A small bundle: an agent and a health check for both families. */
export const BUNDLE: ComponentBundle = {
  name: 'hello-agent',
  version: '1.0.0',
  files: [
    { path: 'agent.sh', contents: encode('#!/bin/sh\nwhile true; do date > heartbeat; sleep 1; done\n'), executable: true },
    { path: 'health.sh', contents: encode('#!/bin/sh\ntest -f heartbeat\n'), executable: true },
    { path: 'agent.ps1', contents: encode('while ($true) { Get-Date > heartbeat; Start-Sleep 1 }\n') },
    { path: 'health.ps1', contents: encode('if (-not (Test-Path heartbeat)) { exit 1 }\n') },
  ],
  start: { linux: ['./agent.sh'], windows: ['powershell.exe', '-File', 'agent.ps1'] },
  health: { linux: ['./health.sh'], windows: ['powershell.exe', '-File', 'health.ps1'] },
};

export interface EstateOptions {
  readonly vms?: number;
  readonly linuxVms?: number;
  readonly proxies?: number;
  readonly job?: Record<string, unknown>;
}

/**
 * One site, one network: the backup server `vbr`, Windows proxies `p1`..`pN`,
 * Windows VMs `w1`..`wN` and Linux VMs `l1`..`lN` on one vSphere host.
 */
export function estate(options: EstateOptions = {}): ValidInput {
  const proxies = Array.from({ length: options.proxies ?? 2 }, (_, index) => ({
    id: `p${index + 1}`, os: { family: 'windows' }, addresses: [`10.0.0.${index + 3}`], roles: ['vmware-proxy'],
  }));
  const windows = Array.from({ length: options.vms ?? 2 }, (_, index) => ({
    id: `w${index + 1}`, host: 'esx', guest: { family: 'windows' }, addresses: [`10.0.1.${index + 1}`],
  }));
  const linux = Array.from({ length: options.linuxVms ?? 0 }, (_, index) => ({
    id: `l${index + 1}`, host: 'esx', guest: { family: 'linux' }, addresses: [`10.0.2.${index + 1}`],
  }));
  const vms = [...windows, ...linux];
  return createGipkit().validateInput({
    inventory: {
      backupServer: 'vbr',
      networks: [{ id: 'lan', cidrs: ['10.0.0.0/16'] }],
      hosts: [{ id: 'esx', platform: 'vmware', version: '8.0' }],
      servers: [{ id: 'vbr', os: { family: 'windows' }, addresses: ['10.0.0.2'], roles: ['backup-server'] }, ...proxies],
      vms,
    },
    job: {
      id: 'nightly',
      vms: vms.map((vm) => vm.id),
      guestProcessing: { applicationAware: true },
      credentials: { kind: 'standard', account: 'CORP\\backup', secret: { env: 'GIPKIT_TEST_GUEST_SECRET' } },
      ...options.job,
    },
  });
}

/** Every event of an engine, in order, with helpers to pick them. */
export class EventLog {
  readonly events: GipkitEvent[] = [];

  constructor(gipkit: Gipkit) {
    gipkit.events$.subscribe((event) => this.events.push(event));
  }

  of<T extends GipkitEventType>(type: T): EventOfType<T>[] {
    return this.events.filter((event): event is EventOfType<T> => event.type === type);
  }

  /** The event types one VM saw, in order. */
  forVm(vm: string): string[] {
    return this.events.filter((event) => 'vm' in event && event.vm === vm).map((event) => event.type);
  }

  /** Terminal events per VM: each VM must have exactly one. */
  terminalCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const event of this.events) {
      if ((TERMINAL_EVENT_TYPES as readonly string[]).includes(event.type) && 'vm' in event) counts.set(event.vm, (counts.get(event.vm) ?? 0) + 1);
    }
    return counts;
  }

  /** Every event type is a documented one. */
  unknownTypes(): string[] {
    return this.events.map((event) => event.type).filter((type) => !(EVENT_TYPES as readonly string[]).includes(type));
  }
}

export interface Rig {
  readonly input: ValidInput;
  readonly lab: SimulatedLab;
  readonly gipkit: Gipkit;
  readonly log: EventLog;
  run(options?: Partial<RunOptions>): ReturnType<Gipkit['run']>;
}

/** An engine with the simulated lab's connectors and the real deployers, and its event log. */
export function rig(input: ValidInput, lab: SimulatedLabOptions = {}, plugins: readonly Plugin[] = []): Rig {
  const simulated = new SimulatedLab(input.inventory, lab);
  const gipkit = createGipkit({ plugins: [simulated.plugin(), linuxDeployerPlugin(), windowsDeployerPlugin(), ...plugins] });
  const log = new EventLog(gipkit);
  return { input, lab: simulated, gipkit, log, run: (options = {}) => gipkit.run(input, { bundle: BUNDLE, ...options }) };
}

/** Nothing of a non-persistent deployment is left in any guest: no file, no process. */
export function leftovers(lab: SimulatedLab): Record<string, string[]> {
  const left: Record<string, string[]> = {};
  for (const [vm, guest] of lab.guests) {
    const things = [...guest.listing(), ...[...guest.processes.values()].map((process) => `process ${process.pid} in ${process.folder}`)];
    if (things.length > 0) left[vm] = things;
  }
  return left;
}
