import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { act, defineCommand, type CommandContext, type CommandDescription } from '../command-line.js';
import { withInputOptions, type InputValues } from './input-options.js';
import { withQueueOptions, type QueueValues } from './queue-options.js';

/** What `gipkit run` is given; its work lives in run-command.ts. */
export interface RunOptions extends InputValues, QueueValues {
  readonly agentTimeout?: string | undefined;
  readonly queueTimeout?: string | undefined;
  readonly bundle?: string | undefined;
  readonly simulate?: true | undefined;
  readonly lab?: string | undefined;
  readonly concurrency?: string | undefined;
  readonly perProxy?: string | undefined;
  readonly stepTimeout?: string | undefined;
  readonly knownHosts?: string | undefined;
  readonly trustOnFirstUse?: true | undefined;
  readonly events?: string | undefined;
  readonly whenNoConnector?: string | undefined;
  readonly logLevel?: string | undefined;
  readonly logFile?: string | undefined;
  readonly plan?: string | undefined;
  readonly replan?: true | undefined;
}

export const RUN: CommandDescription = {
  name: 'run',
  summary: 'plan, then deploy the runtime components, with failover and cleanup',
  description: `Plans the job, then deploys the bundle into every VM through its guest
interaction proxy, failing over to the backup server when a proxy cannot
connect, and removes non-persistent components when the job ends.`,
  usage: '--inventory FILE --job FILE --bundle DIR [--plan FILE [--replan]] [options]',
  examples: [
    'gipkit run --simulate --lab examples/lab/simulated-lab.yaml --inventory examples/lab/inventory.yaml --job examples/lab/nightly.job.yaml --bundle examples/bundles/hello-agent',
  ],
  notes: [
    'Without --simulate, the CLI reaches Linux guests over LAN by SSH only (VMware and Hyper-V):',
    'Windows guests and VIX or PowerShell Direct need a product that embeds the SDK with those transports.',
    'Ctrl-C stops new work and still removes what was deployed; a second Ctrl-C stops the cleanup.',
    'A closed stdout or stderr (| head, 2>&1 | grep -m1) cancels the same way, once.',
    'With --plan, the saved plan (gipkit plan --format json) runs as it is, without planning or rules files;',
    'it is refused (exit 2) when the inventory or job is not what it was made from, unless --replan plans again:',
    '  gipkit plan … --format json > plan.json; review it; gipkit run --plan plan.json … (docs/reference/cli.md).',
    'With --queue, each VM\'s work goes to the agents of its proxy (gipkit agent on each proxy, docs/agents.md);',
    'a server with no live agent fails over to the backup server. --per-proxy is then the agents\' --concurrency.',
    'Exit codes: 0 every VM succeeded or ended in its job\'s accepted outcome and cleanup left nothing,',
    '1 otherwise, 2 bad input.',
  ],
};

/**
 * The run command's options and help. Kept apart from its work: `gipkit --help`
 * and the other commands do not load the deployment stack (ssh2 among it).
 */
export function runCommandLine(context: CommandContext): CommandUnknownOpts {
  const command = withInputOptions(defineCommand(RUN, context))
    .option('--bundle <dir>', 'the component bundle: a folder with bundle.json (required)')
    .option('--simulate', 'deploy into a simulated lab (in memory), not real guests (default: off)')
    .option('--lab <file>', 'with --simulate: latency and faults of the lab (YAML or JSON) (default: no latency, no faults)')
    .option('--concurrency <n>', 'tasks at once in the whole run (default: 64)')
    .option('--per-proxy <n>', 'tasks at once on one server (default: 4)')
    .option('--step-timeout <ms>', 'timeout of every step, 1 to 2147483647 (default: per step, 30 s to 120 s)')
    .option('--known-hosts <file>', 'SSH known_hosts file for Linux guests (default: none: an unknown host key is refused unless --trust-on-first-use)')
    .option('--trust-on-first-use', 'accept unknown SSH host keys and record them; an event says so (default: off)')
    .option('--events <format>', 'ndjson: every event as one JSON line on stdout, the human output on stderr; or none (default: none)')
    .option('--when-no-connector <policy>', 'planned VMs that no configured connector reaches: refuse to start, or fail-vms: deploy the others and fail these (default: refuse)')
    .option('--log-level <level>', 'diagnostics: trace, debug, info, warn, error or silent (default: none; info with --log-file)')
    .option('--log-file <file>', 'append diagnostics as NDJSON lines to this file (default: standard error, when --log-level is given)')
    .option('--plan <file>', 'run this saved plan (gipkit plan --format json) as it is, after checking it was made from this inventory and job (default: plan now)')
    .option('--replan', 'with --plan: when the inventory or job changed since the plan was made, plan again instead of refusing (default: off)')
    .option('--agent-timeout <ms>', 'with --queue: an agent silent this long is gone, and its servers\' tasks fail over, 1000 to 3600000 (default: 15000)')
    .option('--queue-timeout <ms>', 'with --queue: Redis unreachable this long ends the run (exit 1), 1000 to 3600000 (default: 30000)')
    .action((options: RunOptions) => act(RUN, context, async () => (await import('./run-command.js')).runJob(options, context.io)));
  return withQueueOptions(command, false);
}
