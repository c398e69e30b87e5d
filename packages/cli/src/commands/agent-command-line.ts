import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { act, defineCommand, type CommandContext, type CommandDescription } from '../command-line.js';
import { repeatable } from '../parse-options.js';
import { withQueueOptions, type QueueValues } from './queue-options.js';

/** What `gipkit agent` is given; its work lives in agent-command.ts. */
export interface AgentValues extends QueueValues {
  readonly server?: readonly string[] | undefined;
  readonly concurrency?: string | undefined;
  readonly knownHosts?: string | undefined;
  readonly trustOnFirstUse?: true | undefined;
  readonly bundleCache?: string | undefined;
  readonly maxBundleBytes?: string | undefined;
  readonly simulate?: true | undefined;
  readonly inventory?: string | undefined;
  readonly job?: string | undefined;
  readonly lab?: string | undefined;
  readonly heartbeat?: string | undefined;
  readonly agentId?: string | undefined;
  readonly logLevel?: string | undefined;
  readonly logFile?: string | undefined;
}

export const AGENT: CommandDescription = {
  name: 'agent',
  summary: 'work as the agent of one or more servers: take their tasks from the queue and deploy from here',
  description: `Runs on a guest interaction proxy: consumes the queue of each server it
serves, connects to the guests from this machine with its own connectors,
deploys, and reports every step to the run's coordinator (gipkit run --queue).
It reads each task's secret here, by reference, and verifies each bundle by
its SHA-256 before use.`,
  usage: '--server ID [--server ID]... --queue redis://HOST:PORT[/DB] [options]',
  examples: [
    'gipkit agent --server proxy-a --queue redis://10.0.0.5:6379 --known-hosts /etc/gipkit/known_hosts',
  ],
  notes: [
    'The Redis password comes from GIPKIT_QUEUE_PASSWORD or --queue-password-file, never from the URL.',
    'SIGTERM or Ctrl-C: it stops taking tasks, finishes those it holds, leaves the directory and exits 0.',
    'Without --simulate it reaches Linux guests over LAN by SSH (VMware and Hyper-V), like gipkit run.',
    'docs/agents.md: the topology, a systemd unit, Redis security, sizing and failures.',
  ],
};

export function agentCommandLine(context: CommandContext): CommandUnknownOpts {
  const command = defineCommand(AGENT, context)
    .option('--server <id>', 'a server (its inventory id) whose tasks this agent performs; repeatable (required)', repeatable)
    .option('--concurrency <n>', 'tasks at once per server served (default: 4)')
    .option('--known-hosts <file>', 'SSH known_hosts file for Linux guests (default: none: an unknown host key is refused unless --trust-on-first-use)')
    .option('--trust-on-first-use', 'accept unknown SSH host keys and record them (default: off)')
    .option('--bundle-cache <dir>', 'keep bundles here by digest, verified on every use (default: in memory only)')
    .option('--max-bundle-bytes <n>', 'largest bundle accepted (default: 67108864, 64 MiB)')
    .option('--simulate', 'deploy into a simulated lab made from --inventory, not real guests (default: off)')
    .option('--inventory <file>', 'the inventory whose VMs the simulated lab holds, with --simulate (default: none; required with --simulate)')
    .option('--job <file>', 'a job of that inventory, to validate it with, with --simulate (default: none; required with --simulate)')
    .option('--lab <file>', 'with --simulate: latency and faults of the lab (default: none)')
    .option('--heartbeat <ms>', 'how often it tells the directory it is live, 100 to 60000 (default: 1000)')
    .option('--agent-id <id>', 'its name in the directory and in events (default: the host name and random digits)')
    .option('--log-level <level>', 'diagnostics: trace, debug, info, warn, error or silent (default: info)')
    .option('--log-file <file>', 'append diagnostics as NDJSON lines to this file (default: standard error)')
    .action((options: AgentValues) => act(AGENT, context, async () => (await import('./agent-command.js')).runAgent(options, context.io)));
  return withQueueOptions(command, true);
}
