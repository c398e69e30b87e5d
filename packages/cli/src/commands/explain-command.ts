import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import type { Explanation } from '@gipkit/plugin-api';
import { ExitCode, type CliIo } from '../cli-io.js';
import { formatRulesApplied, markedRule } from '../format-rules-applied.js';
import { formatTable } from '../format-table.js';
import { act, defineCommand, type CommandContext, type CommandDescription } from '../command-line.js';
import { oneOf, required } from '../parse-options.js';
import { printableJson, printableLines } from '../terminal-text.js';
import { engineAndInput, withInputOptions, type InputValues } from './input-options.js';

export const EXPLAIN: CommandDescription = {
  name: 'explain',
  summary: "show every candidate's verdict for one VM, and why",
  description: `Shows every candidate for one VM: its verdict, the rules it failed with the actual
values, its tier and its load at that moment, and why the winner won.`,
  usage: '--inventory FILE --job FILE --vm ID [--rules FILE]... [--format text|json]',
  examples: ['gipkit explain --inventory examples/lab/inventory.yaml --job examples/lab/nightly.job.yaml --vm dmz-proxy'],
  notes: ['Exit codes: 0 explained, 2 bad input or a VM that is not in the job.'],
};

/** How many server ids a grouped finding lists before "and N more". */
const SERVERS_SHOWN = 6;

function serversOf(servers: readonly string[]): string {
  if (servers.length === 1) return servers[0] ?? '';
  const shown = servers.slice(0, SERVERS_SHOWN).join(', ');
  const more = servers.length > SERVERS_SHOWN ? ` and ${servers.length - SERVERS_SHOWN} more` : '';
  return `${servers.length} servers (${shown}${more})`;
}

export function formatExplanation(explanation: Explanation): string {
  const { decision, rules } = explanation;
  const lines = [
    `VM ${explanation.vm} in job ${explanation.job}: ${decision.status}${decision.proxy === null ? '' : ` → ${decision.proxy}`}` +
      (decision.tier === null ? '' : ` (tier ${decision.tier}, ${decision.connection ?? 'no connection'}, load ${decision.load})`),
    ...(explanation.rootCause === undefined ? [] : [`Root cause: ${explanation.rootCause}`]),
    formatRulesApplied(rules),
    '',
    ...formatTable(
      ['SERVER', 'VERDICT', 'TIER', 'LOAD', 'METHODS', 'BACKUP SERVER'],
      explanation.candidates.map((c) => [c.server, c.verdict, c.tier === null ? '-' : String(c.tier), String(c.load), c.methods.join(', ') || '-', c.isBackupServer ? 'yes' : '']),
    ).split('\n'),
  ];
  if (explanation.findings.length > 0) {
    lines.push('', 'Rules failed:');
    for (const finding of explanation.findings) lines.push(`  ${serversOf(finding.servers)}: ${markedRule(finding.rule, rules)}: ${finding.message}`);
  }
  // The root cause is printed at the top already.
  const because = explanation.rootCause === undefined ? explanation.because : explanation.because.filter((sentence) => !sentence.startsWith('Root cause: '));
  lines.push('', 'Why:', ...because.map((sentence) => `  ${sentence}`));
  return printableLines(lines);
}

export function explainCommand(context: CommandContext): CommandUnknownOpts {
  return withInputOptions(defineCommand(EXPLAIN, context))
    .option('--vm <id>', 'the VM to explain, one of the job (required)')
    .option('--format <format>', 'text or json (default: text)')
    .action((options) => act(EXPLAIN, context, () => explain(options, context.io)));
}

function explain(options: InputValues & { readonly vm?: string | undefined; readonly format?: string | undefined }, io: CliIo): ExitCode {
  const format = oneOf('format', options.format, ['text', 'json'], 'text');
  required(options, 'inventory', 'job', 'vm');
  const { gipkit, input } = engineAndInput(options);
  const explanation = gipkit.explain(input, options.vm ?? '');
  io.stdout(format === 'json' ? `${printableJson(explanation, 2)}\n` : `${formatExplanation(explanation)}\n`);
  return ExitCode.Ok;
}
