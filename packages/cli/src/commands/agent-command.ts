import { readFileSync } from 'node:fs';
import { LOG_LEVELS, packageFile, type Plugin } from '@gipkit/plugin-api';
import { createGipkit } from '@gipkit/core';
import { QueueAgent } from '@gipkit/dispatcher-bullmq';
import { linuxDeployerPlugin } from '@gipkit/deployer-linux';
import { windowsDeployerPlugin } from '@gipkit/deployer-windows';
import { vmwarePlugin } from '@gipkit/hypervisor-vmware';
import { hypervPlugin } from '@gipkit/hypervisor-hyperv';
import { sshTransportPlugin } from '@gipkit/transport-ssh';
import { loadLabFile, SimulatedLab } from '@gipkit/simulated-lab';
import { ExitCode, type CliIo } from '../cli-io.js';
import { UsageError, oneOf, required } from '../parse-options.js';
import { printable } from '../terminal-text.js';
import type { AgentValues } from './agent-command-line.js';
import { queueConnection } from './queue-options.js';

function wholeNumber(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const number = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < min || number > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max} (got '${value}')`);
  return number;
}

function version(): string {
  const manifest: unknown = JSON.parse(readFileSync(packageFile(import.meta.url, '@gipkit/cli', 'package.json'), 'utf8'));
  const value = typeof manifest === 'object' && manifest !== null ? (manifest as { version?: unknown }).version : undefined;
  return typeof value === 'string' ? value : 'unknown';
}

/** `gipkit agent`: serves until SIGTERM, SIGINT or SIGHUP, then finishes what it holds and exits 0. */
export async function runAgent(values: AgentValues, io: CliIo): Promise<ExitCode> {
  required(values, 'server', 'queue');
  const concurrency = wholeNumber('concurrency', values.concurrency, 1, 10_000);
  const maxBundleBytes = wholeNumber('max-bundle-bytes', values.maxBundleBytes, 1, 2 ** 32);
  const heartbeatMs = wholeNumber('heartbeat', values.heartbeat, 100, 60_000);
  if (values.simulate !== true) {
    for (const option of ['inventory', 'job', 'lab'] as const) if (values[option] !== undefined) throw new UsageError(`--${option} needs --simulate`);
  } else required(values, 'inventory', 'job');
  if (values.knownHosts !== undefined && values.simulate === true) throw new UsageError('--known-hosts has no effect with --simulate');
  const connection = await queueConnection(values, io.env ?? {});
  if (connection === undefined) throw new UsageError('missing --queue');
  const log = { level: oneOf('log-level', values.logLevel, LOG_LEVELS, 'info'), ...(values.logFile === undefined ? {} : { file: values.logFile }) };
  let connectors: Plugin[];
  if (values.simulate === true) {
    const input = createGipkit().loadInput({ inventory: values.inventory ?? '', job: values.job ?? '' });
    const lab = new SimulatedLab(input.inventory, values.lab === undefined ? {} : loadLabFile(values.lab, { inventory: input.inventory }));
    connectors = [lab.plugin()];
  } else {
    const ssh = sshTransportPlugin({ ...(values.knownHosts === undefined ? {} : { knownHostsFile: values.knownHosts }), trustOnFirstUse: values.trustOnFirstUse === true });
    connectors = [ssh, vmwarePlugin(), hypervPlugin()];
  }
  const gipkit = createGipkit({ plugins: [...connectors, linuxDeployerPlugin(), windowsDeployerPlugin()], log });
  const agent = new QueueAgent({
    connection,
    servers: values.server ?? [],
    performer: (bundle) => gipkit.guestAgent(bundle),
    methods: gipkit.connectors.map((connector) => `${connector.platform}/${connector.method}`),
    version: version(),
    ...(concurrency === undefined ? {} : { concurrency }),
    ...(values.bundleCache === undefined ? {} : { bundleCache: values.bundleCache }),
    ...(maxBundleBytes === undefined ? {} : { maxBundleBytes }),
    ...(heartbeatMs === undefined ? {} : { heartbeatMs }),
    ...(values.agentId === undefined ? {} : { agentId: values.agentId }),
    logger: gipkit.logger,
  });
  const stopping = new AbortController();
  const stopped = new Promise<void>((resolve) => {
    const onSignal = (): void => {
      if (stopping.signal.aborted) process.exit(130);
      stopping.abort();
      io.stderr(`gipkit agent: stopping: finishing the tasks it holds; again exits at once\n`);
      void agent.stop().then(resolve);
    };
    for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(name, onSignal);
  });
  try {
    await agent.start();
  } catch (error) {
    await agent.stop();
    gipkit.dispose();
    // Stopped (SIGTERM) while it still waited for the queue: a clean exit.
    if (stopping.signal.aborted) return ExitCode.Ok;
    throw error;
  }
  io.stderr(`gipkit agent ${printable(agent.id)}: serving ${printable((values.server ?? []).join(', '))}\n`);
  await stopped;
  gipkit.dispose();
  io.stderr(`gipkit agent ${printable(agent.id)}: stopped\n`);
  return ExitCode.Ok;
}
