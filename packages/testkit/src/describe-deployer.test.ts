import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import {
  ErrorCode, GipkitError,
  type ComponentBundle, type ConnectRequest, type DeployContext, type DeploymentMode, type DeploymentResult, type GuestDeployer, type GuestSession,
} from '@gipkit/plugin-api';
import { describeDeployer } from './describe-deployer.js';
import { loadBundle } from '@gipkit/deployer-kit';
import { SimulatedConnector, SimulatedGuest } from '@gipkit/simulated-lab';

const HELLO_AGENT = fileURLToPath(new URL('../../../examples/bundles/hello-agent/', import.meta.url));

/**
 * The smallest deployer that follows the control-script protocol
 * (docs/reference/deployers.md): its control script is only the header,
 * which is all the simulated guest reads. A third-party deployer starts here
 * and writes a real script body for real guests.
 */
class HeaderOnlyDeployer implements GuestDeployer {
  readonly family = 'linux';

  locate(bundle: ComponentBundle, mode: DeploymentMode, runId: string): string {
    return mode === 'persistent' ? `/srv/${bundle.name}` : `/var/tmp/${runId}-${bundle.name}-${Math.random().toString(36).slice(2)}`;
  }

  async deploy(session: GuestSession, bundle: ComponentBundle, mode: DeploymentMode, context: DeployContext): Promise<DeploymentResult> {
    if (bundle.start.linux === undefined || bundle.health.linux === undefined) throw new GipkitError(ErrorCode.BundleInvalid, 'no linux commands');
    const location = context.location ?? this.locate(bundle, mode, context.runId);
    const call = (step: keyof DeployContext['timeouts']) => ({ timeoutMs: context.timeouts[step], signal: context.signal });
    const control = (verb: string, step: keyof DeployContext['timeouts']) => session.run(['/bin/sh', `${location}/control.sh`, verb], call(step));
    const result = (reused: boolean): DeploymentResult => ({ mode, location, version: bundle.version, reused });
    if (mode === 'persistent' && (await control('version', 'install')).stdout.trim() === bundle.version) {
      context.step('health');
      if ((await control('health', 'health')).exitCode === 0) return result(true);
    }
    context.step('upload');
    await this.#clear(session, location, call('upload'));
    for (const file of bundle.files.filter((entry) => entry.family === undefined || entry.family === 'linux')) await session.upload(file.contents, `${location}/${file.path}`, { ...call('upload'), mode: file.executable === true ? 0o755 : 0o644 });
    const header = ['# gipkit-control-script v1', `# gipkit-name: ${bundle.name}`, `# gipkit-mode: ${mode}`, `# gipkit-folder: ${location}`, `# gipkit-start: ${JSON.stringify(bundle.start.linux)}`];
    await session.upload(new TextEncoder().encode(`#!/bin/sh\n${header.join('\n')}\n`), `${location}/control.sh`, call('upload'));
    await session.upload(new TextEncoder().encode(bundle.version), `${location}/VERSION`, call('upload'));
    if (mode === 'persistent') {
      context.step('install');
      await control('install', 'install');
    }
    context.step('start');
    await control('start', 'start');
    context.step('health');
    if ((await control('health', 'health')).exitCode !== 0) throw new GipkitError(ErrorCode.HealthCheckFailed, 'unhealthy');
    return result(false);
  }

  async remove(session: GuestSession, location: string, context: DeployContext): Promise<void> {
    await this.#clear(session, location, { timeoutMs: context.timeouts.remove, signal: context.signal });
  }

  async #clear(session: GuestSession, location: string, options: { timeoutMs: number; signal: AbortSignal }): Promise<void> {
    if ((await session.run(['/bin/sh', `${location}/control.sh`, 'stop'], options)).exitCode === 1) throw new GipkitError(ErrorCode.DeployFailed, 'cannot stop');
    await session.remove(location, options);
  }
}

const request: ConnectRequest = { vm: 'web-1', proxy: 'proxy-1', host: 'esx-1', platform: 'vmware', family: 'linux', addresses: [], account: 'root' };

describeDeployer('a header-only protocol deployer on a simulated guest', async () => {
  const guest = new SimulatedGuest('web-1', 'linux');
  const connector = new SimulatedConnector({ platform: 'vmware', method: 'lan', guests: new Map([['web-1', guest]]), latencyMs: 1 });
  return {
    deployer: new HeaderOnlyDeployer(),
    open: () => connector.connect(request, { timeoutMs: 1_000, signal: new AbortController().signal }),
    bundle: await loadBundle(HELLO_AGENT),
    listing: async () => guest.listing(),
    processes: async () => guest.processList(),
    failHealth: async () => void (guest.failHealth = true),
    // The suite closes every session it opens.
    cleanup: async () => expect(connector.open.size).toBe(0),
  };
});

