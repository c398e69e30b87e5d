import { ErrorCode, GipkitError, LOG_LEVELS, MAX_TIMEOUT_MS, type GipkitEvent, type Plan, type Plugin } from '@gipkit/plugin-api';
import { createGipkit, NoConnectorError, PlanStaleError, type RunResult } from '@gipkit/core';
import { linuxDeployerPlugin } from '@gipkit/deployer-linux';
import { windowsDeployerPlugin } from '@gipkit/deployer-windows';
import { vmwarePlugin } from '@gipkit/hypervisor-vmware';
import { hypervPlugin } from '@gipkit/hypervisor-hyperv';
import { sshTransportPlugin } from '@gipkit/transport-ssh';
import { loadLabFile, SimulatedLab } from '@gipkit/simulated-lab';
import { ExitCode, type CliIo } from '../cli-io.js';
import { UsageError, oneOf, required } from '../parse-options.js';
import { maxInputBytes } from './input-options.js';
import type { RunOptions } from './run-command-line.js';
import { RunProgress } from './run-progress.js';
import { printable, printableJson } from '../terminal-text.js';
import { useColour } from '../terminal-style.js';
import { formatRunSummary } from './run-summary.js';
import { loadRunInput } from './run-input.js';
import { DEFAULT_AGENT_TIMEOUT_MS, liveLoad, queueConnection } from './queue-options.js';

function positiveInteger(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new UsageError(`--${name} must be a whole number of at least 1 (got '${value}')`);
  return number;
}

/** Milliseconds that a timer can hold (a larger value would make every step time out after 1 ms). */
function milliseconds(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > MAX_TIMEOUT_MS) {
    throw new UsageError(`--${name} must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS} (got '${value}')`);
  }
  return number;
}

/** `gipkit run`, its options parsed (run-command-line.ts). */
export async function runJob(values: RunOptions, io: CliIo): Promise<ExitCode> {
  required(values, 'inventory', 'job', 'bundle');
  const events = oneOf('events', values.events, ['ndjson', 'none'], 'none');
  const whenNoConnector = oneOf('when-no-connector', values.whenNoConnector, ['refuse', 'fail-vms'], 'refuse');
  const perServer = positiveInteger('per-proxy', values.perProxy);
  const total = positiveInteger('concurrency', values.concurrency);
  const stepTimeout = milliseconds('step-timeout', values.stepTimeout);
  const log = values.logLevel === undefined && values.logFile === undefined
    ? undefined
    : { level: oneOf('log-level', values.logLevel, LOG_LEVELS, 'info'), ...(values.logFile === undefined ? {} : { file: values.logFile }) };
  const inputLimit = maxInputBytes(values);
  const connection = await queueConnection(values, io.env ?? {});
  const agentTimeoutMs = milliseconds('agent-timeout', values.agentTimeout);
  if (agentTimeoutMs !== undefined && connection === undefined) throw new UsageError('--agent-timeout needs --queue');
  const queueTimeoutMs = milliseconds('queue-timeout', values.queueTimeout);
  if (queueTimeoutMs !== undefined && connection === undefined) throw new UsageError('--queue-timeout needs --queue');
  for (const [name, value, given] of [['agent-timeout', agentTimeoutMs, values.agentTimeout], ['queue-timeout', queueTimeoutMs, values.queueTimeout]] as const) {
    if (value !== undefined && (value < 1000 || value > 3_600_000)) throw new UsageError(`--${name} must be from 1000 to 3600000 ms (got '${given ?? ''}')`);
  }
  if (connection !== undefined && perServer !== undefined) throw new UsageError('--per-proxy has no effect with --queue: each agent\'s --concurrency limits its servers');
  if (values.lab !== undefined && values.simulate !== true) throw new UsageError('--lab needs --simulate');
  if (values.replan === true && values.plan === undefined) throw new UsageError('--replan needs --plan');
  if (values.plan !== undefined && values.replan !== true && (values.rules ?? []).length > 0) {
    throw new UsageError('--rules has no effect with --plan: the saved plan runs as it was made (add --replan to plan again with these rules when the input changed)');
  }
  // Input and bundle first: every problem of the inventory, the job and the bundle in one report, nothing planned.
  const { input, bundle } = await loadRunInput({
    inventory: values.inventory ?? '',
    job: values.job ?? '',
    rules: values.rules ?? [],
    bundle: values.bundle ?? '',
    ...inputLimit,
  });
  const deployers: Plugin[] = [linuxDeployerPlugin(), windowsDeployerPlugin()];
  let lab: SimulatedLab | undefined;
  let connectors: Plugin[];
  if (values.simulate === true) {
    lab = new SimulatedLab(input.inventory, values.lab === undefined ? {} : loadLabFile(values.lab, { inventory: input.inventory, ...inputLimit }));
    connectors = [lab.plugin()];
  } else {
    const ssh = sshTransportPlugin({
      ...(values.knownHosts === undefined ? {} : { knownHostsFile: values.knownHosts }),
      trustOnFirstUse: values.trustOnFirstUse === true,
    });
    // LAN connectors reach Linux guests through the SSH_OPENER the transport plugin provides.
    connectors = [ssh, vmwarePlugin(), hypervPlugin()];
  }
  // With --queue the agents deploy; the connectors here say what they reach (the same set as the agents': --simulate or not).
  const queuePlugins: Plugin[] = [];
  if (connection !== undefined) {
    const { bullmqDispatcherPlugin } = await import('@gipkit/dispatcher-bullmq');
    queuePlugins.push(bullmqDispatcherPlugin({ connection, ...(agentTimeoutMs === undefined ? {} : { agentTimeoutMs }), ...(queueTimeoutMs === undefined ? {} : { queueTimeoutMs }) }));
  }
  const gipkit = createGipkit({ ruleFiles: values.rules ?? [], plugins: [...connectors, ...deployers, ...queuePlugins], ...inputLimit, ...(log === undefined ? {} : { log }) });

  // The human output: stdout, or stderr under --events ndjson; live and in colour only when that stream is a terminal.
  const humanStream = events === 'ndjson' ? 'stderr' : 'stdout';
  const output = events === 'ndjson' ? io.stderr : io.stdout;
  const live = (humanStream === 'stdout' ? io.isTty : io.stderrIsTty) === true;
  const colour = useColour(live, io.env ?? {});
  const progress = new RunProgress(output, { live, colour, columns: () => io.terminalSize?.(humanStream).columns, rows: () => io.terminalSize?.(humanStream).rows });
  gipkit.events$.subscribe((event: GipkitEvent) => {
    if (events === 'ndjson') io.stdout(`${printableJson(event)}\n`);
    progress.onEvent(event);
  });
  let plan: Plan | undefined;
  if (values.plan !== undefined) {
    try {
      plan = gipkit.loadPlan(values.plan, input);
      progress.savedPlan(plan, values.plan);
    } catch (error) {
      if (!(error instanceof PlanStaleError) || values.replan !== true) {
        gipkit.dispose();
        throw error;
      }
      const changed = error.changed.map((change) => change.input).join(' and ');
      progress.note(`gipkit run: the ${changed} changed since ${values.plan} was made: planning again (--replan)`, 'yellow');
    }
  }

  // With --queue (and planning now), each server with a live agent is as loaded as its agents say.
  let measuredLoad: Map<string, number> | undefined;
  try {
    measuredLoad = connection === undefined || plan !== undefined ? undefined : await liveLoad(connection, agentTimeoutMs ?? DEFAULT_AGENT_TIMEOUT_MS);
  } catch (error) {
    gipkit.dispose();
    if (!(error instanceof GipkitError) || error.code !== ErrorCode.QueueUnavailable) throw error;
    io.stderr(`gipkit run: ${printable(error.message)} [${error.code}]\n`);
    return ExitCode.Failed;
  }
  const cancel = new AbortController();
  const cancelCleanup = new AbortController();
  // Ctrl-C (or SIGTERM, SIGHUP): stop new work, clean up; again: stop the cleanup; a third time: exit now.
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts === 1) {
      progress.note('gipkit run: cancelling: removing what was deployed; Ctrl-C again stops the cleanup', 'yellow');
      cancel.abort();
    } else if (interrupts === 2) {
      progress.note('gipkit run: stopping the cleanup: what it did not remove is listed below; Ctrl-C again exits at once', 'yellow');
      cancelCleanup.abort();
    } else process.exit(130);
  };
  const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const name of SIGNALS) process.on(name, onSignal);
  // A reader that went away (stdout or stderr, or both with `2>&1 | grep -m1`) cancels once, like the first Ctrl-C, never more:
  // the cleanup must still run.
  const onOutputClosed = (): void => {
    if (interrupts === 0) onSignal();
  };
  if (io.outputClosed?.aborted === true) onOutputClosed();
  else io.outputClosed?.addEventListener('abort', onOutputClosed, { once: true });
  let result: RunResult;
  try {
    result = await gipkit.run(input, {
      bundle,
      ...(plan === undefined ? {} : { plan }),
      signal: cancel.signal,
      cleanupSignal: cancelCleanup.signal,
      whenNoConnector,
      ...(connection === undefined ? {} : { dispatcher: 'bullmq' }),
      ...(measuredLoad === undefined ? {} : { measuredLoad }),
      concurrency: { ...(perServer === undefined ? {} : { perServer }), ...(total === undefined ? {} : { total }) },
      ...(stepTimeout === undefined ? {} : { timeouts: { connect: stepTimeout, upload: stepTimeout, install: stepTimeout, start: stepTimeout, health: stepTimeout, remove: stepTimeout } }),
    });
  } catch (error) {
    if (error instanceof GipkitError && error.code === ErrorCode.QueueUnavailable) {
      // Not the input's fault: the run could not start its work.
      io.stderr(`gipkit run: ${printable(error.message)} [${error.code}]\n`);
      return ExitCode.Failed;
    }
    if (!(error instanceof NoConnectorError)) throw error;
    io.stderr(`${formatNoConnector(error)}\n`);
    return ExitCode.BadInput;
  } finally {
    for (const name of SIGNALS) process.off(name, onSignal);
    io.outputClosed?.removeEventListener('abort', onOutputClosed);
    progress.stop();
    gipkit.dispose();
  }
  output(`${formatRunSummary(result, { servers: input.inventory.servers.map((server) => server.id), colour })}\n`);
  if (lab !== undefined && connection === undefined) {
    const left = [...lab.guests.values()].reduce((sum, guest) => sum + guest.listing().length, 0);
    output(`simulated lab: ${left} file(s) left in guests (persistent components stay), ${lab.openSessions()} session(s) open\n`);
  }
  return result.accepted ? ExitCode.Ok : ExitCode.Failed;
}

/** What to configure, in the CLI's terms: it has SSH for Linux guests over LAN, nothing else. */
function formatNoConnector(error: NoConnectorError): string {
  return [
    `gipkit run: cannot start job ${error.job}: ${error.unreached} of ${error.total} VMs cannot be reached by any configured connector by the methods planned for them [${error.code}]`,
    ...error.problems.map((problem) => `  - ${problem}`),
    'The gipkit CLI reaches Linux guests over LAN by SSH only (VMware and Hyper-V). Windows guests, VIX and PowerShell Direct need a',
    'product that embeds the SDK with those transports (docs/deployment.md). --simulate deploys into a simulated lab instead;',
    '--when-no-connector fail-vms deploys the VMs it can reach and fails these.',
  ].join('\n');
}
